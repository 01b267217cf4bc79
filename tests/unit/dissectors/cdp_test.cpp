// CDP tests: header, every TLV we read (Device ID, Addresses with IPv4 NLPID
// and IPv6 802.2 entries, Port ID, Capabilities, Software Version, Platform, VTP
// domain, Native VLAN, Duplex, Management Addresses), the facts emitted, the
// version number of Cisco banners, malformed twins (cut at every byte, TLV
// lengths below 4 and past the frame, address counts above the cap, TLVs at the
// cap and one past it), and tcpdump__3560_CDP.pcap / zeek__cdp-v1.pcap against
// tshark's fields in MANIFEST.json.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/cdp.hpp"

namespace mieruka::dissectors::cdp {
namespace {

using Buf = std::vector<std::byte>;

Buf bytes(std::initializer_list<int> v) {
  Buf b;
  for (int x : v) b.push_back(static_cast<std::byte>(x));
  return b;
}
void add(Buf& b, const Buf& more) { b.insert(b.end(), more.begin(), more.end()); }
void add_str(Buf& b, std::string_view s) {
  for (char c : s) b.push_back(static_cast<std::byte>(c));
}
Bytes span(const Buf& b) { return {b.data(), b.size()}; }

Buf tlv(int type, const Buf& value) {
  const std::size_t len = value.size() + 4;
  Buf b = bytes({type >> 8, type & 0xff, static_cast<int>(len >> 8), static_cast<int>(len & 0xff)});
  add(b, value);
  return b;
}
Buf str_tlv(int type, std::string_view s) {
  Buf v;
  add_str(v, s);
  return tlv(type, v);
}

struct Recorded {
  AssetRef::Kind kind;
  std::string field, value, source;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who.kind, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation& op) noexcept override { ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string value(std::string_view field) const {
    for (const auto& f : facts)
      if (f.field == field) return f.value;
    return "<none>";
  }
  [[nodiscard]] std::size_t count(std::string_view field) const {
    std::size_t n = 0;
    for (const auto& f : facts) n += f.field == field ? 1 : 0;
    return n;
  }
  [[nodiscard]] bool has(std::string_view field, std::string_view value) const {
    for (const auto& f : facts)
      if (f.field == field && f.value == value) return true;
    return false;
  }
  [[nodiscard]] bool has_anomaly(std::string_view c) const {
    for (const auto& a : anomalies)
      if (a == c) return true;
    return false;
  }
  std::vector<Recorded> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
};

Buf header(int version = 2) { return bytes({version, 180, 0x12, 0x34}); }  // version, TTL 180 s, checksum

Buf switch_pdu() {
  Buf b = header();
  add(b, str_tlv(tlv::device_id, "Switch"));
  add(b, tlv(tlv::addresses, bytes({0, 0, 0, 2,                    // two addresses
                                    1, 1, 0xcc,                     // NLPID, length 1, IP
                                    0, 4, 192, 168, 0, 1,           // 192.168.0.1
                                    2, 8, 0xaa, 0xaa, 3, 0, 0, 0, 0x86, 0xdd,  // 802.2 IPv6
                                    0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
  add(b, str_tlv(tlv::port_id, "GigabitEthernet0/5"));
  add(b, tlv(tlv::capabilities, bytes({0, 0, 0, 0x29})));          // router, switch, IGMP
  add(b, str_tlv(tlv::software_version,
                 "Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(25)SEB4, RELEASE "
                 "SOFTWARE (fc1)\nCopyright (c) 1986-2005 by Cisco Systems, Inc."));
  add(b, str_tlv(tlv::platform, "cisco WS-C3560G-24PS"));
  add(b, str_tlv(tlv::vtp_domain, "Lab"));
  add(b, tlv(tlv::native_vlan, bytes({0, 1})));                   // VLAN 1
  add(b, tlv(tlv::duplex, bytes({1})));                            // full
  add(b, tlv(tlv::management_addresses, bytes({0, 0, 0, 1, 1, 1, 0xcc, 0, 4, 10, 0, 0, 9})));
  add(b, tlv(0x0008, bytes({0, 0, 0x0c, 0x01, 0x12})));            // Protocol Hello: ignored
  return b;
}

TEST(Cdp, ParsesEveryTlv) {
  RecordingSink sink;
  const Buf b = switch_pdu();
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->version, 2);
  EXPECT_EQ(pdu->ttl, 180);
  EXPECT_EQ(pdu->checksum, 0x1234);
  EXPECT_EQ(pdu->device_id, "Switch");
  ASSERT_EQ(pdu->addresses.size(), 3U);
  EXPECT_EQ(pdu->addresses[0].to_string(), "192.168.0.1");
  EXPECT_EQ(pdu->addresses[1].to_string(), "2001:db8::1");
  EXPECT_EQ(pdu->addresses[2].to_string(), "10.0.0.9");
  EXPECT_EQ(pdu->port_id, "GigabitEthernet0/5");
  EXPECT_EQ(pdu->capabilities, 0x29U);
  EXPECT_EQ(pdu->platform, "cisco WS-C3560G-24PS");
  EXPECT_EQ(pdu->vtp_domain, "Lab");
  EXPECT_EQ(pdu->native_vlan, 1);
  EXPECT_EQ(pdu->duplex, 1);
  EXPECT_EQ(pdu->tlv_count, 11U);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(Cdp, EmitsFacts) {
  RecordingSink sink;
  const Buf b = switch_pdu();
  DecodedPacket pkt;
  pkt.snap_oui = kSnapOui;
  on_frame(pkt, span(b), sink);
  EXPECT_EQ(sink.value("name"), "Switch");
  EXPECT_EQ(sink.value("cdp_port"), "GigabitEthernet0/5");
  EXPECT_TRUE(sink.has("ip", "192.168.0.1"));
  EXPECT_TRUE(sink.has("ip", "2001:db8::1"));
  EXPECT_TRUE(sink.has("ip", "10.0.0.9"));
  EXPECT_EQ(sink.value("vendor"), "Cisco");
  EXPECT_EQ(sink.value("product"), "WS-C3560G-24PS");
  EXPECT_EQ(sink.value("revision"), "12.2(25)SEB4");
  EXPECT_EQ(sink.value("software").substr(0, 28), "Cisco IOS Software, C3560 So");
  EXPECT_EQ(sink.value("cdp_capabilities"), "router,switch,igmp");
  EXPECT_EQ(sink.value("class_hint"), "switch");
  EXPECT_EQ(sink.value("cdp_native_vlan"), "1");
  EXPECT_EQ(sink.value("cdp_vtp_domain"), "Lab");
  EXPECT_EQ(sink.value("cdp_duplex"), "full");
  EXPECT_EQ(sink.value("cdp_version"), "2");
  for (const auto& f : sink.facts) {
    EXPECT_EQ(f.source, "cdp");
    EXPECT_EQ(f.kind, AssetRef::Kind::sender);
  }
}

TEST(Cdp, NotCiscoPlatformNoVendor) {
  Buf b = header(1);
  add(b, str_tlv(tlv::platform, "Linux SomeBox"));
  add(b, tlv(tlv::capabilities, bytes({0, 0, 0, 0x01})));  // router only
  RecordingSink sink;
  DecodedPacket pkt;
  pkt.snap_oui = kSnapOui;
  on_frame(pkt, span(b), sink);
  EXPECT_EQ(sink.value("vendor"), "<none>");
  EXPECT_EQ(sink.value("product"), "Linux SomeBox");
  EXPECT_EQ(sink.value("class_hint"), "router");
  EXPECT_EQ(sink.value("revision"), "<none>");
}

// A non-Cisco speaker whose platform and banner are in formats sysdescr knows.
TEST(Cdp, KnownFormatsOfOtherMakers) {
  Buf b = header(2);
  add(b, str_tlv(tlv::software_version, "Moxa EDS-G509 Firmware 3.8"));
  add(b, str_tlv(tlv::platform, "Moxa EDS-G509"));
  RecordingSink sink;
  DecodedPacket pkt;
  pkt.snap_oui = kSnapOui;
  on_frame(pkt, span(b), sink);
  EXPECT_EQ(sink.value("vendor"), "Moxa");
  EXPECT_EQ(sink.value("product"), "EDS-G509");
  EXPECT_EQ(sink.value("revision"), "3.8");
  EXPECT_EQ(sink.count("vendor"), 1U);
  EXPECT_EQ(sink.count("product"), 1U);
}

TEST(Cdp, WrongOuiIgnored) {
  const Buf b = switch_pdu();
  RecordingSink sink;
  DecodedPacket pkt;
  pkt.snap_oui = 0x0000f8;
  on_frame(pkt, span(b), sink);
  EXPECT_TRUE(sink.facts.empty());
  EXPECT_TRUE(sink.has_anomaly("cdp.wrong_oui"));
}

TEST(Cdp, VersionNumber) {
  EXPECT_EQ(software_version_number("IOS (tm) 1600 Software (C1600-NY-L), Version 11.2(12)P, RELEASE"), "11.2(12)P");
  EXPECT_EQ(software_version_number("Cisco NX-OS(tm) n5000, Software, Version 5.2(1)N1(1)"), "5.2(1)N1(1)");
  EXPECT_EQ(software_version_number("Version 15.1\nmore"), "15.1");
  EXPECT_EQ(software_version_number("no version here"), "");
  EXPECT_EQ(software_version_number("Version "), "");
}

TEST(Cdp, Capabilities) {
  EXPECT_EQ(capability_list(0x7ff),
            "router,trans_bridge,source_route_bridge,switch,host,igmp,repeater,phone,remote_managed,cvta,mac_relay");
  EXPECT_EQ(capability_list(0x90), "host,phone");
}

TEST(Cdp, HeaderErrors) {
  RecordingSink sink;
  const Buf short_header = bytes({2, 180, 0});
  EXPECT_EQ(parse(span(short_header), sink).error(), ParseError::truncated);
  const Buf v3 = bytes({3, 180, 0, 0});
  EXPECT_EQ(parse(span(v3), sink).error(), ParseError::unsupported);
  EXPECT_TRUE(sink.has_anomaly("cdp.unknown_version"));
}

TEST(Cdp, TlvLengthBelowHeaderStops) {
  Buf b = header();
  add(b, str_tlv(tlv::device_id, "kept"));
  add(b, bytes({0, 3, 0, 0}));  // Port ID with length 0: would not advance
  add(b, str_tlv(tlv::platform, "never"));
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->device_id, "kept");
  EXPECT_EQ(pdu->platform, "");
  EXPECT_TRUE(sink.has_anomaly("cdp.bad_tlv_length"));
}

TEST(Cdp, TlvLengthPastFrame) {
  Buf b = header();
  add(b, str_tlv(tlv::device_id, "kept"));
  add(b, bytes({0, 6, 0x01, 0x00}));  // Platform claims 252 bytes
  add_str(b, "cisco");
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->platform, "");
  EXPECT_TRUE(sink.has_anomaly("cdp.length_overrun"));
}

TEST(Cdp, AddressCountCap) {
  auto with_count = [](int n) {
    Buf v = bytes({0, 0, 0, n});
    for (int i = 0; i < n; ++i) add(v, bytes({1, 1, 0xcc, 0, 4, 10, 0, 0, i + 1}));
    Buf b = header();
    add(b, tlv(tlv::addresses, v));
    return b;
  };
  RecordingSink ok;
  const Buf at_cap = with_count(static_cast<int>(kMaxAddresses));
  auto pdu = parse(span(at_cap), ok);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->addresses.size(), kMaxAddresses);
  RecordingSink over;
  const Buf above = with_count(static_cast<int>(kMaxAddresses) + 1);
  auto pdu2 = parse(span(above), over);
  ASSERT_TRUE(pdu2);
  EXPECT_TRUE(pdu2->addresses.empty());
  EXPECT_TRUE(over.has_anomaly("cdp.too_many_addresses"));
  // A count the TLV cannot hold, and a cut entry.
  Buf lying = header();
  add(lying, tlv(tlv::addresses, bytes({0, 0, 0, 3, 1, 1, 0xcc, 0, 4, 10, 0, 0, 1})));
  RecordingSink s3;
  ASSERT_TRUE(parse(span(lying), s3));
  EXPECT_TRUE(s3.has_anomaly("cdp.too_many_addresses"));
  Buf cut = header();
  add(cut, tlv(tlv::addresses, bytes({0, 0, 0, 1, 1, 1, 0xcc, 0, 9, 10, 0, 0, 1, 2, 3})));
  RecordingSink s4;
  auto p4 = parse(span(cut), s4);
  ASSERT_TRUE(p4);
  EXPECT_TRUE(p4->addresses.empty());
  EXPECT_TRUE(s4.has_anomaly("cdp.bad_addresses"));
}

TEST(Cdp, TlvCountCap) {
  Buf at_cap = header();
  for (std::size_t i = 0; i < kMaxTlvs; ++i) add(at_cap, tlv(0x00ff, {}));
  RecordingSink ok;
  auto pdu = parse(span(at_cap), ok);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->tlv_count, kMaxTlvs);
  EXPECT_FALSE(ok.has_anomaly("cdp.too_many_tlvs"));
  Buf over = at_cap;
  add(over, str_tlv(tlv::device_id, "never"));
  RecordingSink sink;
  auto capped = parse(span(over), sink);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->device_id, "");
  EXPECT_TRUE(sink.has_anomaly("cdp.too_many_tlvs"));
}

TEST(Cdp, TruncationAtEveryByte) {
  const Buf full = switch_pdu();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    RecordingSink sink;
    auto pdu = parse(span(cut), sink);
    if (n < kHeaderSize) {
      EXPECT_FALSE(pdu) << n;
      continue;
    }
    ASSERT_TRUE(pdu) << n;
    EXPECT_LT(pdu->tlv_count, 11U) << n;
  }
}

