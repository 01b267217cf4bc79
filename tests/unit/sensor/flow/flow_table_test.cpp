// FlowTable: key normalisation, client side, accounting, idle expiry per
// protocol, eviction order when full, 4-tuple reuse, index churn, counters.
#include "sensor/flow/flow_table.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace mieruka::sensor {
namespace {

namespace tf = dissectors::tcp_flag;
using dissectors::DecodedPacket;
using dissectors::L3;
using dissectors::L4;

constexpr std::int64_t kSec = 1'000'000;

const std::byte kPayload[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};

DecodedPacket pkt(std::uint32_t src, std::uint16_t sport, std::uint32_t dst, std::uint16_t dport, L4 l4,
                  std::uint8_t flags = tf::ack, bool payload = false) {
  DecodedPacket p;
  p.has_l2 = true;
  p.src_mac.b = {0, 0x1b, 0x1b, 0, 0, static_cast<std::uint8_t>(src)};
  p.dst_mac.b = {0, 0x1b, 0x1b, 0, 0, static_cast<std::uint8_t>(dst)};
  p.l3 = L3::ipv4;
  p.src_ip = IpAddr::v4(src);
  p.dst_ip = IpAddr::v4(dst);
  p.l4 = l4;
  p.ip_proto = l4 == L4::tcp ? 6 : l4 == L4::udp ? 17 : 1;
  p.src_port = sport;
  p.dst_port = dport;
  p.tcp_flags = l4 == L4::tcp ? flags : 0;
  p.wire_len = 60;
  if (payload) p.payload = Bytes(kPayload, 4);
  return p;
}

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;  // 10.0.0.1, 10.0.0.2

struct Ends : FlowEndHandler {
  void on_flow_end(Flow& f, FlowEnd why) noexcept override {
    ports.push_back(f.key.port[0] == 502 ? f.key.port[1] : f.key.port[0]);
    reasons.push_back(why);
  }
  std::vector<std::uint16_t> ports;
  std::vector<FlowEnd> reasons;
};

TEST(FlowTable, BothDirectionsMapToOneFlow) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  std::uint8_t s1 = 9, s2 = 9;
  bool c1 = false, c2 = true;
  Flow* f1 = t.lookup(pkt(kB, 40000, kA, 502, L4::tcp), 1 * kSec, s1, c1);
  Flow* f2 = t.lookup(pkt(kA, 502, kB, 40000, L4::tcp), 2 * kSec, s2, c2);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(f1, f2);
  EXPECT_TRUE(c1);
  EXPECT_FALSE(c2);
  EXPECT_NE(s1, s2);
  EXPECT_EQ(f1->key.ip[0], IpAddr::v4(kA));  // lower address first
  EXPECT_EQ(f1->key.port[0], 502);
  EXPECT_EQ(s1, 1);  // B sent the first packet: key side 1
  EXPECT_EQ(f1->packets[0], 1U);
  EXPECT_EQ(f1->packets[1], 1U);
  EXPECT_EQ(f1->bytes[1], 60U);
  EXPECT_EQ(f1->mac[1].b[5], 2);
  EXPECT_EQ(f1->first_us, 1 * kSec);
  EXPECT_EQ(f1->last_us, 2 * kSec);
  EXPECT_EQ(t.size(), 1U);
  EXPECT_EQ(t.counters().created, 1U);
  // Same address and port on both ends still makes one flow.
  std::uint8_t s3 = 9;
  bool c3 = false;
  Flow* self = t.lookup(pkt(kA, 7, kA, 7, L4::udp), 3 * kSec, s3, c3);
  EXPECT_EQ(t.lookup(pkt(kA, 7, kA, 7, L4::udp), 3 * kSec, s3, c3), self);
  EXPECT_EQ(t.size(), 2U);
}

