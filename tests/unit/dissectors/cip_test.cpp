// CIP tests: EPATH segments, message router request/response, Identity
// attributes, Unconnected Send routes, Multiple Service Packet, Forward
// Open/Close, service classification, request/reply pairing, name tables.
// Vectors follow CIP Vol 1 (Appendix C paths, §2-4 messages, Table 5A-2.3
// identity, §3-5.5 connection manager); the 1756-L61 identity is the one in
// ITI__EIP-SoftwareUpload.pcap.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/cip.hpp"
#include "dissectors/cip_tables.hpp"

namespace mieruka::dissectors::cip {
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
  [[nodiscard]] std::string value(std::string_view field, std::string_view source, std::string_view route = "") const {
    for (const auto& f : facts)
      if (f.field == field && f.source == source && f.who.route == route) return f.value;
    return "<none>";
  }
  [[nodiscard]] bool has_anomaly(std::string_view c) const {
    for (const auto& a : anomalies)
      if (a == c) return true;
    return false;
  }
  [[nodiscard]] std::size_t count(std::string_view source) const {
    std::size_t n = 0;
    for (const auto& f : facts) n += f.source == source;
    return n;
  }
  std::vector<Recorded> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
};

// Identity object Get_Attributes_All reply data (Table 5A-2.3), 1756-L61/B.
Buf identity_l61() {
  Buf b = bytes({
      0x01, 0x00,              // attr 1 vendor id: 1 (Rockwell Automation/Allen-Bradley)
      0x0E, 0x00,              // attr 2 device type: 0x0E PLC
      0x36, 0x00,              // attr 3 product code: 54
      0x10, 0x14,              // attr 4 revision: 16.20
      0x60, 0x30,              // attr 5 status: 0x3060
      0x3F, 0x82, 0x51, 0x00,  // attr 6 serial: 0x0051823f
      0x14,                    // attr 7 product name length: 20
  });
  add_str(b, "1756-L61/B LOGIX5561");
  return b;
}

// --- EPATH ---------------------------------------------------------------------

TEST(CipPath, LogicalSegments8_16_32Bit) {
  auto b = bytes({
      0x20, 0x01,                          // 8-bit class 1
      0x25, 0x00, 0x34, 0x12,              // 16-bit instance 0x1234 (pad byte)
      0x30, 0x07,                          // 8-bit attribute 7
      0x2A, 0x00, 0x78, 0x56, 0x34, 0x12,  // 32-bit member 0x12345678
      0x2C, 0x65,                          // connection point 0x65
  });
  auto p = parse_path(span(b));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_class);
  EXPECT_EQ(p->class_id, 1u);
  EXPECT_EQ(p->instance, 0x1234u);
  EXPECT_EQ(p->attribute, 7u);
  EXPECT_EQ(p->member, 0x12345678u);
  EXPECT_EQ(p->connection_point, 0x65u);
  EXPECT_EQ(p->segments, 5u);
}

TEST(CipPath, PortSegmentsMakeTheRoute) {
  auto b = bytes({
      0x01, 0x03,  // port 1 (backplane), slot 3
      0x12, 0x0B,  // extended link address, port 2, 11 chars
  });
  add_str(b, "192.168.1.1");
  add(b, bytes({0x00}));              // pad to even
  add(b, bytes({0x0F, 0x12, 0x00, 0x05}));  // port 15 -> 16-bit port 18, link 5
  auto p = parse_path(span(b));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->route, "1/3,2/192.168.1.1,18/5");
}

TEST(CipPath, SymbolicAndDataSegments) {
  auto b = bytes({0x91, 0x0C});  // ANSI extended symbol, 12 chars
  add_str(b, "Program:Main");
  add(b, bytes({0x91, 0x03}));
  add_str(b, "Tag");
  add(b, bytes({0x00}));                       // pad
  add(b, bytes({0x28, 0x02}));                 // member (array index) 2
  add(b, bytes({0x80, 0x01, 0xAA, 0xBB}));     // simple data segment, 1 word, skipped
  auto p = parse_path(span(b));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->symbol, "Program:Main.Tag");
  EXPECT_FALSE(p->has_class);
  EXPECT_EQ(p->member, 2u);
}

