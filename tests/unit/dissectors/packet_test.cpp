// Tests for dissectors/packet.cpp: one hand-built frame per link type and layer,
// each from its spec (field per line), and malformed twins: every cut point,
// lying lengths, header chains above their caps.
#include "dissectors/packet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors {
namespace {

using Vec = std::vector<std::uint8_t>;

class RecordingSink final : public Sink {
 public:
  void fact(const Fact&) noexcept override {}
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  bool has(std::string_view c) const {
    return std::find(anomalies.begin(), anomalies.end(), c) != anomalies.end();
  }
  std::vector<std::string> anomalies;
};

Vec cat(std::initializer_list<Vec> parts) {
  Vec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes bytes(const Vec& v) { return std::as_bytes(std::span(v.data(), v.size())); }

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

// Owns its copy of the frame: the spans in `pkt` point into it (a moved vector
// keeps its buffer).
struct Decoded {
  Vec frame;
  bool ok = false;
  ParseError error = ParseError::unsupported;
  DecodedPacket pkt;
  RecordingSink sink;
};

Decoded run(LinkType link, const Vec& frame) {
  Decoded d;
  d.frame = frame;
  auto res = decode(link, bytes(d.frame), d.pkt, d.sink);
  d.ok = res.ok();
  if (!res.ok()) d.error = res.error();
  return d;
}

// --- building blocks, each from its spec ------------------------------------------

// Ethernet II header (IEEE 802.3 §3.2).
Vec eth(std::uint16_t type) {
  return {
      0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3,  // destination
      0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33,  // source
      static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type),  // EtherType
  };
}

// IPv4 header without options (RFC 791 §3.1), 192.168.1.10 -> 192.168.1.20.
Vec ipv4(std::uint8_t proto, std::uint16_t total_len, std::uint16_t flags_frag = 0x4000) {
  return {
      0x45,                                      // version 4, IHL 5
      0x00,                                      // DSCP/ECN
      static_cast<std::uint8_t>(total_len >> 8), static_cast<std::uint8_t>(total_len),  // total length
      0x12, 0x34,                                // identification
      static_cast<std::uint8_t>(flags_frag >> 8), static_cast<std::uint8_t>(flags_frag),  // flags, offset
      0x40,                                      // TTL 64
      proto,                                     // protocol
      0x00, 0x00,                                // header checksum (not checked)
      192, 168, 1, 10,                           // source
      192, 168, 1, 20,                           // destination
  };
}

// TCP header with one MSS option (RFC 9293 §3.1), 49152 -> 502, SYN|ACK.
const Vec kTcpMss = {
    0xc0, 0x00,              // source port 49152
    0x01, 0xf6,              // destination port 502
    0x00, 0x00, 0x00, 0x64,  // sequence number 100
    0x00, 0x00, 0x00, 0xc8,  // acknowledgment number 200
    0x60,                    // data offset 6 (24 bytes)
    0x12,                    // flags SYN|ACK
    0x20, 0x00,              // window 8192
    0x00, 0x00,              // checksum
    0x00, 0x00,              // urgent pointer
    0x02, 0x04, 0x05, 0xb4,  // option: MSS 1460
};

// UDP header (RFC 768), 5353 -> 161, length 12.
const Vec kUdp4 = {
    0x14, 0xe9,  // source port 5353
    0x00, 0xa1,  // destination port 161
    0x00, 0x0c,  // length 12 (8 + 4 data)
    0x00, 0x00,  // checksum
    'd', 'a', 't', 'a',  // data
};

// ICMP echo request (RFC 792).
const Vec kIcmpEcho = {
    0x08,        // type 8 echo request
    0x00,        // code 0
    0x00, 0x00,  // checksum
    0x00, 0x01,  // identifier
    0x00, 0x02,  // sequence
};

Vec eth_ipv4_tcp() {
  return cat({eth(0x0800), ipv4(6, 20 + 24 + 2), kTcpMss, {'h', 'i'}});
}
Vec eth_ipv4_udp_padded() {
  Vec f = cat({eth(0x0800), ipv4(17, 20 + 12), kUdp4});
  f.resize(60, 0);  // Ethernet minimum frame, zero padding
  return f;
}
Vec eth_ipv4_icmp() { return cat({eth(0x0800), ipv4(1, 28), kIcmpEcho}); }

// ARP for Ethernet/IPv4 (RFC 826).
Vec arp(std::uint16_t op, Vec spa, Vec tha, Vec tpa) {
  return cat({
      {0x00, 0x01},                          // hardware type Ethernet
      {0x08, 0x00},                          // protocol type IPv4
      {0x06},                                // hardware length
      {0x04},                                // protocol length
      {0x00, static_cast<std::uint8_t>(op)},  // opcode
      {0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33},  // sender hardware address
      spa,                                   // sender protocol address
      tha,                                   // target hardware address
      tpa,                                   // target protocol address
  });
}

// IPv6 header (RFC 8200 §3), fe80::1 -> ff02::1:2.
Vec ipv6(std::uint8_t next, std::uint16_t payload_len) {
  return {
      0x60, 0x00, 0x00, 0x00,  // version 6, traffic class, flow label
      static_cast<std::uint8_t>(payload_len >> 8), static_cast<std::uint8_t>(payload_len),  // payload length
      next,                    // next header
      0xff,                    // hop limit 255
      0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,  // source fe80::1
      0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x02,  // destination ff02::1:2
  };
}

// Hop-by-hop (next = fragment), then fragment header (next = UDP, offset 0, M=1).
const Vec kHopByHopThenFragment = {
    44,                                  // HBH: next header fragment
    0,                                   // HBH: length 0 (8 bytes)
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00,  // HBH: PadN option, 4 bytes
    17,                                  // fragment: next header UDP
    0,                                   // fragment: reserved
    0x00, 0x01,                          // fragment: offset 0, M=1
    0xde, 0xad, 0xbe, 0xef,              // fragment: identification
};
const Vec kUdp6 = {
    0x02, 0x22,  // source port 546
    0x02, 0x23,  // destination port 547
    0x00, 0x0c,  // length 12
    0x00, 0x00,  // checksum
    1, 2, 3, 4,  // data
};
Vec eth_ipv6_ext_udp() {
  return cat({eth(0x86dd), ipv6(0, 16 + 12), kHopByHopThenFragment, kUdp6});
}

void expect_tcp_layers(const DecodedPacket& p) {
  EXPECT_TRUE(p.has_l2);
  EXPECT_EQ(p.src_mac, mac("00:0e:8c:11:22:33"));
  EXPECT_EQ(p.dst_mac, mac("00:1b:1b:02:9a:c3"));
  EXPECT_EQ(p.ethertype, 0x0800);
  EXPECT_EQ(p.l3, L3::ipv4);
  EXPECT_EQ(p.src_ip, ip("192.168.1.10"));
  EXPECT_EQ(p.dst_ip, ip("192.168.1.20"));
  EXPECT_EQ(p.ttl, 64);
  EXPECT_EQ(p.ip_proto, 6);
  EXPECT_EQ(p.ip_id, 0x1234);
  EXPECT_TRUE(p.ip_dont_fragment);
  EXPECT_FALSE(p.fragment);
  EXPECT_EQ(p.l4, L4::tcp);
  EXPECT_EQ(p.src_port, 49152);
  EXPECT_EQ(p.dst_port, 502);
  EXPECT_EQ(p.seq, 100U);
  EXPECT_EQ(p.ack, 200U);
  EXPECT_EQ(p.window, 8192);
  EXPECT_EQ(p.tcp_flags, tcp_flag::syn | tcp_flag::ack);
  EXPECT_EQ(p.tcp_options.size(), 4U);
}

// --- well-formed frames -----------------------------------------------------------

TEST(Packet, EthernetIpv4Tcp) {
  const Vec f = eth_ipv4_tcp();
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  expect_tcp_layers(d.pkt);
  EXPECT_EQ(as_chars(d.pkt.payload), "hi");
  EXPECT_FALSE(d.pkt.payload_truncated);
  EXPECT_EQ(d.pkt.cap_len, f.size());
  EXPECT_EQ(d.pkt.l2_payload.size(), 46U);
  EXPECT_EQ(d.pkt.ip_payload.size(), 26U);
  EXPECT_TRUE(d.sink.anomalies.empty());
}

// decode() resets its output in place: a packet reused across frames holds
// nothing of the previous frame and decodes as a fresh one.
TEST(Packet, ResetIsTheDefaultPacket) {
  DecodedPacket used;
  RecordingSink sink;
  const Vec vlan_udp = cat({eth(0x8100), {0x20, 0x64}, {0x08, 0x00}, ipv4(17, 32), kUdp4});
  ASSERT_TRUE(decode(LinkType::ethernet, bytes(vlan_udp), used, sink).ok());
  (void)decode(static_cast<LinkType>(9999), Bytes{}, used, sink);  // unsupported: only the reset runs
  // `()` value-initialises, as decode()'s std::construct_at does: zero-initialised
  // first, padding included. `{}` would be aggregate initialisation, whose padding
  // is left as it was (clang leaves it).
  const DecodedPacket def = DecodedPacket();
  EXPECT_EQ(used.ts_us, def.ts_us);
  EXPECT_EQ(used.has_l2, def.has_l2);
  EXPECT_EQ(used.wireless, def.wireless);
  EXPECT_EQ(used.src_mac, def.src_mac);
  EXPECT_EQ(used.dst_mac, def.dst_mac);
  EXPECT_EQ(used.bssid, def.bssid);
  EXPECT_EQ(used.vlan_count, def.vlan_count);
  EXPECT_EQ(used.vlans[0], def.vlans[0]);
  EXPECT_EQ(used.ethertype, def.ethertype);
  EXPECT_EQ(used.llc, def.llc);
  EXPECT_EQ(used.snap_pid, def.snap_pid);
  EXPECT_EQ(used.l2_payload.data(), def.l2_payload.data());
  EXPECT_EQ(used.l2_payload.size(), def.l2_payload.size());
  EXPECT_EQ(used.l3, def.l3);
  EXPECT_EQ(used.arp.op, def.arp.op);
  EXPECT_EQ(used.arp.spa, def.arp.spa);
  EXPECT_EQ(used.src_ip, def.src_ip);
  EXPECT_EQ(used.dst_ip, def.dst_ip);
  EXPECT_FALSE(used.src_ip.valid());
  EXPECT_EQ(used.fragment, def.fragment);
  EXPECT_EQ(used.ip_payload.data(), def.ip_payload.data());
  EXPECT_EQ(used.l4, def.l4);
  EXPECT_EQ(used.src_port, def.src_port);
  EXPECT_EQ(used.seq, def.seq);
  EXPECT_EQ(used.tcp_options.size(), def.tcp_options.size());
  EXPECT_EQ(used.payload.data(), def.payload.data());
  EXPECT_EQ(used.payload.size(), def.payload.size());
  EXPECT_EQ(used.payload_truncated, def.payload_truncated);
  // And every byte, members added later included (both are value-initialised).
  const auto* def_bytes = reinterpret_cast<const unsigned char*>(&def);
  const auto* used_bytes = reinterpret_cast<const unsigned char*>(&used);
  for (std::size_t i = 0; i < sizeof(DecodedPacket); ++i) ASSERT_EQ(used_bytes[i], def_bytes[i]) << "byte " << i;

  // The VLAN-tagged UDP frame, then an untagged TCP one into the same packet.
  const Vec f = eth_ipv4_tcp();
  ASSERT_TRUE(decode(LinkType::ethernet, bytes(vlan_udp), used, sink).ok());
  ASSERT_TRUE(decode(LinkType::ethernet, bytes(f), used, sink).ok());
  expect_tcp_layers(used);
  EXPECT_EQ(used.vlan_count, 0);
  EXPECT_EQ(used.vlans[0], 0);
  EXPECT_EQ(as_chars(used.payload), "hi");
}

TEST(Packet, EthernetIpv4UdpPaddingClipped) {
  auto d = run(LinkType::ethernet, eth_ipv4_udp_padded());
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.l4, L4::udp);
  EXPECT_EQ(d.pkt.src_port, 5353);
  EXPECT_EQ(d.pkt.dst_port, 161);
  EXPECT_EQ(as_chars(d.pkt.payload), "data");
  EXPECT_EQ(d.pkt.l2_payload.size(), 32U);  // padding dropped
  EXPECT_EQ(d.pkt.ip_total_len, 32);
}

