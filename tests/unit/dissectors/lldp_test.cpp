// LLDP tests: every basic TLV (IEEE 802.1AB-2016 §8.5), the org-specific TLVs we
// read (802.1, 802.3, PROFINET, LLDP-MED), the facts and class hints emitted,
// what a system description in a known format adds (the formats themselves are
// sysdescr_test's), malformed twins (cut at every byte, a
// length past the frame, empty TLVs up to the cap and one past it), and the
// public captures against tshark's fields in MANIFEST.json (zeek__lldp.pcap,
// tcpdump__lldp-infinite-loop-1.pcap).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/lldp.hpp"

namespace mieruka::dissectors::lldp {
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

// TLV header: 7-bit type, 9-bit length.
Buf tlv_head(int type, std::size_t len) {
  return bytes({static_cast<int>((type << 1) | (len >> 8)), static_cast<int>(len & 0xff)});
}
Buf tlv(int type, const Buf& value) {
  Buf b = tlv_head(type, value.size());
  add(b, value);
  return b;
}
Buf str_tlv(int type, std::string_view s) {
  Buf v;
  add_str(v, s);
  return tlv(type, v);
}
Buf org_tlv(std::uint32_t oui, int subtype, const Buf& info) {
  Buf v = bytes({static_cast<int>(oui >> 16), static_cast<int>((oui >> 8) & 0xff), static_cast<int>(oui & 0xff),
                 subtype});
  add(v, info);
  return tlv(127, v);
}
Buf org_str(std::uint32_t oui, int subtype, std::string_view s) {
  Buf v;
  add_str(v, s);
  return org_tlv(oui, subtype, v);
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

Buf mandatory() {
  Buf b;
  add(b, tlv(1, bytes({4, 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33})));  // Chassis ID: subtype 4 MAC
  add(b, tlv(2, bytes({5, 'P', '1'})));                            // Port ID: subtype 5 interface name "P1"
  add(b, tlv(3, bytes({0x00, 0x78})));                             // TTL 120 s
  return b;
}

// A switch: every basic TLV, 802.1/802.3/PROFINET org TLVs, End.
Buf switch_pdu() {
  Buf b = mandatory();
  add(b, str_tlv(4, "Port 1"));                                  // Port Description
  add(b, str_tlv(5, "sw-cell1"));                                // System Name
  add(b, str_tlv(6, "Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA00-2AA3, HW: 7, FW: V4.1.0"));
  add(b, tlv(7, bytes({0x00, 0x14,                               // capabilities: bridge, router
                       0x00, 0x04})));                           // enabled: bridge
  add(b, tlv(8, bytes({5,                                        // address string length
                       1, 10, 10, 1, 2,                          // IPv4 10.10.1.2
                       2,                                        // interface subtype ifIndex
                       0, 0, 0, 1,                               // interface number
                       0})));                                    // OID length
  add(b, org_tlv(oui::ieee_802_1, 1, bytes({0x00, 0x65})));     // Port VLAN ID 101
  add(b, org_tlv(oui::ieee_802_1, 3, bytes({0x00, 0x65,         // VLAN id 101
                                             4, 'c', 'e', 'l', 'l'})));
  add(b, org_tlv(oui::ieee_802_3, 1, bytes({0x03,               // autoneg supported + enabled
                                             0x6c, 0x00,         // PMD advertised
                                             0x00, 0x10})));     // MAU type 16 (100BASE-TX FD)
  add(b, org_tlv(oui::profinet, 5, bytes({0x00, 0x1b, 0x1b, 0x11, 0x22, 0x30})));  // chassis MAC
  add(b, org_tlv(oui::profinet, 2, bytes({0x00, 0x00, 0x00, 0x00})));              // port status
  add(b, tlv(0, {}));                                            // End
  return b;
}

TEST(Lldp, ParsesEveryBasicTlv) {
  RecordingSink sink;
  const Buf b = switch_pdu();
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->chassis_subtype, 4);
  EXPECT_EQ(pdu->chassis_id, "00:1b:1b:11:22:33");
  ASSERT_TRUE(pdu->chassis_mac);
  EXPECT_EQ(pdu->port_subtype, 5);
  EXPECT_EQ(pdu->port_id, "P1");
  EXPECT_EQ(pdu->ttl, 120);
  EXPECT_EQ(pdu->port_description, "Port 1");
  EXPECT_EQ(pdu->system_name, "sw-cell1");
  EXPECT_TRUE(pdu->has_capabilities);
  EXPECT_EQ(pdu->capabilities, cap::bridge | cap::router);
  EXPECT_EQ(pdu->enabled, cap::bridge);
  ASSERT_EQ(pdu->management_addresses.size(), 1U);
  EXPECT_EQ(pdu->management_addresses[0].to_string(), "10.10.1.2");
  EXPECT_EQ(pdu->port_vlan_id, 101);
  ASSERT_EQ(pdu->vlan_names.size(), 1U);
  EXPECT_EQ(pdu->vlan_names[0].name, "cell");
  EXPECT_TRUE(pdu->has_mac_phy);
  EXPECT_EQ(pdu->mau_type, 16);
  ASSERT_TRUE(pdu->pn_chassis_mac);
  EXPECT_EQ(pdu->pn_chassis_mac->to_string(), "00:1b:1b:11:22:30");
  EXPECT_EQ(pdu->pn_rtc2_port_status, 0);
  EXPECT_TRUE(pdu->saw_end);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(Lldp, EmitsSwitchFacts) {
  RecordingSink sink;
  const Buf b = switch_pdu();
  DecodedPacket pkt;
  on_frame(pkt, span(b), sink);
  EXPECT_EQ(sink.value("name"), "sw-cell1");
  EXPECT_EQ(sink.value("lldp_port"), "P1");
  EXPECT_EQ(sink.value("lldp_port_description"), "Port 1");
  EXPECT_EQ(sink.value("lldp_capabilities"), "bridge");
  EXPECT_EQ(sink.value("class_hint"), "switch");
  EXPECT_EQ(sink.value("ip"), "10.10.1.2");
  EXPECT_EQ(sink.value("vendor"), "Siemens");
  EXPECT_EQ(sink.value("product"), "SCALANCE X208");
  EXPECT_EQ(sink.value("model"), "6GK5 208-0BA00-2AA3");
  EXPECT_EQ(sink.value("hardware_revision"), "7");
  EXPECT_EQ(sink.value("revision"), "V4.1.0");
  EXPECT_EQ(sink.value("lldp_port_vlan"), "101");
  EXPECT_EQ(sink.value("lldp_vlan_name"), "101:cell");
  EXPECT_EQ(sink.value("pn_chassis_mac"), "00:1b:1b:11:22:30");
  for (const auto& f : sink.facts) {
    EXPECT_EQ(f.source, "lldp");
    EXPECT_EQ(f.kind, AssetRef::Kind::sender);
  }
  EXPECT_EQ(sink.count("class_hint"), 1U);
}

TEST(Lldp, ClassHints) {
  struct Case {
    int enabled;
    std::string_view want;
  };
  for (const Case c : {Case{0x0014, "router"}, Case{0x0004, "switch"}, Case{0x000c, "wireless_ap"},
                       Case{0x0018, "wireless_ap"}, Case{0x0020, "<none>"}, Case{0x0080, "<none>"}}) {
    Buf b = mandatory();
    add(b, tlv(7, bytes({0x07, 0xff, c.enabled >> 8, c.enabled & 0xff})));
    RecordingSink sink;
    on_frame({}, span(b), sink);
    EXPECT_EQ(sink.value("class_hint"), c.want) << c.enabled;
  }
}

TEST(Lldp, CapabilityNames) {
  EXPECT_EQ(capability_list(0), "");
  EXPECT_EQ(capability_list(0x07ff), "other,repeater,bridge,wlan_ap,router,telephone,docsis,station,c_vlan,s_vlan,tpmr");
  EXPECT_EQ(capability_list(0x0024), "bridge,telephone");
}

TEST(Lldp, MedInventoryWinsOverDescription) {
  Buf b = mandatory();
  add(b, str_tlv(6, "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE, RELEASE SOFTWARE (fc1)"));
  add(b, org_tlv(oui::tia_med, 1, bytes({0x00, 0x33,   // MED capabilities
                                          3})));        // device type: endpoint class III
  add(b, org_str(oui::tia_med, 5, "HW-2"));            // hardware revision
  add(b, org_str(oui::tia_med, 6, "FW-1.2"));          // firmware revision
  add(b, org_str(oui::tia_med, 7, "SW-9.4"));          // software revision
  add(b, org_str(oui::tia_med, 8, "FCH1234X0YZ"));     // serial number
  add(b, org_str(oui::tia_med, 9, "Cisco Systems, Inc."));  // manufacturer
  add(b, org_str(oui::tia_med, 10, "IP Phone 7960"));  // model name
  add(b, org_str(oui::tia_med, 11, "ASSET-7"));        // asset id
  RecordingSink sink;
  on_frame({}, span(b), sink);
  EXPECT_EQ(sink.value("vendor"), "Cisco Systems, Inc.");
  EXPECT_EQ(sink.value("product"), "IP Phone 7960");
  EXPECT_EQ(sink.value("revision"), "SW-9.4");
  EXPECT_EQ(sink.value("serial"), "FCH1234X0YZ");
  EXPECT_EQ(sink.value("hardware_revision"), "HW-2");
  EXPECT_EQ(sink.value("firmware_revision"), "FW-1.2");
  EXPECT_EQ(sink.value("asset_id"), "ASSET-7");
  EXPECT_EQ(sink.value("lldp_med_device_type"), "endpoint_class_3");
  EXPECT_EQ(sink.count("revision"), 1U);
}

// The description's formats are sysdescr_test's; here, that LLDP states what
// they give with its own source, and that a CPU's description names its class.
TEST(Lldp, SystemDescriptionOfACpu) {
  Buf b = mandatory();
  add(b, str_tlv(5, "plc-line1"));
  add(b, str_tlv(6, "Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.3"));
  add(b, tlv(7, bytes({0x00, 0x84, 0x00, 0x80})));  // capabilities bridge+station, enabled station
  RecordingSink sink;
  on_frame({}, span(b), sink);
  EXPECT_EQ(sink.value("name"), "plc-line1");
  EXPECT_EQ(sink.value("vendor"), "Siemens");
  EXPECT_EQ(sink.value("product"), "CPU 1516-3 PN/DP");
  EXPECT_EQ(sink.value("model"), "6ES7 516-3AN01-0AB0");
  EXPECT_EQ(sink.value("revision"), "V2.8.3");
  EXPECT_EQ(sink.value("hardware_revision"), "3");
  EXPECT_EQ(sink.value("class_hint"), "plc");
  EXPECT_EQ(sink.count("class_hint"), 1U);
  for (const auto& f : sink.facts) EXPECT_EQ(f.source, "lldp");
}

TEST(Lldp, UnknownDescriptionStatesNoInventory) {
  Buf b = mandatory();
  add(b, str_tlv(6, "SMCGS8P-Smart - SMCGS8P-Smart v3.20"));
  RecordingSink sink;
  on_frame({}, span(b), sink);
  EXPECT_EQ(sink.value("description"), "SMCGS8P-Smart - SMCGS8P-Smart v3.20");
  for (std::string_view f : {"vendor", "product", "model", "revision", "class_hint"}) EXPECT_EQ(sink.count(f), 0U) << f;
}

TEST(Lldp, IdSubtypes) {
  Buf b;
  add(b, tlv(1, bytes({5, 1, 192, 168, 0, 9})));                      // chassis: network address IPv4
  add(b, tlv(2, bytes({3, 0x00, 0x0e, 0xcf, 0x01, 0x02, 0x03})));    // port: MAC
  add(b, tlv(3, bytes({0, 0})));                                      // TTL 0 (shutdown)
  add(b, tlv(8, bytes({17, 2,                                         // IPv6 management address
                       0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                       1, 0, 0, 0, 0, 0})));
  add(b, tlv(8, bytes({7, 6, 0, 1, 2, 3, 4, 5, 1, 0, 0, 0, 0, 0})));  // 802 MAC address: not an IP
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->chassis_id, "192.168.0.9");
  EXPECT_FALSE(pdu->chassis_mac);
  EXPECT_EQ(pdu->port_id, "00:0e:cf:01:02:03");
  EXPECT_EQ(pdu->ttl, 0);
  ASSERT_EQ(pdu->management_addresses.size(), 1U);
  EXPECT_EQ(pdu->management_addresses[0].to_string(), "fe80::1");
  EXPECT_FALSE(pdu->saw_end);
}

TEST(Lldp, FirstTlvMustBeChassisId) {
  RecordingSink sink;
  Buf b = str_tlv(5, "x");
  EXPECT_EQ(parse(span(b), sink).error(), ParseError::malformed);
  EXPECT_TRUE(sink.has_anomaly("lldp.missing_chassis_id"));
  EXPECT_EQ(parse({}, sink).error(), ParseError::truncated);
  Buf end = tlv(0, {});
  EXPECT_EQ(parse(span(end), sink).error(), ParseError::malformed);
}

TEST(Lldp, MandatoryOrderCounted) {
  Buf b;
  add(b, tlv(1, bytes({4, 0, 1, 2, 3, 4, 5})));
  add(b, tlv(3, bytes({0, 120})));
  add(b, tlv(2, bytes({7, '1'})));
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_TRUE(sink.has_anomaly("lldp.mandatory_tlv_order"));
  EXPECT_EQ(pdu->port_id, "1");
}

TEST(Lldp, LengthPastFrameKeepsWhatWasRead) {
  Buf b = mandatory();
  add(b, str_tlv(5, "kept"));
  add(b, tlv_head(6, 300));  // claims 300 bytes
  add_str(b, "short");
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->system_name, "kept");
  EXPECT_EQ(pdu->system_description, "");
  EXPECT_TRUE(sink.has_anomaly("lldp.length_overrun"));
}