TEST(CipPath, ElectronicKey) {
  auto b = bytes({0x34, 0x04,   // electronic key, format 4
                  0x01, 0x00,   // vendor 1
                  0x0E, 0x00,   // device type 14
                  0x36, 0x00,   // product code 54
                  0x90, 0x14,   // major 16 with compatibility bit, minor 20
                  0x20, 0x02, 0x24, 0x01});
  auto p = parse_path(span(b));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_key);
  EXPECT_EQ(p->key_vendor, 1);
  EXPECT_EQ(p->key_product_code, 54);
  EXPECT_EQ(p->key_major, 16);
  EXPECT_EQ(p->class_id, 2u);
}

TEST(CipPath, Malformed) {
  for (int seg : {0xE0, 0xA0, 0xC3, 0x23, 0x3C, 0x60, 0x81, 0x35}) {  // unknown/unsupported segment types
    auto b = bytes({seg, 0x01, 0x02, 0x03});
    EXPECT_FALSE(parse_path(span(b)).ok()) << seg;
  }
  // Cut inside each multi-byte segment.
  for (auto b : {bytes({0x21, 0x00, 0x01}), bytes({0x22, 0x00, 0x01, 0x02}), bytes({0x12, 0x09, '1'}),
                 bytes({0x91, 0x05, 'a'}), bytes({0x80, 0x02, 0x00}), bytes({0x01}), bytes({0x34, 0x04, 0x01})})
    EXPECT_EQ(parse_path(span(b)).error(), ParseError::malformed);
  Buf many;
  for (std::size_t i = 0; i < kMaxPathSegments + 1; ++i) add(many, bytes({0x24, 0x01}));
  EXPECT_EQ(parse_path(span(many)).error(), ParseError::limit_exceeded);
  many.resize(kMaxPathSegments * 2);
  EXPECT_TRUE(parse_path(span(many)).ok());
}

TEST(CipRequest, PathSizeBeyondData) {
  auto b = bytes({0x0E, 0x03, 0x20, 0x01, 0x24, 0x01});  // says 3 words, has 2
  EXPECT_EQ(parse_request(span(b)).error(), ParseError::malformed);
  auto ok = bytes({0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x01, 0xAA});
  auto r = parse_request(span(ok));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 1u);
  EXPECT_EQ(parse_request(span(bytes({0x0E}))).error(), ParseError::truncated);
}

TEST(CipResponse, StatusAndAdditionalStatus) {
  auto b = bytes({0xD2, 0x00,  // reply to 0x52
                  0x01,        // general status: connection failure
                  0x01,        // 1 additional status word
                  0x04, 0x01,  // extended status 0x0104
                  0x55});
  auto r = parse_response(span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->service, 0x52);
  EXPECT_EQ(r->general_status, 1);
  EXPECT_EQ(r->additional_status, 0x0104);
  EXPECT_EQ(r->data.size(), 1u);
  auto lying = bytes({0x81, 0x00, 0x00, 0x02, 0x00, 0x00});  // 2 words announced, 1 present
  EXPECT_EQ(parse_response(span(lying)).error(), ParseError::malformed);
}

// --- Identity ----------------------------------------------------------------

TEST(CipIdentity, GetAttributesAllAndEveryCut) {
  const auto b = identity_l61();
  auto id = parse_identity_all(span(b));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->vendor_id, 1);
  EXPECT_EQ(id->device_type, 0x0E);
  EXPECT_EQ(id->product_code, 54);
  EXPECT_EQ(format_revision(id->major, id->minor), "16.20");
  EXPECT_EQ(format_serial(id->serial), "0x0051823f");
  EXPECT_EQ(id->product_name, "1756-L61/B LOGIX5561");
  for (std::size_t n = 0; n < b.size(); ++n)
    EXPECT_FALSE(parse_identity_all(Bytes(b.data(), n)).ok()) << n;  // product name length past end included
}

TEST(CipIdentity, AttributeList) {
  auto b = bytes({0x03, 0x00,              // 3 attributes
                  0x04, 0x00, 0x00, 0x00,  // attr 4, status 0
                  0x10, 0x14,              // 16.20
                  0x01, 0x00, 0x14, 0x00,  // attr 1, status 0x14 (not supported): no value
                  0x06, 0x00, 0x00, 0x00,  // attr 6, status 0
                  0x3F, 0x82, 0x51, 0x00});
  auto id = parse_identity_list(span(b));
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->has_revision);
  EXPECT_FALSE(id->has_vendor);
  EXPECT_EQ(id->serial, 0x0051823fu);
  auto big = bytes({0x41, 0x00});
  EXPECT_EQ(parse_identity_list(span(big)).error(), ParseError::limit_exceeded);
}