TEST(Packet, UdpLengthShorterThanIpClipsPayload) {
  Vec f = cat({eth(0x0800), ipv4(17, 20 + 12), kUdp4});
  f[14 + 20 + 5] = 10;  // UDP length 10: two data bytes
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(as_chars(d.pkt.payload), "da");
}

TEST(Packet, EthernetIpv4Icmp) {
  auto d = run(LinkType::ethernet, eth_ipv4_icmp());
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.l4, L4::icmp);
  EXPECT_EQ(d.pkt.icmp_type, 8);
  EXPECT_EQ(d.pkt.icmp_code, 0);
  EXPECT_EQ(d.pkt.payload.size(), 4U);
}

TEST(Packet, SingleVlan) {
  const Vec f = cat({eth(0x8100),
                     {0x20, 0x64},  // TCI: PCP 1, VID 100
                     {0x08, 0x00},  // EtherType IPv4
                     ipv4(17, 32), kUdp4});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.vlan_count, 1);
  EXPECT_EQ(d.pkt.vlans[0], 100);
  EXPECT_EQ(d.pkt.ethertype, 0x0800);
  EXPECT_EQ(d.pkt.l4, L4::udp);
}

TEST(Packet, DoubleVlanOuterFirst) {
  const Vec f = cat({eth(0x88a8),
                     {0x00, 0x0a},  // S-tag TCI: VID 10
                     {0x81, 0x00},  // C-tag TPID
                     {0x0f, 0xff},  // C-tag TCI: VID 4095
                     {0x08, 0x00},  // EtherType IPv4
                     ipv4(17, 32), kUdp4});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.vlan_count, 2);
  EXPECT_EQ(d.pkt.vlans[0], 10);
  EXPECT_EQ(d.pkt.vlans[1], 4095);
  EXPECT_EQ(d.pkt.src_ip, ip("192.168.1.10"));
}

