// The assets table query of the web console (sensor/web/web_query.hpp): filters,
// search, sort, paging and the parameter checks.
#include "sensor/web/web_query.hpp"

#include <gtest/gtest.h>

namespace mieruka::sensor::web {
namespace {

AssetRow row(const std::string& id, const std::string& name, const std::string& ip, const std::string& klass,
             const std::string& vendor, int approved, int findings, const std::string& zone = "") {
  AssetRow r;
  r.json = {{"id", id},
            {"name", name.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(name)},
            {"ips", ip.empty() ? nlohmann::ordered_json::array() : nlohmann::ordered_json::array({ip})},
            {"class", klass},
            {"vendor", vendor.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(vendor)},
            {"last_seen", "2026-11-20T08:00:0" + id + "Z"}};
  r.klass = klass;
  r.vendor_lower = ascii_lower(vendor);
  r.haystack = ascii_lower(id + "\n" + name + "\n" + ip + "\n" + vendor);
  if (!zone.empty()) r.zones = {zone};
  r.approved = approved;
  r.open_findings = findings;
  return r;
}

std::vector<std::string> ids(const nlohmann::ordered_json& page) {
  std::vector<std::string> out;
  for (const auto& a : page["items"]) out.push_back(a["id"].get<std::string>());
  return out;
}

const std::vector<AssetRow> kRows = {
    row("1", "PLC-LINE1", "10.10.1.20", "plc", "Rockwell Automation", 1, 0, "cell-1"),
    row("2", "hmi-2", "10.10.1.9", "hmi", "Siemens AG", 0, 2, "cell-1"),
    row("3", "", "10.10.1.100", "it_host", "VMware, Inc.", 0, 1, "it"),
    row("4", "<img src=x>", "", "unknown", "", 0, 3),
};

AssetQuery parse(std::multimap<std::string, std::string> p) {
  AssetQuery q;
  std::string error;
  EXPECT_TRUE(parse_asset_query(p, q, error)) << error;
  return q;
}

TEST(WebQuery, DefaultSortsByNameUnknownLast) {
  const auto page = query_assets(kRows, parse({}));
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(page["page"], 1);
  EXPECT_EQ(page["per_page"], kDefaultPerPage);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"4", "2", "1", "3"}));  // "<img" < "hmi" < "plc"; no name last
}

TEST(WebQuery, Filters) {
  EXPECT_EQ(ids(query_assets(kRows, parse({{"class", "plc"}}))), (std::vector<std::string>{"1"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"zone", "cell-1"}, {"sort", "id"}}))), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"vendor", "SIEMENS"}}))), (std::vector<std::string>{"2"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"approved", "true"}}))), (std::vector<std::string>{"1"}));
  EXPECT_EQ(query_assets(kRows, parse({{"approved", "false"}}))["total"], 3);
  EXPECT_EQ(ids(query_assets(kRows, parse({{"q", "10.10.1.9"}}))), (std::vector<std::string>{"2"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"q", "<IMG"}}))), (std::vector<std::string>{"4"}));
  EXPECT_EQ(query_assets(kRows, parse({{"q", "nothing-like-this"}}))["total"], 0);
}

TEST(WebQuery, SortsIpNumericallyAndByFindings) {
  EXPECT_EQ(ids(query_assets(kRows, parse({{"sort", "ip"}}))), (std::vector<std::string>{"2", "1", "3", "4"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"sort", "ip"}, {"order", "desc"}}))),
            (std::vector<std::string>{"3", "1", "2", "4"}));  // unknown still last
  EXPECT_EQ(ids(query_assets(kRows, parse({{"sort", "findings"}, {"order", "desc"}}))),
            (std::vector<std::string>{"4", "2", "3", "1"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"sort", "last_seen"}, {"order", "desc"}}))),
            (std::vector<std::string>{"4", "3", "2", "1"}));
}

TEST(WebQuery, Pages) {
  const auto p1 = query_assets(kRows, parse({{"sort", "id"}, {"per_page", "3"}}));
  EXPECT_EQ(ids(p1), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(p1["total"], 4);
  const auto p2 = query_assets(kRows, parse({{"sort", "id"}, {"per_page", "3"}, {"page", "2"}}));
  EXPECT_EQ(ids(p2), (std::vector<std::string>{"4"}));
  const auto p9 = query_assets(kRows, parse({{"per_page", "3"}, {"page", "9"}}));
  EXPECT_TRUE(p9["items"].empty());
  EXPECT_EQ(p9["total"], 4);
}

TEST(WebQuery, BadParametersAreRefused) {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"page", "0"}, {"page", "x"}, {"page", "-1"}, {"per_page", "0"}, {"per_page", "501"}, {"per_page", "1e3"},
           {"sort", "password_hash"}, {"order", "up"}, {"approved", "maybe"}}) {
    AssetQuery q;
    std::string error;
    EXPECT_FALSE(parse_asset_query({{k, v}}, q, error)) << k << "=" << v;
    EXPECT_FALSE(error.empty());
  }
  AssetQuery q;
  std::string error;
  EXPECT_TRUE(parse_asset_query({{"per_page", "500"}, {"unknown", "ignored"}}, q, error));
  EXPECT_EQ(q.per_page, kMaxPerPage);
}

TEST(WebQuery, PlantNamesSortAndSearch) {
  // Rows as the console builds them: display_name (the plant's name first) and
  // the approved list's columns; a search matches Japanese substrings.
  std::vector<AssetRow> rows = kRows;
  rows[2].json["display_name"] = "成形機PLC 2号";
  rows[2].json["approved_entry"] = {{"name", "成形機PLC 2号"}, {"location", "第2工場 成形ライン"}, {"owner", "山田"}};
  rows[2].haystack += "\n成形機plc 2号\n第2工場 成形ライン\n山田";
  rows[0].json["display_name"] = "plc-line1";
  rows[0].json["approved_entry"] = {{"name", nullptr}, {"location", "A棟"}, {"owner", nullptr}};
  const auto sort = [&](const std::string& key, const std::string& order) {
    const auto q = parse({{"sort", key}, {"order", order}});
    const auto keys = sort_keys(rows, key);
    return ids(query_assets(rows, q, &keys));
  };
  EXPECT_EQ(sort("location", "asc"), (std::vector<std::string>{"1", "3", "2", "4"}));  // A棟 < 第2工場; none last
  EXPECT_EQ(sort("owner", "desc"), (std::vector<std::string>{"3", "1", "2", "4"}));
  EXPECT_EQ(sort("name", "asc").front(), "4");  // "<img" first, as without names
  EXPECT_EQ(sort("name", "desc").front(), "3");  // by the plant's name, not the wire's (none)
  EXPECT_EQ(ids(query_assets(rows, parse({{"q", "成形"}}))), (std::vector<std::string>{"3"}));
  AssetQuery q;
  std::string error;
  EXPECT_FALSE(parse_asset_query({{"sort", "notes"}}, q, error));
  EXPECT_NE(error.find("location or owner"), std::string::npos);
}

}  // namespace
}  // namespace mieruka::sensor::web