// --- Conversation --------------------------------------------------------------

TEST(CipConversation, GetAttributesAllPairsIntoIdentityFacts) {
  Conversation c;
  RecordingSink sink;
  auto req = bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01});  // Get_Attributes_All, Identity instance 1
  c.on_message(span(req), 7, sink);
  auto rsp = bytes({0x81, 0x00, 0x00, 0x00});
  add(rsp, identity_l61());
  c.on_message(span(rsp), 7, sink);
  EXPECT_EQ(sink.value("vendor", "cip_identity"), "Rockwell Automation/Allen-Bradley");
  EXPECT_EQ(sink.value("vendor_id", "cip_identity"), "1");
  EXPECT_EQ(sink.value("device_type", "cip_identity"), "Programmable Logic Controller");
  EXPECT_EQ(sink.value("product_code", "cip_identity"), "54");
  EXPECT_EQ(sink.value("revision", "cip_identity"), "16.20");
  EXPECT_EQ(sink.value("serial", "cip_identity"), "0x0051823f");
  EXPECT_EQ(sink.value("product", "cip_identity"), "1756-L61/B LOGIX5561");
  EXPECT_EQ(sink.value("cip_status", "cip_identity"), "0x3060");
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_EQ(sink.ops[0].name, "get_attributes_all");
  EXPECT_EQ(sink.ops[0].code, 0x01u);
  EXPECT_FALSE(sink.ops[0].is_write);
  // Roles: originator/target from the request.
  bool originator = false;
  for (const auto& f : sink.facts)
    originator |= f.field == "role" && f.value == "cip_originator" && f.who.kind == AssetRef::Kind::sender;
  EXPECT_TRUE(originator);
}

TEST(CipConversation, ReplyWithoutRequestIsNotAnIdentity) {
  Conversation c;
  RecordingSink sink;
  auto rsp = bytes({0x81, 0x00, 0x00, 0x00});
  add(rsp, identity_l61());
  c.on_message(span(rsp), 7, sink);
  EXPECT_EQ(sink.count("cip_identity"), 0u);
  EXPECT_TRUE(sink.has_anomaly("cip.unpaired_response"));
  // A reply with another key does not pair either.
  c.on_message(span(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01})), 1, sink);
  c.on_message(span(rsp), 2, sink);
  EXPECT_EQ(sink.count("cip_identity"), 0u);
}

Buf unconnected_send(const Buf& embedded, const Buf& route) {
  auto b = bytes({0x52, 0x02, 0x20, 0x06, 0x24, 0x01,  // Unconnected Send to Connection Manager
                  0x0A, 0x0E,                          // priority/tick, timeout ticks
                  static_cast<int>(embedded.size()), 0x00});
  add(b, embedded);
  if (embedded.size() % 2 != 0) add(b, bytes({0x00}));  // pad
  add(b, bytes({static_cast<int>(route.size() / 2), 0x00}));  // route path size (words), reserved
  add(b, route);
  return b;
}

TEST(CipConversation, UnconnectedSendRoutesIdentityToTheModule) {
  Conversation c;
  RecordingSink sink;
  auto req = unconnected_send(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01}), bytes({0x01, 0x03}));
  auto us = parse_unconnected_send(Bytes(req.data() + 6, req.size() - 6));
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(us->route.route, "1/3");
  EXPECT_EQ(us->embedded.size(), 6u);
  c.on_message(span(req), 9, sink);
  auto rsp = bytes({0x81, 0x00, 0x00, 0x00});
  add(rsp, identity_l61());
  c.on_message(span(rsp), 9, sink);
  EXPECT_EQ(sink.value("product", "cip_identity", "1/3"), "1756-L61/B LOGIX5561");
  EXPECT_EQ(sink.value("product", "cip_identity", ""), "<none>");  // not on the adapter itself
  ASSERT_EQ(sink.ops.size(), 2u);
  EXPECT_EQ(sink.ops[0].name, "unconnected_send");
  EXPECT_EQ(sink.ops[1].name, "get_attributes_all");
}

