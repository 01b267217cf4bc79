// Panasonic MEWTOCOL-COM tests: frames as the FP series manual writes them
// ("%" station "#" command text BCC CR; "$" responses, "!" errors), the BCCs
// computed by hand (XOR of the characters, two hex digits), the RT layout of
// OpenLogics MewtocolNet's reverse_engineering_data.md; malformed twins (bad
// header, station, BCC digits and values, non-ASCII, over-long frames), every split
// point of the stream, the probe.
#include "dissectors/mewtocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mieruka::dissectors::mewtocol {
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

TEST(MewFrame, Bcc) {
  EXPECT_EQ(bcc("%01#RT"), 0x01);
  EXPECT_EQ(bcc("%01#RDD0010000109"), 0x5C);
  EXPECT_EQ(bcc("%EE#RT"), 0x00);
}

TEST(MewFrame, CommandResponseError) {
  auto c = parse_frame("%01#RDD0010000109" "5C");  // header, station 01, read DT100-DT109, BCC
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->type, FrameType::command);
  EXPECT_EQ(c->station, 1);
  EXPECT_EQ(c->code, "RD");
  EXPECT_EQ(c->text, "D0010000109");
  EXPECT_TRUE(c->bcc_checked);
  EXPECT_TRUE(c->bcc_ok);
  auto r = parse_frame("%01$RT2012328100000000" "0F");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, FrameType::response);
  EXPECT_EQ(r->code, "RT");
  auto st = parse_status(r->text);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->model_code, "20");
  EXPECT_EQ(st->version, "12");
  EXPECT_EQ(st->capacity, "32");
  EXPECT_EQ(st->mode, "81");
  auto e = parse_frame("%01!61" "02");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, FrameType::error);
  EXPECT_EQ(e->error_code, 61);
  auto x = parse_frame("<01#RT" "18");  // extended header
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(x->extended);
  auto nocheck = parse_frame("%01#RT**");
  ASSERT_TRUE(nocheck.ok());
  EXPECT_FALSE(nocheck->bcc_checked);
  auto more = parse_frame("%01#RT01&");
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->more_follows);
  EXPECT_EQ(operation_name("WP"), "write_program");
  EXPECT_EQ(operation_name("QQ"), "unknown_command");
}

TEST(MewFrame, Malformed) {
  const std::string good = "%01#RT01";
  for (std::size_t cut = 0; cut < 6; ++cut) EXPECT_FALSE(parse_frame(good.substr(0, cut)).ok()) << cut;
  EXPECT_EQ(parse_frame("#01#RT01").error(), ParseError::malformed);  // header
  EXPECT_EQ(parse_frame("%0G#RT01").error(), ParseError::malformed);  // station not hex
  EXPECT_EQ(parse_frame("%01?RT01").error(), ParseError::malformed);  // type
  EXPECT_EQ(parse_frame("%01#RTZ1").error(), ParseError::malformed);  // BCC digits
  EXPECT_EQ(parse_frame("%01#R01").error(), ParseError::malformed);   // no room for a code
  EXPECT_EQ(parse_frame("%01!6A02").error(), ParseError::malformed);  // error code not decimal
  EXPECT_EQ(parse_frame("%01!610202").error(), ParseError::malformed);  // error code too long
  EXPECT_EQ(parse_frame(std::string_view("%01#R\x01" "01", 8)).error(), ParseError::malformed);
  auto bad = parse_frame("%01#RT02");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->bcc_ok);
  EXPECT_EQ(parse_frame(std::string(kMaxFrame + 1, 'A')).error(), ParseError::limit_exceeded);
  EXPECT_EQ(parse_status("2012").error(), ParseError::malformed);
  EXPECT_EQ(parse_status("20123281000000G0").error(), ParseError::malformed);
}

Status st(std::string_view code, std::string_view capacity) { return Status{code, "12", capacity, "82"}; }

// Each row class of the RT model code table, the codes it leaves out on purpose
// (one code, several series) and codes it does not know.
TEST(MewModel, Table) {
  EXPECT_EQ(model_name(st("02", "16")), "FP5");
  EXPECT_EQ(model_name(st("12", "24")), "FP5");
  EXPECT_EQ(model_name(st("03", "10")), "FP3");
  EXPECT_EQ(model_name(st("06", "10")), "FP0");    // 10k: FP0 T32 only
  EXPECT_EQ(model_name(st("06", "05")), "");       // 5k: FP0, FP1 or FP-M
  EXPECT_EQ(model_name(st("50", "16")), "FP2");
  EXPECT_EQ(model_name(st("50", "32")), "FP2");
  EXPECT_EQ(model_name(st("50", "60")), "");       // not an FP2 capacity
  EXPECT_EQ(model_name(st("72", "02")), "FP-X0");
  EXPECT_EQ(model_name(st("04", "00")), "");       // FP1 or FP-M
  EXPECT_EQ(model_name(st("05", "03")), "");       // FP0, FP1 or FP-M
  EXPECT_EQ(model_name(st("13", "16")), "");       // FP3 or FP-C
  EXPECT_EQ(model_name(st("20", "32")), "");       // FP-Sigma, FP-X, FP-XH, FP0R, FP0H...
  EXPECT_EQ(model_name(st("00", "00")), "");       // FP7 / EcoLogiX (MEWTOCOL7)
  EXPECT_EQ(model_name(st("99", "32")), "");       // unknown
  EXPECT_EQ(model_name(st("", "")), "");
}

