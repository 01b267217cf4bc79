// Omron FINS dissector tests. Vectors follow the FINS Commands Reference Manual
// W342 (§3 frame, §5 commands, §8 end codes) and the FINS/TCP header of W421 §6,
// plus malformed twins.
#include "dissectors/fins.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors::fins {
namespace {

using Vec = std::vector<std::byte>;

Vec v(std::initializer_list<int> xs) {
  Vec out;
  for (int x : xs) out.push_back(static_cast<std::byte>(x));
  return out;
}
Vec cat(std::initializer_list<Vec> parts) {
  Vec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Vec str(std::string_view s) {
  Vec out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}
Vec padded(std::string_view s, std::size_t n) {
  Vec out = str(s);
  out.resize(n, std::byte{' '});
  return out;
}
Bytes b(const Vec& x) { return {x.data(), x.size()}; }

// W342 §3: command frame from node 0.1.0 (the client) to 0.10.0 (the PLC's CPU unit).
Vec cmd(std::uint8_t sid, std::uint16_t code, const Vec& data) {
  return cat({v({0x80,                    // ICF: command, response required
                 0x00,                    // RSV
                 0x02,                    // GCT
                 0x00, 0x0A, 0x00,        // DNA, DA1, DA2
                 0x00, 0x01, 0x00,        // SNA, SA1, SA2
                 sid,                     // SID
                 code >> 8, code & 0xff}),  // MRC, SRC
              data});
}
Vec resp(std::uint8_t sid, std::uint16_t code, std::uint16_t end, const Vec& data) {
  return cat({v({0xC0, 0x00, 0x02,        // ICF: response; RSV; GCT
                 0x00, 0x01, 0x00,        // DNA, DA1, DA2: back to the client
                 0x00, 0x0A, 0x00,        // SNA, SA1, SA2: the PLC
                 sid,                     // SID
                 code >> 8, code & 0xff,  // MRC, SRC
                 end >> 8, end & 0xff}),  // MRES, SRES
              data});
}
// FINS/TCP (W421 §6): "FINS", length (after this field), command, error code.
Vec tcp(std::uint32_t command, const Vec& data, std::uint32_t error = 0) {
  const auto len = static_cast<std::uint32_t>(8 + data.size());
  return cat({str("FINS"),
              v({int(len >> 24), int((len >> 16) & 0xff), int((len >> 8) & 0xff), int(len & 0xff)}),
              v({0, 0, 0, int(command)}),
              v({0, 0, 0, int(error)}),
              data});
}

// 0101 memory area read: DM (0x82) word 100, bit 0, 10 items.
const Vec kReadDm100 = v({0x82,        // memory area code DM (word)
                          0x00, 0x64,  // beginning address word 100
                          0x00,        // bit
                          0x00, 0x0A});  // number of items
Vec controller_data() { return cat({padded("CJ2M-CPU31", 20), padded("02.01", 20)}); }

struct Recorded {
  std::vector<std::string> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  [[nodiscard]] bool has_fact(const std::string& f) const {
    return std::find(facts.begin(), facts.end(), f) != facts.end();
  }
  [[nodiscard]] int count_anomaly(std::string_view a) const {
    return static_cast<int>(std::count(anomalies.begin(), anomalies.end(), std::string(a)));
  }
};

class RecordingSink final : public Sink {
 public:
  Recorded r;
  void fact(const Fact& f) noexcept override {
    std::string who = f.who.kind == AssetRef::Kind::sender ? "S" : "R";
    r.facts.push_back(who + "|" + std::string(f.field) + "=" + f.value + "|" + std::string(f.source));
  }
  void operation(const Operation& op) noexcept override { r.ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { r.anomalies.emplace_back(c); }
};

std::string op_key(const Operation& o) {
  return std::string(o.name) + "/" + std::to_string(o.code) + "/" + std::to_string(o.is_write) +
         std::to_string(o.is_control) + std::to_string(o.is_error) + "/" +
         (o.is_range ? std::to_string(o.range_start) + "+" + std::to_string(o.range_count) : "-");
}
std::vector<std::string> op_keys(const Recorded& r) {
  std::vector<std::string> out;
  for (const auto& o : r.ops) out.push_back(op_key(o));
  return out;
}

constexpr auto C = Direction::to_server;
constexpr auto S = Direction::to_client;

// --- frames ---------------------------------------------------------------------

TEST(FinsFrame, MemoryAreaRead) {
  const Vec m = cmd(0x11, 0x0101, kReadDm100);
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->header.is_response());
  EXPECT_EQ(f->header.gct, 2);
  EXPECT_EQ(f->header.da1, 10);
  EXPECT_EQ(f->header.sa1, 1);
  EXPECT_EQ(f->header.sid, 0x11);
  EXPECT_EQ(f->command(), 0x0101);
  auto r = parse_memory_range(*f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->area, 0x82);
  EXPECT_EQ(r->address, 100);
  EXPECT_EQ(r->items, 10);
  EXPECT_EQ(area_name(0x82), "dm");
  EXPECT_EQ(area_name(0xA3), "em");
  EXPECT_EQ(area_name(0x55), "unknown_area");
  for (std::size_t n = 0; n < kReadDm100.size(); ++n) {
    const Vec t = cmd(1, 0x0101, Vec(kReadDm100.begin(), kReadDm100.begin() + static_cast<long>(n)));
    auto ft = parse_frame(b(t));
    ASSERT_TRUE(ft.ok());
    EXPECT_EQ(parse_memory_range(*ft).error(), ParseError::malformed) << n;
  }
}

TEST(FinsFrame, ResponseEndCodes) {
  const Vec m = resp(1, 0x0101, 0x0000, v({0x00, 0x01}));
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->header.is_response());
  EXPECT_EQ(f->end_code(), 0);
  EXPECT_EQ(f->data.size(), 2u);
  // Relay error bit (MRES bit 7) and CPU error flags (SRES bits 6/7) are not part of the code.
  const Vec e = resp(1, 0x0101, 0x9103 | 0x00C0, {});
  auto g = parse_frame(b(e));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->end_code(), 0x1103);
  EXPECT_EQ(end_code_name(0x1103), "address_range_error");
  EXPECT_EQ(end_code_name(0x7777), "unknown_error");
  EXPECT_EQ(tcp_error_name(0x21), "node_already_connected");
}