TEST(CipConversation, UnconnectedSendRoutingErrorIsAnError) {
  Conversation c;
  RecordingSink sink;
  c.on_message(span(unconnected_send(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01}), bytes({0x01, 0x03}))), 1, sink);
  c.on_message(span(bytes({0xD2, 0x00, 0x01, 0x01, 0x04, 0x01})), 1, sink);
  EXPECT_EQ(sink.count("cip_identity"), 0u);
  ASSERT_EQ(sink.ops.size(), 3u);
  EXPECT_TRUE(sink.ops[2].is_error);
  EXPECT_FALSE(sink.has_anomaly("cip.unpaired_response"));
}

TEST(CipConversation, UnconnectedSendMalformed) {
  for (std::size_t cut : {7u, 9u, 12u, 16u, 17u}) {
    Conversation c;
    RecordingSink sink;
    auto req = unconnected_send(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01}), bytes({0x01, 0x03}));
    req.resize(cut);
    c.on_message(span(req), 1, sink);
    EXPECT_TRUE(sink.has_anomaly("cip.malformed_unconnected_send")) << cut;
  }
}

Buf msp_request() {
  return bytes({0x0A, 0x02, 0x20, 0x02, 0x24, 0x01,              // MSP to the Message Router
                0x02, 0x00,                                      // 2 services
                0x06, 0x00, 0x0E, 0x00,                          // offsets 6, 14
                0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07,  // Get_Attribute_Single identity attr 7
                0x10, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x05}); // Set_Attribute_Single (a write)
}

TEST(CipConversation, MultipleServicePacketPairsEachReply) {
  Conversation c;
  RecordingSink sink;
  c.on_message(span(msp_request()), 3, sink);
  ASSERT_EQ(sink.ops.size(), 3u);
  EXPECT_EQ(sink.ops[0].name, "multiple_service_packet");
  EXPECT_EQ(sink.ops[1].name, "get_attribute_single");
  EXPECT_EQ(sink.ops[2].name, "set_attribute_single");
  EXPECT_TRUE(sink.ops[2].is_write);
  auto rsp = bytes({0x8A, 0x00, 0x00, 0x00,           // MSP reply, success
                    0x02, 0x00, 0x06, 0x00, 0x0F, 0x00,  // 2 replies at 6 and 15
                    0x8E, 0x00, 0x00, 0x00, 0x04, 'L', '6', '1', ' ',  // attr 7: "L61 "
                    0x90, 0x00, 0x00, 0x00});          // Set_Attribute_Single reply
  c.on_message(span(rsp), 3, sink);
  EXPECT_EQ(sink.value("product", "cip_identity"), "L61");  // trailing pad space trimmed
}

TEST(CipMultipleServices, OffsetsChecked) {
  auto good = bytes({0x02, 0x00, 0x06, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02, 0x00});
  auto ms = parse_multiple_services(span(good));
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->count, 2u);
  EXPECT_EQ(ms->items[1].size(), 2u);
  auto past_end = bytes({0x02, 0x00, 0x06, 0x00, 0x40, 0x00, 0x01, 0x00});
  EXPECT_EQ(parse_multiple_services(span(past_end)).error(), ParseError::malformed);
  auto into_table = bytes({0x02, 0x00, 0x02, 0x00, 0x06, 0x00, 0x01, 0x00});
  EXPECT_EQ(parse_multiple_services(span(into_table)).error(), ParseError::malformed);
  auto backwards = bytes({0x02, 0x00, 0x08, 0x00, 0x06, 0x00, 0x01, 0x00, 0x02, 0x00});
  EXPECT_EQ(parse_multiple_services(span(backwards)).error(), ParseError::malformed);
  auto cut_table = bytes({0x02, 0x00, 0x06, 0x00});
  EXPECT_EQ(parse_multiple_services(span(cut_table)).error(), ParseError::malformed);
  Buf many = bytes({static_cast<int>(kMaxMultipleServices + 1), 0x00});
  many.resize(2 + 2 * (kMaxMultipleServices + 1) + 2);
  EXPECT_EQ(parse_multiple_services(span(many)).error(), ParseError::limit_exceeded);
  Conversation c;
  RecordingSink sink;
  auto req = bytes({0x0A, 0x02, 0x20, 0x02, 0x24, 0x01});
  add(req, past_end);
  c.on_message(span(req), 1, sink);
  EXPECT_TRUE(sink.has_anomaly("cip.malformed_multiple_service"));
}

