// SLMP / MC protocol dissector tests. Vectors follow the message layouts of the
// SLMP Reference Manual SH-080956ENG (3E/4E binary and ASCII, §4-§5) and the MC
// protocol manual SH-080008 (1E frame), plus malformed twins.
#include "dissectors/slmp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors::slmp {
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
Bytes b(const Vec& x) { return {x.data(), x.size()}; }

// 3E binary request: subheader, route (own station), data length, timer, command.
Vec req3e(std::uint16_t cmd, std::uint16_t sub, const Vec& data) {
  const auto len = static_cast<int>(6 + data.size());
  return cat({v({0x50, 0x00,               // subheader: 3E request
                 0x00,                     // network no
                 0xFF,                     // PC no
                 0xFF, 0x03,               // request destination module I/O no 0x03FF
                 0x00,                     // station no
                 len & 0xff, len >> 8,     // request data length
                 0x10, 0x00,               // monitoring timer (4 s)
                 cmd & 0xff, cmd >> 8,     // command
                 sub & 0xff, sub >> 8}),   // subcommand
              data});
}
Vec resp3e(std::uint16_t end_code, const Vec& data) {
  const auto len = static_cast<int>(2 + data.size());
  return cat({v({0xD0, 0x00,                      // subheader: 3E response
                 0x00, 0xFF, 0xFF, 0x03, 0x00,    // route echoed
                 len & 0xff, len >> 8,            // response data length
                 end_code & 0xff, end_code >> 8}),  // end code
              data});
}
// 4E: serial number and two fixed zero bytes after the subheader.
Vec req4e(std::uint16_t serial, std::uint16_t cmd, std::uint16_t sub, const Vec& data) {
  Vec r = req3e(cmd, sub, data);
  r[0] = std::byte{0x54};
  r.insert(r.begin() + 2, {std::byte(serial & 0xff), std::byte(serial >> 8), std::byte{0}, std::byte{0}});
  return r;
}
Vec resp4e(std::uint16_t serial, std::uint16_t end_code, const Vec& data) {
  Vec r = resp3e(end_code, data);
  r[0] = std::byte{0xD4};
  r.insert(r.begin() + 2, {std::byte(serial & 0xff), std::byte(serial >> 8), std::byte{0}, std::byte{0}});
  return r;
}

// Batch read D100, 3 points (word units): device number 100 (3 bytes), code 0xA8, points.
const Vec kReadD100 = v({0x64, 0x00, 0x00,  // head device number 100
                         0xA8,              // device code D
                         0x03, 0x00});      // number of device points
// Read Type Name response data: "R04ENCPU" padded to 16 with spaces, model code 0x4805.
Vec type_name_data() {
  Vec name = str("R04ENCPU        ");
  return cat({name, v({0x05, 0x48})});
}

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
  [[nodiscard]] std::vector<std::string> op_names() const {
    std::vector<std::string> out;
    for (const auto& o : ops) out.emplace_back(o.name);
    return out;
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

// --- frames ---------------------------------------------------------------------

TEST(SlmpFrame, Binary3eRequest) {
  const Vec m = req3e(0x0401, 0x0000, kReadD100);
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FrameKind::e3_binary);
  EXPECT_FALSE(f->is_response);
  EXPECT_EQ(f->route.network, 0);
  EXPECT_EQ(f->route.pc, 0xFF);
  EXPECT_EQ(f->route.module_io, 0x03FF);
  EXPECT_EQ(f->route.station, 0);
  EXPECT_EQ(f->data_length, 12);
  EXPECT_EQ(f->timer, 0x10);
  EXPECT_EQ(f->command, 0x0401);
  EXPECT_EQ(f->subcommand, 0);
  EXPECT_EQ(f->size, m.size());
  auto d = parse_batch_device(*f);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, "D");
  EXPECT_EQ(d->number, 100u);
  EXPECT_EQ(d->points, 3);
}

TEST(SlmpFrame, Binary3eResponseAndError) {
  const Vec ok = resp3e(0, v({0x01, 0x00, 0x02, 0x00, 0x03, 0x00}));
  auto f = parse_frame(b(ok));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->is_response);
  EXPECT_EQ(f->end_code, 0);
  EXPECT_EQ(f->data.size(), 6u);
  const Vec err = resp3e(0xC059, v({0x00, 0xFF, 0xFF, 0x03, 0x00, 0x01, 0x04, 0x00, 0x00}));  // error information
  auto e = parse_frame(b(err));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->end_code, 0xC059);
  EXPECT_EQ(end_code_name(0xC059), "command_error");
  EXPECT_EQ(end_code_name(0x4031), "cpu_module_error");
  EXPECT_EQ(end_code_name(0x1234), "unknown_error");
}