// One RT exchange; returns what the answer emitted.
Recorded rt_answer(std::string_view answer) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b("%01#RT01\r"), sink);
  p->on_data(S, b(answer), sink);
  return sink.r;
}

TEST(MewStream, RtModelNamed) {
  // "%01$RT" model 72 (FP-X0), version 12, capacity 02, mode 82, link 00, error 00,
  // self-diagnosis 0000, BCC not checked.
  const Recorded r = rt_answer("%01$RT7212028200000000**\r");
  EXPECT_TRUE(r.has_fact("S|product=FP-X0|mewtocol_status")) << ::testing::PrintToString(r.facts);
  EXPECT_TRUE(r.has_fact("S|mewtocol_model_code=72|mewtocol_status"));
  const Recorded fp0 = rt_answer("%01$RT0612108200000000**\r");  // FP0 10k
  EXPECT_TRUE(fp0.has_fact("S|product=FP0|mewtocol_status")) << ::testing::PrintToString(fp0.facts);
}

TEST(MewStream, RtUnknownOrSharedCodeRawOnly) {
  for (std::string_view answer : {"%01$RT9912328100000000**\r", "%01$RT2012328100000000**\r"}) {
    const Recorded r = rt_answer(answer);
    EXPECT_TRUE(r.has_fact("S|mewtocol_model_code=" + std::string(answer.substr(6, 2)) + "|mewtocol_status"));
    for (const auto& f : r.facts) EXPECT_EQ(f.find("|product="), std::string::npos) << f;
  }
}

TEST(MewStream, RtMalformedNoIdentity) {
  for (std::string_view answer : {"%01$RT72120282000000**\r", "%01$RT7212028200G00000**\r", "%01$RT**\r"}) {
    const Recorded r = rt_answer(answer);
    EXPECT_EQ(r.count_anomaly("mewtocol.bad_status"), 1) << answer;
    for (const auto& f : r.facts) EXPECT_EQ(f.find("mewtocol_status"), std::string::npos) << f;
  }
}

const std::string kClient =
    "%01#RT01\r"
    "%01#RDD00100001095C\r"
    "%01#WDD0020000200341254\r"
    "%01#RCSR001016\r"
    "%01#RCCR0000000304\r"
    "%01#RMR4A\r"
    "%01#RDD0010000109**\r";
const std::string kServer =
    "%01$RT20123281000000000F\r"
    "%01$RD0100020003000400050006000700080009000A00**\r"
    "%01$WD13\r"
    "%01$RC120\r"
    "%01$RC0000000000000000**\r"
    "%01$RM1F\r"
    "%01!6102\r";

void expect_session(const Recorded& r) {
  EXPECT_TRUE(r.has_fact("S|role=mewtocol_client|mewtocol")) << ::testing::PrintToString(r.facts);
  EXPECT_TRUE(r.has_fact("R|role=mewtocol_server|mewtocol"));
  EXPECT_TRUE(r.has_fact("S|vendor=Panasonic|mewtocol_status"));
  EXPECT_TRUE(r.has_fact("S|class_hint=plc|mewtocol_status"));
  EXPECT_TRUE(r.has_fact("S|mewtocol_model_code=20|mewtocol_status"));
  EXPECT_TRUE(r.has_fact("S|mewtocol_cpu_version=12|mewtocol_status"));
  EXPECT_TRUE(r.has_fact("S|mewtocol_program_capacity=32|mewtocol_status"));
  EXPECT_TRUE(r.has_fact("S|mewtocol_operation_mode=81|mewtocol_status"));
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
  const std::vector<std::string> want = {"read_status/000/-", "read_dt/000/100+10", "write_dt/100/200+1",
                                         "read_contacts/000/1+1", "read_contacts/000/0+4", "remote_control/110/-",
                                         "read_dt/000/100+10", "read_dt/001/-"};
  EXPECT_EQ(op_keys(r), want);
}