TEST(FinsFrame, ControllerData) {
  const Vec m = resp(2, 0x0501, 0, controller_data());
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  auto cd = parse_controller_data(*f);
  ASSERT_TRUE(cd.ok());
  EXPECT_EQ(cd->model, "CJ2M-CPU31");
  EXPECT_EQ(cd->version, "02.01");
  const Vec short_model = resp(2, 0x0501, 0, padded("CJ2M", 19));
  auto s = parse_frame(b(short_model));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(parse_controller_data(*s).error(), ParseError::malformed);
  const Vec model_only = resp(2, 0x0501, 0, padded("NX1P2-9024DT1", 20));
  auto o = parse_frame(b(model_only));
  ASSERT_TRUE(o.ok());
  auto co = parse_controller_data(*o);
  ASSERT_TRUE(co.ok());
  EXPECT_EQ(co->model, "NX1P2-9024DT1");
  EXPECT_EQ(co->version, "");
}

TEST(FinsFrame, Malformed) {
  const Vec m = cmd(1, 0x0101, kReadDm100);
  for (std::size_t cut = 0; cut < kMinCommand; ++cut)
    EXPECT_EQ(parse_frame(Bytes(m.data(), cut)).error(), ParseError::malformed) << cut;
  const Vec r = resp(1, 0x0101, 0, {});
  EXPECT_EQ(parse_frame(Bytes(r.data(), kMinResponse - 1)).error(), ParseError::malformed);
  Vec bad = m;
  bad[0] = std::byte{0x82};  // reserved ICF bit
  EXPECT_EQ(parse_frame(b(bad)).error(), ParseError::malformed);
  const Vec big = cmd(1, 0x0102, Vec(kMaxFrame, std::byte{0}));
  EXPECT_EQ(parse_frame(b(big)).error(), ParseError::limit_exceeded);
}

TEST(FinsFrame, TcpHeader) {
  const Vec m = tcp(0, v({0, 0, 0, 0}));
  auto h = parse_tcp_header(b(m));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->length, 12u);
  EXPECT_EQ(h->command, 0u);
  for (std::size_t cut = 0; cut < kTcpHeaderSize; ++cut)
    EXPECT_EQ(parse_tcp_header(Bytes(m.data(), cut)).error(), ParseError::need_more) << cut;
  Vec zero = m;
  zero[7] = std::byte{0};  // length 0
  EXPECT_EQ(parse_tcp_header(b(zero)).error(), ParseError::malformed);
  Vec seven = m;
  seven[7] = std::byte{7};
  EXPECT_EQ(parse_tcp_header(b(seven)).error(), ParseError::malformed);
  Vec huge = m;
  huge[4] = std::byte{0x7F};  // length 0x7F00000C
  EXPECT_EQ(parse_tcp_header(b(huge)).error(), ParseError::limit_exceeded);
  Vec magic = m;
  magic[0] = std::byte{'f'};
  EXPECT_EQ(parse_tcp_header(b(magic)).error(), ParseError::malformed);
}