TEST(SlmpFrame, Binary4e) {
  const Vec m = req4e(0x1234, 0x0101, 0, {});
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FrameKind::e4_binary);
  EXPECT_EQ(f->serial, 0x1234);
  EXPECT_EQ(f->command, 0x0101);
  const Vec r = resp4e(0x1234, 0, type_name_data());
  auto g = parse_frame(b(r));
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->four_e());
  EXPECT_EQ(g->serial, 0x1234);
  auto t = parse_type_name(*g);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->model, "R04ENCPU");
  EXPECT_EQ(t->model_code, 0x4805);
}

// SH-080956ENG ASCII example: batch read D100-D102 in word units.
const std::string kAsciiRead = "5000"      // subheader
                               "00"        // network no
                               "FF"        // PC no
                               "03FF"      // module I/O no
                               "00"        // station no
                               "0018"      // data length: 24 characters
                               "0010"      // monitoring timer
                               "0401"      // command
                               "0000"      // subcommand
                               "D*"        // device code
                               "000100"    // head device (decimal for D)
                               "0003";     // points

TEST(SlmpFrame, Ascii3e) {
  const Vec m = str(kAsciiRead);
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FrameKind::e3_ascii);
  EXPECT_EQ(f->route.module_io, 0x03FF);
  EXPECT_EQ(f->data_length, 0x18);
  EXPECT_EQ(f->command, 0x0401);
  auto d = parse_batch_device(*f);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, "D");
  EXPECT_EQ(d->number, 100u);
  EXPECT_EQ(d->points, 3);
  // X numbers are hexadecimal: "0000A0" = 160.
  std::string x = kAsciiRead;
  x.replace(x.find("D*"), 8, "X*0000A0");
  const Vec mx = str(x);
  auto fx = parse_frame(b(mx));
  ASSERT_TRUE(fx.ok());
  auto dx = parse_batch_device(*fx);
  ASSERT_TRUE(dx.ok());
  EXPECT_EQ(dx->name, "X");
  EXPECT_EQ(dx->number, 160u);
  // D numbers are decimal: "0000A0" is bad.
  std::string bad = kAsciiRead;
  bad.replace(bad.find("000100"), 6, "0000A0");
  const Vec mb = str(bad);
  auto fb = parse_frame(b(mb));
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(parse_batch_device(*fb).error(), ParseError::malformed);
}

TEST(SlmpFrame, Ascii4eResponseTypeName) {
  const std::string m = "D400"        // subheader: 4E response
                        "0007"        // serial
                        "0000"        // fixed
                        "00FF03FF00"  // route
                        "0018"        // data length: 4 + 16 + 4
                        "0000"        // end code
                        "R04ENCPU        "  // model name
                        "4805";       // model code
  const Vec mv = str(m);
  auto f = parse_frame(b(mv));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FrameKind::e4_ascii);
  EXPECT_EQ(f->serial, 7);
  auto t = parse_type_name(*f);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->model, "R04ENCPU");
  EXPECT_EQ(t->model_code, 0x4805);
}

TEST(SlmpFrame, AsciiBadHexIsMalformed) {
  for (std::size_t at : {4u, 6u, 8u, 12u, 14u, 18u, 22u, 26u}) {  // each header/body number field
    std::string m = kAsciiRead;
    m[at] = 'G';
    EXPECT_EQ(parse_frame(b(str(m))).error(), ParseError::malformed) << at;
  }
}

TEST(SlmpFrame, IqrLongDeviceForm) {
  // Subcommand 0002: device number 4 bytes, device code 2 bytes.
  const Vec data = v({0x10, 0x27, 0x00, 0x00,  // head device 10000
                      0xB0, 0x00,              // device code ZR
                      0x20, 0x00});            // points 32
  const Vec m = req3e(0x0401, 0x0002, data);
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  auto d = parse_batch_device(*f);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, "ZR");
  EXPECT_EQ(d->number, 10000u);
  EXPECT_EQ(d->points, 32);
  // ASCII: "ZR**" + 8 hex digits.
  const std::string a = "500000FF03FF00" "001C" "0010" "0401" "0002" "ZR**" "00002710" "0020";
  const Vec ma = str(a);
  auto fa = parse_frame(b(ma));
  ASSERT_TRUE(fa.ok());
  auto da = parse_batch_device(*fa);
  ASSERT_TRUE(da.ok());
  EXPECT_EQ(da->name, "ZR");
  EXPECT_EQ(da->number, 10000u);
  // Subcommands with device extension (0080...) are not decoded.
  const Vec me = req3e(0x0401, 0x0080, data);
  auto fe = parse_frame(b(me));
  ASSERT_TRUE(fe.ok());
  EXPECT_EQ(parse_batch_device(*fe).error(), ParseError::unsupported);
}

