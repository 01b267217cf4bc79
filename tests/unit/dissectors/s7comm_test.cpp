// S7comm dissector tests. Vectors follow RFC 1006 (TPKT), ISO 8073 class 0 (COTP
// CR/CC/DT) and the S7 PDU layout Wireshark's packet-s7comm.c decodes; the SZL
// 0x001C fragment pair is the one in ITI's s7comm_reading_plc_status.pcap (frames
// 69 and 72), whose values tshark reads as name "IM151-8-CPU", serial
// "S C-C6TW74882012". Malformed twins: TPKT length < 7 and beyond the cap, COTP
// length indicator beyond the TPDU, wrong protocol ids, lying S7 lengths, SZL
// counts beyond the data, every split point of the stream.
#include "dissectors/s7comm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors::s7comm {
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
Vec padded(std::string_view s, std::size_t n, int pad) {
  Vec out = str(s);
  out.resize(n, static_cast<std::byte>(pad));
  return out;
}
Vec be16(unsigned x) { return v({int((x >> 8) & 0xff), int(x & 0xff)}); }
Vec unhex(std::string_view h) {
  Vec out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}
Bytes b(const Vec& x) { return {x.data(), x.size()}; }

// RFC 1006 §6 TPKT around a COTP TPDU.
Vec tpkt(const Vec& tpdu) {
  return cat({v({0x03,                    // version
                 0x00}),                  // reserved
              be16(unsigned(tpdu.size() + 4)),  // length, header included
              tpdu});
}
// ISO 8073 DT class 0: LI 2, code 0xF0, EOT + TPDU-NR.
Vec dt(const Vec& user, bool eot = true) { return tpkt(cat({v({0x02, 0xF0, eot ? 0x80 : 0x00}), user})); }
// COTP CR: LI, code, dst ref, src ref, class, TPDU size, calling TSAP, called TSAP.
Vec cr() {
  return tpkt(v({0x11,                  // LI: 17 bytes follow
                 0xE0,                  // CR, CDT 0
                 0x00, 0x00,            // dst ref
                 0x00, 0x01,            // src ref
                 0x00,                  // class 0
                 0xC0, 0x01, 0x0A,      // TPDU size 1024
                 0xC1, 0x02, 0x01, 0x00,  // calling TSAP
                 0xC2, 0x02, 0x01, 0x02}));  // called TSAP: PG, rack 0 slot 2
}
Vec cc() {
  return tpkt(v({0x11, 0xD0, 0x00, 0x01, 0x00, 0x02, 0x00, 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02,
                 0x01, 0x02}));
}
// S7 header: protocol id, ROSCTR, redundancy, PDU ref, param length, data length
// (+ error class and code for ack/ack_data).
Vec s7(int rosctr, unsigned ref, const Vec& param, const Vec& data, int eclass = 0, int ecode = 0) {
  Vec h = cat({v({0x32, rosctr, 0x00, 0x00}), be16(ref), be16(unsigned(param.size())), be16(unsigned(data.size()))});
  if (rosctr == 2 || rosctr == 3) h = cat({h, v({eclass, ecode})});
  return cat({h, param, data});
}
// Setup communication: function, reserved, AmQ calling, AmQ called, PDU size.
const Vec kSetup = v({0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0});
// Read var, one S7ANY item: DB1.DBB10, 4 bytes.
const Vec kReadDb = v({0x04,        // function read var
                       0x01,        // item count
                       0x12,        // variable specification
                       0x0A,        // length of the address specification
                       0x10,        // syntax id S7ANY
                       0x02,        // transport size BYTE
                       0x00, 0x04,  // count
                       0x00, 0x01,  // DB number
                       0x84,        // area DB
                       0x00, 0x00, 0x50});  // address 10.0 (byte 10 * 8)
