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

// --- the findings table ------------------------------------------------------

inventory::Finding finding(const std::string& id, const std::string& type, const std::string& item,
                           const std::string& severity, std::int64_t first_us, bool acked = false) {
  inventory::Finding f;
  f.id = id;
  f.type = type;
  f.asset = "a-" + id;
  f.item = item;
  f.severity = severity;
  f.evidence = "evidence of " + id;
  f.first_us = first_us;
  f.last_us = first_us + 1;
  f.acknowledged = acked;
  return f;
}

constexpr std::int64_t kDay = 86'400'000'000LL;
constexpr std::int64_t k20Nov = 1'763'596'800'000'000LL;  // 2025-11-20T00:00:00Z

const std::vector<inventory::Finding> kFindings = {
    finding("f1", "cross_zone", "3-5", "high", k20Nov + 3600'000'000LL),
    finding("f2", "hidden", "2-6", "medium", k20Nov - kDay, true),
    finding("f3", "hidden", "2-6", "high", k20Nov + kDay),
    finding("f4", "unapproved", "2-6", "medium", k20Nov),
    finding("f5", "control", "3-7", "high", k20Nov - 2 * kDay),
};

std::vector<FindingRow> finding_rows() {
  std::vector<FindingRow> rows;
  const char* zones[] = {"cell-1", "office", "cell-1", "", "cell-2"};
  const char* devices[] = {"成形機PLC 2号", "hmi-2", "", "10.0.0.4", "plc-b"};
  for (std::size_t i = 0; i < kFindings.size(); ++i) {
    FindingRow r;
    r.finding = &kFindings[i];
    if (*zones[i] != '\0') r.zones = {zones[i]};
    r.device = devices[i];
    r.state = std::string(inventory::finding_state(kFindings[i]));
    r.severity_rank = kFindings[i].severity == "high" ? 2 : 1;
    r.haystack = ascii_lower(kFindings[i].id + "\n" + r.device + "\n" + kFindings[i].evidence);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<std::string> finding_ids(const std::vector<FindingRow>& rows, const std::multimap<std::string, std::string>& p,
                                     std::size_t* total = nullptr) {
  FindingQuery q;
  std::string error;
  EXPECT_TRUE(parse_finding_query(p, q, error)) << error;
  const FindingHits h = query_findings(rows, q);
  if (total != nullptr) *total = h.total;
  std::vector<std::string> out;
  for (const auto* r : h.items) out.push_back(r->finding->id);
  return out;
}

using Ids = std::vector<std::string>;

TEST(FindingQuery, FiltersByEachFieldAndTheirCombination) {
  const auto rows = finding_rows();
  EXPECT_EQ(finding_ids(rows, {}), (Ids{"f1", "f2", "f3", "f4", "f5"}));  // the engine's order
  EXPECT_EQ(finding_ids(rows, {{"type", "hidden"}}), (Ids{"f2", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"type", "hidden,control"}}), (Ids{"f2", "f3", "f5"}));
  EXPECT_EQ(finding_ids(rows, {{"type", "hidden"}, {"type", "control"}}), (Ids{"f2", "f3", "f5"}));
  EXPECT_EQ(finding_ids(rows, {{"item", "2-6"}, {"severity", "high"}}), (Ids{"f3"}));
  EXPECT_EQ(finding_ids(rows, {{"zone", "cell-1"}}), (Ids{"f1", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"state", "acknowledged"}}), (Ids{"f2"}));
  EXPECT_EQ(finding_ids(rows, {{"state", "open"}, {"zone", "cell-1,cell-2"}}), (Ids{"f1", "f3", "f5"}));
  EXPECT_EQ(finding_ids(rows, {{"asset", "a-f4"}}), (Ids{"f4"}));
  EXPECT_EQ(finding_ids(rows, {{"q", "成形機"}}), (Ids{"f1"}));
  EXPECT_EQ(finding_ids(rows, {{"q", "HMI"}}), (Ids{"f2"}));
  // First seen: a bare date as first_to takes in the whole day.
  EXPECT_EQ(finding_ids(rows, {{"first_from", "2025-11-20"}, {"first_to", "2025-11-20"}}), (Ids{"f1", "f4"}));
  EXPECT_EQ(finding_ids(rows, {{"first_from", "2025-11-20T01:00:00Z"}}), (Ids{"f1", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"first_to", "2025-11-19T00:00:00Z"}}), (Ids{"f5"}));  // exclusive
  EXPECT_EQ(finding_ids(rows, {{"type", "wireless"}}), Ids{});
}