TEST(SlmpFrame, EveryCutNeedsMore) {
  const std::vector<Vec> frames = {req3e(0x0401, 0, kReadD100), resp3e(0, v({1, 0})), req4e(9, 0x1002, 0, v({1, 0})),
                                   str(kAsciiRead)};
  for (const auto& m : frames) {
    for (std::size_t cut = 0; cut < m.size(); ++cut) {
      auto f = parse_frame(Bytes(m.data(), cut));
      ASSERT_FALSE(f.ok()) << cut;
      EXPECT_EQ(f.error(), ParseError::need_more) << cut;
    }
    EXPECT_TRUE(parse_frame(b(m)).ok());
  }
}

TEST(SlmpFrame, LyingLengthsAndSubheaders) {
  Vec m = req3e(0x0401, 0, kReadD100);
  m[7] = std::byte{5};  // data length below timer+command+subcommand
  m[8] = std::byte{0};
  EXPECT_EQ(parse_frame(b(m)).error(), ParseError::malformed);
  const auto over = kMaxDataLength + 1;
  m[7] = std::byte(over & 0xff);
  m[8] = std::byte(over >> 8);
  EXPECT_EQ(parse_frame(b(m)).error(), ParseError::limit_exceeded);
  m[7] = std::byte{13};  // one byte more than present
  m[8] = std::byte{0};
  EXPECT_EQ(parse_frame(b(m)).error(), ParseError::need_more);
  Vec r = resp3e(0, {});
  r[7] = std::byte{1};  // response shorter than its end code
  EXPECT_EQ(parse_frame(b(r)).error(), ParseError::malformed);
  // Wrong subheaders: 0x5100, 0x5001, "5001".
  Vec w = req3e(0x0401, 0, kReadD100);
  w[0] = std::byte{0x51};
  EXPECT_EQ(parse_frame(b(w)).error(), ParseError::malformed);
  w[0] = std::byte{0x50};
  w[1] = std::byte{0x01};
  EXPECT_EQ(parse_frame(b(w)).error(), ParseError::malformed);
  std::string a = kAsciiRead;
  a[3] = '1';
  EXPECT_EQ(parse_frame(b(str(a))).error(), ParseError::malformed);
  // ASCII length below the fixed fields, and above the cap.
  a = kAsciiRead;
  a.replace(14, 4, "000B");
  EXPECT_EQ(parse_frame(b(str(a))).error(), ParseError::malformed);
  a.replace(14, 4, "2001");
  EXPECT_EQ(parse_frame(b(str(a))).error(), ParseError::limit_exceeded);
}

TEST(SlmpFrame, TruncatedBatchDevice) {
  for (std::size_t n = 0; n < kReadD100.size(); ++n) {
    const Vec m = req3e(0x0401, 0, Vec(kReadD100.begin(), kReadD100.begin() + static_cast<long>(n)));
    auto f = parse_frame(b(m));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(parse_batch_device(*f).error(), ParseError::malformed) << n;
  }
  const Vec m = resp3e(0, str("R04ENCPU"));
  auto f = parse_frame(b(m));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(parse_type_name(*f).error(), ParseError::malformed);
}

// --- stream ---------------------------------------------------------------------

Recorded run(const std::vector<std::pair<Direction, Vec>>& msgs) {
  RecordingSink sink;
  auto p = make_stream_parser();
  for (const auto& [dir, m] : msgs) p->on_data(dir, b(m), sink);
  return sink.r;
}

constexpr auto C = Direction::to_server;
constexpr auto S = Direction::to_client;

TEST(SlmpStream, ReadTypeNamePairedIn3eOrder) {
  auto r = run({{C, req3e(0x0101, 0, {})}, {C, req3e(0x0401, 0, kReadD100)}, {S, resp3e(0, type_name_data())},
                {S, resp3e(0, v({1, 0, 2, 0, 3, 0}))}});
  EXPECT_TRUE(r.has_fact("S|role=slmp_client|slmp"));
  EXPECT_TRUE(r.has_fact("R|role=slmp_server|slmp"));
  EXPECT_TRUE(r.has_fact("S|vendor=Mitsubishi Electric|slmp_type_name"));
  EXPECT_TRUE(r.has_fact("S|product=R04ENCPU|slmp_type_name"));
  EXPECT_TRUE(r.has_fact("S|slmp_model_code=0x4805|slmp_type_name"));
  EXPECT_TRUE(r.has_fact("S|class_hint=plc|slmp_type_name"));
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{"read_type_name/257/000/-", "batch_read_d/1025/000/100+3"}));
  EXPECT_TRUE(r.anomalies.empty());
  // The same response data after a batch read is register data, not a type name.
  auto r2 = run({{C, req3e(0x0401, 0, kReadD100)}, {S, resp3e(0, type_name_data())}});
  EXPECT_FALSE(r2.has_fact("S|product=R04ENCPU|slmp_type_name"));
}