Buf forward_open_data(bool large) {
  auto b = bytes({0x0A, 0x0E,              // priority/tick, timeout ticks
                  0x00, 0x00, 0x00, 0x00,  // O->T connection id (target chooses)
                  0x11, 0x22, 0x33, 0x44,  // T->O connection id 0x44332211
                  0x34, 0x12,              // connection serial 0x1234
                  0x01, 0x00,              // originator vendor 1
                  0x78, 0x56, 0x34, 0x12,  // originator serial 0x12345678
                  0x03, 0x00, 0x00, 0x00,  // timeout multiplier, reserved x3
                  0x40, 0x9C, 0x00, 0x00});  // O->T RPI 40000 us
  add(b, large ? bytes({0xF8, 0x43, 0x00, 0x42}) : bytes({0xF8, 0x43}));  // O->T parameters
  add(b, bytes({0x20, 0xA1, 0x07, 0x00}));                                // T->O RPI 500000 us
  add(b, large ? bytes({0xF8, 0x43, 0x00, 0x42}) : bytes({0xF8, 0x43}));  // T->O parameters
  add(b, bytes({0x01,                                 // transport: class 1, cyclic
                0x03,                                 // connection path 3 words
                0x01, 0x00, 0x20, 0x04, 0x24, 0x65}));  // port 1 slot 0, assembly instance 0x65
  return b;
}

TEST(CipForwardOpen, FieldsAndClass1Roles) {
  for (bool large : {false, true}) {
    auto data = forward_open_data(large);
    auto fo = parse_forward_open(span(data), large);
    ASSERT_TRUE(fo.ok());
    EXPECT_EQ(fo->to_connection_id, 0x44332211u);
    EXPECT_EQ(fo->connection_serial, 0x1234);
    EXPECT_EQ(fo->originator_vendor, 1);
    EXPECT_EQ(fo->originator_serial, 0x12345678u);
    EXPECT_EQ(fo->ot_rpi_us, 40000u);
    EXPECT_EQ(fo->to_rpi_us, 500000u);
    EXPECT_EQ(fo->ot_params, large ? 0x420043F8u : 0x43F8u);
    EXPECT_EQ(fo->transport_class(), 1);
    EXPECT_EQ(fo->connection_path.route, "1/0");
    EXPECT_EQ(fo->connection_path.class_id, 4u);
    for (std::size_t n = 0; n < data.size(); ++n) EXPECT_FALSE(parse_forward_open(Bytes(data.data(), n), large).ok());
    Conversation c;
    RecordingSink sink;
    auto req = bytes({large ? 0x5B : 0x54, 0x02, 0x20, 0x06, 0x24, 0x01});
    add(req, data);
    c.on_message(span(req), 1, sink);
    ASSERT_EQ(sink.ops.size(), 1u);
    EXPECT_EQ(sink.ops[0].name, large ? "large_forward_open" : "forward_open");
    bool scanner = false, adapter = false;
    for (const auto& f : sink.facts) {
      scanner |= f.value == "cip_io_scanner" && f.who.kind == AssetRef::Kind::sender;
      adapter |= f.value == "cip_io_adapter" && f.who.kind == AssetRef::Kind::receiver;
    }
    EXPECT_TRUE(scanner && adapter);
  }
}

TEST(CipConversation, ConnectedRequestsUseTheForwardOpenRoute) {
  Conversation c;
  RecordingSink sink;
  auto data = forward_open_data(false);
  data[data.size() - 8] = std::byte{0xA3};  // transport: class 3 (explicit messaging), server
  auto req = bytes({0x54, 0x02, 0x20, 0x06, 0x24, 0x01});
  add(req, data);
  c.on_message(span(req), 4, sink);
  auto rsp = bytes({0xD4, 0x00, 0x00, 0x00,    // Forward Open reply, success
                    0x78, 0x56, 0x34, 0x12,    // O->T connection id 0x12345678 (target's choice)
                    0x11, 0x22, 0x33, 0x44});  // T->O connection id
  c.on_message(span(rsp), 4, sink);
  c.on_connected(span(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01})), 0x12345678, 9, sink);
  auto id = bytes({0x81, 0x00, 0x00, 0x00});
  add(id, identity_l61());
  c.on_connected(span(id), 0x44332211, 9, sink);  // the reply travels on the T->O id
  EXPECT_EQ(sink.value("serial", "cip_identity", "1/0"), "0x0051823f");
  // On a connection not seen opening, the reply is the adapter's own.
  c.on_connected(span(bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01})), 0x99, 10, sink);
  c.on_connected(span(id), 0x98, 10, sink);
  EXPECT_EQ(sink.value("serial", "cip_identity", ""), "0x0051823f");
  // A reply whose sequence count matches no request is not paired.
  c.on_connected(span(id), 0x98, 11, sink);
  EXPECT_TRUE(sink.has_anomaly("cip.unpaired_response"));
}