// Write var to MW20 (flags), 2 bytes.
const Vec kWriteM = v({0x05, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x02, 0x00, 0x00, 0x83, 0x00, 0x00, 0xA0});
const Vec kWriteData = v({0x00, 0x04, 0x00, 0x10, 0x12, 0x34});
// PLC stop: function, 5 unknown bytes, name length, "P_PROGRAM".
Vec plc_stop() { return cat({v({0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}), str("P_PROGRAM")}); }
// PI service: function, 7 unknown bytes, parameter block length, block, name length, name.
Vec pi(std::string_view name) {
  return cat({v({0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD}), be16(0), v({int(name.size())}), str(name)});
}
// Userdata parameter: head 00 01 12, length, method, type/group, subfunction, seq.
Vec ud_req_param() { return v({0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00}); }
Vec ud_resp_param(int dur = 0, int last = 0) {
  return v({0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, dur, last, 0x00, 0x00});
}
Vec ud_data(const Vec& payload) {
  return cat({v({0xFF, 0x09}), be16(unsigned(payload.size())), payload});
}
Vec szl_req(unsigned id, unsigned index) { return s7(7, 0x100, ud_req_param(), ud_data(cat({be16(id), be16(index)}))); }
// SZL 0x0011 record: index, MLFB (20), BGTyp, Ausbg, Ausbe.
Vec rec11(unsigned index, std::string_view mlfb, unsigned ausbg, unsigned ausbe) {
  return cat({be16(index), padded(mlfb, 20, ' '), be16(0x00C0), be16(ausbg), be16(ausbe)});
}
Vec szl11() {
  return cat({be16(0x0011), be16(0), be16(28), be16(3),
              rec11(1, "6ES7 516-3AN01-0AB0", 0x0001, 0x0001),
              rec11(6, "6ES7 516-3AN01-0AB0", 0x0001, 0x0001),
              rec11(7, "", 0x5602, 0x0800)});  // 'V' 2, 8.0
}
// SZL 0x001C record: index and 32 bytes of text.
Vec rec1c(unsigned index, std::string_view s) { return cat({be16(index), padded(s, 32, 0)}); }
Vec szl1c() {
  return cat({be16(0x001C), be16(0), be16(34), be16(5),
              rec1c(1, "PLC_PRESS"), rec1c(2, "CPU 1516"), rec1c(3, "LINE1"), rec1c(5, "S C-X4U421302015"),
              rec1c(7, "CPU 1516-3 PN/DP")});
}

struct Recorded {
  std::vector<std::string> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  std::vector<std::string> violations;
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
  void violation(std::string_view c) noexcept override {  // an anomaly that also ends the claim
    r.anomalies.emplace_back(c);
    r.violations.emplace_back(c);
  }
};

std::string op_key(const Operation& o) {
  return std::string(o.protocol) + ":" + std::string(o.name) + "/" + std::to_string(o.is_write) +
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

// --- framing ---------------------------------------------------------------------

TEST(S7Tpkt, HeaderChecks) {
  const Vec m = dt(s7(1, 1, kSetup, {}));
  auto len = parse_tpkt(b(m));
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, m.size());
  for (std::size_t cut = 0; cut < kTpktHeaderSize; ++cut)
    EXPECT_EQ(parse_tpkt(Bytes(m.data(), cut)).error(), ParseError::need_more) << cut;
  for (unsigned l = 0; l < kMinTpkt; ++l)
    EXPECT_EQ(parse_tpkt(b(cat({v({3, 0}), be16(l)}))).error(), ParseError::malformed) << l;
  EXPECT_EQ(parse_tpkt(b(v({2, 0, 0, 20}))).error(), ParseError::malformed);  // version
  EXPECT_EQ(parse_tpkt(b(cat({v({3, 0}), be16(unsigned(kMaxTpkt + 1))}))).error(), ParseError::limit_exceeded);
}