TEST(SlmpStream, FourEPairsBySerial) {
  auto r = run({{C, req4e(1, 0x0401, 0, kReadD100)}, {C, req4e(2, 0x0101, 0, {})}, {S, resp4e(2, 0, type_name_data())},
                {S, resp4e(1, 0xC05B, {})}});
  EXPECT_TRUE(r.has_fact("S|product=R04ENCPU|slmp_type_name"));
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(op_key(r.ops[2]), "batch_read_d/1025/001/100+3");  // the error, named by its request
  EXPECT_EQ(r.count_anomaly("slmp.end_code_device_not_accessible"), 1);
  EXPECT_EQ(r.count_anomaly("slmp.unpaired_response"), 0);
  auto u = run({{S, resp4e(5, 0, v({1, 0}))}});
  EXPECT_EQ(u.count_anomaly("slmp.unpaired_response"), 1);
}

TEST(SlmpStream, ClassifiesCommands) {
  const Vec write_m = v({0x00, 0x00, 0x00,  // M0
                         0x90,              // device code M
                         0x08, 0x00,        // 8 points
                         0x11, 0x11, 0x11, 0x11});  // bit data (two points a byte)
  auto r = run({{C, req3e(0x1401, 0x0001, write_m)},
                {C, req3e(0x1001, 0, v({0x01, 0x00, 0x00, 0x00}))},  // remote RUN: mode, clear mode, fixed
                {C, req3e(0x1002, 0, v({0x01, 0x00}))},              // remote STOP
                {C, req3e(0x1003, 0, v({0x01, 0x00}))},              // remote PAUSE
                {C, req3e(0x1005, 0, v({0x01, 0x00}))},              // remote latch clear
                {C, req3e(0x1006, 0, v({0x01, 0x00}))},              // remote RESET
                {C, req3e(0x1630, 0, cat({v({0x04, 0x00}), str("pass")}))},  // password unlock
                {C, req3e(0x1631, 0, cat({v({0x04, 0x00}), str("pass")}))},  // password lock
                {C, req3e(0x0403, 0, v({0x01, 0x00, 0x64, 0x00, 0x00, 0xA8}))},  // random read, 1 word
                {C, req3e(0x1402, 0, v({0x01, 0x00, 0x64, 0x00, 0x00, 0xA8, 0x05, 0x00}))},
                {C, req3e(0x0406, 0, v({0x00, 0x00}))},
                {C, req3e(0x1406, 0, v({0x00, 0x00}))},
                {C, req3e(0x1829, 0, v({0x00, 0x00}))},
                {C, req3e(0x0619, 0, v({0x02, 0x00, 0x41, 0x42}))},
                {C, req3e(0x7777, 0, {})}});
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{
                            "batch_write_m/5121/100/0+8", "remote_run/4097/010/-", "remote_stop/4098/010/-",
                            "remote_pause/4099/010/-", "remote_latch_clear/4101/010/-", "remote_reset/4102/010/-",
                            "remote_password_unlock/5680/010/-", "remote_password_lock/5681/000/-",
                            "random_read/1027/000/-", "random_write/5122/100/-", "block_read/1030/000/-",
                            "block_write/5126/100/-", "file_write/6185/110/-", "loopback_test/1561/000/-",
                            "unknown_command/30583/000/-"}));
  EXPECT_EQ(r.count_anomaly("slmp.unknown_command"), 1);
  EXPECT_EQ(r.count_anomaly("slmp.pending_overflow"), 0);
  // Unknown device code: the operation keeps its generic name and no range.
  auto u = run({{C, req3e(0x0401, 0, v({0, 0, 0, 0x01, 1, 0}))}});
  EXPECT_EQ(op_keys(u), (std::vector<std::string>{"batch_read/1025/000/-"}));
  EXPECT_EQ(u.count_anomaly("slmp.unknown_device"), 1);
}

TEST(SlmpStream, AsciiStream) {
  const std::string resp = "D00000FF03FF00" "0010" "0000" "000100020003";
  auto r = run({{C, str(kAsciiRead)}, {S, str(resp)}});
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{"batch_read_d/1025/000/100+3"}));
  EXPECT_TRUE(r.anomalies.empty());
  std::string bad = kAsciiRead;
  bad[6] = 'Z';  // bad hex in the PC number: malformed, resync
  auto rb = run({{C, str(bad)}, {C, str(kAsciiRead)}});
  EXPECT_GE(rb.count_anomaly("slmp.malformed_frame"), 1);
  EXPECT_EQ(rb.count_anomaly("slmp.resync"), 1);
  EXPECT_EQ(op_keys(rb), (std::vector<std::string>{"batch_read_d/1025/000/100+3"}));
}