// --- public captures ----------------------------------------------------------

std::vector<Buf> read_pcap_frames(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Buf> frames;
  auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[at])) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[at + 1])) << 8) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[at + 2])) << 16) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[at + 3])) << 24);
  };
  if (raw.size() < 24 || u32(0) != 0xa1b2c3d4U) return frames;
  std::size_t at = 24;
  while (at + 16 <= raw.size()) {
    const std::size_t len = u32(at + 8);
    at += 16;
    if (len > raw.size() - at) break;
    Buf f;
    for (std::size_t i = 0; i < len; ++i) f.push_back(static_cast<std::byte>(raw[at + i]));
    frames.push_back(std::move(f));
    at += len;
  }
  return frames;
}

RecordingSink run_capture(const std::string& file) {
  RecordingSink sink;
  const auto frames = read_pcap_frames(std::string(MIERUKA_SHARED_PCAPS) + "/" + file);
  EXPECT_FALSE(frames.empty()) << file;
  for (const auto& f : frames) {
    DecodedPacket pkt;
    NullSink decode_sink;
    if (!decode(LinkType::ethernet, span(f), pkt, decode_sink)) continue;
    if (pkt.llc && pkt.snap_pid == kSnapPid) on_frame(pkt, pkt.l2_payload, sink);
  }
  return sink;
}