TEST(FlowTable, ProtocolAndVlanSeparateFlows) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  std::uint8_t s;
  bool c;
  Flow* tcp = t.lookup(pkt(kA, 1000, kB, 502, L4::tcp), 0, s, c);
  Flow* udp = t.lookup(pkt(kA, 1000, kB, 502, L4::udp), 0, s, c);
  EXPECT_NE(tcp, udp);
  auto v10 = pkt(kA, 1000, kB, 502, L4::tcp);
  v10.vlan_count = 1;
  v10.vlans[0] = 10;
  EXPECT_EQ(t.lookup(v10, 0, s, c), tcp);  // VLAN not in the key by default
  FlowLimits with_vlan;
  with_vlan.vlan_in_key = true;
  FlowTable tv(with_vlan, budget);
  Flow* a = tv.lookup(pkt(kA, 1000, kB, 502, L4::tcp), 0, s, c);
  Flow* b = tv.lookup(v10, 0, s, c);
  EXPECT_NE(a, b);
  EXPECT_EQ(b->key.vlan, 10);
}

TEST(FlowTable, NonIpIsRefused) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  DecodedPacket arp;
  arp.l3 = L3::arp;
  std::uint8_t s;
  bool c;
  EXPECT_EQ(t.lookup(arp, 0, s, c), nullptr);
  EXPECT_FALSE(c);
  EXPECT_EQ(t.counters().not_ip, 1U);
}

TEST(FlowTable, ClientSide) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  std::uint8_t s;
  bool c;
  // SYN from B: B is the client.
  Flow* f = t.lookup(pkt(kB, 40000, kA, 502, L4::tcp, tf::syn), 0, s, c);
  EXPECT_TRUE(f->syn_seen);
  EXPECT_EQ(f->client, s);
  const std::uint8_t b_side = s;
  (void)t.lookup(pkt(kA, 502, kB, 40000, L4::tcp, tf::syn | tf::ack), 0, s, c);
  EXPECT_EQ(f->client, b_side);
  // First packet seen is the SYN-ACK from A: the client is the other side.
  Flow* g = t.lookup(pkt(kA, 503, kB, 40001, L4::tcp, tf::syn | tf::ack), 0, s, c);
  EXPECT_EQ(g->client, s ^ 1);
  EXPECT_FALSE(g->syn_seen);
  // No SYN at all: the first sender; a later SYN overrides it.
  Flow* h = t.lookup(pkt(kA, 504, kB, 40002, L4::tcp, tf::ack), 0, s, c);
  EXPECT_EQ(h->client, s);
  (void)t.lookup(pkt(kB, 40002, kA, 504, L4::tcp, tf::syn), 0, s, c);
  EXPECT_EQ(h->client, s);
  // UDP: the first sender.
  Flow* u = t.lookup(pkt(kB, 5000, kA, 161, L4::udp), 0, s, c);
  EXPECT_EQ(u->client, s);
}

TEST(FlowTable, IdleExpiryPerProtocol) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  std::uint8_t s;
  bool c;
  (void)t.lookup(pkt(kA, 1, kB, 502, L4::tcp), 0, s, c);                // open TCP: 300 s
  (void)t.lookup(pkt(kA, 2, kB, 161, L4::udp), 0, s, c);                // UDP: 120 s
  (void)t.lookup(pkt(kA, 3, kB, 502, L4::tcp, tf::rst | tf::ack), 0, s, c);  // closed: 10 s
  auto ip = pkt(kA, 0, kB, 0, L4::icmp);
  (void)t.lookup(ip, 0, s, c);                                          // other IP: 120 s
  Flow* fin = t.lookup(pkt(kA, 4, kB, 502, L4::tcp, tf::fin | tf::ack), 0, s, c);
  (void)t.lookup(pkt(kB, 502, kA, 4, L4::tcp, tf::fin | tf::ack), 0, s, c);
  EXPECT_TRUE(fin->closed());
  EXPECT_EQ(t.size(), 5U);

  std::vector<std::uint16_t> gone;
  auto note = [&](Flow& f) { gone.push_back(f.key.port[0] == 502 || f.key.port[0] == 161 ? f.key.port[1] : f.key.port[0]); };
  t.expire(10 * kSec, note);  // exactly the timeout: not yet
  EXPECT_TRUE(gone.empty());
  t.expire(10 * kSec + 1, note);
  EXPECT_EQ(gone, (std::vector<std::uint16_t>{3, 4}));
  t.expire(120 * kSec + 1, note);
  EXPECT_EQ(gone.size(), 4U);
  EXPECT_EQ(t.size(), 1U);
  (void)t.lookup(pkt(kB, 502, kA, 1, L4::tcp), 200 * kSec, s, c);  // traffic keeps it alive
  t.expire(301 * kSec, note);
  EXPECT_EQ(t.size(), 1U);
  t.expire(500 * kSec + 1, note);
  EXPECT_EQ(t.size(), 0U);
  EXPECT_EQ(gone.back(), 1);
  EXPECT_EQ(t.counters().expired, 5U);
}

