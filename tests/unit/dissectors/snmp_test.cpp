// SNMP tests: BER lengths (X.690 §8.1.3: short, long up to 4 bytes, indefinite
// refused, 0x84 0xff.. lying), nesting at kMaxDepth+1, INTEGER/OID encodings,
// v1/v2c messages (RFC 1157 §4, RFC 3416 §3) with the system group in a
// GetResponse (the zeek__snmpwalk-short.pcap agent's values), v1 traps, set
// requests as write operations, community handling, v3 recognised, truncation
// at every byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/snmp.hpp"

namespace mieruka::dissectors::snmp {
namespace {

using Buf = std::vector<std::byte>;

void add(Buf& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::byte>(x));
}
void append(Buf& b, const Buf& more) { b.insert(b.end(), more.begin(), more.end()); }
Bytes span(const Buf& b) { return {b.data(), b.size()}; }

// One TLV with a definite length in the shortest form.
Buf tlv(int tag, const Buf& value) {
  Buf b;
  add(b, {tag});
  const std::size_t n = value.size();
  if (n < 0x80) add(b, {static_cast<int>(n)});
  else if (n < 0x100) add(b, {0x81, static_cast<int>(n)});
  else add(b, {0x82, static_cast<int>(n >> 8), static_cast<int>(n & 0xff)});
  append(b, value);
  return b;
}
Buf str(std::string_view s) {
  Buf b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}
Buf bytes(std::initializer_list<int> v) {
  Buf b;
  add(b, v);
  return b;
}
Buf seq(std::initializer_list<Buf> parts) {
  Buf body;
  for (const auto& p : parts) append(body, p);
  return tlv(tag::sequence, body);
}
// 1.3.6.1.2.1.1.<n>.0
Buf sys_oid(int n) { return tlv(tag::oid, bytes({0x2b, 6, 1, 2, 1, 1, n, 0})); }

// Message { version, community, PDU { request-id, error-status, error-index, varbinds } }.
Buf message(int version, std::string_view community, int pdu_tag, const Buf& varbinds, int error_status = 0) {
  Buf pdu_body;
  append(pdu_body, tlv(tag::integer, bytes({0x12, 0x34})));  // request-id
  append(pdu_body, tlv(tag::integer, bytes({error_status})));  // error-status
  append(pdu_body, tlv(tag::integer, bytes({0})));           // error-index
  append(pdu_body, tlv(tag::sequence, varbinds));            // variable-bindings
  return seq({tlv(tag::integer, bytes({version})), tlv(tag::octet_string, str(community)),
              tlv(pdu_tag, pdu_body)});
}

Buf system_response(std::string_view community = "public") {
  Buf vbs;
  append(vbs, seq({sys_oid(1), tlv(tag::octet_string, str("Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic"))}));
  // sysObjectID 1.3.6.1.4.1.8072.3.2.10 (8072 = 0xBF 0x08 in base 128)
  append(vbs, seq({sys_oid(2), tlv(tag::oid, bytes({0x2b, 6, 1, 4, 1, 0xbf, 0x08, 3, 2, 10}))}));
  append(vbs, seq({sys_oid(3), tlv(tag::timeticks, bytes({0x01, 0x02, 0x03}))}));
  append(vbs, seq({sys_oid(4), tlv(tag::octet_string, str("Me <me@example.org>"))}));
  append(vbs, seq({sys_oid(5), tlv(tag::octet_string, str("ubuntu-512mb-sfo2-01"))}));
  append(vbs, seq({sys_oid(6), tlv(tag::octet_string, str("Sitting on the Dock of the Bay"))}));
  return message(0, community, pdu::response, vbs);
}

struct Recorded {
  AssetRef who;
  std::string field, value, source;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation& op) noexcept override { ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string value(std::string_view field) const {
    for (const auto& f : facts)
      if (f.field == field) return f.value;
    return "<none>";
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

DecodedPacket udp(std::uint16_t sport, std::uint16_t dport) {
  DecodedPacket p;
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

TEST(SnmpBer, LengthForms) {
  Buf shortf = bytes({0x04, 0x02, 'h', 'i'});
  ByteReader r(span(shortf));
  auto t = read_tlv(r);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value.size(), 2u);
  EXPECT_TRUE(r.empty());
  Buf longf = bytes({0x04, 0x82, 0x00, 0x02, 'h', 'i'});
  ByteReader lr(span(longf));
  ASSERT_TRUE(read_tlv(lr));
  Buf four = bytes({0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 'x'});
  ByteReader fr(span(four));
  ASSERT_TRUE(read_tlv(fr));
  Buf lying = bytes({0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 'x'});
  ByteReader yr(span(lying));
  EXPECT_EQ(read_tlv(yr).error(), ParseError::truncated);
  EXPECT_EQ(yr.remaining(), lying.size());  // the cursor did not move
  Buf five = bytes({0x04, 0x85, 0, 0, 0, 0, 1, 'x'});
  ByteReader vr(span(five));
  EXPECT_EQ(read_tlv(vr).error(), ParseError::limit_exceeded);
  Buf indefinite = bytes({0x30, 0x80, 0x05, 0x00, 0x00, 0x00});
  ByteReader ir(span(indefinite));
  EXPECT_EQ(read_tlv(ir).error(), ParseError::unsupported);
  Buf high_tag = bytes({0x1f, 0x81, 0x01, 0x00});
  ByteReader hr(span(high_tag));
  EXPECT_EQ(read_tlv(hr).error(), ParseError::unsupported);
}

TEST(SnmpBer, NestingCap) {
  auto nested = [](std::size_t levels) {
    Buf inner = tlv(tag::null, {});
    for (std::size_t i = 0; i < levels; ++i) inner = tlv(tag::sequence, inner);
    return inner;
  };
  // check_nesting(value, 1) walks value's children at depth 1.
  const Buf ok = nested(kMaxDepth - 1);
  EXPECT_TRUE(check_nesting(span(ok), 1));
  const Buf over = nested(kMaxDepth);
  EXPECT_EQ(check_nesting(span(over), 1).error(), ParseError::limit_exceeded);
  // Inside a message: a constructed varbind value nested too deep.
  Buf vbs;
  append(vbs, seq({sys_oid(1), nested(kMaxDepth)}));
  const Buf m = message(1, "x", pdu::response, vbs);
  EXPECT_EQ(parse(span(m)).error(), ParseError::limit_exceeded);
}

TEST(SnmpBer, IntegersAndOids) {
  EXPECT_EQ(read_integer(span(bytes({0xff}))).value_or(0), -1);
  EXPECT_EQ(read_integer(span(bytes({0x00, 0x80}))).value_or(0), 128);
  EXPECT_FALSE(read_integer(span(bytes({}))));
  EXPECT_FALSE(read_integer(span(bytes({1, 2, 3, 4, 5, 6, 7, 8, 9}))));
  EXPECT_EQ(read_unsigned(span(bytes({0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))).value_or(0),
            ~std::uint64_t{0});
  EXPECT_EQ(read_oid(span(bytes({0x2b, 6, 1, 4, 1, 0xbf, 0x08}))).value_or("?"), "1.3.6.1.4.1.8072");
  EXPECT_EQ(read_oid(span(bytes({0x88, 0x37}))).value_or("?"), "2.999");  // X.690 §8.19.5 example
  EXPECT_FALSE(read_oid(span(bytes({0x2b, 0x86}))));                   // sub-identifier not closed
  EXPECT_FALSE(read_oid(span(bytes({0x2b, 0x90, 0x80, 0x80, 0x80, 0x00}))));  // above 32 bits
  EXPECT_FALSE(read_oid(span(bytes({0x2b, 0x80, 0x01}))));             // non-minimal
  Buf many = bytes({0x2b});
  for (std::size_t i = 0; i < kMaxOidArcs; ++i) add(many, {1});
  EXPECT_FALSE(read_oid(span(many)));
}

TEST(Snmp, SystemGroupFromGetResponse) {
  const Buf b = system_response();
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, 0);
  EXPECT_EQ(m->pdu_type, pdu::response);
  EXPECT_EQ(m->request_id, 0x1234);
  EXPECT_EQ(m->varbinds.size(), 6u);
  RecordingSink sink;
  on_datagram(udp(161, 40000), span(b), sink);
  EXPECT_EQ(sink.value("description"), "Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic");
  EXPECT_EQ(sink.value("sys_object_id"), "1.3.6.1.4.1.8072.3.2.10");
  EXPECT_EQ(sink.value("snmp_enterprise"), "8072");
  EXPECT_EQ(sink.value("contact"), "Me <me@example.org>");
  EXPECT_EQ(sink.value("name"), "ubuntu-512mb-sfo2-01");
  EXPECT_EQ(sink.value("location"), "Sitting on the Dock of the Bay");
  EXPECT_EQ(sink.value("role"), "snmp_agent");
  EXPECT_EQ(sink.value("security"), "snmp_community_public");
  for (const auto& f : sink.facts) {
    EXPECT_EQ(f.who.kind, AssetRef::Kind::sender);
    EXPECT_EQ(f.source, "snmp");
  }
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_EQ(sink.ops[0].name, "get_response");
}

// sysDescr in a format sysdescr.cpp knows: its fields come with source "snmp";
// a Linux banner (above) gives none.
TEST(Snmp, SysDescrStatesTheInventory) {
  Buf vbs;
  append(vbs, seq({sys_oid(1), tlv(tag::octet_string, str("Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, "
                                                          "HW: 7, FW: V4.1.0"))}));
  append(vbs, seq({sys_oid(5), tlv(tag::octet_string, str("sw-cell1"))}));
  const Buf b = message(1, "plant", pdu::response, vbs);
  RecordingSink sink;
  on_datagram(udp(161, 40000), span(b), sink);
  EXPECT_EQ(sink.value("vendor"), "Siemens");
  EXPECT_EQ(sink.value("product"), "SCALANCE X208");
  EXPECT_EQ(sink.value("model"), "6GK5 208-0BA10-2AA3");
  EXPECT_EQ(sink.value("revision"), "V4.1.0");
  EXPECT_EQ(sink.value("hardware_revision"), "7");
  EXPECT_EQ(sink.value("name"), "sw-cell1");
  for (const auto& f : sink.facts) EXPECT_EQ(f.source, "snmp");

  RecordingSink linux_agent;
  const Buf l = system_response();
  on_datagram(udp(161, 40000), span(l), linux_agent);
  for (std::string_view f : {"vendor", "product", "model", "revision", "class_hint"})
    EXPECT_EQ(linux_agent.value(f), "<none>") << f;
}

TEST(Snmp, CommunityStringsAreNeverStored) {
  const Buf b = system_response("s3cr3t-pw");
  RecordingSink sink;
  on_datagram(udp(161, 40000), span(b), sink);
  EXPECT_EQ(sink.value("security"), "<none>");
  for (const auto& f : sink.facts) EXPECT_EQ(f.value.find("s3cr3t"), std::string::npos);
}

TEST(Snmp, RequestsMakeManagersAndSetIsAWrite) {
  Buf vbs;
  append(vbs, seq({sys_oid(5), tlv(tag::octet_string, str("new-name"))}));
  const Buf set = message(1, "private", pdu::set, vbs);
  RecordingSink sink;
  on_datagram(udp(40000, 161), span(set), sink);
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_EQ(sink.ops[0].protocol, "snmp");
  EXPECT_EQ(sink.ops[0].name, "set_request");
  EXPECT_TRUE(sink.ops[0].is_write);
  EXPECT_EQ(sink.value("role"), "snmp_manager");
  EXPECT_EQ(sink.value("name"), "<none>");  // a set's value is not the agent's name
  EXPECT_EQ(sink.value("security"), "<none>");  // the request alone proves nothing

  Buf get_vbs;
  append(get_vbs, seq({sys_oid(1), tlv(tag::null, {})}));
  const Buf get = message(1, "public", pdu::get, get_vbs);
  RecordingSink gs;
  on_datagram(udp(40000, 161), span(get), gs);
  EXPECT_FALSE(gs.ops[0].is_write);
  EXPECT_EQ(gs.ops[0].name, "get_request");
}

TEST(Snmp, ErrorResponseAndNoSuchObject) {
  Buf vbs;
  append(vbs, seq({sys_oid(6), tlv(tag::no_such_object, {})}));
  const Buf b = message(1, "public", pdu::response, vbs, 2);
  RecordingSink sink;
  on_datagram(udp(161, 40000), span(b), sink);
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_TRUE(sink.ops[0].is_error);
  EXPECT_EQ(sink.value("location"), "<none>");
}

TEST(Snmp, V1Trap) {
  Buf trap_body;
  append(trap_body, tlv(tag::oid, bytes({0x2b, 6, 1, 4, 1, 0xbf, 0x08})));  // enterprise
  append(trap_body, tlv(tag::ip_address, bytes({10, 0, 0, 5})));            // agent-addr
  append(trap_body, tlv(tag::integer, bytes({6})));                         // generic-trap
  append(trap_body, tlv(tag::integer, bytes({1})));                         // specific-trap
  append(trap_body, tlv(tag::timeticks, bytes({0x10})));                    // time-stamp
  append(trap_body, tlv(tag::sequence, {}));                                // varbinds
  const Buf b = seq({tlv(tag::integer, bytes({0})), tlv(tag::octet_string, str("public")),
                     tlv(pdu::trap_v1, trap_body)});
  RecordingSink sink;
  on_datagram(udp(40000, 162), span(b), sink);
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_EQ(sink.ops[0].name, "trap");
  EXPECT_EQ(sink.value("role"), "snmp_agent");
}

TEST(Snmp, V3RecognisedAndCounted) {
  const Buf b = seq({tlv(tag::integer, bytes({3})), seq({tlv(tag::integer, bytes({1}))})});
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, 3);
  RecordingSink sink;
  on_datagram(udp(161, 40000), span(b), sink);
  EXPECT_TRUE(sink.has_anomaly("snmp.v3"));
  EXPECT_EQ(sink.value("role"), "snmp_agent");
  const Buf v2 = seq({tlv(tag::integer, bytes({2}))});
  EXPECT_EQ(parse(span(v2)).error(), ParseError::unsupported);
}

TEST(Snmp, TruncationAtEveryByte) {
  const Buf full = system_response();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = parse(span(cut));
    ASSERT_FALSE(m) << n;
    RecordingSink sink;
    on_datagram(udp(161, 40000), span(cut), sink);
    EXPECT_TRUE(sink.facts.empty()) << n;
    EXPECT_FALSE(sink.anomalies.empty()) << n;
  }
}

TEST(Snmp, LyingInnerLengthAndVarbindCap) {
  Buf b = system_response();
  // The first varbind's OCTET STRING claims more than its SEQUENCE holds.
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] == std::byte{0x04} && b[i + 1] == std::byte{43}) {
      b[i + 1] = std::byte{0x7f};
      break;
    }
  }
  EXPECT_FALSE(parse(span(b)));
  Buf vbs;
  for (std::size_t i = 0; i <= kMaxVarbinds; ++i) append(vbs, seq({sys_oid(1), tlv(tag::null, {})}));
  const Buf many = message(1, "x", pdu::get, vbs);
  EXPECT_EQ(parse(span(many)).error(), ParseError::limit_exceeded);
}

}  // namespace
}  // namespace mieruka::dissectors::snmp