TEST(S7Cotp, ConnectRequestTsaps) {
  const Vec m = cr();
  auto c = parse_cotp(Bytes(m.data() + 4, m.size() - 4));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->code, 0xE0);
  ASSERT_EQ(c->called_tsap.size(), 2u);
  EXPECT_EQ(static_cast<int>(c->called_tsap[1]), 0x02);
  EXPECT_EQ(c->tpdu_size, 0x0A);
  // LI beyond the bytes, a parameter overrunning the header, LI zero.
  Vec lying = m;
  lying[4] = std::byte{0x30};
  EXPECT_EQ(parse_cotp(Bytes(lying.data() + 4, lying.size() - 4)).error(), ParseError::malformed);
  Vec overrun = m;
  overrun[4 + 15] = std::byte{0x09};  // called TSAP length 9 > what is left of the header
  EXPECT_EQ(parse_cotp(Bytes(overrun.data() + 4, overrun.size() - 4)).error(), ParseError::malformed);
  EXPECT_EQ(parse_cotp(b(v({0x00, 0xF0}))).error(), ParseError::malformed);
  for (std::size_t cut = 0; cut < 18; ++cut)
    EXPECT_FALSE(parse_cotp(Bytes(m.data() + 4, cut)).ok()) << cut;
}

TEST(S7Pdu, HeaderAndLengths) {
  const Vec m = s7(1, 0x0400, kReadDb, {});
  auto p = parse_pdu(b(m));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->header.rosctr, 1);
  EXPECT_EQ(p->header.pdu_ref, 0x0400);
  EXPECT_EQ(p->param.size(), kReadDb.size());
  const Vec a = s7(3, 0x0400, v({0x04, 0x01}), v({0xFF, 0x04, 0x00, 0x20, 1, 2, 3, 4}), 0x81, 0x04);
  auto q = parse_pdu(b(a));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->header.error_class, 0x81);
  EXPECT_EQ(q->header.error_code, 0x04);
  for (std::size_t cut = 0; cut < 10; ++cut) EXPECT_EQ(parse_pdu(Bytes(m.data(), cut)).error(), ParseError::malformed);
  Vec lying = m;
  lying[7] = std::byte{0x40};  // parameter length beyond the PDU
  EXPECT_EQ(parse_pdu(b(lying)).error(), ParseError::malformed);
  Vec data_lie = m;
  data_lie[9] = std::byte{0x01};  // data length 1, nothing there
  EXPECT_EQ(parse_pdu(b(data_lie)).error(), ParseError::malformed);
  Vec wrong_id = m;
  wrong_id[0] = std::byte{0x33};
  EXPECT_EQ(parse_pdu(b(wrong_id)).error(), ParseError::malformed);
  Vec rosctr = m;
  rosctr[1] = std::byte{0x05};
  EXPECT_EQ(parse_pdu(b(rosctr)).error(), ParseError::unsupported);
  EXPECT_EQ(function_name(0x29), "plc_stop");
  EXPECT_EQ(function_name(0x99), "unknown_function");
  EXPECT_EQ(area_name(0x84), "data_block");
}

// --- the stream ------------------------------------------------------------------

Vec client_stream() {
  return cat({cr(), dt(s7(1, 1, kSetup, {})), dt(szl_req(0x0011, 0)), dt(s7(1, 2, kReadDb, {})),
              dt(s7(1, 3, kWriteM, kWriteData)), dt(s7(1, 4, plc_stop(), {})), dt(s7(1, 5, pi("_INSE"), {})),
              dt(s7(1, 6, v({0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}), {})),
              dt(v({0x72, 0x01, 0x00, 0x10}))});
}
Vec server_stream() {
  return cat({cc(), dt(s7(3, 1, kSetup, {})), dt(s7(7, 0x100, ud_resp_param(), ud_data(szl11()))),
              dt(s7(7, 0x101, ud_resp_param(), ud_data(szl1c()))),
              dt(s7(3, 2, v({0x04, 0x01}), v({0xFF, 0x04, 0x00, 0x20, 1, 2, 3, 4}))),
              dt(s7(3, 3, v({0x05, 0x01}), v({0xFF}))), dt(s7(3, 4, v({0x29}), {}, 0xD6, 0x05))});
}