TEST(SlmpStream, EverySplitPoint) {
  const Vec c2s = cat({req3e(0x0101, 0, {}), req4e(3, 0x0401, 0, kReadD100), str(kAsciiRead), req3e(0x1002, 0, v({1, 0}))});
  const Vec s2c = cat({resp3e(0, type_name_data()), resp4e(3, 0, v({1, 0, 2, 0, 3, 0})),
                       str("D00000FF03FF00" "0010" "0000" "000100020003"), resp3e(0, {})});
  RecordingSink whole;
  {
    auto p = make_stream_parser();
    p->on_data(C, b(c2s), whole);
    p->on_data(S, b(s2c), whole);
  }
  ASSERT_EQ(whole.r.ops.size(), 4u);
  ASSERT_TRUE(whole.r.has_fact("S|product=R04ENCPU|slmp_type_name"));
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

TEST(SlmpStream, GapResyncs) {
  RecordingSink s;
  auto p = make_stream_parser();
  const Vec a = req3e(0x0401, 0, kReadD100);
  p->on_data(C, Bytes(a.data(), 5), s);
  p->on_gap(C, 100, s);
  // The tail of a lost frame, then a whole one.
  const Vec tail = cat({v({0x11, 0x22, 0x50, 0x33}), req3e(0x1002, 0, v({1, 0}))});
  p->on_data(C, b(tail), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.gap"), 1);
  EXPECT_EQ(s.r.count_anomaly("slmp.resync"), 1);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"remote_stop/4098/010/-"}));
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

TEST(SlmpStream, OverCapLengthLosesSync) {
  Vec m = req3e(0x0401, 0, kReadD100);
  const auto over = kMaxDataLength + 1;
  m[7] = std::byte(over & 0xff);
  m[8] = std::byte(over >> 8);
  auto r = run({{C, m}, {C, req3e(0x1001, 0, v({1, 0, 0, 0}))}});
  EXPECT_EQ(r.count_anomaly("slmp.length_over_cap"), 1);
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{"remote_run/4097/010/-"}));
}

TEST(SlmpStream, PendingAtCapPlusOne) {
  std::vector<std::pair<Direction, Vec>> msgs;
  for (std::size_t i = 0; i < kMaxPending + 1; ++i) msgs.push_back({C, req3e(0x0401, 0, kReadD100)});
  auto r = run(msgs);
  EXPECT_EQ(r.count_anomaly("slmp.pending_overflow"), 1);
  std::vector<std::pair<Direction, Vec>> at_cap(msgs.begin(), msgs.end() - 1);
  EXPECT_EQ(run(at_cap).count_anomaly("slmp.pending_overflow"), 0);
}

TEST(SlmpStream, Frame1e) {
  const Vec read = v({0x01,                    // subheader: batch read in word units
                      0xFF,                    // PC no
                      0x0A, 0x00,              // ACPU monitoring timer
                      0x64, 0x00, 0x00, 0x00,  // head device 100
                      0x20, 0x44,              // device code "D "
                      0x05,                    // points
                      0x00});                  // fixed
  const Vec stop = v({0x14, 0xFF, 0x0A, 0x00});  // remote STOP
  auto r = run({{C, cat({read, stop})}, {S, v({0x81, 0x00, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0})}, {S, v({0x94, 0x5B, 0x10})}});
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{"mc_1e_batch_read_word/1/000/-", "mc_1e_remote_stop/20/010/-",
                                                  "mc_1e_remote_stop/20/001/-"}));
  EXPECT_TRUE(r.has_fact("R|role=slmp_server|slmp"));
  EXPECT_TRUE(probe(b(read), C));
  EXPECT_FALSE(probe(b(stop), C));  // too little to claim a flow on
  EXPECT_FALSE(probe(b(read), S));
  EXPECT_EQ(mc1e_command_name(0x13), "mc_1e_remote_run");
}