TEST(Lldp, BadBodiesAreCountedAndSkipped) {
  Buf b = mandatory();
  add(b, tlv(7, bytes({0x00, 0x04})));                       // capabilities cut
  add(b, tlv(8, bytes({40, 1, 1, 2, 3})));                    // address length above 32
  add(b, tlv(8, bytes({5, 1, 1, 2, 3, 4, 2, 0, 0})));         // interface number cut
  add(b, tlv(127, bytes({0x00, 0x80})));                      // org TLV without subtype
  add(b, org_tlv(oui::ieee_802_1, 3, bytes({0, 1, 9, 'a'})));  // VLAN name longer than the TLV
  add(b, tlv(1, bytes({4})));                                 // chassis id without id
  add(b, tlv(2, {}));                                         // port id empty
  add(b, str_tlv(5, "after"));
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_FALSE(pdu->has_capabilities);
  EXPECT_TRUE(pdu->management_addresses.empty());
  EXPECT_TRUE(pdu->vlan_names.empty());
  EXPECT_EQ(pdu->system_name, "after");
  for (auto c : {"lldp.bad_capabilities", "lldp.bad_management_address", "lldp.bad_org_tlv", "lldp.bad_chassis_id",
                 "lldp.bad_port_id"})
    EXPECT_TRUE(sink.has_anomaly(c)) << c;
}