TEST(Packet, ArpRequestReplyGratuitousProbe) {
  const Vec zero_mac = {0, 0, 0, 0, 0, 0};
  const Vec a = {192, 168, 1, 10}, b = {192, 168, 1, 1}, none = {0, 0, 0, 0};
  {
    Vec f = cat({eth(0x0806), arp(1, a, zero_mac, b)});
    f.resize(60, 0);
    auto d = run(LinkType::ethernet, f);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.pkt.l3, L3::arp);
    EXPECT_EQ(d.pkt.arp.op, 1);
    EXPECT_EQ(d.pkt.arp.sha, mac("00:0e:8c:11:22:33"));
    EXPECT_EQ(d.pkt.arp.spa, ip("192.168.1.10"));
    EXPECT_EQ(d.pkt.arp.tpa, ip("192.168.1.1"));
    EXPECT_FALSE(d.pkt.arp.gratuitous());
    EXPECT_FALSE(d.pkt.arp.probe());
    EXPECT_EQ(d.pkt.l2_payload.size(), 28U);
  }
  {
    auto d = run(LinkType::ethernet, cat({eth(0x0806), arp(2, a, {0, 0x1b, 0x1b, 2, 3, 4}, b)}));
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.pkt.arp.op, 2);
    EXPECT_EQ(d.pkt.arp.tha, mac("00:1b:1b:02:03:04"));
  }
  {
    auto d = run(LinkType::ethernet, cat({eth(0x0806), arp(1, a, zero_mac, a)}));
    ASSERT_TRUE(d.ok);
    EXPECT_TRUE(d.pkt.arp.gratuitous());
  }
  {
    auto d = run(LinkType::ethernet, cat({eth(0x0806), arp(1, none, zero_mac, a)}));
    ASSERT_TRUE(d.ok);
    EXPECT_TRUE(d.pkt.arp.probe());
  }
}

TEST(Packet, ArpOtherHardwareIsUnsupported) {
  Vec f = cat({eth(0x0806), arp(1, {1, 2, 3, 4}, {0, 0, 0, 0, 0, 0}, {1, 2, 3, 5})});
  f[15] = 6;  // hardware type IEEE 802
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::unsupported);
  EXPECT_TRUE(d.sink.has("arp.unsupported"));
}