TEST(SlmpStream, GarbageIsBoundedAndCounted) {
  RecordingSink s;
  auto p = make_stream_parser();
  const Vec junk(5000, std::byte{0x77});
  p->on_data(C, b(junk), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.bad_subheader"), 1);
  EXPECT_TRUE(s.r.ops.empty());
  EXPECT_LE(p->buffered_bytes(), 4u);
  p->on_eof(C, s);
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

// --- probe and UDP ----------------------------------------------------------------

TEST(SlmpProbe, StrictClaims) {
  EXPECT_TRUE(probe(b(req3e(0x0401, 0, kReadD100)), C));
  EXPECT_TRUE(probe(b(req4e(1, 0x0101, 0, {})), C));
  EXPECT_TRUE(probe(b(str(kAsciiRead)), C));
  EXPECT_TRUE(probe(b(resp3e(0, v({1, 0}))), S));
  EXPECT_FALSE(probe(b(resp3e(0, v({1, 0}))), C));      // a response from the client
  EXPECT_FALSE(probe(b(req3e(0x7777, 0, {})), C));      // unknown command
  const Vec m = req3e(0x0401, 0, kReadD100);
  EXPECT_FALSE(probe(Bytes(m.data(), m.size() - 1), C));  // incomplete
  Vec io = m;
  io[4] = std::byte{0x00};  // module I/O 0x0300: not a destination
  EXPECT_FALSE(probe(b(io), C));
  EXPECT_FALSE(probe(b(str("GET / HTTP/1.1\r\n\r\n")), C));
  EXPECT_FALSE(probe(b(v({0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A})), C));  // Modbus
}

TEST(SlmpUdp, DatagramsAndTypeNameShape) {
  DecodedPacket pkt;
  RecordingSink s;
  on_datagram(pkt, b(req4e(7, 0x0101, 0, {})), s);
  on_datagram(pkt, b(resp4e(7, 0, type_name_data())), s);
  on_datagram(pkt, b(resp4e(8, 0xC059, {})), s);
  EXPECT_TRUE(s.r.has_fact("S|product=R04ENCPU|slmp_type_name"));
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"read_type_name/257/000/-", "error_response/0/001/-"}));
  EXPECT_EQ(s.r.count_anomaly("slmp.end_code_command_error"), 1);
  // Register data of the same size that does not read as a model name.
  RecordingSink t;
  on_datagram(pkt, b(resp4e(9, 0, cat({v({0x01, 0x00}), Vec(16, std::byte{0})}))), t);
  EXPECT_TRUE(t.r.facts.empty());
  RecordingSink m;
  const Vec f = req3e(0x0401, 0, kReadD100);
  on_datagram(pkt, Bytes(f.data(), f.size() - 1), m);
  on_datagram(pkt, b(v({0x99, 0x99})), m);
  EXPECT_EQ(m.r.count_anomaly("slmp.truncated_frame"), 1);
  EXPECT_EQ(m.r.count_anomaly("slmp.bad_subheader"), 1);
}

// --- node search (0E30) over UDP 61451 ----------------------------------------------

// Node Search request data: client MAC in reverse byte order, IP size, IPv4 LE.
const Vec kSearchData = v({0x01, 0x00, 0x30, 0x92, 0x26, 0x00,  // client MAC 00:26:92:30:00:01, reversed
                           0x04,                                // client IP address size
                           0x01, 0x0D, 0xA8, 0xC0});            // client IP 192.168.13.1 (LE)

Vec search_response_data(const Vec& hostname = {}, int ip_size = 4) {
  return cat({v({0x01, 0x00, 0x30, 0x92, 0x26, 0x00,   // client MAC, reversed
                 0x04,                                 // client IP address size
                 0x01, 0x0D, 0xA8, 0xC0,               // client IP 192.168.13.1
                 0x02, 0x00, 0x30, 0x92, 0x26, 0x00,   // server MAC 00:26:92:30:00:02, reversed
                 ip_size,                              // server IP address size
                 0x02, 0x0D, 0xA8, 0xC0,               // server IP 192.168.13.2
                 0x00, 0xFF, 0xFF, 0xFF,               // subnet mask 255.255.255.0
                 0xFF, 0xFF, 0xFF, 0xFF,               // default gateway (none)
                 static_cast<int>(hostname.size())}),  // host name size
              hostname,                                // host name
              v({0x34, 0x12,                           // vendor code 0x1234
                 0x56, 0x04, 0x00, 0x00,               // model code 0x00000456
                 0x02, 0x00,                           // equipment version 0x0002
                 0x04,                                 // target IP address size
                 0xFF, 0xFF, 0xFF, 0xFF,               // target IP
                 0xFF, 0xFF,                           // target port
                 0x00, 0x00,                           // server status: normal
                 0x0B, 0xF0,                           // server port 61451
                 0x01})});                             // server protocol: UDP
}

// A Frame points into its bytes: keep every vector parsed here alive to the end.
Frame frame_of(const Vec& bytes) {
  static std::deque<Vec> kept;
  kept.push_back(bytes);
  auto f = parse_frame(b(kept.back()));
  EXPECT_TRUE(f.ok());
  return f.ok() ? *f : Frame{};
}