// MANIFEST.json identities.cdp (tshark 4.x).
TEST(CdpCaptures, Tcpdump3560) {
  const auto sink = run_capture("tcpdump__3560_CDP.pcap");
  EXPECT_EQ(sink.value("name"), "Switch");
  EXPECT_EQ(sink.value("product"), "WS-C3560G-24PS");
  EXPECT_EQ(sink.value("vendor"), "Cisco");
  EXPECT_EQ(sink.value("revision"), "12.2(25)SEB4");
  EXPECT_EQ(sink.value("cdp_port"), "GigabitEthernet0/5");
  EXPECT_EQ(sink.value("ip"), "192.168.0.1");
  EXPECT_EQ(sink.value("cdp_native_vlan"), "1");
  EXPECT_EQ(sink.value("cdp_vtp_domain"), "Lab");
  EXPECT_EQ(sink.value("class_hint"), "switch");
  EXPECT_EQ(sink.value("software"),
            "Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(25)SEB4, RELEASE SOFTWARE "
            "(fc1)\nCopyright (c) 1986-2005 by Cisco Systems, Inc.\nCompiled Tue 30-Aug-05 17:56 by yenanh");
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(CdpCaptures, ZeekCdpV1) {
  const auto sink = run_capture("zeek__cdp-v1.pcap");
  EXPECT_EQ(sink.value("name"), "R1");
  EXPECT_EQ(sink.value("product"), "1601");
  EXPECT_EQ(sink.value("revision"), "11.2(12)P");
  EXPECT_EQ(sink.value("cdp_port"), "Ethernet0");
  EXPECT_EQ(sink.value("ip"), "192.168.10.1");
  EXPECT_EQ(sink.value("cdp_version"), "1");
  EXPECT_TRUE(sink.anomalies.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::cdp