TEST(CipForwardClose, Fields) {
  auto data = bytes({0x0A, 0x0E, 0x34, 0x12, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12,
                     0x03, 0x00,                                   // path 3 words, reserved
                     0x01, 0x00, 0x20, 0x02, 0x24, 0x01});
  auto fc = parse_forward_close(span(data));
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->connection_serial, 0x1234);
  EXPECT_EQ(fc->originator_serial, 0x12345678u);
  EXPECT_EQ(fc->connection_path.route, "1/0");
  for (std::size_t n = 0; n < data.size(); ++n) EXPECT_FALSE(parse_forward_close(Bytes(data.data(), n)).ok());
}

// --- Classification --------------------------------------------------------------

TEST(CipServices, ClassDecidesObjectSpecificCodes) {
  EXPECT_EQ(service_info(0x4E, true, kClassConnectionManager).name, "forward_close");
  EXPECT_FALSE(service_info(0x4E, true, kClassConnectionManager).is_write);
  EXPECT_EQ(service_info(0x4E, false, 0).name, "read_modify_write_tag");
  EXPECT_TRUE(service_info(0x4E, false, 0).is_write);
  EXPECT_TRUE(service_info(0x4D, false, 0).is_write);
  EXPECT_TRUE(service_info(0x53, false, 0).is_write);
  EXPECT_EQ(service_info(0x52, false, 0).name, "read_tag_fragmented");
  EXPECT_TRUE(service_info(0x05, true, kClassIdentity).is_control);  // Identity reset
  EXPECT_TRUE(service_info(0x06, true, 0x8E).is_control);
  EXPECT_TRUE(service_info(0x07, true, 0x8E).is_control);
  EXPECT_TRUE(service_info(0x10, true, 0xF5).is_write);
  EXPECT_TRUE(service_info(0x02, true, 0xF5).is_write);
  EXPECT_EQ(service_info(0x4C, true, kClassFile).name, "initiate_download");
  EXPECT_TRUE(service_info(0x4C, true, kClassFile).is_control);
  EXPECT_TRUE(service_info(0x4F, true, kClassFile).is_control);
  EXPECT_EQ(service_info(0x4B, true, kClassPccc).name, "execute_pccc");
  EXPECT_EQ(service_info(0x60, true, 0x99).name, "object_specific_service");
  EXPECT_EQ(service_info(0x30, true, 0x99).name, "reserved_service");
  EXPECT_EQ(service_info(0x8E, true, 1).name, "get_attribute_single");  // reply bit ignored
}

TEST(CipConversation, ErrorReplyIsCountedAsErrorOperation) {
  Conversation c;
  RecordingSink sink;
  c.on_message(span(bytes({0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x01})), 5, sink);
  c.on_message(span(bytes({0x8E, 0x00, 0x05, 0x00})), 5, sink);
  ASSERT_EQ(sink.ops.size(), 2u);
  EXPECT_TRUE(sink.ops[1].is_error);
  EXPECT_EQ(sink.ops[1].name, "get_attribute_single");
  EXPECT_EQ(sink.count("cip_identity"), 0u);
}

