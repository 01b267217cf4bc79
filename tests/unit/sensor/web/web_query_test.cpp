// The assets table query of the web console (sensor/web/web_query.hpp): filters,
// search, sort, paging and the parameter checks.
#include "sensor/web/web_query.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>

namespace mieruka::sensor::web {
namespace {

AssetRow row(const std::string& id, const std::string& name, const std::string& ip, const std::string& klass,
             const std::string& vendor, int approved, int findings, const std::string& zone = "") {
  AssetRow r;
  set_row_json(r, {{"id", id},
                   {"name", name.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(name)},
                   {"ips", ip.empty() ? nlohmann::ordered_json::array() : nlohmann::ordered_json::array({ip})},
                   {"class", klass},
                   {"vendor", vendor.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(vendor)},
                   {"last_seen", "2026-11-20T08:00:0" + id + "Z"}});
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

// A fleet's rows carry the sensors that saw each device and their sites:
// ?sensor= and ?site= keep the rows that name it (one sensor's rows name none).
TEST(WebQuery, SensorAndSiteFilters) {
  auto rows = kRows;
  rows[0].sensors = {"line1", "line2"};
  rows[0].sites = {"plant-east"};
  rows[1].sensors = {"line2"};
  rows[1].sites = {"plant-east"};
  rows[2].sensors = {"office"};
  EXPECT_EQ(ids(query_assets(rows, parse({{"sensor", "line1"}}))), (std::vector<std::string>{"1"}));
  EXPECT_EQ(ids(query_assets(rows, parse({{"sensor", "line2"}, {"sort", "id"}}))), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ids(query_assets(rows, parse({{"site", "plant-east"}, {"sort", "id"}}))), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ids(query_assets(rows, parse({{"site", "plant-east"}, {"sensor", "office"}}))), std::vector<std::string>{});
  EXPECT_EQ(query_assets(rows, parse({{"sensor", "line"}}))["total"], 0);  // a name, not a substring
  EXPECT_EQ(query_assets(kRows, parse({{"sensor", "line1"}}))["total"], 0);
  EXPECT_EQ(query_assets(rows, parse({{"sensor", ""}}))["total"], 4);  // empty: any
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

// A large fleet's list walks the orders made once (sort_order, findings_order)
// instead of sorting the hits: for every sort, both ways, with and without a
// filter, it selects the same rows in the same order, ties in row order and
// unknown values last; a page of it is assets_page_text's.
TEST(WebQuery, KeptOrdersSelectWhatSortingDoes) {
  std::vector<AssetRow> rows = kRows;
  rows.push_back(row("5", "hmi-2", "10.10.1.9", "hmi", "Siemens AG", 1, 0, "cell-2"));  // ties with "2"
  rows.push_back(row("6", "", "", "unknown", "", 0, 0));                               // unknown name, ip, vendor
  for (const char* sort : {"name", "ip", "vendor", "class", "id", "last_seen", "zone", "findings"})
    for (const char* order : {"asc", "desc"})
      for (const auto& filter : std::vector<std::multimap<std::string, std::string>>{
               {}, {{"zone", "cell-1"}}, {{"q", "10.10.1"}}, {{"approved", "false"}}}) {
        auto params = filter;
        params.emplace("sort", sort);
        params.emplace("order", order);
        const AssetQuery q = parse(params);
        const auto keys = sort_keys(rows, q.sort);
        const auto ascending = sort_order(keys, false);
        const auto kept = q.sort == "findings" ? findings_order(rows, q.descending)
                          : q.descending      ? descending_order(ascending, keys)
                                              : ascending;
        const auto walked = select_assets(rows, q, nullptr, nullptr, nullptr, &kept);
        EXPECT_EQ(walked, select_assets(rows, q)) << sort << " " << order << " " << params.size();
        EXPECT_FALSE(walked.empty()) << sort << " " << order;
      }
  // Ties keep the rows' order both ways; unknown values last both ways.
  const auto by_name = sort_keys(rows, "name");
  const auto desc = sort_order(by_name, true);
  EXPECT_EQ(std::vector<std::uint32_t>(desc.begin(), desc.end()), (std::vector<std::uint32_t>{0, 1, 4, 3, 2, 5}));
  const auto asc = sort_order(by_name, false);
  EXPECT_EQ(std::vector<std::uint32_t>(asc.begin(), asc.end()), (std::vector<std::uint32_t>{3, 1, 4, 0, 2, 5}));
  // With marks (a console's writes move the counts) the findings order is
  // not walked: the marks sort.
  const AssetQuery by_findings = parse({{"sort", "findings"}, {"order", "desc"}});
  RowMarks marks = marks_of(rows);
  for (std::size_t i = 0; i < marks.open_findings.size(); ++i) marks.open_findings[i] = static_cast<int>(i);
  const auto kept = findings_order(rows, true);
  const auto by_marks = select_assets(rows, by_findings, nullptr, &marks, nullptr, &kept);
  EXPECT_EQ(by_marks, (std::vector<std::size_t>{5, 4, 3, 2, 1, 0}));
  EXPECT_NE(by_marks, select_assets(rows, by_findings, nullptr, nullptr, nullptr, &kept));
  // The page: the envelope with "large_fleet" before the items when asked for.
  const AssetQuery page = parse({{"page", "2"}, {"per_page", "3"}});
  EXPECT_EQ(assets_page_text(page, 7, {"{\"id\":\"a\"}", "{}"}, true),
            "{\"total\":7,\"page\":2,\"per_page\":3,\"large_fleet\":true,\"items\":[{\"id\":\"a\"},{}]}");
  EXPECT_EQ(assets_page_text(page, 0, {}), "{\"total\":0,\"page\":2,\"per_page\":3,\"items\":[]}");
}

// A row of unknown findings (a large fleet's) says null, not a count.
TEST(WebQuery, UnknownFindingsAreNull) {
  const AssetRow r = row("7", "x", "", "plc", "", 1, 0);
  EXPECT_NE(row_text(r, 1, -1).find("\"findings\":null"), std::string::npos) << row_text(r, 1, -1);
  EXPECT_NE(row_text(r, 1, 2).find("\"findings\":2"), std::string::npos);
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

// A console write makes new marks for the same rows: filters, the findings
// sort and the JSON follow the marks, not what the rows were built with.
// Rows made again since (a plant name edit) are searched, sorted and shown
// instead of the shared rows at their index.
TEST(WebQuery, PatchedRowsReplaceTheirIndex) {
  const std::map<std::size_t, AssetRow> patched = {{2, row("3", "aaa-renamed", "10.10.1.100", "it_host", "VMware, Inc.", 0, 1, "it")}};
  EXPECT_EQ(ids(query_assets(kRows, parse({{"q", "renamed"}}), nullptr, nullptr, &patched)),
            (std::vector<std::string>{"3"}));
  EXPECT_EQ(query_assets(kRows, parse({{"q", "renamed"}}))["total"], 0);
  const auto page = query_assets(kRows, parse({}), nullptr, nullptr, &patched);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"4", "3", "2", "1"}));  // "<img" < "aaa-renamed" < "hmi" < "plc"
  EXPECT_EQ(page["items"][1]["name"], "aaa-renamed");
  // Kept sort keys with the patched row's key give the same order.
  std::vector<std::string> keys = sort_keys(kRows, "name");
  keys[2] = sort_keys({patched.at(2)}, "name").front();
  EXPECT_EQ(ids(query_assets(kRows, parse({}), &keys, nullptr, &patched)), ids(page));
  // An empty map is no patch.
  const std::map<std::size_t, AssetRow> none;
  EXPECT_EQ(ids(query_assets(kRows, parse({}), nullptr, nullptr, &none)), (std::vector<std::string>{"4", "2", "1", "3"}));
}

// A row's text with marks is the object's serialization with the marks set on
// it, byte for byte: marks in the middle, at the end or absent (added at the
// end, approved first), escapes and invalid UTF-8 (replaced) in the values.
TEST(WebQuery, RowTextIsTheObjectsSerialization) {
  const auto api = [](const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  };
  const nlohmann::ordered_json full = {{"id", "a\"b\\c\n"},
                                       {"ips", {"10.0.0.1", "fe80::1"}},
                                       {"approved", nullptr},
                                       {"name", std::string("bad \xff utf-8 ") + "\xe6\x88\x90"},
                                       {"findings", 12},
                                       {"sources", {{"approved", "oui"}, {"findings", 3}}},
                                       {"display_name", "成形機"}};
  nlohmann::ordered_json no_approved = full, only_approved = full, bare = full;
  no_approved.erase("approved");
  only_approved.erase("findings");
  bare.erase("approved");
  bare.erase("findings");
  for (const auto& j : {full, no_approved, only_approved, bare, nlohmann::ordered_json::object()}) {
    AssetRow r;
    set_row_json(r, j);
    for (const int approved : {-1, 0, 1})
      for (const int findings : {0, 7, 1234}) {
        nlohmann::ordered_json want = j;
        want["approved"] = approved < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(approved == 1);
        want["findings"] = findings;
        EXPECT_EQ(row_text(r, approved, findings), api(want)) << api(j);
      }
    EXPECT_EQ(r.text, api(j));
    EXPECT_EQ(api(row_object(r)), api(j));
  }
  AssetRow r;
  set_row_json(r, full);
  EXPECT_EQ(r.display_name, "成形機");
}

TEST(WebQuery, MarksOverrideTheRows) {
  RowMarks m = marks_of(kRows);
  EXPECT_EQ(ids(query_assets(kRows, parse({{"approved", "false"}}), nullptr, &m)),
            ids(query_assets(kRows, parse({{"approved", "false"}}))));
  m.approved[1] = 1;       // hmi-2 approved
  m.open_findings[3] = 0;  // <img>'s findings acknowledged
  m.open_findings[0] = 5;
  EXPECT_EQ(ids(query_assets(kRows, parse({{"approved", "true"}, {"sort", "id"}}), nullptr, &m)),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ids(query_assets(kRows, parse({{"sort", "findings"}, {"order", "desc"}}), nullptr, &m)),
            (std::vector<std::string>{"1", "2", "3", "4"}));
  const auto page = query_assets(kRows, parse({{"sort", "id"}}), nullptr, &m);
  EXPECT_EQ(page["items"][1]["approved"], true);
  EXPECT_EQ(page["items"][3]["findings"], 0);
  EXPECT_EQ(row_json(kRows[0], m, 0)["findings"], 5);
  // Marks of another size (another view's) are not used.
  RowMarks wrong;
  wrong.approved = {1};
  wrong.open_findings = {9};
  EXPECT_EQ(query_assets(kRows, parse({}), nullptr, &wrong), query_assets(kRows, parse({})));
}

// New devices per day: local days of the plant's zone, 30 of them, ending today
// or, for a ledger of old captures only, on the day of its newest observation.
constexpr std::int64_t kSec = 1'000'000;
constexpr std::int64_t kDay = 86'400 * kSec;
constexpr std::int64_t k20261207 = 1'796'601'600 * kSec;  // 2026-12-07T00:00:00Z

std::map<std::string, std::size_t> nonzero(const nlohmann::ordered_json& days) {
  std::map<std::string, std::size_t> out;
  for (const auto& d : days)
    if (d["count"].get<std::size_t>() > 0) out[d["day"].get<std::string>()] = d["count"].get<std::size_t>();
  return out;
}

TEST(NewDevicesByDay, LocalDaysOfTheZone) {
  // 2026-12-06T15:30Z is 12-07 00:30 in Tokyo and still 12-06 in UTC.
  const std::vector<std::int64_t> first = {k20261207 - 8 * 3600 * kSec - 30 * 60 * kSec, k20261207 + 3600 * kSec,
                                           k20261207 - 29 * kDay, k20261207 - 31 * kDay, 0};
  const std::int64_t now = k20261207 + 5 * 3600 * kSec;
  const auto tokyo = new_devices_by_day(first, now, now, "Asia/Tokyo");
  ASSERT_EQ(tokyo.size(), 30u);
  EXPECT_EQ(tokyo.front()["day"], "2026-11-08");
  EXPECT_EQ(tokyo.back()["day"], "2026-12-07");
  EXPECT_EQ(nonzero(tokyo), (std::map<std::string, std::size_t>{{"2026-11-08", 1}, {"2026-12-07", 2}}));
  const auto utc = new_devices_by_day(first, now, now, "UTC");
  EXPECT_EQ(nonzero(utc), (std::map<std::string, std::size_t>{{"2026-11-08", 1}, {"2026-12-06", 1}, {"2026-12-07", 1}}));
  // An unknown zone counts in UTC rather than failing.
  EXPECT_EQ(new_devices_by_day(first, now, now, "Mars/Olympus"), utc);
}

TEST(NewDevicesByDay, OldCapturesEndOnTheirNewestDay) {
  const std::int64_t last = k20261207 - 200 * kDay;  // 2026-05-21
  const std::vector<std::int64_t> first = {last - kDay, last};
  const auto days = new_devices_by_day(first, k20261207, last, "UTC");
  EXPECT_EQ(days.back()["day"], "2026-05-21");
  EXPECT_EQ(nonzero(days), (std::map<std::string, std::size_t>{{"2026-05-20", 1}, {"2026-05-21", 1}}));
  // Recent traffic: the window ends today, and those old devices are outside it.
  EXPECT_TRUE(nonzero(new_devices_by_day(first, k20261207, k20261207 - kDay, "UTC")).empty());
}

TEST(WebQuery, PlantNamesSortAndSearch) {
  // Rows as the console builds them: display_name (the plant's name first) and
  // the approved list's columns; a search matches Japanese substrings.
  std::vector<AssetRow> rows = kRows;
  auto j2 = row_object(rows[2]);
  j2["display_name"] = "成形機PLC 2号";
  j2["approved_entry"] = {{"name", "成形機PLC 2号"}, {"location", "第2工場 成形ライン"}, {"owner", "山田"}};
  set_row_json(rows[2], j2);
  rows[2].haystack += "\n成形機plc 2号\n第2工場 成形ライン\n山田";
  auto j0 = row_object(rows[0]);
  j0["display_name"] = "plc-line1";
  j0["approved_entry"] = {{"name", nullptr}, {"location", "A棟"}, {"owner", nullptr}};
  set_row_json(rows[0], j0);
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
    auto text = std::make_shared<FindingText>();
    if (*zones[i] != '\0') text->zones = {zones[i]};
    text->device = devices[i];
    text->haystack = ascii_lower(kFindings[i].id + "\n" + text->device + "\n" + kFindings[i].evidence);
    r.text = std::move(text);
    r.state = std::string(inventory::finding_state(kFindings[i]));
    r.severity_rank = kFindings[i].severity == "high" ? 2 : 1;
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

TEST(FindingQuery, SensorAndSiteFilters) {
  auto rows = finding_rows();
  const auto seen = [&](std::size_t i, std::vector<std::string> sensors, std::vector<std::string> sites) {
    auto text = std::make_shared<FindingText>(*rows[i].text);
    text->sensors = std::move(sensors);
    text->sites = std::move(sites);
    rows[i].text = std::move(text);
  };
  seen(0, {"line1", "line2"}, {"plant-east"});
  seen(2, {"line2"}, {"plant-east"});
  seen(4, {"office"}, {});
  EXPECT_EQ(finding_ids(rows, {{"sensor", "line1"}}), (Ids{"f1"}));
  EXPECT_EQ(finding_ids(rows, {{"sensor", "line2"}}), (Ids{"f1", "f3"}));
  EXPECT_EQ(finding_ids(rows, {{"site", "plant-east"}, {"type", "hidden"}}), (Ids{"f3"}));
  EXPECT_EQ(finding_ids(rows, {{"sensor", "office"}}), (Ids{"f5"}));
  EXPECT_EQ(finding_ids(rows, {{"sensor", "nowhere"}}), Ids{});
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
