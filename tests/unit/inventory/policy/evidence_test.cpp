// The evidence catalog (inventory/policy/evidence.hpp): every kind the finding
// engine gives has an English and a Japanese template naming the same values,
// the renderer fills, joins and leaves out as documented, and the finding type
// names agree with the console's message table (web/i18n.js).
#include "inventory/policy/evidence.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "unit/english_text.hpp"
#include "inventory/policy/findings.hpp"

namespace mieruka::inventory {
namespace {

std::set<std::string> names_of(std::string_view tpl) {
  const auto v = template_names(tpl);
  return {v.begin(), v.end()};
}

// Brackets and braces pair up, never nested.
bool well_formed(std::string_view tpl) {
  bool in_part = false, in_name = false;
  for (char c : tpl) {
    if (c == '[') {
      if (in_part || in_name) return false;
      in_part = true;
    } else if (c == ']') {
      if (!in_part || in_name) return false;
      in_part = false;
    } else if (c == '{') {
      if (in_name) return false;
      in_name = true;
    } else if (c == '}') {
      if (!in_name) return false;
      in_name = false;
    }
  }
  return !in_part && !in_name;
}

TEST(Evidence, EveryTemplateHasBothLanguagesNamingTheSameValues) {
  std::set<std::string_view> seen;
  for (const auto& t : evidence_templates()) {
    SCOPED_TRACE(std::string(t.kind));
    EXPECT_TRUE(seen.insert(t.kind).second) << "kind listed twice";
    EXPECT_FALSE(t.en.empty());
    EXPECT_FALSE(t.ja.empty());
    EXPECT_NE(t.en, t.ja) << "the Japanese template is the English one";
    EXPECT_TRUE(well_formed(t.en));
    EXPECT_TRUE(well_formed(t.ja));
    EXPECT_EQ(names_of(t.en), names_of(t.ja));
  }
}

TEST(Evidence, EveryKindTheEngineGivesHasATemplate) {
  for (std::string_view kind : kEvidenceKinds) {
    const EvidenceTemplate* t = evidence_template(kind);
    ASSERT_NE(t, nullptr) << kind << " has no template";
    EXPECT_FALSE(t->en.empty()) << kind;
    EXPECT_FALSE(t->ja.empty()) << kind;
  }
  EXPECT_EQ(evidence_template("no_such_kind"), nullptr);
}

TEST(Evidence, FillsLeavesOutJoinsAndNests) {
  const nlohmann::json v = {{"device", "10.0.0.5"},
                            {"class", "plc"},
                            {"list", "approved.csv"},
                            {"protocols", "modbus"},
                            {"vendor", ""},
                            {"served", nlohmann::json::array({{{"kind", "served"}, {"service", "modbus/502"}, {"packets", 7}},
                                                              {{"kind", "served"}, {"service", "http/80"}, {"packets", 2}}})},
                            {"ot", {{"kind", "ot.speaks"}, {"protocol", "modbus"}}}};
  EXPECT_EQ(render_evidence("hidden_ot", v, "en"),
            "OT equipment speaks modbus; 10.0.0.5 (plc) not on the approved list approved.csv; protocols modbus; "
            "serves modbus/502 (7 packets); serves http/80 (2 packets)");
  EXPECT_EQ(render_evidence("hidden_ot", v, "ja"),
            "OT機器 (modbus を使用); 10.0.0.5 (PLC) は承認リスト approved.csv にありません; プロトコル modbus; "
            "modbus/502 を提供 (7 パケット); http/80 を提供 (2 パケット)");
  nlohmann::json with_vendor = v;
  with_vendor["vendor"] = "OMRON";
  EXPECT_NE(render_evidence("unapproved", with_vendor, "en").find("; vendor OMRON"), std::string::npos);
  // Arrays joined by the separator each language gives.
  const nlohmann::json z = {{"device", "a"}, {"zones", {"cell-1", "office"}}};
  EXPECT_EQ(render_evidence("cross_zone_multi", z, "en"), "a present in zones cell-1, office (dual-homed or bridging)");
  EXPECT_EQ(render_evidence("cross_zone_multi", z, "ja"), "a はゾーン cell-1、office に存在 (デュアルホームまたはブリッジ)");
  // Values are text, never templates: braces and brackets in them are kept.
  const nlohmann::json hostile = {{"device", "{device}[x]"}, {"zones", {"<b>"}}};
  EXPECT_EQ(render_evidence("cross_zone_multi", hostile, "en"), "{device}[x] present in zones <b> (dual-homed or bridging)");
  // Typed values: a class by its Japanese name (the code in English, as the
  // finding's text keeps it), a time in the zone asked for (as stored without one).
  const nlohmann::json ctl = {{"protocol", "s7comm"}, {"operation", "stop"}, {"code", "0x29"}, {"server", "10.0.0.9"},
                              {"count", 2}, {"first", "2026-12-07T05:03:10Z"}, {"last", "not a time"}};
  EXPECT_EQ(render_evidence("control", ctl, "ja", "Asia/Tokyo"),
            "10.0.0.9 への s7comm stop (0x29): 2 回、2026-12-07 14:03 JST 〜 not a time");
  EXPECT_EQ(render_evidence("control", ctl, "en"), "s7comm stop (0x29) to 10.0.0.9: 2 times, 2026-12-07T05:03:10Z to not a time");
  EXPECT_EQ(render_evidence("control", ctl, "en", "Asia/Tokyo"),
            "s7comm stop (0x29) to 10.0.0.9: 2 times, 2026-12-07 14:03 JST to not a time");
  EXPECT_EQ(render_evidence("ot.classed", {{"class", "it_host"}}, "ja"), "種別 IT機器");
  EXPECT_EQ(render_evidence("ot.classed", {{"class", "it_host"}}, "en"), "classed it_host");
  EXPECT_EQ(render_evidence("ot.classed", {{"class", "not_a_class"}}, "ja"), "種別 not_a_class");
  EXPECT_EQ(test::raw_typed_value("種別 it_host", {{"class", "it_host"}}), "it_host");
  EXPECT_EQ(test::raw_typed_value("x 2026-12-07T05:03:10Z", {{"first", "2026-12-07T05:03:10Z"}}), "2026-12-07T05:03:10Z");
  EXPECT_EQ(test::raw_typed_value("it_host_7 (IT機器)", {{"device", "it_host_7"}, {"class", "it_host"}}), "");
  // An unknown kind renders as itself and its values, never empty.
  EXPECT_EQ(render_evidence("nope", {{"a", 1}}, "en"), "nope {\"a\":1}");
  // Nesting is bounded: a kind inside itself stops.
  nlohmann::json deep = {{"kind", "ot.speaks"}, {"protocol", "x"}};
  for (int i = 0; i < 10; ++i) deep = {{"kind", "ot.speaks"}, {"protocol", deep}};
  EXPECT_FALSE(render_evidence("ot.speaks", deep, "en").empty());
}

// The heuristic of english_text.hpp finds an English sentence and lets data
// through: it can fail.
TEST(Evidence, EnglishRunHeuristicFindsSentencesAndAllowsData) {
  EXPECT_NE(test::english_run("tcp port 3389 (registered for rdp)"), "");
  EXPECT_NE(test::english_run("リモート保守ゲートウェイ (names a remote-access gateway maker: x)"), "");
  EXPECT_EQ(test::english_run("OT機器 (modbus を使用); 10.0.0.5 (plc) は承認リスト approved.csv にありません"), "");
  EXPECT_EQ(test::english_run("TCP/IP SNMP OPC UA 00:0e:c6:11:22:33 CPU 1516-3 PN/DP"), "") << "acronyms and numbers";
  // Data under an allowed key is masked: an advisory's own title.
  std::vector<std::string> data;
  test::data_values({{"title", "Multiple Vulnerabilities in MELSEC Series"}, {"why", "model number R08CPU"}}, data);
  ASSERT_EQ(data.size(), 1U);
  EXPECT_EQ(test::english_run("Multiple Vulnerabilities in MELSEC Series に該当", data), "");
  EXPECT_NE(test::english_run("Multiple Vulnerabilities in MELSEC Series に該当"), "");
}

// The reasons of a class, an advisory match and the checklist's evidence lines
// render in Japanese without an English sentence; their English is the text
// the reports always gave.
TEST(Evidence, ReasonsMatchesAndReportLinesInBothLanguages) {
  const nlohmann::json gw = {{"kind", "remote_gateway"},
                             {"device", "10.0.0.9"},
                             {"why", {{"kind", "why.tunnel_opens_port"},
                                      {"service", {{"kind", "port.registered"}, {"transport", "udp"}, {"port", 1194},
                                                   {"service", "openvpn"}}},
                                      {"count", 2}}}};
  EXPECT_EQ(render_evidence("remote_gateway", gw, "en"),
            "10.0.0.9: remote-maintenance gateway (opens udp port 1194 (registered for openvpn), remote access/VPN, to 2 "
            "peer(s))");
  const std::string ja = render_evidence("remote_gateway", gw, "ja");
  EXPECT_EQ(test::english_run(ja), "") << ja;
  const nlohmann::json why = {{"kind", "match"},
                              {"hit", {{"kind", "match.model_number"}, {"model", "R08CPU"}}},
                              {"product", "MELSEC iQ-R Series R08CPU"},
                              {"firmware", {{"kind", "firmware.unknown"}, {"firmware", ""}, {"range", {{"kind", "range.none"}}}}}};
  EXPECT_EQ(render_evidence("match", why, "en"),
            "model number R08CPU = \"MELSEC iQ-R Series R08CPU\"; firmware unknown, affected (no version named)");
  std::vector<std::string> data;
  test::data_values(why, data);
  EXPECT_EQ(test::english_run(render_evidence("match", why, "ja"), data), "") << render_evidence("match", why, "ja");
  // A finding type inside a value renders as its name.
  const nlohmann::json line = {{"kind", "cl.finding"}, {"type", {{"kind", "type.hidden"}}}, {"evidence", "x"}};
  EXPECT_EQ(render_evidence("cl.finding", line, "en"), "hidden OT device: x");
  EXPECT_EQ(render_evidence("cl.finding", line, "ja"), "【未承認のOT機器】x");
}

TEST(Evidence, TypeNamesMatchTheConsoleTable) {
  std::ifstream in(std::string(MIERUKA_SOURCE_DIR) + "/web/i18n.js");
  ASSERT_TRUE(in) << "web/i18n.js";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string js = ss.str();
  const auto ja_at = js.find("\n  ja: {");
  ASSERT_NE(ja_at, std::string::npos);
  for (std::string_view type : {"unapproved", "hidden", "wireless", "cross_zone", "remote_access", "internet",
                                "insecure", "new_writer", "control", "vulnerable"}) {
    SCOPED_TRACE(std::string(type));
    const std::string key = "'type." + std::string(type) + "': '";
    const auto en_at = js.find(key);
    const auto ja_key = js.find(key, ja_at);
    ASSERT_NE(en_at, std::string::npos);
    ASSERT_NE(ja_key, std::string::npos);
    ASSERT_LT(en_at, ja_at);
    const auto value = [&](std::size_t at) {
      const auto from = at + key.size();
      return js.substr(from, js.find('\'', from) - from);
    };
    EXPECT_EQ(value(en_at), finding_type_name(type, "en"));
    EXPECT_EQ(value(ja_key), finding_type_name(type, "ja"));
  }
  EXPECT_EQ(finding_type_name("other", "ja"), "other");
}

}  // namespace
}  // namespace mieruka::inventory