void expect_session(const Recorded& r) {
  EXPECT_TRUE(r.has_fact("S|role=s7comm_client|s7comm")) << ::testing::PrintToString(r.facts);
  EXPECT_TRUE(r.has_fact("R|role=s7comm_server|s7comm"));
  EXPECT_TRUE(r.has_fact("R|s7_tsap=0102 rack=0 slot=2|s7comm"));
  EXPECT_TRUE(r.has_fact("S|s7_pdu_size=480|s7comm"));
  EXPECT_TRUE(r.has_fact("S|product=6ES7 516-3AN01-0AB0|s7_szl_0011"));
  EXPECT_TRUE(r.has_fact("S|revision=V2.8.0|s7_szl_0011"));
  EXPECT_TRUE(r.has_fact("S|vendor=Siemens|s7_szl_0011"));
  EXPECT_TRUE(r.has_fact("S|class_hint=plc|s7_szl_0011"));
  EXPECT_TRUE(r.has_fact("S|name=PLC_PRESS|s7_szl_001c"));
  EXPECT_TRUE(r.has_fact("S|s7_module_name=CPU 1516|s7_szl_001c"));
  EXPECT_TRUE(r.has_fact("S|s7_plant_id=LINE1|s7_szl_001c"));
  EXPECT_TRUE(r.has_fact("S|serial=S C-X4U421302015|s7_szl_001c"));
  EXPECT_TRUE(r.has_fact("S|model=CPU 1516-3 PN/DP|s7_szl_001c"));
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
  const std::vector<std::string> want = {
      "s7comm:setup_communication/000/-", "s7comm:szl_read/000/-",        "s7comm:read_var_db/000/10+4",
      "s7comm:write_var_flags/100/20+2",  "s7comm:plc_stop/110/-",        "s7comm:plc_insert_block/110/-",
      "s7comm:request_download/110/-",    "s7comm_plus:pdu/000/-",        "s7comm:plc_stop/001/-"};
  EXPECT_EQ(op_keys(r), want);
}

// Client first, then the server's answers (the pairing table holds the jobs).
void feed(StreamParser& p, const Vec& c, const Vec& s, Sink& sink) {
  p.on_data(C, b(c), sink);
  p.on_data(S, b(s), sink);
}

TEST(S7Stream, SessionWholeSegments) {
  RecordingSink sink;
  auto p = make_stream_parser();
  feed(*p, client_stream(), server_stream(), sink);
  expect_session(sink.r);
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

TEST(S7Stream, EverySplitPoint) {
  const Vec c = client_stream();
  const Vec s = server_stream();
  for (std::size_t cut = 1; cut < c.size(); ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(C, Bytes(c.data(), cut), sink);
    p->on_data(C, Bytes(c.data() + cut, c.size() - cut), sink);
    p->on_data(S, b(s), sink);
    expect_session(sink.r);
    if (::testing::Test::HasFailure()) FAIL() << "client cut " << cut;
  }
  for (std::size_t cut = 1; cut < s.size(); ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(C, b(c), sink);
    p->on_data(S, Bytes(s.data(), cut), sink);
    p->on_data(S, Bytes(s.data() + cut, s.size() - cut), sink);
    expect_session(sink.r);
    if (::testing::Test::HasFailure()) FAIL() << "server cut " << cut;
  }
}

TEST(S7Stream, ByteByByte) {
  const Vec c = client_stream();
  const Vec s = server_stream();
  RecordingSink sink;
  auto p = make_stream_parser();
  for (std::byte x : c) p->on_data(C, Bytes(&x, 1), sink);
  for (std::byte x : s) p->on_data(S, Bytes(&x, 1), sink);
  expect_session(sink.r);
}

TEST(S7Stream, CotpFragmentsJoined) {
  // One S7 job split over two DT TPDUs (EOT clear on the first).
  const Vec job = s7(1, 9, kReadDb, {});
  const Vec c = cat({dt(Vec(job.begin(), job.begin() + 5), false), dt(Vec(job.begin() + 5, job.end()), true)});
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(c), sink);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"s7comm:read_var_db/000/10+4"});
  // A DT sequence past the reassembly cap is dropped and counted.
  RecordingSink big;
  auto q = make_stream_parser();
  const Vec chunk(4000, std::byte{0x32});
  for (int i = 0; i < 5; ++i) q->on_data(C, b(dt(chunk, false)), big);
  q->on_data(C, b(dt(job, true)), big);
  EXPECT_EQ(big.r.count_anomaly("s7comm.cotp_reassembly_over_cap"), 1);
  EXPECT_TRUE(big.r.ops.empty());
  q->on_data(C, b(dt(job, true)), big);  // the next one is whole again
  EXPECT_EQ(big.r.ops.size(), 1u);
}