// --- UDP ---------------------------------------------------------------------------

TEST(FinsUdp, ReadWriteRunStopAndIdentity) {
  DecodedPacket pkt;
  RecordingSink s;
  on_datagram(pkt, b(cmd(1, 0x0501, {})), s);
  on_datagram(pkt, b(resp(1, 0x0501, 0, controller_data())), s);
  on_datagram(pkt, b(cmd(2, 0x0101, kReadDm100)), s);
  on_datagram(pkt, b(cmd(3, 0x0102, cat({v({0xB0, 0x00, 0x10, 0x00, 0x00, 0x01}), v({0x12, 0x34})}))), s);
  on_datagram(pkt, b(cmd(4, 0x0103, v({0xA2, 0x00, 0x20, 0x00, 0x00, 0x04, 0x00, 0x00}))), s);  // fill EM bank 2
  on_datagram(pkt, b(cmd(5, 0x0401, v({0xFF, 0xFF, 0x04}))), s);  // RUN: program no, mode RUN
  on_datagram(pkt, b(cmd(6, 0x0402, v({0xFF, 0xFF}))), s);        // STOP
  on_datagram(pkt, b(cmd(7, 0x0307, v({0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x12, 0x34}))), s);
  on_datagram(pkt, b(cmd(8, 0x0C01, v({0xFF, 0xFF}))), s);
  on_datagram(pkt, b(cmd(9, 0x0701, {})), s);
  on_datagram(pkt, b(cmd(10, 0x0101, v({0x55, 0, 0, 0, 0, 1}))), s);  // unknown area
  on_datagram(pkt, b(cmd(11, 0x0A0A, {})), s);                         // unknown command
  on_datagram(pkt, b(resp(6, 0x0402, 0x2202, {})), s);                 // STOP refused
  EXPECT_TRUE(s.r.has_fact("S|vendor=Omron|fins_controller_data"));
  EXPECT_TRUE(s.r.has_fact("S|product=CJ2M-CPU31|fins_controller_data"));
  EXPECT_TRUE(s.r.has_fact("S|revision=02.01|fins_controller_data"));
  EXPECT_TRUE(s.r.has_fact("S|class_hint=plc|fins_controller_data"));
  EXPECT_TRUE(s.r.has_fact("S|fins_node=0.10.0|fins"));
  EXPECT_TRUE(s.r.has_fact("S|role=fins_client|fins"));
  EXPECT_TRUE(s.r.has_fact("R|role=fins_server|fins"));
  EXPECT_EQ(op_keys(s.r),
            (std::vector<std::string>{"controller_data_read/1281/000/-", "memory_area_read_dm/257/000/100+10",
                                      "memory_area_write_cio/258/100/16+1", "memory_area_fill_em/259/100/131104+4",
                                      "run/1025/010/-", "stop/1026/010/-", "program_area_write/775/110/-",
                                      "access_right_acquire/3073/000/-", "clock_read/1793/000/-",
                                      "memory_area_read/257/000/-", "unknown_command/2570/000/-",
                                      "stop/1026/001/-"}));
  EXPECT_EQ(s.r.count_anomaly("fins.unknown_area"), 1);
  EXPECT_EQ(s.r.count_anomaly("fins.unknown_command"), 1);
  EXPECT_EQ(s.r.count_anomaly("fins.end_code_not_possible_while_running"), 1);
  RecordingSink m;
  on_datagram(pkt, b(v({0x80, 0x00, 0x02})), m);
  EXPECT_EQ(m.r.count_anomaly("fins.malformed_frame"), 1);
  EXPECT_TRUE(m.r.ops.empty());
}