// MEWTOCOL has one command outstanding: feed each command then its response.
void feed_interleaved(StreamParser& p, std::string_view c, std::string_view s, Sink& sink, std::size_t ccut = 0,
                      std::size_t scut = 0) {
  std::size_t ci = 0, si = 0;
  while (ci < c.size()) {
    const std::size_t ce = c.find('\r', ci) + 1;
    const std::size_t se = s.find('\r', si) + 1;
    const std::string_view cl = c.substr(ci, ce - ci);
    const std::string_view sl = s.substr(si, se - si);
    if (ccut > 0 && ccut < cl.size()) {
      p.on_data(C, b(cl.substr(0, ccut)), sink);
      p.on_data(C, b(cl.substr(ccut)), sink);
    } else {
      p.on_data(C, b(cl), sink);
    }
    if (scut > 0 && scut < sl.size()) {
      p.on_data(S, b(sl.substr(0, scut)), sink);
      p.on_data(S, b(sl.substr(scut)), sink);
    } else {
      p.on_data(S, b(sl), sink);
    }
    ci = ce;
    si = se;
  }
}

TEST(MewStream, Session) {
  RecordingSink sink;
  auto p = make_stream_parser();
  feed_interleaved(*p, kClient, kServer, sink);
  expect_session(sink.r);
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

TEST(MewStream, EverySplitPoint) {
  for (std::size_t cut = 1; cut < 48; ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    feed_interleaved(*p, kClient, kServer, sink, cut, cut);
    expect_session(sink.r);
    if (::testing::Test::HasFailure()) FAIL() << "cut " << cut;
  }
}

TEST(MewStream, BadBccCountedAndSkipped) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b("%01#RT02\r%01#RT01\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.bad_bcc"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"read_status/000/-"});
}

TEST(MewStream, NonAsciiAndOverCapResync) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b(std::string_view("%01#R\xc3T01\r%01#RT01\r", 19)), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.non_ascii"), 1);
  p->on_data(C, b(std::string(kMaxFrame + 5, 'A')), sink);
  EXPECT_LE(p->buffered_bytes(), kMaxFrame);
  p->on_data(C, b("\r%01#RT01\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.frame_over_cap"), 1);
  EXPECT_EQ(sink.r.ops.size(), 2u);
  p->on_data(C, b("garbage\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.bad_frame"), 1);
  p->on_data(C, b("%01#ZZ**\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.unknown_command"), 1);
  p->on_data(S, b("%01$RT2012**\r"), sink);  // RT answer too short
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.bad_status"), 1);
}

TEST(MewStream, GapDropsToNextCr) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(C, b("%01#RDD00"), sink);
  p->on_gap(C, 5, sink);
  p->on_data(C, b("0109**\r%01#RT01\r"), sink);
  EXPECT_EQ(sink.r.count_anomaly("mewtocol.gap"), 1);
  EXPECT_EQ(op_keys(sink.r), std::vector<std::string>{"read_status/000/-"});
}

TEST(MewProbe, Strict) {
  EXPECT_TRUE(probe(b("%01#RT01\r"), C));
  EXPECT_TRUE(probe(b("%EE#RT00\r"), C));
  EXPECT_TRUE(probe(b("<01#RT18\r"), C));
  EXPECT_TRUE(probe(b("%01#RT**\r"), C));
  EXPECT_FALSE(probe(b("%01#RT01\r"), S));
  EXPECT_FALSE(probe(b("%01#RT02\r"), C));         // BCC
  EXPECT_FALSE(probe(b("%01#ZZ**\r"), C));         // unknown command
  EXPECT_FALSE(probe(b("%01$RT01\r"), C));         // a response
  EXPECT_FALSE(probe(b("%01#RT01\r%01#RT01\r"), C));  // more than one frame
  const std::string m = "%01#RT01\r";
  for (std::size_t cut = 0; cut < m.size(); ++cut) EXPECT_FALSE(probe(b(m.substr(0, cut)), C)) << cut;
  EXPECT_FALSE(probe(b("GET / HTTP/1.1\r\n"), C));
}


// MEWTOCOL-COM writes: WCS (one contact: code, 3-digit number + hex bit, data),
// WCC (words of contacts: code, first and last word, data), SD (preset data).
// Their "$" answers are not writes.
TEST(MewStream, EveryWriteCommandIsAWrite) {
  RecordingSink sink;
  auto p = make_stream_parser();
  feed_interleaved(*p, "%01#WCSR00101**\r%01#WCCR000000011234ABCD**\r%01#SDD0000000010**\r",
                   "%01$WC**\r%01$WC**\r%01$SD**\r", sink);
  EXPECT_EQ(op_keys(sink.r), (std::vector<std::string>{"write_contacts/100/1+1", "write_contacts/100/0+2",
                                                       "preset_data/100/-"}));
}

}  // namespace
}  // namespace mieruka::dissectors::mewtocol