TEST(FindingQuery, SortsStablyBothWays) {
  const auto rows = finding_rows();
  // Ties keep the engine's order whichever the direction.
  EXPECT_EQ(finding_ids(rows, {{"sort", "severity"}, {"order", "desc"}}), (Ids{"f1", "f3", "f5", "f2", "f4"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "severity"}}), (Ids{"f2", "f4", "f1", "f3", "f5"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "first_seen"}}), (Ids{"f5", "f2", "f4", "f1", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "first_seen"}, {"order", "desc"}}), (Ids{"f3", "f1", "f4", "f2", "f5"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "type"}}), (Ids{"f5", "f1", "f2", "f3", "f4"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "item"}, {"order", "desc"}}), (Ids{"f5", "f1", "f2", "f3", "f4"}));
  // Unknown values last in both directions (f3 has no device name here).
  EXPECT_EQ(finding_ids(rows, {{"sort", "device"}}), (Ids{"f4", "f2", "f5", "f1", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "device"}, {"order", "desc"}}), (Ids{"f1", "f5", "f2", "f4", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"sort", "zone"}}), (Ids{"f1", "f3", "f5", "f2", "f4"}));
  // A kept order gives the same answer as one made per query.
  FindingQuery q;
  std::string error;
  ASSERT_TRUE(parse_finding_query({{"sort", "first_seen"}, {"order", "desc"}, {"type", "hidden"}}, q, error));
  const auto kept = finding_order(rows, q.sort, q.descending);
  const FindingHits a = query_findings(rows, q, &kept), b = query_findings(rows, q);
  ASSERT_EQ(a.items.size(), 2u);
  EXPECT_EQ(a.items, b.items);
}

TEST(FindingQuery, PagesWithATotal) {
  const auto rows = finding_rows();
  std::size_t total = 0;
  EXPECT_EQ(finding_ids(rows, {{"per_page", "2"}}, &total), (Ids{"f1", "f2"}));
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(finding_ids(rows, {{"per_page", "2"}, {"page", "3"}}, &total), (Ids{"f5"}));
  EXPECT_EQ(finding_ids(rows, {{"per_page", "2"}, {"page", "9"}}, &total), Ids{});
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(finding_ids(rows, {{"per_page", "2"}, {"severity", "high"}, {"sort", "first_seen"}}, &total),
            (Ids{"f5", "f1"}));
  EXPECT_EQ(total, 3u);
  FindingQuery q;
  std::string error;
  ASSERT_TRUE(parse_finding_query({{"type", "hidden"}}, q, error));
  EXPECT_FALSE(q.paged);  // the plain array of old
  ASSERT_TRUE(parse_finding_query({{"page", "1"}}, q, error));
  EXPECT_TRUE(q.paged);
  EXPECT_EQ(q.per_page, kDefaultPerPage);
}

TEST(FindingQuery, BadParametersNameThemselves) {
  const std::pair<const char*, const char*> bad[] = {
      {"sort", "evidence"},    {"order", "up"},         {"page", "0"},          {"page", "x"},
      {"per_page", "501"},     {"per_page", "-1"},      {"severity", "urgent"}, {"state", "closed"},
      {"first_from", "yesterday"}, {"first_to", "2025-13-01"}, {"lang", "de"},
  };
  for (const auto& [k, v] : bad) {
    FindingQuery q;
    std::string error;
    EXPECT_FALSE(parse_finding_query({{k, v}}, q, error)) << k << "=" << v;
    EXPECT_EQ(error.rfind(std::string(k) + ":", 0), 0u) << error;
  }
  FindingQuery q;
  std::string error;
  EXPECT_FALSE(parse_finding_query({{"first_from", "2025-11-21"}, {"first_to", "2025-11-20T00:00:00Z"}}, q, error));
  EXPECT_NE(error.find("first_from"), std::string::npos);
  std::string many;
  for (int i = 0; i < 51; ++i) many += "t" + std::to_string(i) + ",";
  EXPECT_FALSE(parse_finding_query({{"type", many}}, q, error));
  EXPECT_EQ(error, "type: at most 50 values");
}

}  // namespace
}  // namespace mieruka::sensor::web