TEST(Lldp, ManagementAddressesCapped) {
  Buf b = mandatory();
  for (std::size_t i = 0; i <= kMaxMgmtAddresses; ++i)
    add(b, tlv(8, bytes({5, 1, 10, 0, 0, static_cast<int>(i + 1), 2, 0, 0, 0, 1, 0})));
  RecordingSink sink;
  auto pdu = parse(span(b), sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->management_addresses.size(), kMaxMgmtAddresses);
  EXPECT_TRUE(sink.has_anomaly("lldp.too_many_management_addresses"));
}

// Empty TLVs (2 bytes each) up to the cap are read; one more stops the walk.
TEST(Lldp, TlvCountCap) {
  Buf at_cap = mandatory();
  for (std::size_t i = 3; i < kMaxTlvs; ++i) add(at_cap, tlv(4, {}));
  add(at_cap, tlv(0, {}));
  RecordingSink ok_sink;
  auto pdu = parse(span(at_cap), ok_sink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->tlv_count, kMaxTlvs);
  EXPECT_TRUE(pdu->saw_end);
  EXPECT_FALSE(ok_sink.has_anomaly("lldp.too_many_tlvs"));

  Buf over = mandatory();
  for (std::size_t i = 3; i < kMaxTlvs + 1; ++i) add(over, tlv(4, {}));
  add(over, str_tlv(5, "never"));
  RecordingSink sink;
  auto capped = parse(span(over), sink);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->tlv_count, kMaxTlvs);
  EXPECT_EQ(capped->system_name, "");
  EXPECT_TRUE(sink.has_anomaly("lldp.too_many_tlvs"));
}