// CDP rides on 802.3 + LLC/SNAP (OUI 00-00-0c, pid 0x2000).
Vec cdp_like() {
  Vec f = {
      0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc,  // destination (CDP multicast)
      0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33,  // source
      0x00, 0x0c,                          // 802.3 length 12
      0xaa,                                // DSAP SNAP
      0xaa,                                // SSAP SNAP
      0x03,                                // control UI
      0x00, 0x00, 0x0c,                    // OUI Cisco
      0x20, 0x00,                          // PID CDP
      0x02, 0xb4, 0x00, 0x00,              // CDP version 2, TTL 180, checksum
  };
  return cat({f, Vec(60 - 26, 0)});  // padding past the 802.3 length
}

TEST(Packet, LlcSnapCdp) {
  auto d = run(LinkType::ethernet, cdp_like());
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.llc);
  EXPECT_EQ(d.pkt.ethertype, 0);
  EXPECT_EQ(d.pkt.llc_dsap, 0xaa);
  EXPECT_EQ(d.pkt.llc_ssap, 0xaa);
  EXPECT_EQ(d.pkt.snap_oui, 0x00000cU);
  EXPECT_EQ(d.pkt.snap_pid, 0x2000);
  EXPECT_EQ(d.pkt.l2_payload.size(), 4U);  // clipped to the 802.3 length
}

TEST(Packet, LlcPlainStp) {
  Vec f = cat({eth(0x0026),                 // 802.3 length 38
               {0x42, 0x42, 0x03},          // DSAP/SSAP STP, control UI
               Vec(35, 0)});                // BPDU
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.llc);
  EXPECT_EQ(d.pkt.llc_dsap, 0x42);
  EXPECT_EQ(d.pkt.snap_oui, 0U);
  EXPECT_EQ(d.pkt.l2_payload.size(), 35U);
}

TEST(Packet, SnapWithEtherTypeContinuesIntoIp) {
  const Vec f = cat({eth(3 + 5 + 32),
                     {0xaa, 0xaa, 0x03},  // LLC SNAP UI
                     {0x00, 0x00, 0x00},  // OUI 0 (RFC 1042)
                     {0x08, 0x00},        // PID = EtherType IPv4
                     ipv4(17, 32), kUdp4});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.ethertype, 0x0800);
  EXPECT_EQ(d.pkt.l4, L4::udp);
}

TEST(Packet, Ipv4WithOptions) {
  Vec hdr = ipv4(17, 24 + 12);
  hdr[0] = 0x46;  // IHL 6
  const Vec f = cat({eth(0x0800), hdr,
                     {0x01, 0x01, 0x01, 0x00},  // options: NOP NOP NOP EOL
                     kUdp4});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.l4, L4::udp);
  EXPECT_EQ(d.pkt.dst_port, 161);
  EXPECT_EQ(as_chars(d.pkt.payload), "data");
}

TEST(Packet, Ipv4FirstFragmentDecodesL4Header) {
  Vec udp = kUdp4;
  udp[4] = 0x05, udp[5] = 0xdc;  // UDP length 1500: the rest is in later fragments
  const Vec f = cat({eth(0x0800), ipv4(17, 32, 0x2000 /* MF, offset 0 */), udp});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.fragment);
  EXPECT_TRUE(d.pkt.first_fragment);
  EXPECT_EQ(d.pkt.l4, L4::udp);
  EXPECT_EQ(d.pkt.dst_port, 161);
  EXPECT_TRUE(d.sink.anomalies.empty());
}

TEST(Packet, Ipv4LaterFragmentHasNoL4) {
  const Vec f = cat({eth(0x0800), ipv4(17, 32, 0x00b9 /* offset 185*8 */), kUdp4});
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.fragment);
  EXPECT_FALSE(d.pkt.first_fragment);
  EXPECT_EQ(d.pkt.l4, L4::none);
  EXPECT_EQ(d.pkt.src_port, 0);
  EXPECT_EQ(d.pkt.ip_payload.size(), 12U);
}

TEST(Packet, Ipv6HopByHopAndFragment) {
  auto d = run(LinkType::ethernet, eth_ipv6_ext_udp());
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.l3, L3::ipv6);
  EXPECT_EQ(d.pkt.src_ip, ip("fe80::1"));
  EXPECT_EQ(d.pkt.dst_ip, ip("ff02::1:2"));
  EXPECT_EQ(d.pkt.ttl, 255);
  EXPECT_EQ(d.pkt.ip_proto, 17);
  EXPECT_TRUE(d.pkt.fragment);
  EXPECT_TRUE(d.pkt.first_fragment);
  EXPECT_EQ(d.pkt.l4, L4::udp);
  EXPECT_EQ(d.pkt.src_port, 546);
  EXPECT_EQ(d.pkt.payload.size(), 4U);
  EXPECT_EQ(d.pkt.ip_total_len, 40 + 28);
}

TEST(Packet, Ipv6LaterFragmentAndIcmpv6) {
  Vec frag = kHopByHopThenFragment;
  frag[10] = 0x00, frag[11] = 0x10;  // offset 2 (x8 bytes)
  auto d = run(LinkType::ethernet, cat({eth(0x86dd), ipv6(0, 28), frag, kUdp6}));
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.fragment);
  EXPECT_FALSE(d.pkt.first_fragment);
  EXPECT_EQ(d.pkt.l4, L4::none);

  auto e = run(LinkType::ethernet, cat({eth(0x86dd), ipv6(58, 8),
                                        {135, 0, 0, 0, 0, 0, 0, 0}}));  // neighbor solicitation
  ASSERT_TRUE(e.ok);
  EXPECT_EQ(e.pkt.l4, L4::icmpv6);
  EXPECT_EQ(e.pkt.icmp_type, 135);
}

