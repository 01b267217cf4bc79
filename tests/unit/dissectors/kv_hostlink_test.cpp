// Keyence KV host link tests: command and response lines as the KV-8000 user's
// manual's host link chapter writes them (commands end CR, responses CR LF), plus
// malformed twins (non-ASCII bytes, bad devices and counts, over-long lines), every
// split point of the stream, and gaps.
#include "dissectors/kv_hostlink.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mieruka::dissectors::kv_hostlink {
namespace {

Bytes b(std::string_view s) { return as_bytes(s); }

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
  return std::string(o.name) + "/" + std::to_string(o.is_write) + std::to_string(o.is_control) +
         std::to_string(o.is_error) + "/" +
         (o.is_range ? std::to_string(o.range_start) + "+" + std::to_string(o.range_count) : "-");
}
std::vector<std::string> op_keys(const Recorded& r) {
  std::vector<std::string> out;
  for (const auto& o : r.ops) out.push_back(op_key(o));
  return out;
}

constexpr auto C = Direction::to_server;
constexpr auto S = Direction::to_client;

TEST(KvCommand, Parse) {
  auto rd = parse_command("RDS DM100 10");
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(rd->kind, Kind::read_cons);
  EXPECT_EQ(rd->device.type, "DM");
  EXPECT_EQ(rd->device.number, 100u);
  EXPECT_EQ(rd->count, 10u);
  EXPECT_EQ(operation_name(*rd), "read_dm");
  auto mr = parse_command("RD MR0015.U");  // longest device prefix, format suffix ignored
  ASSERT_TRUE(mr.ok());
  EXPECT_EQ(mr->device.type, "MR");
  EXPECT_EQ(mr->device.number, 15u);
  auto lb = parse_command("WR B1F 1");  // link relays are numbered in hex
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(lb->device.number, 0x1Fu);
  EXPECT_EQ(operation_name(*lb), "write_b");
  auto m1 = parse_command("M1");
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->kind, Kind::mode_run);
  EXPECT_EQ(operation_name(*m1), "mode_change_run");
  EXPECT_EQ(parse_command("?K")->kind, Kind::model_query);
  // Malformed twins.
  EXPECT_EQ(parse_command("").error(), ParseError::malformed);
  EXPECT_EQ(parse_command("RD").error(), ParseError::malformed);         // no device
  EXPECT_EQ(parse_command("RD QQ100").error(), ParseError::malformed);   // unknown device
  EXPECT_EQ(parse_command("RD DM1A").error(), ParseError::malformed);    // hex on a decimal device
  EXPECT_EQ(parse_command("RDS DM100").error(), ParseError::malformed);  // no count
  EXPECT_EQ(parse_command("RDS DM100 0").error(), ParseError::malformed);
  EXPECT_EQ(parse_command("RDS DM100 x").error(), ParseError::malformed);
  EXPECT_EQ(parse_command("RD DM123456789").error(), ParseError::malformed);  // 9 digits
  EXPECT_EQ(parse_command(std::string_view("RD DM\x01", 6)).error(), ParseError::malformed);
  EXPECT_EQ(parse_command("ZZ").error(), ParseError::unsupported);
}

TEST(KvResponse, Parse) {
  EXPECT_TRUE(parse_response("OK")->is_ok);
  EXPECT_TRUE(parse_response("E1")->is_error);
  EXPECT_FALSE(parse_response("E")->is_error);
  EXPECT_FALSE(parse_response("55")->is_error);
  EXPECT_EQ(parse_response("").error(), ParseError::malformed);
  EXPECT_EQ(parse_response("\xff").error(), ParseError::malformed);
}

const std::string kClient =
    "?K\r"
    "?M\r"
    "RDS DM100 10\r\n"  // a client that sends CR LF
    "WR DM200 1234\r"
    "WRS R1000 3 1 0 1\r"
    "M0\r"
    "M1\r"
    "RD DM99999\r"
    "ER\r";
const std::string kServer =
    "55\r\n"
    "1\r\n"
    "00001 00002 00003 00004 00005 00006 00007 00008 00009 00010\r\n"
    "OK\r\n"
    "OK\r\n"
    "OK\r\n"
    "OK\r\n"
    "E0\r\n"
    "OK\r\n";

void expect_session(const Recorded& r) {
  EXPECT_TRUE(r.has_fact("S|role=kv_hostlink_client|kv_hostlink")) << ::testing::PrintToString(r.facts);
  EXPECT_TRUE(r.has_fact("R|role=kv_hostlink_server|kv_hostlink"));
  EXPECT_TRUE(r.has_fact("S|kv_model_code=55|kv_hostlink"));
  EXPECT_TRUE(r.has_fact("S|product=KV-7500|kv_hostlink"));  // ?K code 55 in the manual's table
  EXPECT_TRUE(r.has_fact("S|vendor=Keyence|kv_hostlink"));
  EXPECT_TRUE(r.has_fact("S|class_hint=plc|kv_hostlink"));
  EXPECT_TRUE(r.has_fact("S|kv_mode=run|kv_hostlink"));
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
  const std::vector<std::string> want = {
      "model_query/000/-",          "mode_query/000/-",          "read_dm/000/100+10",
      "write_dm/100/200+1",         "write_r/100/1000+3",        "mode_change_program/010/-",
      "mode_change_run/010/-",      "read_dm/000/99999+1",       "error_clear/000/-",
      "read_dm/001/-"};
  auto got = op_keys(r);
  // The error response comes after all commands when fed client-first.
  EXPECT_EQ(got, want);
}