// ITI s7comm_reading_plc_status.pcap frames 69 and 72: SZL 0x001C split in two
// userdata PDUs (data unit reference 6, last data unit 1 then 0).
TEST(S7Stream, FragmentedSzlFromPublicCapture) {
  const Vec f69 = unhex(
      "030000f702f080320700001400000c00da000112081284010206010000ff0900d6001c00000022000a0001494d3135312d382d43505500"
      "00000000000000000000000000000000000000000002494d3135312d3820504e2f44502043505500000000000000000000000000000000"
      "03000000000000000000000000000000000000000000000000000000000000000000044f726967696e616c205369656d656e7320457175"
      "69706d656e7400000000000000055320432d433654573734383832303132000000000000000000000000000000000007494d3135312d38"
      "20504e2f4450204350550000000000000000000000000000000008");
  const Vec f72 = unhex(
      "030000a702f080320700001500000c008a000112081284010206000000ff0900864d4d4320323930304643314100000000000000000000"
      "000000000000000000000009002af60000010000000000000000000000000000000000000000000000000000000a000000000000000000"
      "0000000000000000000000000000000000000000000000000b000000000000000000000000000000000000000000000000000000000000"
      "0000");
  ASSERT_EQ(f69.size(), 247u);
  ASSERT_EQ(f72.size(), 167u);
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(S, b(f69), sink);
  // The first S7 PDU states the peers' roles; the SZL waits for its last part.
  EXPECT_EQ(sink.r.facts, (std::vector<std::string>{"R|role=s7comm_client|s7comm", "S|role=s7comm_server|s7comm"}));
  p->on_data(S, b(f72), sink);
  EXPECT_TRUE(sink.r.has_fact("S|name=IM151-8-CPU|s7_szl_001c")) << ::testing::PrintToString(sink.r.facts);
  EXPECT_TRUE(sink.r.has_fact("S|s7_module_name=IM151-8 PN/DP CPU|s7_szl_001c"));
  EXPECT_TRUE(sink.r.has_fact("S|s7_copyright=Original Siemens Equipment|s7_szl_001c"));
  EXPECT_TRUE(sink.r.has_fact("S|serial=S C-C6TW74882012|s7_szl_001c"));
  EXPECT_TRUE(sink.r.has_fact("S|model=IM151-8 PN/DP CPU|s7_szl_001c"));
  EXPECT_TRUE(sink.r.has_fact("S|s7_memory_card_serial=MMC 2900FC1A|s7_szl_001c"));
  EXPECT_TRUE(sink.r.has_fact("S|vendor=Siemens|s7_szl_001c"));
  EXPECT_TRUE(sink.r.anomalies.empty()) << ::testing::PrintToString(sink.r.anomalies);
}

