// DuplicateFilter: routed and ingress/egress copies are duplicates; real
// retransmissions, other ip_ids and other fragments are not; fixed memory.
#include "sensor/capture/dedup.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace mieruka::sensor {
namespace {

using dissectors::DecodedPacket;
using dissectors::L3;
using dissectors::L4;

const std::array<std::byte, 6> kModbusRead = {
    std::byte{0x00}, std::byte{0x01},  // transaction id
    std::byte{0x00}, std::byte{0x00},  // protocol id
    std::byte{0x00}, std::byte{0x06},  // length
};

DecodedPacket tcp_segment() {
  DecodedPacket p;
  p.has_l2 = true;
  p.src_mac.b = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03};
  p.dst_mac.b = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};
  p.vlan_count = 1;
  p.vlans[0] = 10;
  p.ethertype = 0x0800;
  p.l3 = L3::ipv4;
  p.src_ip = IpAddr::v4(0x0a000001);
  p.dst_ip = IpAddr::v4(0xc0a80102);
  p.ttl = 64;
  p.ip_proto = 6;
  p.ip_id = 0x1234;
  p.ip_total_len = 46;
  p.l4 = L4::tcp;
  p.src_port = 40000;
  p.dst_port = 502;
  p.tcp_flags = 0x18;
  p.seq = 1000;
  p.ack = 2000;
  p.payload = Bytes(kModbusRead.data(), kModbusRead.size());
  return p;
}

// The same packet after a router: other MACs, other VLAN, TTL one lower.
DecodedPacket routed_copy() {
  DecodedPacket p = tcp_segment();
  p.src_mac.b = {0x00, 0x0c, 0x29, 0x11, 0x11, 0x11};
  p.dst_mac.b = {0x00, 0x80, 0xf4, 0x22, 0x22, 0x22};
  p.vlans[0] = 20;
  p.ttl = 63;
  return p;
}

TEST(DuplicateFilter, RoutedCopyIsADuplicate) {
  DuplicateFilter f;
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 1'000'000));
  EXPECT_TRUE(f.is_duplicate(routed_copy(), 1'000'150));
  EXPECT_EQ(f.duplicates(), 1U);
  EXPECT_EQ(f.checked(), 2U);
}

TEST(DuplicateFilter, UntaggedEgressCopyIsADuplicate) {
  DuplicateFilter f;
  auto egress = tcp_segment();
  egress.vlan_count = 0;
  egress.vlans[0] = 0;
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 0));
  EXPECT_TRUE(f.is_duplicate(egress, 20));
}

TEST(DuplicateFilter, RetransmissionAfterWindowIsNotFlagged) {
  DuplicateFilter f;
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 1'000'000));
  // Same seq, same ip_id (some stacks reuse it), 200 ms later: an RTO retransmission.
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 1'200'000));
  // ...and its own mirror copy right after is still caught.
  EXPECT_TRUE(f.is_duplicate(routed_copy(), 1'200'040));
  EXPECT_EQ(f.duplicates(), 1U);
}

TEST(DuplicateFilter, WindowBoundaryIsConfigurable) {
  DuplicateFilter f(DedupConfig{1000, 64});
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 0));
  EXPECT_TRUE(f.is_duplicate(tcp_segment(), 1000));   // at the window: a copy
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 2001));  // past the window from the first sighting
  EXPECT_EQ(f.config().entries, 64U);
}

TEST(DuplicateFilter, DifferentFieldsAreNotFlagged) {
  DuplicateFilter f;
  EXPECT_FALSE(f.is_duplicate(tcp_segment(), 0));
  auto other_id = tcp_segment();
  other_id.ip_id = 0x1235;
  EXPECT_FALSE(f.is_duplicate(other_id, 10));
  auto other_seq = tcp_segment();
  other_seq.seq = 1006;
  EXPECT_FALSE(f.is_duplicate(other_seq, 20));
  auto other_ack = tcp_segment();
  other_ack.ack = 2001;
  EXPECT_FALSE(f.is_duplicate(other_ack, 30));
  auto other_port = tcp_segment();
  other_port.src_port = 40001;
  EXPECT_FALSE(f.is_duplicate(other_port, 40));
  auto other_len = tcp_segment();
  other_len.ip_total_len = 47;
  EXPECT_FALSE(f.is_duplicate(other_len, 50));
  auto reply = tcp_segment();
  std::swap(reply.src_ip, reply.dst_ip);
  EXPECT_FALSE(f.is_duplicate(reply, 60));
  static const std::array<std::byte, 6> kOther = {std::byte{0}, std::byte{2}, std::byte{0},
                                                  std::byte{0}, std::byte{0}, std::byte{6}};
  auto other_payload = tcp_segment();
  other_payload.payload = Bytes(kOther.data(), kOther.size());
  EXPECT_FALSE(f.is_duplicate(other_payload, 70));
  EXPECT_EQ(f.duplicates(), 0U);
}