// Logix data-table writes (1756-PM020): Write Tag (0x4D), Write Tag Fragmented
// (0x53) and Read-Modify-Write Tag (0x4E) address a tag by an ANSI extended
// symbol segment; Set_Attributes_All (0x02) addresses an object. Each request is
// a write; the replies (service | 0x80), success or failure, are not.
TEST(CipConversation, LogixWritesAreWritesAndRepliesAreNot) {
  Conversation c;
  RecordingSink sink;
  const Buf write_tag = bytes({0x4D, 0x03, 0x91, 0x03, 'C', 'n', 't', 0x00,  // symbol "Cnt", pad
                               0xC4, 0x00, 0x01, 0x00, 0x2A, 0x00, 0x00, 0x00});  // DINT, 1 element, 42
  const Buf write_frag = bytes({0x53, 0x03, 0x91, 0x03, 'C', 'n', 't', 0x00,
                                0xC4, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00, 0x00});
  const Buf rmw = bytes({0x4E, 0x03, 0x91, 0x03, 'C', 'n', 't', 0x00,
                         0x01, 0x00, 0x01, 0xFF});  // mask size 1, OR mask, AND mask
  const Buf set_all = bytes({0x02, 0x02, 0x20, 0xF5, 0x24, 0x01, 0x00});  // TCP/IP object instance 1
  c.on_message(span(write_tag), 1, sink);
  c.on_message(span(bytes({0xCD, 0x00, 0x00, 0x00})), 1, sink);  // success
  c.on_message(span(write_frag), 2, sink);
  c.on_message(span(bytes({0xD3, 0x00, 0x00, 0x00})), 2, sink);
  c.on_message(span(rmw), 3, sink);
  c.on_message(span(bytes({0xCE, 0x00, 0x05, 0x00})), 3, sink);  // path destination unknown
  c.on_message(span(set_all), 4, sink);
  c.on_message(span(bytes({0x82, 0x00, 0x00, 0x00})), 4, sink);
  std::vector<std::string> writes, others;
  for (const auto& op : sink.ops) (op.is_write ? writes : others).push_back(std::string(op.name));
  EXPECT_EQ(writes, (std::vector<std::string>{"write_tag", "write_tag_fragmented", "read_modify_write_tag",
                                              "set_attributes_all"}));
  EXPECT_EQ(others, std::vector<std::string>{"read_modify_write_tag"});  // the failed reply, an error
}

TEST(CipConversation, PendingTableIsBounded) {
  Conversation c;
  RecordingSink sink;
  auto req = bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01});
  for (std::uint64_t k = 0; k < kMaxPendingRequests + 4; ++k) c.on_message(span(req), k, sink);
  auto rsp = bytes({0x81, 0x00, 0x00, 0x00});
  add(rsp, identity_l61());
  c.on_message(span(rsp), 0, sink);  // evicted: the oldest went first
  EXPECT_EQ(sink.count("cip_identity"), 0u);
  c.on_message(span(rsp), kMaxPendingRequests + 3, sink);
  EXPECT_GT(sink.count("cip_identity"), 0u);
}

// --- Tables ------------------------------------------------------------------------

TEST(CipTables, VendorsFromTheOdvaList) {
  EXPECT_EQ(vendor_name(1), "Rockwell Automation/Allen-Bradley");
  EXPECT_EQ(vendor_name(44), "Yaskawa Electric America, Inc.");
  EXPECT_EQ(vendor_name(47), "Omron Corporation");
  EXPECT_EQ(vendor_name(145), "Siemens Energy & Automation/Drives");
  EXPECT_EQ(vendor_name(161), "Mitsubishi Electric Corporation");
  EXPECT_EQ(vendor_name(243), "Schneider Automation, Inc.");
  EXPECT_EQ(vendor_name(367), "Keyence Corporation");
  EXPECT_EQ(vendor_name(591), "FANUC Ltd.");
  EXPECT_EQ(vendor_name(60000), "");
  EXPECT_GE(vendor_count(), 1200u);
  std::size_t named = 0;
  for (std::uint32_t v = 0; v <= 0xFFFF; ++v) named += !vendor_name(static_cast<std::uint16_t>(v)).empty();
  EXPECT_EQ(named, vendor_count());  // every entry is reachable: the table is sorted and unique
  EXPECT_EQ(device_type_name(0x0C), "Communications Adapter");
  EXPECT_EQ(device_type_name(0x0E), "Programmable Logic Controller");
  EXPECT_EQ(device_type_name(0x01), "");
  EXPECT_EQ(general_status_name(0x05), "Path destination unknown");
  EXPECT_EQ(general_status_name(0x1E), "Embedded service error");
  EXPECT_EQ(general_status_name(0xFF), "");
}

}  // namespace
}  // namespace mieruka::dissectors::cip