// Records who a fact is about, with the station's MAC and IP.
class StationSink final : public Sink {
 public:
  Recorded r;
  void fact(const Fact& f) noexcept override {
    std::string who = f.who.kind == AssetRef::Kind::sender     ? "S"
                      : f.who.kind == AssetRef::Kind::receiver ? "R"
                                                               : f.who.mac.to_string() + "/" + f.who.ip.to_string();
    r.facts.push_back(who + "|" + std::string(f.field) + "=" + f.value + "|" + std::string(f.source));
  }
  void operation(const Operation& op) noexcept override { r.ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { r.anomalies.emplace_back(c); }
};

TEST(SlmpNodeSearch, Request) {
  const Frame f = frame_of(req4e(3, 0x0E30, 0x0000, kSearchData));
  auto q = parse_node_search_request(f);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->client_mac.to_string(), "00:26:92:30:00:01");
  EXPECT_EQ(q->client_ip.to_string(), "192.168.13.1");
  EXPECT_EQ(command_name(0x0E30), "node_search");
  EXPECT_EQ(command_name(0x0E31), "ip_address_set");
  // Not a node search: another command, a response, a 3E frame.
  EXPECT_EQ(parse_node_search_request(frame_of(req4e(3, 0x0101, 0, {}))).error(), ParseError::unsupported);
  EXPECT_EQ(parse_node_search_request(frame_of(req3e(0x0E30, 0, kSearchData))).error(), ParseError::unsupported);
  for (std::size_t cut = 0; cut < kSearchData.size(); ++cut) {
    const Vec d(kSearchData.begin(), kSearchData.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(parse_node_search_request(frame_of(req4e(3, 0x0E30, 0, d))).ok()) << cut;
  }
  Vec longer = kSearchData;
  longer.push_back(std::byte{0});
  EXPECT_EQ(parse_node_search_request(frame_of(req4e(3, 0x0E30, 0, longer))).error(), ParseError::malformed);
}

TEST(SlmpNodeSearch, Response) {
  auto n = parse_node_search_response(frame_of(resp4e(3, 0, search_response_data())));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->client_mac.to_string(), "00:26:92:30:00:01");
  EXPECT_EQ(n->server_mac.to_string(), "00:26:92:30:00:02");
  EXPECT_EQ(n->server_ip.to_string(), "192.168.13.2");
  EXPECT_EQ(n->subnet_mask.to_string(), "255.255.255.0");
  EXPECT_EQ(n->hostname, "");
  EXPECT_EQ(n->vendor_code, 0x1234);
  EXPECT_EQ(n->model_code, 0x456u);
  EXPECT_EQ(n->equipment_version, 2);
  EXPECT_EQ(n->server_status, 0);
  EXPECT_EQ(n->server_port, 61451);
  EXPECT_EQ(n->server_protocol, 1);
  auto h = parse_node_search_response(frame_of(resp4e(3, 0, search_response_data(str("NODE-2")))));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->hostname, "NODE-2");
  EXPECT_EQ(h->vendor_code, 0x1234);
}

TEST(SlmpNodeSearch, MalformedResponses) {
  const Vec good = search_response_data(str("NODE-2"));
  // Cut at every field boundary (and inside fields): the frame's length matches the
  // shorter data, so only the node search layout can object.
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    const Vec d(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(parse_node_search_response(frame_of(resp4e(3, 0, d))).error(), ParseError::malformed) << cut;
  }
  // Host name size beyond the data.
  Vec lying = search_response_data(str("NODE-2"));
  lying[30] = std::byte{0xFF};
  EXPECT_EQ(parse_node_search_response(frame_of(resp4e(3, 0, lying))).error(), ParseError::malformed);
  // Host name size one short: the rest no longer adds up.
  lying[30] = std::byte{0x05};
  EXPECT_FALSE(parse_node_search_response(frame_of(resp4e(3, 0, lying))).ok());
  // Trailing byte.
  Vec longer = good;
  longer.push_back(std::byte{0});
  EXPECT_EQ(parse_node_search_response(frame_of(resp4e(3, 0, longer))).error(), ParseError::malformed);
  // IPv6 address size: not read.
  EXPECT_EQ(parse_node_search_response(frame_of(resp4e(3, 0, search_response_data({}, 16)))).error(),
            ParseError::unsupported);
  // An error response is not a node search answer.
  EXPECT_EQ(parse_node_search_response(frame_of(resp4e(3, 0xC059, {}))).error(), ParseError::unsupported);
}

TEST(SlmpNodeSearch, Datagrams) {
  DecodedPacket pkt;
  StationSink s;
  on_node_search_datagram(pkt, b(req4e(3, 0x0E30, 0, kSearchData)), s);
  on_node_search_datagram(pkt, b(resp4e(3, 0, search_response_data(str("NODE-2")))), s);
  const std::string node = "00:26:92:30:00:02/192.168.13.2|";
  EXPECT_TRUE(s.r.has_fact("S|role=slmp_client|slmp")) << ::testing::PrintToString(s.r.facts);
  EXPECT_TRUE(s.r.has_fact(node + "ip=192.168.13.2|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "slmp_subnet_mask=255.255.255.0|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "vendor_id=0x1234|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "product_code=0x00000456|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "revision=0x0002|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "hostname=NODE-2|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "slmp_node_status=0x0000|slmp_node_search"));
  EXPECT_TRUE(s.r.has_fact(node + "role=slmp_server|slmp"));
  EXPECT_TRUE(s.r.anomalies.empty()) << ::testing::PrintToString(s.r.anomalies);
  // IP Address Set: a configuration write; its answer (the client MAC) adds nothing.
  on_node_search_datagram(pkt, b(req4e(4, 0x0E31, 0, Vec(39, std::byte{0}))), s);
  on_node_search_datagram(pkt, b(resp4e(4, 0, Vec(6, std::byte{1}))), s);
  on_node_search_datagram(pkt, b(resp4e(5, 0xC059, {})), s);
  EXPECT_EQ(op_keys(s.r), (std::vector<std::string>{"node_search/3632/000/-", "ip_address_set/3633/110/-",
                                                     "error_response/0/001/-"}));
  EXPECT_EQ(s.r.count_anomaly("slmp.end_code_command_error"), 1);
  EXPECT_EQ(s.r.anomalies.size(), 1u);
}

