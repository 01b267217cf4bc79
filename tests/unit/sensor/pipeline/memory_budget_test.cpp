// Bounded memory under floods (PipelineOptions::memory_budget_bytes, the flow
// table's max_flows): a MAC flood makes the ledger shed one-packet stations and
// keep the real devices; a flow flood makes the flow table evict, never grow.
#include <gtest/gtest.h>

#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "scripts/gen/frames.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

using gen::Buf;

void feed(Pipeline& pl, std::int64_t ts, const Buf& f) {
  const auto* p = reinterpret_cast<const std::byte*>(f.data());  // test-built bytes, not packet input
  pl.on_packet(dissectors::LinkType::ethernet, ts, Bytes(p, f.size()), static_cast<std::uint32_t>(f.size()));
}

// A PLC and an HMI with a real EtherNet/IP ListIdentity exchange and a Modbus poll.
struct RealDevices {
  gen::Host hmi{gen::mac("00:0e:c6:11:22:33"), gen::ip4("10.10.1.50")};
  gen::Host plc{gen::mac("00:00:bc:12:34:56"), gen::ip4("10.10.1.20")};
  void play(Pipeline& pl, std::int64_t& ts) {
    feed(pl, ts++, gen::ether(hmi.mac, plc.mac, 0x0800,
                              gen::ipv4(hmi.ip, plc.ip, 17, gen::udp(hmi.ip, plc.ip, 50000, 2222, Buf(20, 1)))));
    feed(pl, ts++, gen::ether(plc.mac, hmi.mac, 0x0800,
                              gen::ipv4(plc.ip, hmi.ip, 17, gen::udp(plc.ip, hmi.ip, 2222, 50000, Buf(20, 2)))));
  }
  void expect_kept(const inventory::Ledger& l) const {
    EXPECT_NE(l.find("00:0e:c6:11:22:33"), nullptr);
    EXPECT_NE(l.find("00:00:bc:12:34:56"), nullptr);
  }
};

TEST(MemoryBudgetTest, MacFloodShedsOnePacketStationsAndStaysUnderBudget) {
  inventory::Ledger ledger("t");
  PipelineOptions opt;
  opt.memory_budget_bytes = 24u << 20;
  opt.dedup = false;  // the real exchange repeats byte for byte
  Pipeline pl(ledger, opt);
  RealDevices real;
  std::int64_t ts = 1'000'000'000;
  real.play(pl, ts);
  // 3 x 65536 packets: the budget is checked on each 65536th.
  std::uint64_t x = 1;
  for (std::uint32_t i = 0; pl.stats().packets < 3 * 65536; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    gen::Mac m{};
    for (int k = 0; k < 6; ++k) m[k] = static_cast<std::uint8_t>(x >> (8 * k + 8));
    m[0] = static_cast<std::uint8_t>((m[0] & 0xfe) | 0x02);
    feed(pl, ts++, gen::ether(m, gen::kBroadcast, 0x0806, gen::arp(1, m, gen::ip4("10.99.0.1") + (i & 0xffff), {}, gen::ip4("10.10.1.1"))));
    if (i % 1000 == 0) real.play(pl, ts);
  }
  const auto c = pl.counters();
  ASSERT_TRUE(c.count("ledger.assets_shed"));
  EXPECT_GT(c.at("ledger.assets_shed"), 100000u);
  EXPECT_EQ(c.at("ledger.assets_shed"), ledger.assets_shed());
  EXPECT_LE(ledger.memory_bytes(), opt.memory_budget_bytes);
  real.expect_kept(ledger);
  // The real conversation still counts into one edge (flows followed the remap).
  std::uint64_t udp_edges = 0, packets = 0;
  for (const auto& e : ledger.edges())
    if (e.merged_into == inventory::kNoEdge && e.port == 2222) {
      ++udp_edges;
      packets += e.packets;
    }
  EXPECT_EQ(udp_edges, 1u);
  EXPECT_GT(packets, 300u);
}

