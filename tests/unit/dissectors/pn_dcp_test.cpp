// PROFINET DCP tests: the DCP header and every block we read (IP parameter,
// DeviceVendorValue, NameOfStation, Device ID, Device Role, Alias, Instance) in
// Identify responses and Hello requests; Identify/Get requests; Set requests as
// control Operations; Set response errors; RT cyclic frames; malformed twins
// (cut at every byte, DCPDataLength past the frame, a block past the data,
// blocks at the cap and one past it); ITI__PROFINET-RT.pcap and
// ITI__profinet-wireshark-bug.pcap against MANIFEST.json.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/pn_dcp.hpp"

namespace mieruka::dissectors::pn_dcp {
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

// option, suboption, DCPBlockLength, value, padding to even.
Buf block(int opt, int sub, const Buf& value) {
  Buf b = bytes({opt, sub, static_cast<int>(value.size() >> 8), static_cast<int>(value.size() & 0xff)});
  add(b, value);
  if (value.size() % 2 == 1) b.push_back(std::byte{0});
  return b;
}
Buf with_info(std::string_view s, int info = 0) {
  Buf v = bytes({info >> 8, info & 0xff});
  add_str(v, s);
  return v;
}
// FrameID, ServiceID, ServiceType, Xid, ResponseDelay, DCPDataLength, blocks.
Buf frame(int fid, int sid, int stype, const Buf& blocks) {
  Buf b = bytes({fid >> 8, fid & 0xff, sid, stype, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                 static_cast<int>(blocks.size() >> 8), static_cast<int>(blocks.size() & 0xff)});
  add(b, blocks);
  return b;
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

Buf identify_response_blocks(int role) {
  Buf b;
  add(b, block(2, 5, bytes({0, 0, 2, 1, 2, 2})));                       // Device options (BlockInfo + list)
  add(b, block(2, 1, with_info("S7-1500")));                            // DeviceVendorValue
  add(b, block(2, 2, with_info("plc-line1")));                          // NameOfStation (odd: padded)
  add(b, block(2, 3, bytes({0, 0, 0x00, 0x2a, 0x01, 0x0e})));           // Device ID: vendor 0x002a, device 0x010e
  add(b, block(2, 4, bytes({0, 0, role, 0})));                          // Device role
  add(b, block(2, 6, with_info("port-001.plc-line1")));                 // Alias name
  add(b, block(2, 7, bytes({0, 0, 0, 1})));                             // Instance 0.1
  add(b, block(1, 2, bytes({0, 1, 10, 10, 1, 40, 255, 255, 255, 0, 10, 10, 1, 1})));  // IP parameter
  return b;
}
Buf identify_response(int role = 0x02) { return frame(0xfeff, 5, 1, identify_response_blocks(role)); }

TEST(PnDcp, ParsesHeaderAndBlocks) {
  const Buf f = identify_response();
  const Bytes dcp = span(f).subspan(2);
  auto pdu = parse(0xfeff, dcp);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(pdu->header.service_id, service::identify);
  EXPECT_EQ(pdu->header.service_type, 1);
  EXPECT_EQ(pdu->header.xid, 0x01000001U);
  EXPECT_TRUE(pdu->header.is_response());
  EXPECT_EQ(pdu->block_count, 8U);
  EXPECT_TRUE(pdu->blocks[0].has_prefix);
  const Identity id = identity(*pdu);
  EXPECT_EQ(id.name_of_station, "plc-line1");
  EXPECT_EQ(id.vendor_value, "S7-1500");
  EXPECT_EQ(id.alias_name, "port-001.plc-line1");
  EXPECT_EQ(id.vendor_id, 0x002a);
  EXPECT_EQ(id.device_id, 0x010e);
  EXPECT_EQ(id.role, 0x02);
  EXPECT_EQ(id.instance, 1);
  EXPECT_EQ(id.ip.to_string(), "10.10.1.40");
  EXPECT_EQ(id.mask.to_string(), "255.255.255.0");
  EXPECT_EQ(id.gateway.to_string(), "10.10.1.1");
}

TEST(PnDcp, IdentifyResponseFacts) {
  const Buf f = identify_response();
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_EQ(sink.value("name"), "plc-line1");
  EXPECT_EQ(sink.value("product"), "S7-1500");
  EXPECT_EQ(sink.value("vendor_id"), "0x002a");
  EXPECT_EQ(sink.value("device_id"), "0x010e");
  EXPECT_EQ(sink.value("vendor"), "Siemens");
  EXPECT_EQ(sink.value("ip"), "10.10.1.40");
  EXPECT_EQ(sink.value("pn_netmask"), "255.255.255.0");
  EXPECT_EQ(sink.value("pn_gateway"), "10.10.1.1");
  EXPECT_EQ(sink.value("role"), "pn_io_controller");
  EXPECT_EQ(sink.value("class_hint"), "plc");
  EXPECT_EQ(sink.value("pn_alias_name"), "port-001.plc-line1");
  for (const auto& f2 : sink.facts) {
    EXPECT_EQ(f2.source, "pn_dcp");
    EXPECT_EQ(f2.kind, AssetRef::Kind::sender);
  }
  EXPECT_TRUE(sink.ops.empty());
}

TEST(PnDcp, RolesAndClass) {
  struct Case {
    int role;
    std::string_view cls;
    std::size_t roles;
  };
  for (const Case c : {Case{0x01, "io_adapter", 1}, Case{0x03, "plc", 2}, Case{0x08, "<none>", 1},
                       Case{0x0f, "plc", 4}, Case{0x00, "<none>", 0}}) {
    const Buf f = identify_response(c.role);
    RecordingSink sink;
    on_frame({}, span(f), sink);
    EXPECT_EQ(sink.value("class_hint"), c.cls) << c.role;
    EXPECT_EQ(sink.count("role"), c.roles) << c.role;
  }
}

TEST(PnDcp, UnknownVendorIdNoVendorName) {
  Buf b;
  add(b, block(2, 3, bytes({0, 0, 0x12, 0x34, 0, 1})));
  const Buf f = frame(0xfeff, 5, 1, b);
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_EQ(sink.value("vendor_id"), "0x1234");
  EXPECT_EQ(sink.value("vendor"), "<none>");
  EXPECT_EQ(vendor_name(0x002a), "Siemens");
  EXPECT_EQ(vendor_name(0), "");
}

TEST(PnDcp, HelloDescribesSender) {
  const Buf f = frame(0xfefc, 6, 0, identify_response_blocks(0x01));
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_EQ(sink.value("name"), "plc-line1");
  EXPECT_EQ(sink.value("class_hint"), "io_adapter");
}

// An Identify request's NameOfStation is a filter: the name sought, not the
// sender's (ITI__PROFINET-RT.pcap: stations check their own name this way).
TEST(PnDcp, IdentifyRequestIsNotAnIdentity) {
  Buf b;
  add(b, block(2, 2, bytes({'s', 'w', '1'})));  // filter, no BlockInfo
  const Buf f = frame(0xfefe, 5, 0, b);
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_TRUE(sink.facts.empty());
  ASSERT_EQ(sink.ops.size(), 1U);
  EXPECT_EQ(sink.ops[0].name, "identify");
  EXPECT_FALSE(sink.ops[0].is_control);
  auto pdu = parse(0xfefe, span(f).subspan(2));
  ASSERT_TRUE(pdu);
  EXPECT_FALSE(pdu->blocks[0].has_prefix);
  EXPECT_EQ(as_chars(pdu->blocks[0].value), "sw1");
}

TEST(PnDcp, SetRequestsAreControlOperations) {
  Buf b;
  add(b, block(5, 1, bytes({0, 0})));                                  // Control: start transaction
  add(b, block(2, 2, with_info("new-name", 1)));                       // NameOfStation, qualifier permanent
  add(b, block(1, 2, bytes({0, 1, 10, 0, 0, 5, 255, 0, 0, 0, 0, 0, 0, 0})));  // IP parameter
  add(b, block(5, 6, bytes({0, 0})));                                  // reset to factory
  add(b, block(5, 3, bytes({0, 0, 1, 0})));                            // signal (flash LED)
  add(b, block(3, 12, bytes({0, 0, 1})));                              // DHCP
  add(b, block(0x80, 1, bytes({0, 0})));                               // manufacturer specific
  add(b, block(5, 2, bytes({0, 0})));                                  // Control: end transaction
  const Buf f = frame(0xfefd, 4, 0, b);
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_TRUE(sink.facts.empty());  // the name being set is not yet the device's
  ASSERT_EQ(sink.ops.size(), 6U);
  EXPECT_EQ(sink.ops[0].name, "set_name_of_station");
  EXPECT_TRUE(sink.ops[0].is_control);
  EXPECT_TRUE(sink.ops[0].is_write);
  EXPECT_EQ(sink.ops[0].protocol, "pn_dcp");
  EXPECT_EQ(sink.ops[0].code, 0x0202U);
  EXPECT_EQ(sink.ops[1].name, "set_ip");
  EXPECT_TRUE(sink.ops[1].is_control);
  EXPECT_EQ(sink.ops[2].name, "reset_to_factory");
  EXPECT_TRUE(sink.ops[2].is_control);
  EXPECT_EQ(sink.ops[3].name, "signal");
  EXPECT_FALSE(sink.ops[3].is_control);
  EXPECT_EQ(sink.ops[4].name, "set_dhcp");
  EXPECT_EQ(sink.ops[5].name, "set");
  EXPECT_FALSE(sink.ops[5].is_control);
}

TEST(PnDcp, SetResponseErrors) {
  Buf b;
  add(b, block(5, 4, bytes({2, 2, 0})));  // NameOfStation ok
  add(b, block(5, 4, bytes({1, 2, 3})));  // IP: error 3
  const Buf f = frame(0xfefd, 4, 1, b);
  RecordingSink sink;
  on_frame({}, span(f), sink);
  ASSERT_EQ(sink.ops.size(), 1U);
  EXPECT_EQ(sink.ops[0].name, "set_error");
  EXPECT_TRUE(sink.ops[0].is_error);
  EXPECT_TRUE(sink.facts.empty());
}

TEST(PnDcp, GetRequestAndResponse) {
  const Buf req = frame(0xfefd, 3, 0, bytes({2, 2, 1, 2}));  // option/suboption pairs, no lengths
  RecordingSink s1;
  on_frame({}, span(req), s1);
  ASSERT_EQ(s1.ops.size(), 1U);
  EXPECT_EQ(s1.ops[0].name, "get");
  EXPECT_TRUE(s1.facts.empty());
  Buf blocks;
  add(blocks, block(2, 2, with_info("io-7")));
  const Buf rsp = frame(0xfefd, 3, 1, blocks);
  RecordingSink s2;
  on_frame({}, span(rsp), s2);
  EXPECT_EQ(s2.value("name"), "io-7");
}

TEST(PnDcp, UnsupportedResponseIsNotAnIdentity) {
  const Buf f = frame(0xfeff, 5, 5, identify_response_blocks(1));
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_TRUE(sink.facts.empty());
}

TEST(PnDcp, CyclicFrames) {
  const Buf rt = bytes({0x80, 0x01, 1, 2, 3, 4});
  RecordingSink sink;
  on_frame({}, span(rt), sink);
  ASSERT_EQ(sink.ops.size(), 1U);
  EXPECT_EQ(sink.ops[0].protocol, "pn_rt");
  EXPECT_EQ(sink.ops[0].name, "cyclic");
  EXPECT_EQ(sink.ops[0].code, 0x8001U);
  RecordingSink other;
  for (int fid : {0x0000, 0x00ff, 0xfc01, 0xfe01, 0xff00})
    on_frame({}, span(bytes({fid >> 8, fid & 0xff, 0, 0})), other);
  EXPECT_TRUE(other.ops.empty());
  EXPECT_TRUE(other.facts.empty());
}

TEST(PnDcp, DataLengthPastFrame) {
  Buf f = identify_response();
  f[11] = static_cast<std::byte>(static_cast<int>(f[11]) + 1);  // one more than present
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_TRUE(sink.facts.empty());
  EXPECT_TRUE(sink.has_anomaly("pn_dcp.truncated"));
}

TEST(PnDcp, EthernetPaddingAfterData) {
  Buf f = identify_response();
  for (int i = 0; i < 20; ++i) f.push_back(std::byte{0});
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_EQ(sink.value("name"), "plc-line1");
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(PnDcp, BlockPastData) {
  Buf b;
  add(b, block(2, 2, with_info("ok")));
  add(b, bytes({2, 1, 0, 40, 0, 0, 'x'}));  // claims 40 bytes
  const Buf f = frame(0xfeff, 5, 1, b);
  RecordingSink sink;
  on_frame({}, span(f), sink);
  EXPECT_TRUE(sink.facts.empty());
  EXPECT_TRUE(sink.has_anomaly("pn_dcp.malformed"));
}

TEST(PnDcp, BlockCountCap) {
  Buf at_cap;
  for (std::size_t i = 0; i < kMaxBlocks; ++i) add(at_cap, block(2, 2, with_info("n")));
  const Buf ok = frame(0xfeff, 5, 1, at_cap);
  RecordingSink s1;
  on_frame({}, span(ok), s1);
  EXPECT_EQ(s1.value("name"), "n");
  Buf over = at_cap;
  add(over, block(2, 2, with_info("n")));
  const Buf bad = frame(0xfeff, 5, 1, over);
  RecordingSink s2;
  on_frame({}, span(bad), s2);
  EXPECT_TRUE(s2.facts.empty());
  EXPECT_TRUE(s2.has_anomaly("pn_dcp.too_many_blocks"));
  // Zero-length blocks still consume their 4-byte header each.
  Buf empties;
  for (std::size_t i = 0; i < kMaxBlocks + 1; ++i) add(empties, block(2, 2, {}));
  RecordingSink s3;
  on_frame({}, span(frame(0xfeff, 5, 1, empties)), s3);
  EXPECT_TRUE(s3.has_anomaly("pn_dcp.too_many_blocks"));
}

TEST(PnDcp, TruncationAtEveryByte) {
  const Buf full = identify_response();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    RecordingSink sink;
    on_frame({}, span(cut), sink);
    EXPECT_TRUE(sink.facts.empty()) << n;
    EXPECT_TRUE(sink.has_anomaly("pn_dcp.truncated")) << n;
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

struct Seen {
  std::string mac;
  RecordingSink sink;
};

std::vector<Seen> run_capture(const std::string& file) {
  std::vector<Seen> out;
  const auto frames = read_pcap_frames(std::string(MIERUKA_SHARED_PCAPS) + "/" + file);
  EXPECT_FALSE(frames.empty()) << file;
  for (const auto& f : frames) {
    DecodedPacket pkt;
    NullSink decode_sink;
    if (!decode(LinkType::ethernet, span(f), pkt, decode_sink)) continue;
    if (pkt.ethertype != kEtherType) continue;
    Seen s;
    s.mac = pkt.src_mac.to_string();
    on_frame(pkt, pkt.l2_payload, s.sink);
    out.push_back(std::move(s));
  }
  return out;
}

// MANIFEST.json identities.pn_dcp: the Identify response of 00:02:e3:17:c7:50
// (name kept verbatim, format characters and the trailing space included) and
// the Set request of 00:80:c8:38:a4:8b, which renames it.
TEST(PnDcpCaptures, WiresharkBug) {
  const auto seen = run_capture("ITI__profinet-wireshark-bug.pcap");
  ASSERT_EQ(seen.size(), 4U);
  const auto& rsp = seen[1].sink;
  EXPECT_EQ(seen[1].mac, "00:02:e3:17:c7:50");
  EXPECT_EQ(rsp.value("name"), "%n%n%n ");
  EXPECT_EQ(rsp.value("product"), "S7-300EC");
  EXPECT_EQ(rsp.value("vendor_id"), "0x002a");
  EXPECT_EQ(rsp.value("device_id"), "0x0101");
  EXPECT_EQ(rsp.value("role"), "pn_io_controller");
  EXPECT_EQ(rsp.value("ip"), "192.168.0.11");
  EXPECT_EQ(rsp.value("pn_netmask"), "255.255.255.0");
  EXPECT_EQ(rsp.value("pn_gateway"), "192.168.0.11");
  const auto& set = seen[2].sink;
  EXPECT_EQ(seen[2].mac, "00:80:c8:38:a4:8b");
  EXPECT_TRUE(set.facts.empty());
  ASSERT_EQ(set.ops.size(), 1U);
  EXPECT_EQ(set.ops[0].name, "set_name_of_station");
  EXPECT_TRUE(set.ops[0].is_control);
  for (const auto& s : seen) EXPECT_TRUE(s.sink.anomalies.empty()) << s.mac;
}

// Eleven Identify requests, each a station looking for a name: no identities.
TEST(PnDcpCaptures, ProfinetRt) {
  const auto seen = run_capture("ITI__PROFINET-RT.pcap");
  EXPECT_EQ(seen.size(), 14U);
  for (const auto& s : seen) {
    EXPECT_TRUE(s.sink.facts.empty()) << s.mac;
    EXPECT_TRUE(s.sink.anomalies.empty()) << s.mac;
  }
}

}  // namespace
}  // namespace mieruka::dissectors::pn_dcp
