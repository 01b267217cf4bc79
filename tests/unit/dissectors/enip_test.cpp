// EtherNet/IP encapsulation tests: header and every command (CIP Vol 2 §2-3,
// §2-4), CPF items (§2-6), ListIdentity (Table 2-4.4; the 1756-ENBT/A reply of
// ITI__enip_test.pcap byte for byte), probe, TCP framing at every split point,
// over-long messages, gaps and resync, UDP datagrams and class-1 I/O.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/enip.hpp"

namespace mieruka::dissectors::enip {
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
void add_le16(Buf& b, unsigned v) { add(b, bytes({static_cast<int>(v & 0xFF), static_cast<int>(v >> 8)})); }
Bytes span(const Buf& b) { return {b.data(), b.size()}; }

struct Recorded {
  AssetRef who;
  std::string field, value, source;
  bool operator==(const Recorded& o) const {
    return who.kind == o.who.kind && who.route == o.who.route && field == o.field && value == o.value &&
           source == o.source;
  }
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation& op) noexcept override { ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string value(std::string_view field, std::string_view source) const {
    for (const auto& f : facts)
      if (f.field == field && f.source == source) return f.value;
    return "<none>";
  }
  [[nodiscard]] bool has(std::string_view field, std::string_view value, AssetRef::Kind kind) const {
    for (const auto& f : facts)
      if (f.field == field && f.value == value && f.who.kind == kind) return true;
    return false;
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

// Encapsulation header (Vol 2 Table 2-3.1) followed by `body`.
Buf message(unsigned cmd, const Buf& body, std::uint32_t session = 0, std::uint32_t status = 0,
            std::uint8_t context = 0, std::uint32_t options = 0) {
  Buf b;
  add_le16(b, cmd);                      // command
  add_le16(b, static_cast<unsigned>(body.size()));  // length
  add(b, bytes({static_cast<int>(session & 0xFF), static_cast<int>((session >> 8) & 0xFF),
                static_cast<int>((session >> 16) & 0xFF), static_cast<int>(session >> 24)}));  // session
  add(b, bytes({static_cast<int>(status & 0xFF), 0, 0, 0}));                                    // status
  add(b, bytes({context, 0, 0, 0, 0, 0, 0, 0}));                                               // sender context
  add(b, bytes({static_cast<int>(options & 0xFF), 0, 0, 0}));                                   // options
  add(b, body);
  return b;
}

// The ListIdentity reply of ITI__enip_test.pcap frame 7 (1756-ENBT/A), as captured.
Buf enbt_list_identity() {
  auto b = bytes({
      0x63, 0x00,                                      // command: ListIdentity
      0x33, 0x00,                                      // length: 51
      0x00, 0x00, 0x00, 0x00,                          // session handle
      0x00, 0x00, 0x00, 0x00,                          // status
      0x00, 0x00, 0x00, 0x00, 0xc1, 0xde, 0xbe, 0xd1,  // sender context
      0x00, 0x00, 0x00, 0x00,                          // options
      0x01, 0x00,                                      // item count: 1
      0x0c, 0x00,                                      // item type: CIP Identity
      0x2d, 0x00,                                      // item length: 45
      0x01, 0x00,                                      // encapsulation protocol version: 1
      0x00, 0x02,                                      // sin_family: 2 (big-endian)
      0xaf, 0x12,                                      // sin_port: 44818 (big-endian)
      0x0a, 0x01, 0x01, 0xa4,                          // sin_addr: 10.1.1.164
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // sin_zero
      0x01, 0x00,                                      // vendor id: 1
      0x0c, 0x00,                                      // device type: 12 communications adapter
      0x3a, 0x00,                                      // product code: 58
      0x04, 0x03,                                      // revision: 4.03
      0x30, 0x00,                                      // status: 0x0030
      0x8e, 0x4d, 0x52, 0x00,                          // serial: 0x00524d8e
      0x0b,                                            // product name length: 11
  });
  add_str(b, "1756-ENBT/A");
  add(b, bytes({0x03}));  // state: 3
  return b;
}

DecodedPacket udp(std::uint16_t sport, std::uint16_t dport, const char* dst = "10.1.1.167") {
  DecodedPacket p;
  p.l4 = L4::udp;
  p.src_port = sport;
  p.dst_port = dport;
  p.dst_ip = *IpAddr::parse(dst);
  return p;
}

TEST(EnipHeader, EveryCommandNamedAndParsed) {
  const std::pair<unsigned, std::string_view> commands[] = {
      {0x00, "nop"}, {0x04, "list_services"}, {0x63, "list_identity"}, {0x64, "list_interfaces"},
      {0x65, "register_session"}, {0x66, "unregister_session"}, {0x6F, "send_rr_data"},
      {0x70, "send_unit_data"}, {0x72, "indicate_status"}, {0x73, "cancel"}};
  for (auto [cmd, name] : commands) {
    EXPECT_EQ(command_name(static_cast<std::uint16_t>(cmd)), name);
    auto m = message(cmd, cmd == 0x65 ? bytes({0x01, 0x00, 0x00, 0x00}) : Buf{}, 0x11223344, 0, 0x5A);
    auto h = parse_header(span(m));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->command, cmd);
    EXPECT_EQ(h->session, 0x11223344u);
    EXPECT_EQ(h->context, 0x5Au);
    EXPECT_TRUE(probe(span(m), Direction::to_server)) << name;
    for (std::size_t n = 0; n < kHeaderSize; ++n) EXPECT_FALSE(parse_header(Bytes(m.data(), n)).ok());
  }
  EXPECT_EQ(command_name(0x01), "");
  EXPECT_EQ(item_name(0x8002), "sequenced_address");
  EXPECT_EQ(item_name(0x00B2), "unconnected_data");
  EXPECT_EQ(item_name(0x0100), "list_services");
}

TEST(EnipProbe, Strict) {
  EXPECT_TRUE(probe(span(enbt_list_identity()), Direction::to_client));
  EXPECT_FALSE(probe(span(message(0x01, {})), Direction::to_server));                   // unknown command
  EXPECT_FALSE(probe(span(message(0x65, bytes({1, 0, 0, 0}), 0, 0, 0, 1)), Direction::to_server));  // options
  EXPECT_FALSE(probe(span(message(0x65, bytes({1, 0, 0, 0}), 0, 1)), Direction::to_server));  // status on request
  EXPECT_TRUE(probe(span(message(0x65, bytes({1, 0, 0, 0}), 0, 1)), Direction::to_client));
  EXPECT_FALSE(probe(span(message(0x65, bytes({1, 0}))), Direction::to_server));       // RegisterSession is 4 bytes
  auto lying = message(0x6F, bytes({0, 0, 0, 0}));
  lying[2] = std::byte{0x40};  // length 64, 4 present
  EXPECT_FALSE(probe(span(lying), Direction::to_server));
  EXPECT_FALSE(probe(span(bytes({0x63, 0x00})), Direction::to_server));
}

TEST(EnipListIdentity, Enbt) {
  RecordingSink sink;
  auto m = enbt_list_identity();
  on_datagram(udp(44818, 2222), span(m), sink);
  EXPECT_EQ(sink.value("vendor", "enip_list_identity"), "Rockwell Automation/Allen-Bradley");
  EXPECT_EQ(sink.value("vendor_id", "enip_list_identity"), "1");
  EXPECT_EQ(sink.value("device_type", "enip_list_identity"), "Communications Adapter");
  EXPECT_EQ(sink.value("product_code", "enip_list_identity"), "58");
  EXPECT_EQ(sink.value("revision", "enip_list_identity"), "4.03");  // tshark: "Revision: 4.03"
  EXPECT_EQ(sink.value("serial", "enip_list_identity"), "0x00524d8e");
  EXPECT_EQ(sink.value("product", "enip_list_identity"), "1756-ENBT/A");
  EXPECT_EQ(sink.value("ip", "enip_list_identity"), "10.1.1.164");
  EXPECT_EQ(sink.value("enip_status", "enip_list_identity"), "0x0030");
  EXPECT_EQ(sink.value("enip_state", "enip_list_identity"), "0x03");
  EXPECT_TRUE(sink.has("role", "enip_server", AssetRef::Kind::sender));
  EXPECT_TRUE(sink.anomalies.empty());
  auto id = parse_identity(Bytes(m.data() + 30, 45));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->sin_port, 44818);
  EXPECT_EQ(id->sin_family, 2);
}

TEST(EnipListIdentity, EveryCutYieldsNoIdentity) {
  const auto m = enbt_list_identity();
  for (std::size_t n = 0; n < m.size() - 1; ++n) {  // the last byte (state) is optional
    RecordingSink sink;
    Buf cut(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
    on_datagram(udp(44818, 2222), span(cut), sink);
    EXPECT_EQ(sink.count("enip_list_identity"), 0u) << n;
  }
  // A consistent message without the state byte is still an identity.
  Buf no_state(m.begin(), m.end() - 1);
  no_state[2] = std::byte{0x32};
  no_state[28] = std::byte{0x2c};
  RecordingSink sink;
  on_datagram(udp(44818, 2222), span(no_state), sink);
  EXPECT_EQ(sink.value("product", "enip_list_identity"), "1756-ENBT/A");
  EXPECT_EQ(sink.value("enip_state", "enip_list_identity"), "<none>");
}

TEST(EnipListIdentity, Malformed) {
  {  // product name length past the item
    auto m = enbt_list_identity();
    m[62] = std::byte{0x20};
    RecordingSink sink;
    on_datagram(udp(44818, 2222), span(m), sink);
    EXPECT_EQ(sink.count("enip_list_identity"), 0u);
    EXPECT_TRUE(sink.has_anomaly("enip.malformed_identity"));
  }
  {  // item count 1000
    auto m = enbt_list_identity();
    m[24] = std::byte{0xE8};
    m[25] = std::byte{0x03};
    RecordingSink sink;
    on_datagram(udp(44818, 2222), span(m), sink);
    EXPECT_TRUE(sink.has_anomaly("enip.too_many_items"));
    EXPECT_EQ(sink.count("enip_list_identity"), 0u);
  }
  {  // item length past the message
    auto m = enbt_list_identity();
    m[28] = std::byte{0x60};
    RecordingSink sink;
    on_datagram(udp(44818, 2222), span(m), sink);
    EXPECT_TRUE(sink.has_anomaly("enip.malformed_cpf"));
  }
  {  // encapsulation length above what the datagram holds
    auto m = enbt_list_identity();
    m[2] = std::byte{0x40};
    RecordingSink sink;
    on_datagram(udp(44818, 2222), span(m), sink);
    EXPECT_TRUE(sink.has_anomaly("enip.length_mismatch"));
    EXPECT_EQ(sink.count("enip_list_identity"), 0u);
  }
  {  // CPF count at the cap + 1
    Buf body = bytes({static_cast<int>(kMaxCpfItems + 1), 0x00});
    for (std::size_t i = 0; i < kMaxCpfItems + 1; ++i) add(body, bytes({0x00, 0x00, 0x00, 0x00}));
    Cpf cpf;
    EXPECT_EQ(parse_cpf(span(body), cpf).error(), ParseError::limit_exceeded);
    body[0] = static_cast<std::byte>(kMaxCpfItems);
    body.resize(body.size() - 4);
    EXPECT_TRUE(parse_cpf(span(body), cpf).ok());
    EXPECT_EQ(cpf.count, kMaxCpfItems);
    // A list reused for a shorter message holds only that message's items.
    const Buf two = bytes({0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb2, 0x00, 0x01, 0x00, 0x07});
    ASSERT_TRUE(parse_cpf(span(two), cpf).ok());
    ASSERT_EQ(cpf.count, 2u);
    EXPECT_EQ(cpf.items[1].type, 0xb2);
    EXPECT_EQ(cpf.items[1].data.size(), 1u);
  }
}

TEST(EnipListIdentity, RequestMarksTheScanner) {
  RecordingSink sink;
  auto m = message(0x63, {});
  on_datagram(udp(50000, 44818, "255.255.255.255"), span(m), sink);
  EXPECT_TRUE(sink.has("role", "enip_scanner", AssetRef::Kind::sender));
  EXPECT_EQ(sink.facts.size(), 1u);  // nothing said about the broadcast receiver
}

TEST(EnipDatagram, SeveralMessagesInOne) {
  RecordingSink sink;
  auto m = enbt_list_identity();
  auto two = m;
  add(two, m);
  on_datagram(udp(44818, 2222), span(two), sink);
  EXPECT_EQ(sink.count("enip_list_identity"), 20u);
  auto tail = m;
  add(tail, bytes({0x63, 0x00, 0x00}));  // a cut header after a whole message
  RecordingSink sink2;
  on_datagram(udp(44818, 2222), span(tail), sink2);
  EXPECT_EQ(sink2.count("enip_list_identity"), 10u);
  EXPECT_TRUE(sink2.has_anomaly("enip.truncated_message"));
}

// --- TCP ------------------------------------------------------------------------

// SendRRData body: interface handle, timeout, CPF {null address, unconnected data}.
Buf send_rr(const Buf& cip) {
  auto b = bytes({0x00, 0x00, 0x00, 0x00,  // interface handle: CIP
                  0x0A, 0x00,              // timeout
                  0x02, 0x00,              // 2 items
                  0x00, 0x00, 0x00, 0x00,  // null address item
                  0xB2, 0x00});            // unconnected data item
  add_le16(b, static_cast<unsigned>(cip.size()));
  add(b, cip);
  return b;
}
// SendUnitData body: CPF {connected address, connected data with sequence count}.
Buf send_unit(std::uint32_t conn, std::uint16_t seq, const Buf& cip) {
  auto b = bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // interface handle, timeout
                  0x02, 0x00,                          // 2 items
                  0xA1, 0x00, 0x04, 0x00,              // connected address item
                  static_cast<int>(conn & 0xFF), static_cast<int>((conn >> 8) & 0xFF),
                  static_cast<int>((conn >> 16) & 0xFF), static_cast<int>(conn >> 24),
                  0xB1, 0x00});                        // connected data item
  add_le16(b, static_cast<unsigned>(cip.size() + 2));
  add_le16(b, seq);  // CIP sequence count
  add(b, cip);
  return b;
}
Buf identity_reply() {
  auto b = bytes({0x81, 0x00, 0x00, 0x00,  // Get_Attributes_All reply, success
                  0x01, 0x00, 0x0E, 0x00, 0x36, 0x00, 0x10, 0x14, 0x60, 0x30, 0x3F, 0x82, 0x51, 0x00, 0x14});
  add_str(b, "1756-L61/B LOGIX5561");
  return b;
}
const Buf kGetAll = bytes({0x01, 0x02, 0x20, 0x01, 0x24, 0x01});