TEST(SlmpNodeSearch, UnconfiguredOrBadResponder) {
  DecodedPacket pkt;
  StationSink s;
  Vec unset = search_response_data();
  for (int i = 18; i < 22; ++i) unset[static_cast<std::size_t>(i)] = std::byte{0};  // server IP 0.0.0.0
  on_node_search_datagram(pkt, b(resp4e(3, 0, unset)), s);
  EXPECT_TRUE(s.r.has_fact("00:26:92:30:00:02/|revision=0x0002|slmp_node_search")) << ::testing::PrintToString(s.r.facts);
  for (const auto& f : s.r.facts) EXPECT_EQ(f.find("|ip="), std::string::npos) << f;
  StationSink m;
  Vec bcast = search_response_data();
  for (int i = 11; i < 17; ++i) bcast[static_cast<std::size_t>(i)] = std::byte{0xFF};  // server MAC broadcast
  on_node_search_datagram(pkt, b(resp4e(3, 0, bcast)), m);
  Vec zero = search_response_data();
  for (int i = 11; i < 17; ++i) zero[static_cast<std::size_t>(i)] = std::byte{0};  // server MAC zero
  on_node_search_datagram(pkt, b(resp4e(3, 0, zero)), m);
  EXPECT_TRUE(m.r.facts.empty()) << ::testing::PrintToString(m.r.facts);
  EXPECT_EQ(m.r.count_anomaly("slmp.node_search_bad_mac"), 2);
}

TEST(SlmpNodeSearch, BadDatagramsCountedNoFacts) {
  DecodedPacket pkt;
  StationSink s;
  const Vec resp = resp4e(3, 0, search_response_data());
  on_node_search_datagram(pkt, Bytes(resp.data(), resp.size() - 1), s);  // length says more
  EXPECT_EQ(s.r.count_anomaly("slmp.truncated_frame"), 1);
  Vec shorter = resp;  // length says one byte less: trailing byte, data cut
  shorter[11] = static_cast<std::byte>(std::to_integer<int>(shorter[11]) - 1);
  on_node_search_datagram(pkt, b(shorter), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.trailing_bytes"), 1);
  EXPECT_EQ(s.r.count_anomaly("slmp.malformed_node_search"), 1);
  on_node_search_datagram(pkt, b(resp4e(3, 0, search_response_data({}, 16))), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.node_search_unsupported"), 1);
  on_node_search_datagram(pkt, b(req4e(3, 0x0E30, 0, Vec(kSearchData.begin(), kSearchData.end() - 1))), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.malformed_node_search"), 2);
  on_node_search_datagram(pkt, b(v({0x99, 0x99})), s);
  EXPECT_EQ(s.r.count_anomaly("slmp.bad_subheader"), 1);
  for (const auto& f : s.r.facts) EXPECT_EQ(f.find("slmp_node_search"), std::string::npos) << f;
  EXPECT_EQ(op_keys(s.r), std::vector<std::string>{"node_search/3632/000/-"});
}


// A refused write (end code != 0) names the request's operation as an error and
// claims no write: only requests, client to server, are writes.
TEST(SlmpStream, RefusedWriteIsErrorNotWrite) {
  const Vec write_d = v({0x64, 0x00, 0x00,  // D100
                         0xA8,              // device code D
                         0x01, 0x00,        // 1 point
                         0x34, 0x12});      // word data
  auto r = run({{C, req3e(0x1401, 0x0000, write_d)},
                {S, resp3e(0xC051, {})}});  // end code: points out of range
  EXPECT_EQ(op_keys(r), (std::vector<std::string>{"batch_write_d/5121/100/100+1", "batch_write_d/5121/001/100+1"}));
  // Random write (0x1402): word access points 1, dword 0, D100 = 0x0005.
  auto rw = run({{C, req3e(0x1402, 0x0000, v({0x01, 0x00, 0x64, 0x00, 0x00, 0xA8, 0x05, 0x00}))},
                 {S, resp3e(0, {})}});
  EXPECT_EQ(op_keys(rw), (std::vector<std::string>{"random_write/5122/100/-"}));
}

}  // namespace
}  // namespace mieruka::dissectors::slmp