TEST(S7Stream, SzlCountBeyondData) {
  Vec list = szl11();
  list[7] = std::byte{9};  // 9 records claimed, 3 present
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(S, b(dt(s7(7, 1, ud_resp_param(), ud_data(list)))), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.szl_count_beyond_data"), 1);
  EXPECT_TRUE(sink.r.has_fact("S|product=6ES7 516-3AN01-0AB0|s7_szl_0011"));  // the records that are there
  // Header only (SZL-ID 0x0F11) is not an anomaly; a zero record length with a count is.
  RecordingSink h;
  p->on_data(S, b(dt(s7(7, 2, ud_resp_param(), ud_data(cat({be16(0x0F11), be16(0), be16(28), be16(4)}))))), h);
  EXPECT_TRUE(h.r.anomalies.empty());
  p->on_data(S, b(dt(s7(7, 3, ud_resp_param(), ud_data(cat({be16(0x0011), be16(0), be16(0), be16(4)}))))), h);
  EXPECT_EQ(h.r.count_anomaly("s7comm.bad_szl"), 1);
  // Userdata item length beyond the data.
  Vec ud = ud_data(szl11());
  ud[3] = std::byte{0xF0};
  RecordingSink u;
  p->on_data(S, b(dt(s7(7, 4, ud_resp_param(), ud))), u);
  EXPECT_EQ(u.r.count_anomaly("s7comm.userdata_length_beyond_data"), 1);
  EXPECT_TRUE(u.r.facts.empty());
}

TEST(S7Stream, MalformedCounted) {
  RecordingSink sink;
  auto p = make_stream_parser();
  // Wrong protocol id inside a DT, lying S7 lengths, a job with too many items.
  p->on_data(C, b(dt(v({0x31, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}))), sink);
  Vec lying = s7(1, 1, kReadDb, {});
  lying[7] = std::byte{0x7F};
  p->on_data(C, b(dt(lying)), sink);
  Vec items = kReadDb;
  items[1] = std::byte{kMaxItems + 1};
  p->on_data(C, b(dt(s7(1, 2, items, {}))), sink);
  Vec two = kReadDb;
  two[1] = std::byte{2};  // 2 items claimed, 1 present
  p->on_data(C, b(dt(s7(1, 3, two, {}))), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.unknown_protocol_id"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.bad_pdu"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.item_count_over_cap"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.item_count_beyond_data"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"s7comm:read_var_db/000/10+4"});
}

TEST(S7Stream, BadTpktResyncsAndOverCapSkipped) {
  RecordingSink sink;
  auto p = make_stream_parser();
  const Vec good = dt(s7(1, 1, kReadDb, {}));
  // TPKT length 5 (< 7): resynchronise on the next good TPKT.
  p->on_data(C, b(cat({v({0x03, 0x00, 0x00, 0x05, 0xAA, 0xBB}), good})), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.bad_tpkt"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.resync"), 1);
  EXPECT_EQ(sink.r.ops.size(), 1u);
  // A well-formed TPKT above the cap is skipped whole, in pieces, without buffering.
  const std::size_t big = kMaxTpkt + 100;
  Vec over = cat({v({0x03, 0x00}), be16(unsigned(big)), Vec(big - 4, std::byte{0x55})});
  p->on_data(C, Bytes(over.data(), 1000), sink);
  EXPECT_LE(p->buffered_bytes(), 0u);
  p->on_data(C, Bytes(over.data() + 1000, over.size() - 1000), sink);
  p->on_data(C, b(good), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.tpkt_over_cap"), 1);
  EXPECT_EQ(sink.r.ops.size(), 2u);
}

TEST(S7Stream, GapThenResync) {
  RecordingSink sink;
  auto p = make_stream_parser();
  const Vec good = dt(s7(1, 1, kReadDb, {}));
  p->on_data(C, Bytes(good.data(), 9), sink);
  p->on_gap(C, 100, sink);
  p->on_data(C, b(cat({v({0x00, 0x12, 0x03}), good})), sink);  // junk, then a whole TPKT
  EXPECT_EQ(sink.r.count_anomaly("s7comm.gap"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.resync"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"s7comm:read_var_db/000/10+4"});
}

TEST(S7Stream, PendingAtCapPlusOne) {
  RecordingSink sink;
  auto p = make_stream_parser();
  for (unsigned ref = 0; ref <= kMaxPending; ++ref) p->on_data(C, b(dt(s7(1, ref, plc_stop(), {}))), sink);
  // The oldest job (ref 0) was dropped: its error ack is unpaired but still named.
  p->on_data(S, b(dt(s7(3, 0, v({0x29}), {}, 0xD6, 0x05))), sink);
  p->on_data(S, b(dt(s7(3, kMaxPending, v({0x29}), {}, 0xD6, 0x05))), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.unpaired_ack"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.pending_overflow"), 1);
  EXPECT_EQ(sink.r.ops.back().name, "plc_stop");
  EXPECT_TRUE(sink.r.ops.back().is_error);
}

// A PDU reference reused before its ack names the newer job, once: the ack
// pairs with it, and a second ack for the same reference is unpaired.
TEST(S7Stream, ReusedReferenceNamesTheNewerJob) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(dt(s7(1, 7, kReadDb, {}))), sink);
  p->on_data(C, b(dt(s7(1, 7, plc_stop(), {}))), sink);
  p->on_data(S, b(dt(s7(3, 7, {}, {}, 0xD6, 0x05))), sink);  // error ack, no parameter to name it
  EXPECT_EQ(sink.r.ops.back().name, "plc_stop");
  EXPECT_TRUE(sink.r.ops.back().is_error);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.unpaired_ack"), 0);
  p->on_data(S, b(dt(s7(3, 7, {}, {}, 0xD6, 0x05))), sink);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.unpaired_ack"), 1);
  EXPECT_EQ(sink.r.count_anomaly("s7comm.pending_overflow"), 0);
}