// Client and server streams of one session: RegisterSession, Get_Attributes_All on
// Identity (SendRRData), then a connected Get_Attributes_All (SendUnitData).
Buf client_stream() {
  auto s = message(0x65, bytes({0x01, 0x00, 0x00, 0x00}));
  add(s, message(0x6F, send_rr(kGetAll), 0x1000, 0, 0x21));
  add(s, message(0x70, send_unit(0xAABBCCDD, 7, kGetAll), 0x1000));
  return s;
}
Buf server_stream() {
  auto s = message(0x65, bytes({0x01, 0x00, 0x00, 0x00}), 0x1000);
  add(s, message(0x6F, send_rr(identity_reply()), 0x1000, 0, 0x21));
  add(s, message(0x70, send_unit(0x11223344, 7, identity_reply()), 0x1000));
  return s;
}

std::vector<Recorded> run(std::size_t split_client, std::size_t split_server, RecordingSink& sink) {
  auto parser = make_stream_parser();
  const auto c = client_stream();
  const auto s = server_stream();
  // Requests first, then replies: pairing needs the request before its reply.
  parser->on_data(Direction::to_server, Bytes(c.data(), split_client), sink);
  parser->on_data(Direction::to_server, Bytes(c.data() + split_client, c.size() - split_client), sink);
  parser->on_data(Direction::to_client, Bytes(s.data(), split_server), sink);
  parser->on_data(Direction::to_client, Bytes(s.data() + split_server, s.size() - split_server), sink);
  EXPECT_EQ(parser->buffered_bytes(), 0u);
  return sink.facts;
}