TEST(FlowTable, ExpireWithoutCallbackTellsHandler) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  Ends ends;
  t.set_end_handler(&ends);
  std::uint8_t s;
  bool c;
  (void)t.lookup(pkt(kA, 1, kB, 161, L4::udp), 0, s, c);
  t.expire(121 * kSec);
  ASSERT_EQ(ends.reasons.size(), 1U);
  EXPECT_EQ(ends.reasons[0], FlowEnd::idle);
}

TEST(FlowTable, FullTableEvictsLeastValuableFirst) {
  ReassemblyBudget budget;
  FlowLimits lim;
  lim.max_flows = 4;
  FlowTable t(lim, budget);
  Ends ends;
  t.set_end_handler(&ends);
  std::uint8_t s;
  bool c;
  // Oldest first: two flows with payload, then two bare handshakes, one with a dissector.
  (void)t.lookup(pkt(kA, 1, kB, 502, L4::tcp, tf::ack, true), 1, s, c);
  (void)t.lookup(pkt(kA, 2, kB, 502, L4::tcp, tf::ack, true), 2, s, c);
  (void)t.lookup(pkt(kA, 3, kB, 502, L4::tcp, tf::syn), 3, s, c);
  Flow* with_dissector = t.lookup(pkt(kA, 4, kB, 502, L4::tcp, tf::syn), 4, s, c);
  static const dissectors::DissectorEntry kEntry{"test", dissectors::Transport::tcp, 502, nullptr, nullptr, nullptr};
  with_dissector->dissector = &kEntry;
  EXPECT_EQ(t.size(), 4U);

  Flow* fifth = t.lookup(pkt(kA, 5, kB, 502, L4::tcp, tf::syn), 5, s, c);
  ASSERT_NE(fifth, nullptr);
  EXPECT_TRUE(c);
  EXPECT_EQ(ends.ports, (std::vector<std::uint16_t>{3}));  // not the older flows with payload
  EXPECT_EQ(ends.reasons[0], FlowEnd::evicted);
  EXPECT_EQ(t.size(), 4U);
  EXPECT_EQ(t.counters().evicted, 1U);
  EXPECT_EQ(t.counters().evicted_valuable, 0U);
  // Next: the bare flow 5; then, all valuable, the oldest one.
  (void)t.lookup(pkt(kA, 6, kB, 502, L4::tcp, tf::ack, true), 6, s, c);
  EXPECT_EQ(ends.ports.back(), 5);
  (void)t.lookup(pkt(kA, 7, kB, 502, L4::tcp, tf::ack, true), 7, s, c);
  EXPECT_EQ(ends.ports.back(), 1);
  EXPECT_EQ(t.counters().evicted_valuable, 1U);
  // A closed flow goes first, even a valuable and recent one.
  (void)t.lookup(pkt(kA, 7, kB, 502, L4::tcp, tf::rst, true), 8, s, c);
  (void)t.lookup(pkt(kA, 8, kB, 502, L4::tcp, tf::ack, true), 9, s, c);
  EXPECT_EQ(ends.ports.back(), 7);
  EXPECT_EQ(t.size(), 4U);
  EXPECT_EQ(t.counters().evicted, 4U);
  // The kept flows are still found.
  EXPECT_NE(t.find(make_flow_key(pkt(kA, 4, kB, 502, L4::tcp), false, s)), nullptr);
  EXPECT_NE(t.find(make_flow_key(pkt(kA, 2, kB, 502, L4::tcp), false, s)), nullptr);
  EXPECT_EQ(t.find(make_flow_key(pkt(kA, 3, kB, 502, L4::tcp), false, s)), nullptr);
}