// Every prefix of a valid PDU parses without reading past it, and never yields
// a value longer than what the prefix holds.
TEST(Lldp, TruncationAtEveryByte) {
  const Buf full = switch_pdu();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    RecordingSink sink;
    auto pdu = parse(span(cut), sink);
    if (n < 2) {
      EXPECT_FALSE(pdu) << n;
      continue;
    }
    ASSERT_TRUE(pdu) << n;
    EXPECT_FALSE(pdu->saw_end) << n;
    on_frame({}, span(cut), sink);
    EXPECT_TRUE(sink.has_anomaly("lldp.missing_end")) << n;
  }
}

// --- public captures (classic pcap, Ethernet) --------------------------------

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
    if (pkt.ethertype == kEtherType) on_frame(pkt, pkt.l2_payload, sink);
  }
  return sink;
}

// MANIFEST.json identities.lldp for zeek__lldp.pcap (tshark 4.x).
TEST(LldpCaptures, ZeekLldp) {
  const auto sink = run_capture("zeek__lldp.pcap");
  EXPECT_EQ(sink.value("lldp_chassis_id"), "00:22:2d:81:db:10");
  EXPECT_EQ(sink.value("lldp_port"), "1");
  EXPECT_EQ(sink.value("lldp_port_description"), "Port #1");
  EXPECT_EQ(sink.value("name"), "SMCGS8P-Smart");
  EXPECT_EQ(sink.value("description"), "SMCGS8P-Smart - SMCGS8P-Smart v3.20");
  EXPECT_EQ(sink.value("ip"), "192.168.2.10");
  EXPECT_EQ(sink.value("class_hint"), "switch");
  EXPECT_EQ(sink.value("revision"), "<none>");  // not a format we can cite
  EXPECT_TRUE(sink.anomalies.empty());
}

// tcpdump's infinite-loop regression: terminates, keeps the chassis MAC.
TEST(LldpCaptures, TcpdumpInfiniteLoop) {
  const auto sink = run_capture("tcpdump__lldp-infinite-loop-1.pcap");
  EXPECT_EQ(sink.value("lldp_chassis_id"), "08:00:27:42:ba:59");
  EXPECT_EQ(sink.value("lldp_port"), "08:00:27:42:ba:59");
}

}  // namespace
}  // namespace mieruka::dissectors::lldp