TEST(EnipStream, SessionYieldsIdentityAndRoles) {
  RecordingSink sink;
  run(0, 0, sink);
  EXPECT_EQ(sink.value("product", "cip_identity"), "1756-L61/B LOGIX5561");
  EXPECT_EQ(sink.count("cip_identity"), 16u);  // once per reply: SendRRData and SendUnitData
  EXPECT_TRUE(sink.has("role", "enip_client", AssetRef::Kind::sender));
  EXPECT_TRUE(sink.has("role", "enip_server", AssetRef::Kind::receiver));
  EXPECT_TRUE(sink.has("role", "cip_originator", AssetRef::Kind::sender));
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(sink.ops.size(), 2u);
}

TEST(EnipStream, EverySplitPointGivesTheSameFacts) {
  RecordingSink whole;
  const auto expected = run(0, 0, whole);
  const auto c = client_stream();
  const auto s = server_stream();
  for (std::size_t i = 0; i <= c.size(); ++i) {
    RecordingSink sink;
    EXPECT_EQ(run(i, 0, sink), expected) << "client split " << i;
  }
  for (std::size_t i = 0; i <= s.size(); ++i) {
    RecordingSink sink;
    EXPECT_EQ(run(0, i, sink), expected) << "server split " << i;
  }
  // Byte by byte.
  auto parser = make_stream_parser();
  RecordingSink sink;
  for (auto b : c) parser->on_data(Direction::to_server, Bytes(&b, 1), sink);
  for (auto b : s) parser->on_data(Direction::to_client, Bytes(&b, 1), sink);
  EXPECT_EQ(sink.facts, expected);
}