// --- link types ---------------------------------------------------------------------

TEST(Packet, LinuxSll) {
  const Vec f = cat({{0x00, 0x04},                          // packet type 4: outgoing
                     {0x00, 0x01},                          // ARPHRD_ETHER
                     {0x00, 0x06},                          // address length 6
                     {0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc, 0x00, 0x00},  // address, padded to 8
                     {0x08, 0x00},                          // protocol IPv4
                     ipv4(17, 32), kUdp4});
  auto d = run(LinkType::linux_sll, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.has_l2);
  EXPECT_EQ(d.pkt.sll_pkttype, 4);
  EXPECT_EQ(d.pkt.src_mac, mac("00:0e:8c:aa:bb:cc"));
  EXPECT_EQ(d.pkt.l4, L4::udp);
}

TEST(Packet, LinuxSll2) {
  const Vec f = cat({{0x86, 0xdd},                          // protocol IPv6
                     {0x00, 0x00},                          // reserved
                     {0x00, 0x00, 0x00, 0x02},              // interface index
                     {0x00, 0x01},                          // ARPHRD_ETHER
                     {0x00},                                // packet type: to us
                     {0x06},                                // address length
                     {0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcd, 0x00, 0x00},  // address
                     ipv6(17, 12), kUdp6});
  auto d = run(LinkType::linux_sll2, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.src_mac, mac("00:0e:8c:aa:bb:cd"));
  EXPECT_EQ(d.pkt.l3, L3::ipv6);
  EXPECT_EQ(d.pkt.l4, L4::udp);
}

TEST(Packet, SllWithoutMacHasNoL2) {
  const Vec f = cat({{0x00, 0x00}, {0x03, 0x04},  // packet type, ARPHRD_LOOPBACK
                     {0x00, 0x00},                 // address length 0
                     Vec(8, 0), {0x08, 0x00}, ipv4(1, 28), kIcmpEcho});
  auto d = run(LinkType::linux_sll, f);
  ASSERT_TRUE(d.ok);
  EXPECT_FALSE(d.pkt.has_l2);
  EXPECT_EQ(d.pkt.l4, L4::icmp);
}

TEST(Packet, RawIp) {
  const Vec v4 = cat({ipv4(17, 32), kUdp4});
  const Vec v6 = cat({ipv6(17, 12), kUdp6});
  for (auto link : {LinkType::raw_ip, static_cast<LinkType>(12), static_cast<LinkType>(14)}) {
    auto d4 = run(link, v4);
    ASSERT_TRUE(d4.ok);
    EXPECT_FALSE(d4.pkt.has_l2);
    EXPECT_EQ(d4.pkt.l3, L3::ipv4);
    auto d6 = run(link, v6);
    ASSERT_TRUE(d6.ok);
    EXPECT_EQ(d6.pkt.l3, L3::ipv6);
  }
  EXPECT_TRUE(run(LinkType::ipv4, v4).ok);
  EXPECT_TRUE(run(LinkType::ipv6, v6).ok);
  auto wrong = run(LinkType::ipv4, v6);
  EXPECT_FALSE(wrong.ok);
  EXPECT_TRUE(wrong.sink.has("raw.bad_version"));
  EXPECT_FALSE(run(LinkType::ipv6, v4).ok);
}

TEST(Packet, NullLoopbackBothByteOrdersAndLoop) {
  const Vec v4 = cat({ipv4(6, 46), kTcpMss, {'h', 'i'}});
  auto le = run(LinkType::null_loopback, cat({{0x02, 0x00, 0x00, 0x00} /* AF_INET, LE host */, v4}));
  ASSERT_TRUE(le.ok);
  EXPECT_EQ(le.pkt.l4, L4::tcp);
  EXPECT_FALSE(le.pkt.has_l2);
  auto be = run(LinkType::null_loopback, cat({{0x00, 0x00, 0x00, 0x02} /* AF_INET, BE host */, v4}));
  ASSERT_TRUE(be.ok);
  EXPECT_EQ(be.pkt.l3, L3::ipv4);
  for (std::uint8_t af6 : {24, 28, 30}) {
    auto d = run(LinkType::null_loopback, cat({{af6, 0, 0, 0} /* AF_INET6 */, ipv6(17, 12), kUdp6}));
    ASSERT_TRUE(d.ok) << int(af6);
    EXPECT_EQ(d.pkt.l3, L3::ipv6);
  }
  auto loop = run(LinkType::loop, cat({{0x00, 0x00, 0x00, 0x02} /* AF_INET, big-endian */, v4}));
  ASSERT_TRUE(loop.ok);
  EXPECT_EQ(loop.pkt.l4, L4::tcp);
  auto loop_le = run(LinkType::loop, cat({{0x02, 0x00, 0x00, 0x00}, v4}));  // LOOP is BE only
  EXPECT_FALSE(loop_le.ok);
  EXPECT_TRUE(loop_le.sink.has("null.unknown_family"));
}

// Radiotap header with TSFT and Flags (FCS present), then an 802.11 frame.
Vec radiotap_fcs() {
  return {
      0x00,                    // version
      0x00,                    // pad
      0x12, 0x00,              // length 18 (LE)
      0x03, 0x00, 0x00, 0x00,  // present: TSFT | Flags
      1, 2, 3, 4, 5, 6, 7, 8,  // TSFT (already 8-aligned at offset 8)
      0x10,                    // Flags: FCS at end
      0x00,                    // pad
  };
}

