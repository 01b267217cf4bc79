// Exports: asset/link JSON against the contract and docs/schema/*.v1, UTF-8
// sanitising (overlong, surrogates, truncated, NUL), CSV quoting and formula
// neutralising, display width of Japanese text, terminal escaping, `show`.
#include "inventory/render/export.hpp"

#include "inventory/ledger/fleet.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/text/text_escape.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace mieruka::inventory {
namespace {

using Json = nlohmann::ordered_json;
using namespace std::string_literals;

const std::string kFffd = "\xEF\xBF\xBD";

std::string sanitize(const std::string& s, bool* bad = nullptr) { return sanitize_utf8(s, bad); }

TEST(Utf8, ValidTextIsUnchanged) {
  for (const std::string& s : {"PLC-LINE1"s, "\xE6\xA9\x9F\xE5\x99\xA8\xE5\x90\x8D"s /*機器名*/,
                              "\xC3\xA9"s /*é*/, "\xF0\x9F\x8F\xAD"s /*U+1F3ED*/, "\xF4\x8F\xBF\xBF"s /*U+10FFFF*/,
                              "\xEF\xBF\xBD"s, ""s}) {
    bool bad = true;
    EXPECT_EQ(sanitize(s, &bad), s);
    EXPECT_FALSE(bad) << s;
  }
}

TEST(Utf8, NulIsValidAndKept) {
  const std::string s("a\0b", 3);
  bool bad = true;
  EXPECT_EQ(sanitize(s, &bad), s);
  EXPECT_FALSE(bad);
  // JSON escapes it rather than cutting the string.
  EXPECT_EQ(Json(sanitize(s)).dump(), "\"a\\u0000b\"");
}

TEST(Utf8, OverlongEncodingsAreReplaced) {
  bool bad = false;
  EXPECT_EQ(sanitize("\xC0\xAF", &bad), kFffd + kFffd);  // '/' in two bytes: C0 never leads
  EXPECT_TRUE(bad);
  EXPECT_EQ(sanitize("\xC1\xBF"), kFffd + kFffd);
  EXPECT_EQ(sanitize("\xE0\x80\xAF"), kFffd + kFffd + kFffd);  // E0 needs A0..BF next
  EXPECT_EQ(sanitize("\xF0\x80\x80\xAF"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(sanitize("\xC0\x80"), kFffd + kFffd);  // "modified UTF-8" NUL
}

TEST(Utf8, SurrogatesAndOutOfRangeAreReplaced) {
  EXPECT_EQ(sanitize("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // U+D800
  EXPECT_EQ(sanitize("\xED\xBF\xBF"), kFffd + kFffd + kFffd);  // U+DFFF
  EXPECT_EQ(sanitize("\xED\x9F\xBF"), "\xED\x9F\xBF");         // U+D7FF is fine
  EXPECT_EQ(sanitize("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // U+110000
  EXPECT_EQ(sanitize("\xF5\x80"), kFffd + kFffd);
  EXPECT_EQ(sanitize("\xFF\xFE"), kFffd + kFffd);
}

TEST(Utf8, TruncatedSequencesAndStrayContinuations) {
  EXPECT_EQ(sanitize("abc\xE6\xA9"), "abc" + kFffd);  // cut at the end: one replacement
  EXPECT_EQ(sanitize("\xE6\xA9x"), kFffd + "x");      // cut mid-string, next char kept
  EXPECT_EQ(sanitize("\xF0\x9F\x8F"), kFffd);
  EXPECT_EQ(sanitize("\xC3"), kFffd);
  EXPECT_EQ(sanitize("\x80\xBF"), kFffd + kFffd);
  EXPECT_EQ(sanitize("a\xC3\xC3\xA9"), "a" + kFffd + "\xC3\xA9");  // lead, then a whole é
}

TEST(Csv, FormulaTriggersAreNeutralised) {
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("-2+3"), "'-2+3");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("\tx"), "'\tx");
  EXPECT_EQ(csv_cell("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv_cell("a=b"), "a=b");  // only at the start
  EXPECT_EQ(csv_cell(""), "");
}

TEST(Csv, Rfc4180Quoting) {
  EXPECT_EQ(csv_cell("PLC-1"), "PLC-1");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_cell("\xE6\xA9\x9F\xE5\x99\xA8"), "\xE6\xA9\x9F\xE5\x99\xA8");
  EXPECT_EQ(csv_cell("bad\xFF"), "bad" + kFffd);
}

TEST(Csv, ControlCharactersAreShownNotPassedOn) {
  EXPECT_EQ(csv_cell("\x1b[2Jowned"), "\\x1b[2Jowned");
  EXPECT_EQ(csv_cell(std::string_view("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(csv_cell("del\x7f"), "del\\x7f");
  EXPECT_EQ(csv_cell("tab\tin"), "tab\tin");
}

TEST(Bidi, OverridesAreShownWhereverWireTextGoes) {
  const std::string rlo = "\xE2\x80\xAE";  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(sanitize("invoice" + rlo + "fdp.exe"), "invoice[U+202E]fdp.exe");
  EXPECT_EQ(sanitize("\xE2\x81\xA6x\xE2\x81\xA9"), "[U+2066]x[U+2069]");  // isolates
  EXPECT_EQ(sanitize("\xE2\x80\x8Fx"), "[U+200F]x");                     // RLM
  EXPECT_EQ(csv_cell("PLC" + rlo), "PLC[U+202E]");
  EXPECT_EQ(terminal_safe(rlo), "[U+202E]");
  EXPECT_EQ(sanitize("\xE2\x80\x94"), "\xE2\x80\x94");  // an em dash is just text
}

TEST(Width, EastAsianWideCountsTwo) {
  EXPECT_EQ(display_width("PLC"), 3U);
  EXPECT_EQ(display_width("\xE6\xA9\x9F\xE5\x99\xA8\xE5\x90\x8D"), 6U);  // 機器名
  EXPECT_EQ(display_width("\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3" "1"), 7U);  // ライン1
  EXPECT_EQ(display_width("\xEF\xBD\xB1\xEF\xBD\xB2"), 2U);  // halfwidth ｱｲ
  EXPECT_EQ(display_width("\xEF\xBC\xA1"), 2U);  // fullwidth Ａ
  EXPECT_EQ(display_width("\xE3\x81\x8B\xE3\x82\x99"), 2U);  // か + combining voiced mark
  EXPECT_EQ(display_width("e\xCC\x81"), 1U);  // e + combining acute
}

TEST(Terminal, ControlCharactersAreShown) {
  EXPECT_EQ(terminal_safe("\x1b[2Jowned"), "\\x1b[2Jowned");
  EXPECT_EQ(terminal_safe("a\nb\x7f"), "a\\x0ab\\x7f");
  EXPECT_EQ(terminal_safe("\xC2\x9B" "31m"), "\\x9b31m");  // C1 CSI
  EXPECT_EQ(terminal_safe("\xE6\xA9\x9F"), "\xE6\xA9\x9F");
  EXPECT_EQ(terminal_safe("\xFF"), kFffd);
}

// --- a small ledger ------------------------------------------------------------------

constexpr std::int64_t kT0 = 1'795'680'000'000'000;  // 2026-11-26T08:00:00Z

struct Fixture {
  Ledger ledger{"line1"};
  std::string plc_id, hmi_id, module_id, edge_id;

  Fixture() {
    const MacAddr plc_mac{{0x00, 0x00, 0xbc, 0x12, 0x34, 0x56}};
    Asset plc;
    plc.id = plc_id = Ledger::id_for_mac(plc_mac);
    plc.mac = plc_mac;
    plc.ips.push_back({*IpAddr::parse("10.10.1.20"), kT0, kT0 + 3'600'000'000, "arp"});
    plc.vlans = {101};
    plc.protocols = {"arp", "cip", "enip"};
    plc.facts = {
        {"vendor", "Rockwell Automation", "enip_list_identity", kT0, kT0 + 10, 4},
        {"vendor", "Allen-Bradley", "oui", kT0, kT0, 1},
        {"product", "1756-L81E/B ControlLogix", "enip_list_identity", kT0, kT0 + 10, 4},
        {"revision", "32.11", "enip_list_identity", kT0, kT0 + 10, 4},
        {"serial", "0x00a1b2c3", "enip_list_identity", kT0, kT0 + 10, 4},
        {"name", "PLC-\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3\xFF", "lldp", kT0, kT0 + 10, 2},  // ライン + bad byte
        {"class_hint", "plc", "enip_list_identity", kT0, kT0, 1},
        {"purdue_level", "1", "zone", kT0, kT0, 1},
    };
    plc.first_us = kT0;
    plc.last_us = kT0 + 3'600'000'000;
    plc.packets_sent = 10;
    plc.bytes_sent = 1000;

    const MacAddr hmi_mac{{0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3}};
    Asset hmi;
    hmi.id = hmi_id = Ledger::id_for_mac(hmi_mac);
    hmi.mac = hmi_mac;
    hmi.ips.push_back({*IpAddr::parse("10.10.1.5"), kT0, kT0 + 5, "ip"});
    hmi.ips.push_back({*IpAddr::parse("10.10.1.9"), kT0, kT0 + 9, "dhcp"});
    hmi.protocols = {"modbus"};
    hmi.facts = {{"hostname", "=cmd|' /C calc'!A0", "dhcp", kT0, kT0, 1},
                 {"class_hint", "toaster", "guess", kT0, kT0, 1}};
    hmi.first_us = kT0;
    hmi.last_us = kT0 + 9;

    Asset module;
    module.id = module_id = Ledger::id_for_child(plc_id, "1/3");
    module.parent_id = plc_id;
    module.route = "1/3";
    module.facts = {{"product", "1756-IB16", "cip_backplane", kT0, kT0, 1}};
    module.first_us = kT0;
    module.last_us = kT0;

    Edge e;
    e.id = edge_id = Ledger::id_for_edge(hmi_id, plc_id, "modbus", 502, 101);
    e.from_id = hmi_id;
    e.to_id = plc_id;
    e.protocol = "modbus";
    e.transport = "tcp";
    e.port = 502;
    e.vlan = 101;
    e.packets = 40;
    e.bytes = 4000;
    e.first_us = kT0;
    e.last_us = kT0 + 3;
    EdgeOp read;
    read.protocol = "modbus";
    read.name = "read_holding_registers";
    read.code = 3;
    read.count = 36;
    read.has_range = true;
    read.range_lo = 0;
    read.range_hi = 9;
    EdgeOp write;
    write.protocol = "modbus";
    write.name = "write_single_register";
    write.code = 6;
    write.count = 4;
    write.errors = 1;
    write.is_write = true;
    e.ops = {read, write};

    ledger.load_asset(plc);
    ledger.load_asset(hmi);
    ledger.load_asset(module);
    ledger.load_edge(e);
  }
  const Asset& asset(const std::string& id) const { return ledger.assets()[ledger.index_of(id)]; }
};

TEST(AssetJson, ContractShape) {
  Fixture f;
  const Json j = asset_json(f.ledger, f.asset(f.plc_id));
  EXPECT_EQ(j["id"], f.plc_id);
  EXPECT_EQ(j["mac"], "00:00:bc:12:34:56");
  EXPECT_EQ(j["ips"], Json::array({"10.10.1.20"}));
  EXPECT_EQ(j["vlans"], Json::array({101}));
  EXPECT_EQ(j["vendor"], "Rockwell Automation");  // identity beats OUI
  EXPECT_EQ(j["product"], "1756-L81E/B ControlLogix");
  EXPECT_EQ(j["revision"], "32.11");
  EXPECT_EQ(j["serial"], "0x00a1b2c3");
  EXPECT_EQ(j["name"], "PLC-\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3" + kFffd);
  EXPECT_EQ(j["class"], "plc");
  EXPECT_EQ(j["purdue_level"], 1);
  EXPECT_EQ(j["protocols"], Json::array({"arp", "cip", "enip"}));
  EXPECT_TRUE(j["parent"].is_null());
  EXPECT_TRUE(j["route"].is_null());
  EXPECT_EQ(j["first_seen"], "2026-11-26T08:00:00Z");
  EXPECT_EQ(j["last_seen"], "2026-11-26T09:00:00Z");
  EXPECT_EQ(j["sources"]["vendor"], "enip_list_identity");
  EXPECT_EQ(j["sources"]["name"], "lldp");
  EXPECT_EQ(j["sources"]["class"], "enip_list_identity");
  EXPECT_EQ(j["invalid_utf8"], Json::array({"name"}));
  EXPECT_EQ(j["packets_sent"], 10);
  EXPECT_NO_THROW((void)j.dump());  // would throw on invalid UTF-8
}

TEST(AssetJson, UnknownsAreNullAndFallbacksApply) {
  Fixture f;
  const Json hmi = asset_json(f.ledger, f.asset(f.hmi_id));
  EXPECT_TRUE(hmi["vendor"].is_null());
  EXPECT_TRUE(hmi["serial"].is_null());
  EXPECT_EQ(hmi["name"], "=cmd|' /C calc'!A0");  // from hostname; escaped only in CSV
  EXPECT_EQ(hmi["sources"]["name"], "dhcp");
  // Its "toaster" class hint is not a contract class and is ignored; the class
  // comes from classify(): it opens EtherNet/IP to the PLC.
  EXPECT_EQ(hmi["class"], "hmi");
  EXPECT_NE(hmi["sources"].value("class", ""), "test");
  EXPECT_EQ(hmi["purdue_level"], 2);
  EXPECT_EQ(hmi["vlans"], Json::array());
  EXPECT_EQ(hmi["ips"], Json::array({"10.10.1.5", "10.10.1.9"}));
  EXPECT_EQ(hmi["invalid_utf8"], Json::array());

  const Json module = asset_json(f.ledger, f.asset(f.module_id));
  EXPECT_TRUE(module["mac"].is_null());
  EXPECT_EQ(module["parent"], f.plc_id);
  EXPECT_EQ(module["route"], "1/3");
  EXPECT_EQ(module["product"], "1756-IB16");
}

TEST(LinkJson, ContractShape) {
  Fixture f;
  const Json j = link_json(f.ledger, f.ledger.edges()[0]);
  EXPECT_EQ(j["id"], f.edge_id);
  EXPECT_EQ(j["from"], f.hmi_id);
  EXPECT_EQ(j["to"], f.plc_id);
  EXPECT_EQ(j["from_mac"], "00:1b:1b:02:9a:c3");
  EXPECT_EQ(j["to_mac"], "00:00:bc:12:34:56");
  EXPECT_EQ(j["from_ip"], "10.10.1.9");  // the most recently seen
  EXPECT_EQ(j["to_ip"], "10.10.1.20");
  EXPECT_EQ(j["protocol"], "modbus");
  EXPECT_EQ(j["transport"], "tcp");
  EXPECT_EQ(j["port"], 502);
  EXPECT_EQ(j["vlan"], 101);
  EXPECT_EQ(j["packets"], 40);
  EXPECT_EQ(j["bytes"], 4000);
  ASSERT_EQ(j["ops"].size(), 2U);
  EXPECT_EQ(j["ops"][0]["name"], "read_holding_registers");
  EXPECT_EQ(j["ops"][0]["range"], Json::array({0, 9}));
  EXPECT_EQ(j["ops"][1]["write"], true);
  EXPECT_EQ(j["ops"][1]["errors"], 1);
  EXPECT_TRUE(j["ops"][1]["range"].is_null());
}

TEST(LinkJson, TombstonesAreSkipped) {
  Fixture f;
  f.ledger.edges_mut()[0].merged_into = 5;
  EXPECT_TRUE(links_json(f.ledger).empty());
  EXPECT_EQ(links_table(f.ledger).find("modbus"), std::string::npos);
}

// --- JSON Schema: every required property present with an allowed type ---------------

Json load_schema(const std::string& name) {
  std::ifstream in(std::string(MIERUKA_SOURCE_DIR) + "/docs/schema/" + name);
  EXPECT_TRUE(in.good()) << name;
  return Json::parse(in);
}

bool has_type(const Json& v, const std::string& t) {
  if (t == "null") return v.is_null();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  return false;
}

void check_against(const Json& schema, const Json& value, const std::string& where) {
  if (schema.contains("$ref") && schema["$ref"].get<std::string>().find('#') == std::string::npos) {
    check_against(load_schema(schema["$ref"].get<std::string>()), value, where);  // a sibling file
    return;
  }
  if (schema.contains("type")) {
    const Json& t = schema["type"];
    bool ok = false;
    if (t.is_string()) ok = has_type(value, t.get<std::string>());
    for (const Json& x : t.is_array() ? t : Json::array()) ok = ok || has_type(value, x.get<std::string>());
    EXPECT_TRUE(ok) << where << ": " << value.dump() << " is not " << t.dump();
  }
  if (schema.contains("enum") && value.is_string()) {
    EXPECT_NE(std::find(schema["enum"].begin(), schema["enum"].end(), value), schema["enum"].end())
        << where << ": " << value.dump();
  }
  if (value.is_object()) {
    for (const Json& r : schema.value("required", Json::array())) {
      EXPECT_TRUE(value.contains(r.get<std::string>())) << where << " lacks " << r;
    }
    for (const auto& [k, v] : value.items()) {
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        check_against(schema["properties"][k], v, where + "." + k);
      } else if (schema.contains("additionalProperties")) {
        check_against(schema["additionalProperties"], v, where + "." + k);
      } else {
        ADD_FAILURE() << where << "." << k << " is not documented in the schema";
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_against(schema["items"], value[i], where + "[" + std::to_string(i) + "]");
    }
  }
}

TEST(Schema, AssetsMatchSchemaV1) {
  const Json schema = load_schema("asset.v1.schema.json");
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  EXPECT_NE(schema["$id"].get<std::string>().find("v1"), std::string::npos);
  Fixture f;
  const Json all = assets_json(f.ledger);
  ASSERT_EQ(all.size(), 3U);
  for (const Json& a : all) check_against(schema, a, "asset " + a["id"].get<std::string>());
  // And the check can fail: a missing field and a wrong type are caught.
  Json broken = all[0];
  broken.erase("mac");
  broken["vlans"] = "101";
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    check_against(schema, broken, "broken");
  }
  EXPECT_EQ(failures.size(), 2);
}

TEST(Schema, LinksMatchSchemaV1) {
  const Json schema = load_schema("link.v1.schema.json");
  EXPECT_NE(schema["$id"].get<std::string>().find("v1"), std::string::npos);
  Fixture f;
  const Json all = links_json(f.ledger);
  ASSERT_EQ(all.size(), 1U);
  for (const Json& l : all) check_against(schema, l, "link");
}

// --- CSV and tables -------------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (p < s.size()) {
    const std::size_t e = s.find(sep, p);
    out.push_back(s.substr(p, e - p));
    if (e == std::string::npos) break;
    p = e + sep.size();
  }
  return out;
}

TEST(AssetsCsv, HeaderRowsAndEscaping) {
  Fixture f;
  const std::string csv = assets_csv(f.ledger);
  const auto lines = lines_of(csv, "\r\n");
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0],
            "id,mac,ips,vlans,vendor,product,revision,serial,name,class,purdue_level,protocols,parent,route,"
            "first_seen,last_seen,packets_sent,bytes_sent,location,zone,owner");
  EXPECT_EQ(lines[1].rfind(f.plc_id + ",00:00:bc:12:34:56,10.10.1.20,101,Rockwell Automation,", 0), 0U) << lines[1];
  EXPECT_NE(lines[1].find(",arp;cip;enip,"), std::string::npos);
  EXPECT_NE(lines[2].find(",'=cmd|' /C calc'!A0,"), std::string::npos) << lines[2];  // neutralised
  EXPECT_EQ(csv.find("\xFF"), std::string::npos);
}

TEST(LinksCsv, OpsSummary) {
  Fixture f;
  const auto lines = lines_of(links_csv(f.ledger), "\r\n");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].rfind("id,from,to,from_mac,to_mac,from_ip,to_ip,protocol,transport,port,vlan,", 0), 0U);
  EXPECT_NE(lines[1].find("read_holding_registers(3) x36 [0-9]; write_single_register(6) x4 err 1 W"),
            std::string::npos)
      << lines[1];
}

TEST(AssetsTable, ColumnsAlignByDisplayWidth) {
  Fixture f;
  const std::string table = assets_table(f.ledger);
  const auto lines = lines_of(table, "\n");
  ASSERT_GE(lines.size(), 4U);
  // The PROTOCOLS column starts at the same display column on every row, with
  // the Japanese name (wide characters) in the NAME column before it.
  auto column_of = [](const std::string& line, const std::string& needle) {
    const std::size_t byte = line.find(needle);
    return byte == std::string::npos ? std::string::npos : display_width(line.substr(0, byte));
  };
  const std::size_t col = column_of(lines[0], "PROTOCOLS");
  ASSERT_NE(col, std::string::npos);
  EXPECT_EQ(column_of(lines[1], "arp;cip;enip"), col) << table;
  EXPECT_EQ(column_of(lines[2], "modbus"), col) << table;
  EXPECT_NE(lines[1].find("PLC-\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3"), std::string::npos);
}

TEST(AssetsTable, HostileTextCannotDriveTheTerminal) {
  Fixture f;
  f.ledger.assets_mut()[1].facts.push_back({"name", "\x1b]0;pwned\x07", "lldp", kT0, kT0 + 99, 1});
  const std::string table = assets_table(f.ledger);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("\\x1b]0;pwned\\x07"), std::string::npos) << table;
}

TEST(AssetsTable, LongCellsAreCut) {
  Fixture f;
  f.ledger.assets_mut()[1].facts.push_back({"name", std::string(300, 'x'), "lldp", kT0, kT0 + 99, 1});
  const std::string table = assets_table(f.ledger);
  EXPECT_EQ(table.find(std::string(41, 'x')), std::string::npos);
  EXPECT_NE(table.find(std::string(39, 'x') + "\xE2\x80\xA6"), std::string::npos);
}

TEST(ShowText, EveryFactWithSourceAndEdges) {
  Fixture f;
  const std::string plc = show_text(f.ledger, f.asset(f.plc_id));
  EXPECT_NE(plc.find("Asset " + f.plc_id), std::string::npos);
  EXPECT_NE(plc.find("Allen-Bradley"), std::string::npos);  // the losing value is shown too
  EXPECT_NE(plc.find("oui"), std::string::npos);
  EXPECT_NE(plc.find("enip_list_identity"), std::string::npos);
  EXPECT_NE(plc.find("* vendor"), std::string::npos);  // the shown one is marked
  EXPECT_NE(plc.find("10.10.1.20"), std::string::npos);
  EXPECT_NE(plc.find("arp"), std::string::npos);
  EXPECT_NE(plc.find("2026-11-26T09:00:00Z"), std::string::npos);
  EXPECT_NE(plc.find("Edges in"), std::string::npos);
  EXPECT_NE(plc.find("10.10.1.9"), std::string::npos);  // the HMI talking to it
  EXPECT_NE(plc.find("modbus/tcp"), std::string::npos);
  EXPECT_EQ(plc.find("\xFF"), std::string::npos);

  const std::string hmi = show_text(f.ledger, f.asset(f.hmi_id));
  const std::size_t out = hmi.find("Edges out");
  ASSERT_NE(out, std::string::npos);
  EXPECT_NE(hmi.find("10.10.1.20", out), std::string::npos);
  EXPECT_NE(hmi.find("dhcp"), std::string::npos);
}

// --- facts, the whole ledger, the approved list ----------------------------------------

// The rows of the Facts section of `show`: "FIELD VALUE SOURCE" triples as text.
std::vector<std::string> fact_rows_of_show(const std::string& text) {
  std::vector<std::string> rows;
  const std::size_t start = text.find("Facts (* = value shown):\n");
  const std::size_t end = text.find("\nEdges out");
  EXPECT_NE(start, std::string::npos);
  std::istringstream in(text.substr(start, end - start));
  std::string line;
  std::getline(in, line);  // the section title
  std::getline(in, line);  // the column header
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(line);
  return rows;
}

TEST(FactsJson, EveryFactOfShowInShowsOrder) {
  Fixture f;
  for (const std::string& id : {f.plc_id, f.hmi_id, f.module_id}) {
    SCOPED_TRACE(id);
    const Asset& a = f.asset(id);
    const Json j = asset_json_with_facts(f.ledger, a);
    const auto rows = fact_rows_of_show(show_text(f.ledger, a));
    ASSERT_EQ(j["facts"].size(), rows.size());
    ASSERT_EQ(j["facts"].size(), a.facts.size());
    ASSERT_EQ(j["ip_bindings"].size(), a.ips.size());
    for (std::size_t i = 0; i < a.ips.size(); ++i) {
      EXPECT_EQ(j["ip_bindings"][i]["ip"], a.ips[i].ip.to_string());
      EXPECT_EQ(j["ip_bindings"][i]["source"], a.ips[i].source);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Json& fact = j["facts"][i];
      const std::string& row = rows[i];
      // The same fact on the same line: field, the value as the terminal shows it, source.
      EXPECT_NE(row.find(fact["field"].get<std::string>()), std::string::npos) << row;
      EXPECT_NE(row.find(terminal_safe(fact["value"].get<std::string>())), std::string::npos) << row;
      EXPECT_NE(row.find(fact["source"].get<std::string>()), std::string::npos) << row;
      EXPECT_NE(row.find(" " + std::to_string(fact["count"].get<std::uint64_t>())), std::string::npos) << row;
      EXPECT_EQ(fact["shown"].get<bool>(), row.rfind("  * ", 0) == 0) << row;
    }
  }
  // The losing vendor is there, not shown; the lldp name kept its bad byte flagged.
  const Json plc = asset_json_with_facts(f.ledger, f.asset(f.plc_id));
  bool oui = false, flagged = false;
  for (const Json& x : plc["facts"]) {
    if (x["source"] == "oui") oui = !x["shown"].get<bool>();
    if (x["field"] == "name") flagged = x.value("invalid_utf8", false);
  }
  EXPECT_TRUE(oui);
  EXPECT_TRUE(flagged);
  // Plain assets JSON is unchanged; --facts adds the array.
  EXPECT_FALSE(assets_json(f.ledger)[0].contains("facts"));
  EXPECT_TRUE(assets_json(f.ledger, true)[0].contains("facts"));
}

TEST(Schema, FactsMatchSchemaV1AndExamplesValidate) {
  const Json asset_schema = load_schema("asset.v1.schema.json");
  const Json fact_schema = load_schema("fact.v1.schema.json");
  EXPECT_EQ(fact_schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  Fixture f;
  for (const Json& a : assets_json(f.ledger, true)) check_against(asset_schema, a, "asset+facts " + a["id"].get<std::string>());
  ASSERT_FALSE(fact_schema["examples"].empty());
  for (const Json& x : fact_schema["examples"]) check_against(fact_schema, x, "fact example");
}

// Lines of an NDJSON stream, each checked against its kind's schema.
void check_ledger_line(const Json& line, const std::string& where) {
  const Json export_schema = load_schema("ledger_export.v1.schema.json");
  const std::string kind = line.at("kind").get<std::string>();
  Json body = line;
  if (kind == "ledger") {
    check_against(export_schema["$defs"]["ledger"], line, where);
    return;
  }
  ASSERT_TRUE(kind == "asset" || kind == "link") << where << ": kind " << kind;
  body.erase("kind");
  check_against(load_schema(kind == "asset" ? "asset.v1.schema.json" : "link.v1.schema.json"), body, where);
  for (const Json& r : export_schema["$defs"][kind]["required"]) EXPECT_TRUE(line.contains(r.get<std::string>())) << where;
}

TEST(LedgerNdjson, HeaderThenAssetsThenLinks) {
  Fixture f;
  const std::string out = ledger_ndjson(f.ledger, "line1", kT0);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  std::vector<Json> lines;
  for (const std::string& l : lines_of(out.substr(0, out.size() - 1), "\n")) lines.push_back(Json::parse(l));
  ASSERT_EQ(lines.size(), 1U + 3U + 1U);
  EXPECT_EQ(lines[0]["kind"], "ledger");
  EXPECT_EQ(lines[0]["schema"], std::string(kLedgerExportSchema));
  EXPECT_EQ(lines[0]["sensor"], "line1");
  EXPECT_EQ(lines[0]["assets"], 3);
  EXPECT_EQ(lines[0]["links"], 1);
  EXPECT_EQ(lines[1]["kind"], "asset");
  EXPECT_EQ(lines[1]["id"], f.plc_id);
  EXPECT_EQ(lines[1]["facts"].size(), f.asset(f.plc_id).facts.size());
  EXPECT_EQ(lines[4]["kind"], "link");
  EXPECT_EQ(lines[4]["id"], f.edge_id);
  for (std::size_t i = 0; i < lines.size(); ++i) check_ledger_line(lines[i], "line " + std::to_string(i));
  // A tombstone is no line, and the header counts what follows.
  f.ledger.edges_mut()[0].merged_into = 5;
  const std::string cut = ledger_ndjson(f.ledger, "line1", kT0);
  EXPECT_EQ(Json::parse(cut.substr(0, cut.find('\n')))["links"], 0);
  EXPECT_EQ(cut.find("\"kind\":\"link\""), std::string::npos);
}

TEST(Schema, LedgerExportExamplesValidate) {
  const Json schema = load_schema("ledger_export.v1.schema.json");
  ASSERT_GE(schema["examples"].size(), 2U);
  for (const Json& x : schema["examples"]) check_ledger_line(x, "example " + x["kind"].get<std::string>());
}

// The approved list, overlaid: facts of source approved_list, the name when the wire
// gave none, the columns in JSON and CSV; the wire's own name still wins.
TEST(ApprovedOverlay, FactsNameAndColumns) {
  Fixture f;
  std::string error;
  const auto list = parse_approved("mac,name,location,zone,owner\n"
                                   "00:1b:1b:02:9a:c3,HMI-2,Hall 2,cell-2,Yamada\n"
                                   "00:00:bc:12:34:56,PLC by list,Hall 1,,\n",
                                   "approved.csv", error);
  ASSERT_TRUE(list) << error;
  apply_approved(f.ledger, *list);
  // The HMI has only a DHCP host name: the wire's host name still comes first.
  const Json hmi = asset_json_with_facts(f.ledger, f.asset(f.hmi_id));
  EXPECT_EQ(hmi["name"], "=cmd|' /C calc'!A0");
  EXPECT_EQ(hmi["approved_entry"]["location"], "Hall 2");
  EXPECT_EQ(hmi["approved_entry"]["notes"], nullptr);
  int from_list = 0;
  for (const Json& x : hmi["facts"]) {
    if (x["source"] != "approved_list") continue;
    ++from_list;
    EXPECT_EQ(x["first_seen"], nullptr);
    EXPECT_EQ(x["count"], 0);
  }
  EXPECT_EQ(from_list, 4);  // name, location, zone, owner
  // The PLC's wire name (lldp) wins; the list's name is a fact of its own, not shown.
  const Json plc = asset_json_with_facts(f.ledger, f.asset(f.plc_id));
  EXPECT_EQ(plc["sources"]["name"], "lldp");
  bool listed = false;
  for (const Json& x : plc["facts"])
    if (x["source"] == "approved_list" && x["field"] == "name") listed = !x["shown"].get<bool>();
  EXPECT_TRUE(listed);
  // Without a wire name or host name, the list names the asset.
  f.ledger.assets_mut()[f.ledger.index_of(f.hmi_id)].facts.erase(
      f.ledger.assets_mut()[f.ledger.index_of(f.hmi_id)].facts.begin());  // the dhcp host name
  const Json named = asset_json(f.ledger, f.asset(f.hmi_id));
  EXPECT_EQ(named["name"], "HMI-2");
  EXPECT_EQ(named["sources"]["name"], "approved_list");
  EXPECT_NE(assets_csv(f.ledger).find(",Hall 2,cell-2,Yamada\r\n"), std::string::npos);
  EXPECT_NE(show_text(f.ledger, f.asset(f.hmi_id)).find("approved_list"), std::string::npos);
  for (const Json& a : assets_json(f.ledger, true)) check_against(load_schema("asset.v1.schema.json"), a, "overlaid");
  // Applying again does not double; a list without the rows leaves nothing behind.
  apply_approved(f.ledger, *list);
  EXPECT_EQ(f.asset(f.plc_id).facts.size(), 8U + 2U);  // name, location
  const auto empty = parse_approved("mac,name\n", "approved.csv", error);
  ASSERT_TRUE(empty) << error;
  apply_approved(f.ledger, *empty);
  for (const Asset& a : f.ledger.assets())
    for (const FactRecord& x : a.facts) EXPECT_NE(x.source, kApprovedSource);
  EXPECT_FALSE(asset_json(f.ledger, f.asset(f.plc_id)).contains("approved_entry"));
}

// One asset overlaid (a copy the console shows an edit on): its list facts are
// the new list's, the ledger's asset keeps what it had.
TEST(ApprovedOverlay, OneAssetCopy) {
  Fixture f;
  std::string error;
  const auto before = parse_approved("mac,name,location\n00:1b:1b:02:9a:c3,HMI-2,Hall 2\n", "approved.csv", error);
  const auto after = parse_approved("mac,name\n00:1b:1b:02:9a:c3,成形機HMI 3号\n", "approved.csv", error);
  ASSERT_TRUE(before && after) << error;
  apply_approved(f.ledger, *before);
  Asset copy = f.asset(f.hmi_id);
  apply_approved(copy, *after);
  EXPECT_EQ(plant_name(copy), "成形機HMI 3号");
  int from_list = 0;
  for (const FactRecord& x : copy.facts) from_list += x.source == kApprovedSource ? 1 : 0;
  EXPECT_EQ(from_list, 1);  // the name; the location the new list lacks is gone
  EXPECT_EQ(plant_name(f.asset(f.hmi_id)), "HMI-2");
  const auto none = parse_approved("mac,name\n", "approved.csv", error);
  ASSERT_TRUE(none) << error;
  apply_approved(copy, *none);
  EXPECT_EQ(plant_name(copy), "");
}

// --- a fleet's assets: what each sensor saw ---------------------------------------------

// The fixture's ledger as line1 (site "tokyo") saw it, and the PLC as line2 (no
// site) saw it too, later, on VLAN 102.
Ledger fleet_of_two() {
  Fixture f;
  Ledger line2("line2");
  const MacAddr plc_mac{{0x00, 0x00, 0xbc, 0x12, 0x34, 0x56}};
  const AssetIndex plc = line2.resolve(plc_mac, *IpAddr::parse("10.10.1.20"), kT0 + 7'200'000'000);
  line2.sent(plc, 64, 102, kT0 + 7'200'000'000);
  std::vector<SensorLedger> sensors;
  sensors.push_back(SensorLedger{"line2", "", std::move(line2)});
  sensors.push_back(SensorLedger{"line1", "tokyo", std::move(f.ledger)});
  return merge_fleet(std::move(sensors));
}

TEST(AssetJson, SightingsOnlyOnAFleetsAssets) {
  Fixture f;
  for (const Json& a : assets_json(f.ledger, true)) EXPECT_FALSE(a.contains("sightings")) << a["id"];

  const Ledger fleet = fleet_of_two();
  const Asset* plc = fleet.find(f.plc_id);
  ASSERT_NE(plc, nullptr);
  const Json j = asset_json(fleet, *plc);
  const Json expected = Json::parse(R"([
    {"sensor": "line1", "site": "tokyo", "first_seen": "2026-11-26T08:00:00Z",
     "last_seen": "2026-11-26T09:00:00Z", "packets_sent": 10, "ips": ["10.10.1.20"], "vlans": [101]},
    {"sensor": "line2", "site": null, "first_seen": "2026-11-26T10:00:00Z",
     "last_seen": "2026-11-26T10:00:00Z", "packets_sent": 1, "ips": ["10.10.1.20"], "vlans": [102]}])");
  EXPECT_EQ(j["sightings"], expected) << j["sightings"].dump();
  // The contract's keys keep their meaning: the fleet's totals.
  EXPECT_EQ(j["packets_sent"], 11);
  EXPECT_EQ(j["vlans"], Json::array({101, 102}));
  EXPECT_EQ(j["last_seen"], "2026-11-26T10:00:00Z");
  const Json hmi = asset_json(fleet, *fleet.find(f.hmi_id));
  ASSERT_EQ(hmi["sightings"].size(), 1U);
  EXPECT_EQ(hmi["sightings"][0]["sensor"], "line1");
  for (const Json& a : assets_json(fleet, true)) check_against(load_schema("asset.v1.schema.json"), a, "fleet");
  // Hostile sensor text is sanitised like wire text.
  Ledger odd("x");
  (void)odd.station(MacAddr{{0x00, 0x00, 0xbc, 0x00, 0x00, 0x01}}, kT0);
  std::vector<SensorLedger> one;
  one.push_back(SensorLedger{"line\xFF", "", std::move(odd)});
  const Ledger bad = merge_fleet(std::move(one));
  const Json b = asset_json(bad, bad.assets()[0]);
  EXPECT_EQ(b["sightings"][0]["sensor"], "line" + kFffd);
  EXPECT_EQ(b["invalid_utf8"], Json::array({"sightings"}));
}

TEST(ShowText, SightingsPerSensor) {
  Fixture f;
  EXPECT_EQ(show_text(f.ledger, f.asset(f.plc_id)).find("Sightings"), std::string::npos);
  const Ledger fleet = fleet_of_two();
  const std::string text = show_text(fleet, *fleet.find(f.plc_id));
  const std::size_t at = text.find("\nSightings (per sensor):\n");
  ASSERT_NE(at, std::string::npos) << text;
  const std::size_t end = text.find("\n\n", at + 1);
  EXPECT_EQ(text.substr(at, end - at),
            "\nSightings (per sensor):\n"
            "  SENSOR  SITE   FIRST SEEN            LAST SEEN             PACKETS SENT  IPS         VLANS\n"
            "  line1   tokyo  2026-11-26T08:00:00Z  2026-11-26T09:00:00Z  10            10.10.1.20  101\n"
            "  line2   -      2026-11-26T10:00:00Z  2026-11-26T10:00:00Z  1             10.10.1.20  102")
      << text;
}

}  // namespace
}  // namespace mieruka::inventory