TEST(EnipStream, OverLongMessageIsSkippedByLength) {
  auto parser = make_stream_parser();
  RecordingSink sink;
  Buf big = message(0x6F, {});
  big[2] = std::byte{0xFF};  // length 65535 > kMaxBodyLength
  big[3] = std::byte{0xFF};
  big.resize(kHeaderSize + 0xFFFF, std::byte{0x5A});
  add(big, message(0x6F, send_rr(kGetAll), 0, 0, 0x21));
  for (std::size_t off = 0; off < big.size(); off += 1000)
    parser->on_data(Direction::to_server, Bytes(big.data() + off, std::min<std::size_t>(1000, big.size() - off)), sink);
  EXPECT_TRUE(sink.has_anomaly("enip.limit_exceeded"));
  ASSERT_EQ(sink.ops.size(), 1u);  // the message after it was found
  EXPECT_EQ(sink.ops[0].name, "get_attributes_all");
  EXPECT_LE(parser->buffered_bytes(), kMaxBufferedBytes);
}

TEST(EnipStream, GapThenResync) {
  auto parser = make_stream_parser();
  RecordingSink sink;
  auto m = message(0x6F, send_rr(kGetAll), 0, 0, 0x21);
  parser->on_data(Direction::to_server, Bytes(m.data(), 10), sink);  // half a header
  parser->on_gap(Direction::to_server, 100, sink);
  EXPECT_EQ(parser->buffered_bytes(), 0u);
  auto junk = bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                     0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19});
  parser->on_data(Direction::to_server, span(junk), sink);  // the rest of a lost message
  EXPECT_FALSE(sink.has_anomaly("enip.resync"));
  EXPECT_TRUE(sink.ops.empty());
  parser->on_data(Direction::to_server, span(m), sink);
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_TRUE(sink.has_anomaly("enip.resync"));
  // A gap inside a body being skipped keeps sync.
  auto parser2 = make_stream_parser();
  RecordingSink sink2;
  Buf big = message(0x6F, {});
  big[2] = std::byte{0xFF};
  big[3] = std::byte{0xFF};
  parser2->on_data(Direction::to_server, span(big), sink2);
  parser2->on_gap(Direction::to_server, 0xFFFF, sink2);
  parser2->on_data(Direction::to_server, span(m), sink2);
  EXPECT_EQ(sink2.ops.size(), 1u);
}