// Spoofed senders: a new MAC and address for every UDP datagram to the PLC.
// Each one-datagram edge goes with its sender, and so does its flow: the
// ledger stays under the budget and the real devices and their conversation
// stay whole.
TEST(MemoryBudgetTest, SpoofedSenderFloodShedsSendersWithTheirEdgesAndFlows) {
  inventory::Ledger ledger("t");
  PipelineOptions opt;
  opt.memory_budget_bytes = 24u << 20;
  opt.dedup = false;
  Pipeline pl(ledger, opt);
  RealDevices real;
  std::int64_t ts = 1'000'000'000;
  real.play(pl, ts);
  std::uint64_t x = 7;
  for (std::uint32_t i = 0; pl.stats().packets < 3 * 65536; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    gen::Mac m{};
    for (int k = 0; k < 6; ++k) m[k] = static_cast<std::uint8_t>(x >> (8 * k + 8));
    m[0] = static_cast<std::uint8_t>((m[0] & 0xfe) | 0x02);
    const std::uint32_t src = gen::ip4("10.64.0.0") + (i & 0x3fffff);
    feed(pl, ts++, gen::ether(m, real.plc.mac, 0x0800,
                              gen::ipv4(src, real.plc.ip, 17, gen::udp(src, real.plc.ip, 40000, 9999, Buf(8, 3)))));
    if (i % 1000 == 0) real.play(pl, ts);
  }
  const auto c = pl.counters();
  ASSERT_TRUE(c.count("ledger.assets_shed"));
  ASSERT_TRUE(c.count("ledger.edges_shed"));
  EXPECT_GT(c.at("ledger.edges_shed"), 100000u);
  EXPECT_EQ(c.at("ledger.edges_shed"), ledger.edges_shed());
  EXPECT_GT(c.at("flow.shed"), 0u);
  EXPECT_FALSE(c.count("ledger.over_budget")) << "every spoofed sender could be shed";
  EXPECT_LE(ledger.memory_bytes(), opt.memory_budget_bytes);
  real.expect_kept(ledger);
  std::uint64_t udp_edges = 0, packets = 0;
  for (const auto& e : ledger.edges())
    if (e.merged_into == inventory::kNoEdge && e.port == 2222) {
      ++udp_edges;
      packets += e.packets;
    }
  EXPECT_EQ(udp_edges, 1u);
  EXPECT_GT(packets, 300u);
}

// Over budget with nothing to shed (every station a real conversation): the
// pipeline says so and backs off instead of walking the ledger at every check.
TEST(MemoryBudgetTest, NothingToShedBacksOff) {
  inventory::Ledger ledger("t");
  PipelineOptions opt;
  opt.memory_budget_bytes = 1u << 20;  // far below what the conversations below hold
  opt.dedup = false;
  Pipeline pl(ledger, opt);
  RealDevices real;
  std::int64_t ts = 1'000'000'000;
  // 4,000 pollers, each with a steady exchange from its first moment (three
  // datagrams in a row: more than the weak packets).
  for (std::uint32_t i = 0; pl.stats().packets < 3 * 65536; ++i) {
    const std::uint32_t n = (i / 3) % 4000;
    const gen::Mac m{0x02, 0x10, 0x00, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n), 0x01};
    const std::uint32_t src = gen::ip4("10.20.0.0") + n + 1;
    feed(pl, ts++, gen::ether(m, real.plc.mac, 0x0800,
                              gen::ipv4(src, real.plc.ip, 17, gen::udp(src, real.plc.ip, 40000, 9999, Buf(8, 3)))));
  }
  const auto c = pl.counters();
  ASSERT_TRUE(c.count("ledger.over_budget"));
  ASSERT_TRUE(c.count("ledger.shed_deferred"));
  // Backing off: far fewer fruitless walks than checks deferred.
  EXPECT_GT(c.at("ledger.shed_deferred"), c.at("ledger.over_budget"));
  // Nobody with a conversation was shed (at most a poller caught mid-way
  // through its first three datagrams by a check).
  EXPECT_GE(ledger.assets().size(), 3999u);
}

TEST(MemoryBudgetTest, FlowFloodEvictsAndKeepsTheTableBounded) {
  inventory::Ledger ledger("t");
  PipelineOptions opt;
  opt.flows.max_flows = 4096;
  Pipeline pl(ledger, opt);
  RealDevices real;
  std::int64_t ts = 1'000'000'000;
  const gen::Host scanner{gen::mac("00:15:5d:44:55:66"), gen::ip4("10.10.1.10")};
  for (std::uint32_t i = 0; i < 100000; ++i) {
    const auto port = static_cast<std::uint16_t>(1024 + i % 60000);
    const std::uint32_t dst = gen::ip4("10.10.2.0") + (i / 60000) + 1;
    feed(pl, ts++, gen::ether(scanner.mac, real.plc.mac, 0x0800,
                              gen::ipv4(scanner.ip, dst, 6, gen::tcp(scanner.ip, dst, port, 80, i, 0, gen::tcpf::syn, {}))));
    if (i % 500 == 0) real.play(pl, ts);
  }
  const auto c = pl.counters();
  ASSERT_TRUE(c.count("flow.evicted"));
  EXPECT_GE(c.at("flow.evicted"), 100000u - 4096u);
  real.expect_kept(ledger);
  // Ledger state stays per device, not per flow: a handful of assets and edges.
  EXPECT_LT(ledger.assets().size(), 10u);
  EXPECT_LT(ledger.edges().size(), 10u);
}

}  // namespace
}  // namespace mieruka::sensor