TEST(FinsProbe, Strict) {
  EXPECT_TRUE(probe_udp(b(cmd(1, 0x0101, kReadDm100)), C));
  EXPECT_TRUE(probe_udp(b(resp(1, 0x0501, 0, controller_data())), S));
  EXPECT_FALSE(probe_udp(b(resp(1, 0x0501, 0, controller_data())), C));
  EXPECT_FALSE(probe_udp(b(cmd(1, 0x0A0A, {})), C));
  Vec gct = cmd(1, 0x0101, kReadDm100);
  gct[2] = std::byte{8};
  EXPECT_FALSE(probe_udp(b(gct), C));
  Vec rsv = cmd(1, 0x0101, kReadDm100);
  rsv[1] = std::byte{1};
  EXPECT_FALSE(probe_udp(b(rsv), C));
  EXPECT_TRUE(probe_tcp(b(tcp(0, v({0, 0, 0, 0}))), C));
  EXPECT_TRUE(probe_tcp(b(tcp(1, v({0, 0, 0, 0x22, 0, 0, 0, 0x0A}))), S));
  EXPECT_TRUE(probe_tcp(b(tcp(2, cmd(1, 0x0101, kReadDm100))), C));
  EXPECT_FALSE(probe_tcp(b(tcp(0, v({0, 0, 0}))), C));
  const Vec t = tcp(0, v({0, 0, 0, 0}));
  EXPECT_FALSE(probe_tcp(Bytes(t.data(), t.size() - 1), C));
  EXPECT_FALSE(probe_tcp(b(str("GET / HTTP/1.1\r\n\r\n")), C));
}

// --- TCP stream --------------------------------------------------------------------

const Vec kHandshakeC = tcp(0, v({0, 0, 0, 0}));                       // client node: auto
const Vec kHandshakeS = tcp(1, v({0, 0, 0, 0x22, 0, 0, 0, 0x0A}));     // client 0x22, server 10

TEST(FinsStream, HandshakeAndPairing) {
  RecordingSink s;
  auto p = make_stream_parser();
  p->on_data(C, b(kHandshakeC), s);
  p->on_data(S, b(kHandshakeS), s);
  p->on_data(C, b(tcp(2, cmd(1, 0x0501, {}))), s);
  p->on_data(C, b(tcp(2, cmd(2, 0x0101, kReadDm100))), s);
  p->on_data(S, b(tcp(2, resp(2, 0x0101, 0, Vec(20, std::byte{0})))), s);
  p->on_data(S, b(tcp(2, resp(1, 0x0501, 0, controller_data()))), s);
  p->on_data(S, b(tcp(2, resp(9, 0x0101, 0, {}))), s);   // nobody asked
  p->on_data(C, b(tcp(2, cmd(3, 0x0402, v({0xFF, 0xFF})))), s);
  p->on_data(S, b(tcp(2, resp(3, 0x0401, 0, {}))), s);   // answers another command
  EXPECT_TRUE(s.r.has_fact("S|fins_tcp_node=10|fins_tcp"));
  EXPECT_TRUE(s.r.has_fact("R|fins_tcp_node=34|fins_tcp"));
  EXPECT_TRUE(s.r.has_fact("S|product=CJ2M-CPU31|fins_controller_data"));
  EXPECT_TRUE(s.r.has_fact("S|fins_node=0.10.0|fins"));
  EXPECT_EQ(s.r.count_anomaly("fins.unpaired_response"), 1);
  EXPECT_EQ(s.r.count_anomaly("fins.response_command_mismatch"), 1);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"controller_data_read/1281/000/-",
                                                    "memory_area_read_dm/257/000/100+10", "stop/1026/010/-"}));
}

TEST(FinsStream, EverySplitPoint) {
  const Vec c2s = cat({kHandshakeC, tcp(2, cmd(1, 0x0501, {})), tcp(2, cmd(2, 0x0101, kReadDm100)),
                       tcp(2, cmd(3, 0x0401, v({0xFF, 0xFF, 0x02})))});
  const Vec s2c = cat({kHandshakeS, tcp(2, resp(1, 0x0501, 0, controller_data())),
                       tcp(2, resp(2, 0x0101, 0, Vec(20, std::byte{0}))), tcp(2, resp(3, 0x0401, 0, {}))});
  RecordingSink whole;
  {
    auto p = make_stream_parser();
    p->on_data(C, b(c2s), whole);
    p->on_data(S, b(s2c), whole);
  }
  ASSERT_EQ(whole.r.ops.size(), 3u);
  ASSERT_TRUE(whole.r.anomalies.empty());
  for (std::size_t cut = 1; cut < c2s.size(); ++cut) {
    RecordingSink s;
    auto p = make_stream_parser();
    p->on_data(C, Bytes(c2s.data(), cut), s);
    p->on_data(C, Bytes(c2s.data() + cut, c2s.size() - cut), s);
    const std::size_t sc = cut < s2c.size() ? cut : s2c.size() - 1;
    p->on_data(S, Bytes(s2c.data(), sc), s);
    p->on_data(S, Bytes(s2c.data() + sc, s2c.size() - sc), s);
    EXPECT_EQ(op_keys(s.r), op_keys(whole.r)) << cut;
    EXPECT_EQ(s.r.facts, whole.r.facts) << cut;
    EXPECT_TRUE(s.r.anomalies.empty()) << cut;
  }
}