TEST(KvStream, Session) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(kClient), sink);
  p->on_data(S, b(kServer), sink);
  expect_session(sink.r);
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

TEST(KvStream, EverySplitPoint) {
  for (std::size_t cut = 1; cut < kClient.size(); ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(C, b(std::string_view(kClient).substr(0, cut)), sink);
    p->on_data(C, b(std::string_view(kClient).substr(cut)), sink);
    p->on_data(S, b(kServer), sink);
    expect_session(sink.r);
    if (::testing::Test::HasFailure()) FAIL() << "client cut " << cut;
  }
  for (std::size_t cut = 1; cut < kServer.size(); ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(C, b(kClient), sink);
    p->on_data(S, b(std::string_view(kServer).substr(0, cut)), sink);
    p->on_data(S, b(std::string_view(kServer).substr(cut)), sink);
    expect_session(sink.r);
    if (::testing::Test::HasFailure()) FAIL() << "server cut " << cut;
  }
}

TEST(KvStream, NonAsciiResyncsAtCr) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(std::string_view("RD D\x80M1\rRD DM5\r", 15)), sink);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.non_ascii"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"read_dm/000/5+1"});
  // Responses stay paired: the malformed command still takes a response slot.
  p->on_data(S, b("E1\r\nE0\r\n"), sink);
  EXPECT_EQ(op_keys(sink.r).back(), "read_dm/001/-");
}

TEST(KvStream, LineOverCap) {
  RecordingSink sink;
  auto p = make_stream_parser();
  const std::string long_line(kMaxLine + 1, '1');
  p->on_data(C, b("WRS DM0 1 "), sink);
  p->on_data(C, b(long_line), sink);
  EXPECT_LE(p->buffered_bytes(), kMaxLine);
  p->on_data(C, b("\r?K\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.line_over_cap"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"model_query/000/-"});
  // A line exactly at the cap is kept.
  RecordingSink ok;
  auto q = make_stream_parser();
  std::string at_cap = "RD DM1";
  at_cap.resize(kMaxLine, ' ');
  q->on_data(C, b(at_cap + "\r"), ok);
  EXPECT_TRUE(ok.r.anomalies.empty());
  EXPECT_EQ(ok.r.ops.size(), 1u);
}

TEST(KvStream, GapDropsPartialLineAndPairing) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b("?K\rRD DM"), sink);
  p->on_gap(C, 10, sink);
  p->on_data(C, b("00 5\r?M\r"), sink);  // the tail of the cut line is dropped
  p->on_data(S, b("0\r\n"), sink);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.gap"), 1);
  EXPECT_EQ(op_keys(sink.r), (std::vector<std::string>{"model_query/000/-", "mode_query/000/-"}));
  EXPECT_TRUE(sink.r.has_fact("S|kv_mode=program|kv_hostlink"));
  EXPECT_FALSE(sink.r.has_fact("S|kv_model_code=0|kv_hostlink"));
}

TEST(KvStream, UnknownAndBadCounted) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b("ZZ 1\rRD QQ1\r"), sink);
  p->on_data(S, b("OK\r\nOK\r\n\xfe\r\n"), sink);
  p->on_eof(S, sink);
  p->on_data(S, b("12"), sink);
  p->on_eof(S, sink);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.unknown_command"), 1);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.bad_command"), 1);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.non_ascii"), 1);
  EXPECT_EQ(sink.r.count_anomaly("kv_hostlink.truncated_line"), 1);
  EXPECT_TRUE(sink.r.ops.empty());
}


// KV-8000 host link: WRE (expansion-unit buffer write), ST/RS (set/reset a relay)
// and WS (timer/counter set value) change the PLC; their "OK" answers do not.
TEST(KvStream, EveryWriteCommandIsAWrite) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(std::string_view("WRE DM300 2 5 6\rST R500\rRS R500\rWS T10 100\rRD DM300\r")), sink);
  p->on_data(S, b(std::string_view("OK\r\nOK\r\nOK\r\nOK\r\n00005\r\n")), sink);
  EXPECT_EQ(op_keys(sink.r), (std::vector<std::string>{"write_dm/100/300+2", "set/100/500+1", "reset/100/500+1",
                                                       "set_value_write/100/10+1", "read_dm/000/300+1"}));
}

}  // namespace
}  // namespace mieruka::dissectors::kv_hostlink