TEST(EnipStream, UntrustedHeaderStartsHunting) {
  auto parser = make_stream_parser();
  RecordingSink sink;
  auto bad = message(0x6F, send_rr(kGetAll), 0, 0, 0, 1);  // options set
  parser->on_data(Direction::to_server, span(bad), sink);
  EXPECT_TRUE(sink.has_anomaly("enip.bad_header"));
  EXPECT_TRUE(sink.ops.empty());
  parser->on_data(Direction::to_server, span(message(0x6F, send_rr(kGetAll))), sink);
  EXPECT_EQ(sink.ops.size(), 1u);
  parser->on_data(Direction::to_server, Bytes(bad.data(), 5), sink);  // buffered, then found bad
  parser->on_data(Direction::to_server, Bytes(bad.data() + 5, bad.size() - 5), sink);
  EXPECT_EQ(sink.ops.size(), 1u);
  parser->on_eof(Direction::to_server, sink);
}

// A bad header, then a good message: the same violation, resync and operation
// whether the good one comes in the same segment or the next, wherever split.
TEST(EnipStream, ABadHeaderThenAGoodOneGivesTheSameResultAtEverySplit) {
  Buf stream = message(0x6F, send_rr(kGetAll), 0, 0, 0, 1);  // options set
  add(stream, message(0x6F, send_rr(kGetAll), 0, 0, 0x21));
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    auto parser = make_stream_parser();
    RecordingSink sink;
    parser->on_data(Direction::to_server, Bytes(stream.data(), i), sink);
    parser->on_data(Direction::to_server, Bytes(stream.data() + i, stream.size() - i), sink);
    ASSERT_EQ(sink.ops.size(), 1u) << "split " << i;
    EXPECT_EQ(sink.ops[0].name, "get_attributes_all");
    EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"enip.bad_header", "enip.resync"})) << "split " << i;
  }
}