TEST(FinsStream, BadLengthsResync) {
  Vec zero = kHandshakeC;
  zero[7] = std::byte{0};  // length 0
  Vec huge = tcp(2, cmd(1, 0x0101, kReadDm100));
  huge[4] = std::byte{0x10};
  RecordingSink s;
  auto p = make_stream_parser();
  p->on_data(C, b(cat({zero, huge, tcp(2, cmd(2, 0x0402, v({0xFF, 0xFF})))})), s);
  EXPECT_EQ(s.r.count_anomaly("fins.bad_tcp_header"), 1);
  EXPECT_EQ(s.r.count_anomaly("fins.tcp_length_over_cap"), 0);  // skipped while resyncing
  EXPECT_EQ(s.r.count_anomaly("fins.resync"), 1);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"stop/1026/010/-"}));
  RecordingSink h;
  auto q = make_stream_parser();
  q->on_data(C, b(cat({huge, tcp(2, cmd(2, 0x0402, v({0xFF, 0xFF})))})), h);
  EXPECT_EQ(h.r.count_anomaly("fins.tcp_length_over_cap"), 1);
  EXPECT_EQ(op_keys(h.r), (std::vector<std::string>{"stop/1026/010/-"}));
  // A FINS frame too short inside a valid FINS/TCP message.
  RecordingSink t;
  auto r = make_stream_parser();
  r->on_data(C, b(tcp(2, v({0x80, 0x00}))), t);
  EXPECT_EQ(t.r.count_anomaly("fins.malformed_frame"), 1);
  EXPECT_EQ(r->buffered_bytes(), 0u);
}

TEST(FinsStream, GapThenResync) {
  RecordingSink s;
  auto p = make_stream_parser();
  const Vec a = tcp(2, cmd(1, 0x0101, kReadDm100));
  p->on_data(C, Bytes(a.data(), 10), s);
  p->on_gap(C, 50, s);
  p->on_data(C, b(cat({v({0x46, 0x49, 0x00, 0x01}), tcp(2, cmd(2, 0x0401, v({0xFF, 0xFF, 0x04})))})), s);
  EXPECT_EQ(s.r.count_anomaly("fins.gap"), 1);
  EXPECT_EQ(s.r.count_anomaly("fins.resync"), 1);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"run/1025/010/-"}));
  // Garbage after a gap is dropped, never buffered beyond the cap.
  RecordingSink g;
  auto q = make_stream_parser();
  q->on_gap(S, 1, g);
  const Vec junk(5000, std::byte{0x41});
  q->on_data(S, b(junk), g);
  EXPECT_EQ(q->buffered_bytes(), 0u);
  EXPECT_TRUE(g.r.ops.empty());
}

TEST(FinsStream, PendingAtCapPlusOne) {
  RecordingSink s;
  auto p = make_stream_parser();
  for (std::size_t i = 0; i < kMaxPending; ++i)
    p->on_data(C, b(tcp(2, cmd(static_cast<std::uint8_t>(i), 0x0101, kReadDm100))), s);
  EXPECT_EQ(s.r.count_anomaly("fins.pending_overflow"), 0);
  p->on_data(C, b(tcp(2, cmd(200, 0x0101, kReadDm100))), s);
  EXPECT_EQ(s.r.count_anomaly("fins.pending_overflow"), 1);
}


// W342 §5-3-5 Memory Area Transfer: source area, address (3), destination area,
// address (3), items (2). It changes the destination: a write.
TEST(FinsUdp, TransferIsWriteAndResponsesAreNot) {
  DecodedPacket pkt;
  RecordingSink s;
  on_datagram(pkt, b(cmd(1, 0x0105, v({0x82, 0x00, 0x64, 0x00,     // from DM100
                                       0x82, 0x00, 0xC8, 0x00,     // to DM200
                                       0x00, 0x0A}))), s);         // 10 words
  on_datagram(pkt, b(resp(1, 0x0105, 0, {})), s);
  on_datagram(pkt, b(cmd(2, 0x0102, cat({v({0x82, 0x00, 0x10, 0x00, 0x00, 0x01}), v({0x12, 0x34})}))), s);
  on_datagram(pkt, b(resp(2, 0x0102, 0, {})), s);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"memory_area_transfer/261/100/-",
                                                    "memory_area_write_dm/258/100/16+1"}));
}

}  // namespace
}  // namespace mieruka::dissectors::fins