TEST(S7Probe, Strict) {
  EXPECT_TRUE(probe(b(cr()), C));
  EXPECT_FALSE(probe(b(cr()), S));
  EXPECT_TRUE(probe(b(cc()), S));
  EXPECT_TRUE(probe(b(dt(s7(1, 1, kSetup, {}))), C));
  EXPECT_TRUE(probe(b(dt(v({0x72, 0x01, 0x00, 0x10}))), C));
  EXPECT_FALSE(probe(b(dt(v({0x31, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}))), C));
  const Vec m = cr();
  for (std::size_t cut = 0; cut < m.size(); ++cut) EXPECT_FALSE(probe(Bytes(m.data(), cut), C)) << cut;
  EXPECT_FALSE(probe(b(str("GET / HTTP/1.1\r\n")), C));
}


// A write job whose item comes back with an error (0x05 address out of range)
// wrote nothing: the job is the write, the ack an error that claims none.
TEST(S7Stream, WriteItemErrorIsNotAWrite) {
  RecordingSink sink;
  auto p = make_stream_parser();
  feed(*p, cat({cr(), dt(s7(1, 1, kSetup, {})), dt(s7(1, 3, kWriteM, kWriteData))}),
       cat({cc(), dt(s7(3, 1, kSetup, {})), dt(s7(3, 3, v({0x05, 0x01}), v({0x05})))}), sink);
  const std::vector<std::string> want = {"s7comm:setup_communication/000/-", "s7comm:write_var_flags/100/20+2",
                                         "s7comm:write_var/001/-"};
  EXPECT_EQ(op_keys(sink.r), want);
}

}  // namespace
// ISO transport on 102 also carries IEC 61850 MMS: a COTP CR with TSAPs is not
// S7 until an S7 PDU follows. An ISO session CONNECT SPDU (0x0D) where the S7
// protocol id (0x32) belongs is a violation, and nothing is stated.
TEST(S7Stream, IsoTransportCarryingMmsIsNotS7) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(cr()), sink);
  p->on_data(S, b(cc()), sink);
  EXPECT_TRUE(sink.r.facts.empty()) << ::testing::PrintToString(sink.r.facts);
  p->on_data(C, b(dt(v({0x0D, 0x04, 0x14, 0x02, 0x00, 0x02}))), sink);
  EXPECT_TRUE(sink.r.facts.empty()) << ::testing::PrintToString(sink.r.facts);
  EXPECT_TRUE(sink.r.ops.empty());
  EXPECT_EQ(sink.r.violations, std::vector<std::string>{"s7comm.unknown_protocol_id"});
}

// The TSAP the CR called is stated with the roles, at the first S7 PDU.
TEST(S7Stream, RolesAndTsapWaitForAnS7Pdu) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(cr()), sink);
  EXPECT_TRUE(sink.r.facts.empty());
  p->on_data(C, b(dt(s7(1, 1, kSetup, {}))), sink);
  EXPECT_TRUE(sink.r.has_fact("S|role=s7comm_client|s7comm")) << ::testing::PrintToString(sink.r.facts);
  EXPECT_TRUE(sink.r.has_fact("R|role=s7comm_server|s7comm"));
  EXPECT_TRUE(sink.r.has_fact("R|s7_tsap=0102 rack=0 slot=2|s7comm"));
  EXPECT_TRUE(sink.r.violations.empty());
}

}  // namespace mieruka::dissectors::s7comm