TEST(DuplicateFilter, EqualSizedFragmentsAreNotFlagged) {
  static const std::array<std::byte, 28> kFragA = {std::byte{0x45}, {}, {}, {}, {}, {}, std::byte{0x20}, std::byte{0xb9},
                                                   {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},
                                                   std::byte{'a'}, std::byte{'a'}, std::byte{'a'}, std::byte{'a'},
                                                   std::byte{'a'}, std::byte{'a'}, std::byte{'a'}, std::byte{'a'}};
  static const std::array<std::byte, 28> kFragB = {std::byte{0x45}, {}, {}, {}, {}, {}, std::byte{0x21}, std::byte{0x72},
                                                   {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},
                                                   std::byte{'b'}, std::byte{'b'}, std::byte{'b'}, std::byte{'b'},
                                                   std::byte{'b'}, std::byte{'b'}, std::byte{'b'}, std::byte{'b'}};
  DecodedPacket a;
  a.l3 = L3::ipv4;
  a.src_ip = IpAddr::v4(0x0a000001);
  a.dst_ip = IpAddr::v4(0x0a000002);
  a.ip_proto = 17;
  a.ip_id = 77;
  a.ip_total_len = 28;
  a.fragment = true;
  a.l2_payload = Bytes(kFragA.data(), kFragA.size());
  DecodedPacket b = a;
  b.l2_payload = Bytes(kFragB.data(), kFragB.size());
  DuplicateFilter f;
  EXPECT_FALSE(f.is_duplicate(a, 0));
  EXPECT_FALSE(f.is_duplicate(b, 5));
  EXPECT_TRUE(f.is_duplicate(a, 9));
}

TEST(DuplicateFilter, NonIpExactCopy) {
  static const std::array<std::byte, 8> kLldp = {std::byte{0x02}, std::byte{0x07}, std::byte{0x04}, std::byte{0x00},
                                                 std::byte{0x1b}, std::byte{0x1b}, std::byte{0x01}, std::byte{0x02}};
  DecodedPacket p;
  p.has_l2 = true;
  p.src_mac.b = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03};
  p.dst_mac.b = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
  p.ethertype = 0x88cc;
  p.l2_payload = Bytes(kLldp.data(), kLldp.size());
  DuplicateFilter f;
  EXPECT_FALSE(f.is_duplicate(p, 0));
  EXPECT_TRUE(f.is_duplicate(p, 100));
  auto other_src = p;
  other_src.src_mac.b[5] = 0x04;
  EXPECT_FALSE(f.is_duplicate(other_src, 200));
  auto shorter = p;
  shorter.l2_payload = shorter.l2_payload.first(7);
  EXPECT_FALSE(f.is_duplicate(shorter, 300));
}

TEST(DuplicateFilter, FixedMemoryAndNoFalsePositives) {
  DuplicateFilter f(DedupConfig{5000, 1024});
  const std::size_t mem = f.memory_bytes();
  auto p = tcp_segment();
  for (std::uint32_t i = 0; i < 200000; ++i) {
    p.seq = i;
    p.ip_id = static_cast<std::uint16_t>(i);
    ASSERT_FALSE(f.is_duplicate(p, i));  // 200k distinct packets, 1 per µs: more than the table holds
  }
  EXPECT_EQ(f.memory_bytes(), mem);
  EXPECT_EQ(f.duplicates(), 0U);
  // The most recent packets are still remembered.
  p.seq = 199999;
  p.ip_id = static_cast<std::uint16_t>(199999);
  EXPECT_TRUE(f.is_duplicate(p, 200000));
}

}  // namespace
}  // namespace mieruka::sensor