// A gap that ends inside the body of a message whose header was seen skips the
// rest of it and stays in step; one inside a header loses sync.
TEST(EnipStream, AGapInsideAKnownBodyStaysInStep) {
  const Buf m = message(0x6F, send_rr(kGetAll), 0, 0, 0x21);
  for (std::size_t cut = 1; cut < m.size(); ++cut) {
    for (const std::size_t tail : {std::size_t{0}, std::size_t{1}}) {
      if (cut + tail >= m.size()) continue;
      auto parser = make_stream_parser();
      RecordingSink sink;
      parser->on_data(Direction::to_server, Bytes(m.data(), cut), sink);
      parser->on_gap(Direction::to_server, m.size() - cut - tail, sink);
      Buf rest(m.end() - static_cast<std::ptrdiff_t>(tail), m.end());
      add(rest, m);
      parser->on_data(Direction::to_server, span(rest), sink);
      ASSERT_EQ(sink.ops.size(), 1u) << "cut " << cut << " tail " << tail;
      const std::vector<std::string> in_step{"enip.gap"}, resync{"enip.gap", "enip.resync"};
      EXPECT_EQ(sink.anomalies, cut >= kHeaderSize ? in_step : resync) << "cut " << cut << " tail " << tail;
    }
  }
}

TEST(EnipStream, TruncatedAtEof) {
  auto parser = make_stream_parser();
  RecordingSink sink;
  auto m = message(0x6F, send_rr(kGetAll));
  parser->on_data(Direction::to_server, Bytes(m.data(), m.size() - 1), sink);
  EXPECT_GT(parser->buffered_bytes(), 0u);
  parser->on_eof(Direction::to_server, sink);
  EXPECT_TRUE(sink.has_anomaly("enip.truncated_message"));
  EXPECT_EQ(parser->buffered_bytes(), 0u);
}

// --- Class-1 I/O ------------------------------------------------------------------

// ndpi__cip_io.pcap frame 1: O->T class-1 data.
Buf io_datagram() {
  return bytes({0x02, 0x00,                          // 2 items
                0x02, 0x80, 0x08, 0x00,              // sequenced address item, 8 bytes
                0x78, 0x7b, 0x3a, 0x00,              // connection id 0x003a7b78
                0xe8, 0xc7, 0x5e, 0x04,              // encapsulation sequence number
                0xb1, 0x00, 0x0c, 0x00,              // connected data item, 12 bytes
                0x03, 0x00, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00});
}

TEST(CipIo, Class1Datagram) {
  RecordingSink sink;
  auto d = io_datagram();
  on_io_datagram(udp(2222, 2222), span(d), sink);
  ASSERT_EQ(sink.ops.size(), 1u);
  EXPECT_EQ(sink.ops[0].protocol, "cip_io");
  EXPECT_EQ(sink.ops[0].name, "class1_io");
  EXPECT_EQ(sink.ops[0].code, 0u);
  EXPECT_TRUE(sink.facts.empty());
  RecordingSink multicast;
  on_io_datagram(udp(2222, 2222, "239.192.1.1"), span(d), multicast);
  EXPECT_TRUE(multicast.has("role", "cip_io_adapter", AssetRef::Kind::sender));
  for (std::size_t n = 0; n < d.size(); ++n) {
    RecordingSink cut;
    on_io_datagram(udp(2222, 2222), Bytes(d.data(), n), cut);
    EXPECT_TRUE(cut.ops.empty()) << n;
  }
  auto many = d;
  many[0] = std::byte{0xE8};
  many[1] = std::byte{0x03};  // 1000 items
  RecordingSink sink2;
  on_io_datagram(udp(2222, 2222), span(many), sink2);
  EXPECT_TRUE(sink2.has_anomaly("cip_io.too_many_items"));
  EXPECT_TRUE(sink2.ops.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::enip