TEST(FlowTable, NewSynOnClosedFlowStartsANewOne) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  Ends ends;
  t.set_end_handler(&ends);
  std::uint8_t s;
  bool c;
  Flow* f = t.lookup(pkt(kA, 40000, kB, 502, L4::tcp, tf::ack, true), 0, s, c);
  (void)t.lookup(pkt(kB, 502, kA, 40000, L4::tcp, tf::rst), kSec, s, c);
  EXPECT_TRUE(f->closed());
  Flow* g = t.lookup(pkt(kA, 40000, kB, 502, L4::tcp, tf::syn), 2 * kSec, s, c);
  EXPECT_EQ(f, g);
  EXPECT_TRUE(c);
  EXPECT_FALSE(g->closed());
  EXPECT_EQ(g->packets[0] + g->packets[1], 1U);
  EXPECT_EQ(g->first_us, 2 * kSec);
  ASSERT_EQ(ends.reasons.size(), 1U);
  EXPECT_EQ(ends.reasons[0], FlowEnd::reused);
  EXPECT_EQ(t.counters().reused, 1U);
  t.expire(2 * kSec + 11 * kSec, [](Flow&) {});  // back on the open list: 300 s
  EXPECT_EQ(t.size(), 1U);
}

TEST(FlowTable, ChurnKeepsIndexConsistent) {
  ReassemblyBudget budget;
  FlowLimits lim;
  lim.max_flows = 3000;
  FlowTable t(lim, budget);
  std::mt19937 rng(7);
  std::vector<bool> live(6000, false);
  std::uint8_t s;
  bool c;
  for (int step = 0; step < 40000; ++step) {
    const auto port = static_cast<std::uint16_t>(rng() % 6000);
    const auto p = pkt(kA + (port % 7), static_cast<std::uint16_t>(port + 1), kB, 502, L4::tcp);
    if (rng() % 3 == 0) {
      if (Flow* f = t.find(make_flow_key(p, false, s)); f != nullptr) {
        t.remove(*f);
        live[port] = false;
      }
      continue;
    }
    if (t.size() == lim.max_flows && !live[port]) continue;  // keep eviction out of this test
    Flow* f = t.lookup(p, step, s, c);
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(c, !live[port]) << step;
    live[port] = true;
  }
  std::size_t n = 0;
  for (std::uint16_t port = 0; port < 6000; ++port) {
    const auto p = pkt(kA + (port % 7), static_cast<std::uint16_t>(port + 1), kB, 502, L4::tcp);
    const bool found = t.find(make_flow_key(p, false, s)) != nullptr;
    ASSERT_EQ(found, live[port]) << port;
    n += found;
  }
  EXPECT_EQ(n, t.size());
  std::size_t walked = 0;
  t.for_each([&](Flow&) { ++walked; });
  EXPECT_EQ(walked, n);
  EXPECT_LE(t.memory_bytes(), sizeof(t) + 8192 * 8 + 3 * FlowTable::kSlabFlows * sizeof(Flow) + 4096);
}

TEST(FlowTable, RemovingAFlowFreesItsReassemblyBuffers) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);
  std::uint8_t s;
  bool c;
  Flow* f = t.lookup(pkt(kA, 40000, kB, 502, L4::tcp), 0, s, c);
  struct Null : StreamConsumer {
    void on_bytes(std::span<const std::byte>) noexcept override {}
    void on_gap(std::size_t) noexcept override {}
  } null;
  f->stream[s].on_segment(1, Bytes(kPayload, 4), tf::ack, null);
  f->stream[s].on_segment(100, Bytes(kPayload, 4), tf::ack, null);
  EXPECT_GT(budget.used(), 0U);
  std::size_t drained = 0;
  t.drain([&](Flow&) { ++drained; });
  EXPECT_EQ(drained, 1U);
  EXPECT_EQ(t.size(), 0U);
  EXPECT_EQ(budget.used(), 0U);
}

TEST(FlowTable, SlabsGrowWithFlowsNotUpFront) {
  ReassemblyBudget budget;
  FlowTable t({}, budget);  // 262,144 flows allowed
  const std::size_t empty = t.memory_bytes();
  EXPECT_LT(empty, 8U * 1024 * 1024);  // the index only
  std::uint8_t s;
  bool c;
  for (std::uint16_t i = 0; i < 2000; ++i) (void)t.lookup(pkt(kA, i, kB, 502, L4::tcp), 0, s, c);
  EXPECT_EQ(t.memory_bytes() - empty, 2 * FlowTable::kSlabFlows * sizeof(Flow));
  EXPECT_EQ(t.capacity(), 262144U);
}

}  // namespace
}  // namespace mieruka::sensor