TEST(Packet, RadiotapQosDataFromDs) {
  const Vec f = cat({radiotap_fcs(),
                     {0x88, 0x02},                          // FC: data/QoS data, FromDS
                     {0x00, 0x00},                          // duration
                     {0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3},  // addr1 DA
                     {0x00, 0x11, 0x22, 0x33, 0x44, 0x55},  // addr2 BSSID
                     {0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33},  // addr3 SA
                     {0x10, 0x00},                          // sequence control
                     {0x00, 0x00},                          // QoS control
                     {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00},  // LLC/SNAP, OUI 0
                     {0x08, 0x00},                          // EtherType IPv4
                     ipv4(17, 32), kUdp4,
                     {0xde, 0xad, 0xbe, 0xef}});            // FCS
  auto d = run(LinkType::radiotap, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.wireless);
  EXPECT_EQ(d.pkt.wlan_type, 2);
  EXPECT_EQ(d.pkt.wlan_subtype, 8);
  EXPECT_EQ(d.pkt.dst_mac, mac("00:1b:1b:02:9a:c3"));
  EXPECT_EQ(d.pkt.bssid, mac("00:11:22:33:44:55"));
  EXPECT_EQ(d.pkt.src_mac, mac("00:0e:8c:11:22:33"));
  EXPECT_EQ(d.pkt.ta, mac("00:11:22:33:44:55"));  // the AP transmitted it, not the source it relays for
  EXPECT_EQ(d.pkt.ethertype, 0x0800);
  EXPECT_EQ(d.pkt.l4, L4::udp);
  EXPECT_EQ(as_chars(d.pkt.payload), "data");
}

TEST(Packet, RadiotapBeacon) {
  const Vec f = cat({{0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00},  // radiotap, nothing present
                     {0x80, 0x00},                          // FC: management/beacon
                     {0x00, 0x00},                          // duration
                     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  // addr1 broadcast
                     {0x00, 0x11, 0x22, 0x33, 0x44, 0x55},  // addr2 SA
                     {0x00, 0x11, 0x22, 0x33, 0x44, 0x56},  // addr3 BSSID
                     {0x00, 0x00},                          // sequence control
                     Vec(12, 0)});                          // timestamp, interval, capability
  auto d = run(LinkType::radiotap, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.wireless);
  EXPECT_EQ(d.pkt.wlan_type, 0);
  EXPECT_EQ(d.pkt.wlan_subtype, 8);
  EXPECT_EQ(d.pkt.src_mac, mac("00:11:22:33:44:55"));
  EXPECT_EQ(d.pkt.ta, mac("00:11:22:33:44:55"));
  EXPECT_EQ(d.pkt.bssid, mac("00:11:22:33:44:56"));
  EXPECT_TRUE(d.pkt.dst_mac.is_broadcast());
  EXPECT_EQ(d.pkt.l3, L3::none);
}

TEST(Packet, Plain80211ToDsProtected) {
  const Vec f = {
      0x08, 0x41,                          // FC: data, ToDS | Protected
      0x00, 0x00,                          // duration
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55,  // addr1 BSSID
      0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33,  // addr2 SA
      0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3,  // addr3 DA
      0x00, 0x00,                          // sequence control
      1, 2, 3, 4, 5, 6, 7, 8,              // CCMP header and ciphertext
  };
  auto d = run(LinkType::ieee802_11, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.wlan_protected);
  EXPECT_EQ(d.pkt.bssid, mac("00:11:22:33:44:55"));
  EXPECT_EQ(d.pkt.src_mac, mac("00:0e:8c:11:22:33"));
  EXPECT_EQ(d.pkt.ta, mac("00:0e:8c:11:22:33"));
  EXPECT_EQ(d.pkt.dst_mac, mac("00:1b:1b:02:9a:c3"));
  EXPECT_EQ(d.pkt.l3, L3::none);
  EXPECT_FALSE(d.pkt.llc);
}

// A 4-address (WDS) frame: RA, TA, DA, SA. The bridges are the radios; the
// source and destination are stations on their wired sides.
TEST(Packet, Wds4AddressData) {
  const Vec f = {
      0x08, 0x03,                          // FC: data, ToDS | FromDS
      0x00, 0x00,                          // duration
      0x02, 0x0b, 0x00, 0x00, 0x00, 0xb2,  // addr1 RA
      0x02, 0x0b, 0x00, 0x00, 0x00, 0xb1,  // addr2 TA
      0x00, 0x15, 0x5d, 0x60, 0x00, 0x10,  // addr3 DA
      0x00, 0x00,                          // sequence control
      0x00, 0x0e, 0xc6, 0x60, 0x00, 0x30,  // addr4 SA
      0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00,  // LLC/SNAP
      0x88, 0xb5,                          // a local experimental EtherType
  };
  auto d = run(LinkType::ieee802_11, f);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.pkt.ta, mac("02:0b:00:00:00:b1"));
  EXPECT_EQ(d.pkt.src_mac, mac("00:0e:c6:60:00:30"));
  EXPECT_EQ(d.pkt.dst_mac, mac("00:15:5d:60:00:10"));
}

// ACK names only its receiver: no transmitter.
TEST(Packet, AckHasNoTransmitter) {
  const Vec f = {0xd4, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3};
  auto d = run(LinkType::ieee802_11, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.ta.is_zero());
  EXPECT_EQ(d.pkt.dst_mac, mac("00:1b:1b:02:9a:c3"));
}

TEST(Packet, LinkTypeSupported) {
  for (int dlt : {0, 1, 12, 14, 101, 105, 108, 113, 127, 228, 229, 276}) EXPECT_TRUE(link_type_supported(dlt));
  for (int dlt : {-1, 2, 9, 104, 119, 192, 230, 277}) EXPECT_FALSE(link_type_supported(dlt));
  auto d = run(static_cast<LinkType>(9), eth_ipv4_tcp());
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::unsupported);
}

TEST(Packet, ResetsOutBetweenPackets) {
  DecodedPacket p;
  NullSink sink;
  const Vec tcp_frame = eth_ipv4_tcp();
  ASSERT_TRUE(decode(LinkType::ethernet, bytes(tcp_frame), p, sink).ok());
  ASSERT_EQ(p.l4, L4::tcp);
  const Vec arp_frame = cat({eth(0x0806), arp(1, {1, 2, 3, 4}, Vec(6, 0), {1, 2, 3, 5})});
  ASSERT_TRUE(decode(LinkType::ethernet, bytes(arp_frame), p, sink).ok());
  EXPECT_EQ(p.l4, L4::none);
  EXPECT_EQ(p.src_port, 0);
  EXPECT_FALSE(p.src_ip.valid());
  EXPECT_TRUE(p.tcp_options.empty());
}

// --- malformed twins ---------------------------------------------------------------

// Cuts `f` at every byte position; each cut is its own allocation (ASan sees overreads).
// A cut of a valid frame is never "malformed", and what precedes the cut is kept.
void check_every_cut(LinkType link, const Vec& f, std::size_t l2_end, std::size_t l3_end) {
  for (std::size_t n = 0; n < f.size(); ++n) {
    SCOPED_TRACE(n);
    const Vec cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    auto d = run(link, cut);
    if (!d.ok) {
      EXPECT_EQ(d.error, ParseError::truncated);
      EXPECT_EQ(d.sink.anomalies.size(), 1U);
    } else {
      EXPECT_TRUE(d.pkt.payload_truncated || d.pkt.l3 == L3::arp) << "ok without payload_truncated";
    }
    if (n >= l2_end && l2_end > 0) {
      EXPECT_EQ(d.pkt.src_mac, mac("00:0e:8c:11:22:33"));
    }
    if (n >= l3_end) {
      EXPECT_TRUE(d.pkt.src_ip.valid() || d.pkt.arp.spa.valid());
    } else {
      EXPECT_FALSE(d.pkt.src_ip.valid());
    }
  }
}

TEST(PacketMalformed, EveryCutOfMainVectors) {
  check_every_cut(LinkType::ethernet, eth_ipv4_tcp(), 14, 34);
  check_every_cut(LinkType::ethernet, cat({eth(0x0800), ipv4(17, 32), kUdp4}), 14, 34);
  check_every_cut(LinkType::ethernet, eth_ipv4_icmp(), 14, 34);
  check_every_cut(LinkType::ethernet, eth_ipv6_ext_udp(), 14, 54);
  check_every_cut(LinkType::ethernet, cat({eth(0x0806), arp(1, {1, 2, 3, 4}, Vec(6, 0), {1, 2, 3, 5})}),
                  14, 42);
  check_every_cut(LinkType::null_loopback, cat({{2, 0, 0, 0}, ipv4(6, 46), kTcpMss, {'h', 'i'}}), 0, 24);
}

TEST(PacketMalformed, EveryCutOfOtherLinks) {
  // Wireless and cooked headers: no crash, never malformed.
  const Vec radio = cat({radiotap_fcs(), {0x88, 0x02, 0, 0}, Vec(18, 0x22), {0, 0, 0, 0},
                         {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}, ipv4(17, 32), kUdp4, {1, 2, 3, 4}});
  const Vec cdp = cdp_like();
  const Vec sll = cat({{0, 4, 0, 1, 0, 6}, Vec(8, 1), {0x86, 0xdd}, ipv6(17, 12), kUdp6});
  for (auto [link, f] : {std::pair{LinkType::radiotap, radio}, std::pair{LinkType::ethernet, cdp},
                         std::pair{LinkType::linux_sll, sll}}) {
    for (std::size_t n = 0; n < f.size(); ++n) {
      const Vec cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
      auto d = run(link, cut);
      if (!d.ok) {
        EXPECT_EQ(d.error, ParseError::truncated) << n;
      }
    }
  }
}

TEST(PacketMalformed, Ipv4Ihl15OnShortPacket) {
  Vec f = eth_ipv4_icmp();
  f[14] = 0x4f;  // IHL 15 (60 bytes) but total length 28
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("ipv4.bad_ihl"));
  EXPECT_EQ(d.pkt.src_ip, ip("192.168.1.10"));  // kept
  EXPECT_EQ(d.pkt.l4, L4::none);
}

TEST(PacketMalformed, Ipv4BadIhlVersionAndTotalLength) {
  Vec f = eth_ipv4_icmp();
  f[14] = 0x44;  // IHL 4
  EXPECT_TRUE(run(LinkType::ethernet, f).sink.has("ipv4.bad_ihl"));
  f[14] = 0x55;  // version 5
  EXPECT_TRUE(run(LinkType::ethernet, f).sink.has("ipv4.bad_version"));
  f[14] = 0x45;
  f[16] = 0, f[17] = 19;  // total length 19 < 20
  auto d = run(LinkType::ethernet, f);
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("ipv4.total_length_short"));
  EXPECT_TRUE(d.pkt.has_l2);
}

TEST(PacketMalformed, Ipv4TotalLengthAboveCaptureIsTruncatedPayload) {
  Vec f = eth_ipv4_tcp();
  f[16] = 0x05, f[17] = 0xdc;  // total length 1500, snaplen cut the rest
  auto d = run(LinkType::ethernet, f);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.pkt.payload_truncated);
  EXPECT_EQ(as_chars(d.pkt.payload), "hi");
}

TEST(PacketMalformed, TcpDataOffset15) {
  Vec f = eth_ipv4_tcp();
  f[14 + 20 + 12] = 0xf0;  // data offset 15 (60 bytes) in a 26-byte segment
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("tcp.bad_data_offset"));
  EXPECT_EQ(d.pkt.src_port, 49152);  // kept
  f[14 + 20 + 12] = 0x40;  // data offset 4 (16 bytes) < 20
  auto e = run(LinkType::ethernet, f);
  EXPECT_TRUE(e.sink.has("tcp.bad_data_offset"));
}

TEST(PacketMalformed, UdpLength3And65535) {
  Vec f = cat({eth(0x0800), ipv4(17, 32), kUdp4});
  f[14 + 20 + 4] = 0, f[14 + 20 + 5] = 3;
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("udp.bad_length"));
  EXPECT_EQ(d.pkt.dst_port, 161);
  f[14 + 20 + 4] = 0xff, f[14 + 20 + 5] = 0xff;
  auto e = run(LinkType::ethernet, f);
  ASSERT_FALSE(e.ok);
  EXPECT_EQ(e.error, ParseError::malformed);
  EXPECT_TRUE(e.sink.has("udp.bad_length"));
}

TEST(PacketMalformed, FortyVlanTags) {
  Vec f = eth(0x8100);
  for (int i = 0; i < 40; ++i) {
    f.insert(f.end(), {0x00, static_cast<std::uint8_t>(i + 1)});  // TCI
    f.insert(f.end(), {0x81, 0x00});                                // next TPID
  }
  f.insert(f.end(), {0x08, 0x00});
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::limit_exceeded);
  EXPECT_TRUE(d.sink.has("vlan.too_many_tags"));
  EXPECT_EQ(d.pkt.vlan_count, 2);
  EXPECT_EQ(d.pkt.vlans[0], 1);
  EXPECT_EQ(d.pkt.vlans[1], 2);
}

TEST(PacketMalformed, VlanCapBoundary) {
  Vec f = eth(0x8100);
  for (std::size_t i = 0; i < kMaxVlanTags; ++i) {
    f.insert(f.end(), {0x00, 0x05});  // TCI
    f.insert(f.end(), {static_cast<std::uint8_t>(i + 1 < kMaxVlanTags ? 0x81 : 0x08), 0x00});
  }
  f = cat({f, ipv4(17, 32), kUdp4});
  EXPECT_TRUE(run(LinkType::ethernet, f).ok);  // exactly at the cap
}

Vec ipv6_with_ext_headers(std::size_t n) {
  Vec chain;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t next = i + 1 < n ? 60 : 17;
    chain.insert(chain.end(), {next, 0, 0x01, 0x04, 0, 0, 0, 0});  // dest options, PadN
  }
  chain = cat({chain, kUdp6});
  return cat({eth(0x86dd), ipv6(60, static_cast<std::uint16_t>(chain.size())), chain});
}

TEST(PacketMalformed, TwentyIpv6ExtensionHeaders) {
  auto d = run(LinkType::ethernet, ipv6_with_ext_headers(20));
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::limit_exceeded);
  EXPECT_TRUE(d.sink.has("ipv6.too_many_ext_headers"));
  EXPECT_EQ(d.pkt.src_ip, ip("fe80::1"));
  auto at_cap = run(LinkType::ethernet, ipv6_with_ext_headers(kMaxIpv6ExtHeaders));
  ASSERT_TRUE(at_cap.ok);
  EXPECT_EQ(at_cap.pkt.l4, L4::udp);
  EXPECT_FALSE(run(LinkType::ethernet, ipv6_with_ext_headers(kMaxIpv6ExtHeaders + 1)).ok);
}

TEST(PacketMalformed, Ipv6ExtHeaderPastPayloadLength) {
  Vec f = eth_ipv6_ext_udp();
  f[14 + 40 + 1] = 200;  // hop-by-hop length 200 (1608 bytes)
  auto d = run(LinkType::ethernet, f);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("ipv6.ext_header_truncated"));
}

TEST(PacketMalformed, RadiotapBadLength) {
  auto d = run(LinkType::radiotap, {0x00, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0});  // length 4 < 8
  EXPECT_EQ(d.error, ParseError::malformed);
  EXPECT_TRUE(d.sink.has("radiotap.bad_length"));
  auto e = run(LinkType::radiotap, {0x00, 0x00, 0xff, 0x00, 0, 0, 0, 0});  // length 255 > frame
  EXPECT_FALSE(e.ok);
  EXPECT_TRUE(e.sink.has("radiotap.bad_length"));
  Vec words = {0x00, 0x00, 0x2c, 0x00};
  for (int i = 0; i < 10; ++i) words.insert(words.end(), {0, 0, 0, 0x80});  // every word extended
  auto g = run(LinkType::radiotap, words);
  EXPECT_EQ(g.error, ParseError::limit_exceeded);
  EXPECT_TRUE(g.sink.has("radiotap.too_many_present_words"));
}

TEST(PacketMalformed, EthernetShort) {
  auto d = run(LinkType::ethernet, {0x00, 0x01, 0x02});
  EXPECT_EQ(d.error, ParseError::truncated);
  EXPECT_TRUE(d.sink.has("eth.truncated"));
  EXPECT_FALSE(d.pkt.has_l2);
}

}  // namespace
}  // namespace mieruka::dissectors
