// Snapshots and diffs: new, vanished and changed assets field by field, the
// absence period, IP binding changes, links appearing and vanishing, sorted
// (deterministic) output, storage round trip with unique names, diff against
// the ledger now, retention policy, durations, and escaping in text and CSV.
#include "inventory/store/snapshot.hpp"

#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "inventory/render/export.hpp"
#include "inventory/store/sqlite_statement.hpp"

namespace mieruka::inventory {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::int64_t kHour = 3600LL * 1000000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kT0 = 1'795'680'000'000'000;  // 2026-11-26T08:00:00Z

// An asset as a snapshot holds it, with the shown fields given.
SnapshotAsset asset(const std::string& id, std::int64_t last, Json fields = Json::object(),
                    std::vector<std::pair<std::string, std::int64_t>> ips = {}) {
  SnapshotAsset a;
  a.id = id;
  a.last_us = last;
  a.ip_last_us = std::move(ips);
  Json j;
  j["id"] = id;
  j["mac"] = "00:00:bc:00:00:" + id.substr(id.size() - 2);
  Json ip_list = Json::array();
  for (const auto& [ip, t] : a.ip_last_us) ip_list.push_back(ip);
  j["ips"] = ip_list;
  for (const char* f : {"vendor", "product", "revision", "serial", "name"}) j[f] = nullptr;
  j["class"] = "unknown";
  for (auto& [k, v] : fields.items()) j[k] = v;
  j["last_seen"] = format_time_us(last);
  a.json = std::move(j);
  return a;
}

SnapshotLink link(const std::string& id, std::int64_t last) {
  Json j;
  j["id"] = id;
  j["from"] = "a" + id;
  j["to"] = "b" + id;
  j["from_ip"] = "10.0.0.1";
  j["to_ip"] = "10.0.0.2";
  j["protocol"] = "modbus";
  j["port"] = 502;
  j["packets"] = 10;
  j["last_seen"] = format_time_us(last);
  return {id, std::move(j), last};
}

Snapshot snap(const std::string& name, std::int64_t t, std::vector<SnapshotAsset> assets,
              std::vector<SnapshotLink> links = {}) {
  Snapshot s;
  s.info.name = name;
  s.info.sensor = "line1";
  s.info.taken_us = t;
  s.info.observed_until_us = t;
  s.assets = std::move(assets);
  s.links = std::move(links);
  return s;
}

std::vector<std::string> ids(const std::vector<Json>& v) {
  std::vector<std::string> out;
  for (const Json& j : v) out.push_back(j["id"].get<std::string>());
  return out;
}

TEST(SnapshotDiff, NewAndVanishedAssets) {
  const Snapshot from = snap("a", kT0, {asset("id01", kT0), asset("id02", kT0)});
  const Snapshot to = snap("b", kT0 + 7 * kDay, {asset("id01", kT0 + 7 * kDay), asset("id03", kT0 + 7 * kDay)});
  const Diff d = diff_snapshots(from, to);
  EXPECT_EQ(ids(d.new_assets), std::vector<std::string>{"id03"});
  EXPECT_EQ(ids(d.vanished_assets), std::vector<std::string>{"id02"});  // gone from the ledger
  EXPECT_TRUE(d.changed_assets.empty());
}

TEST(SnapshotDiff, QuietAssetVanishesOnlyAfterAbsencePeriod) {
  const Snapshot from = snap("a", kT0, {asset("id01", kT0), asset("id02", kT0)});
  // id02 is still in the ledger (ledgers keep assets) but quiet for 30 h.
  const Snapshot to = snap("b", kT0 + 30 * kHour, {asset("id01", kT0 + 30 * kHour), asset("id02", kT0)});
  DiffOptions opt;
  opt.absence_us = 48 * kHour;
  EXPECT_TRUE(diff_snapshots(from, to, opt).vanished_assets.empty());
  opt.absence_us = 24 * kHour;
  EXPECT_EQ(ids(diff_snapshots(from, to, opt).vanished_assets), std::vector<std::string>{"id02"});
  // Already quiet past the period at `from`: reported once, not again.
  const Snapshot later = snap("c", kT0 + 60 * kHour, {asset("id01", kT0 + 60 * kHour), asset("id02", kT0)});
  EXPECT_TRUE(diff_snapshots(to, later, opt).vanished_assets.empty());
  // Exactly at the period is still present.
  const Snapshot edge = snap("d", kT0 + 24 * kHour, {asset("id01", kT0 + 24 * kHour), asset("id02", kT0)});
  EXPECT_TRUE(diff_snapshots(from, edge, opt).vanished_assets.empty());
}

TEST(SnapshotDiff, ChangedByField) {
  const Snapshot from = snap("a", kT0,
                             {asset("id01", kT0,
                                    {{"vendor", "Rockwell Automation"},
                                     {"product", "1756-L81E/B"},
                                     {"revision", "32.11"},
                                     {"serial", "0x00a1b2c3"},
                                     {"name", "PLC-LINE1"},
                                     {"class", "plc"}})});
  const Snapshot to = snap("b", kT0 + kHour,
                           {asset("id01", kT0 + kHour,
                                  {{"vendor", "Rockwell Automation"},
                                   {"product", "1756-L83E/B"},
                                   {"revision", "33.11"},
                                   {"serial", nullptr},
                                   {"name", "\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3" "1"},  // ライン1
                                   {"class", "io_adapter"}})});
  const Diff d = diff_snapshots(from, to);
  ASSERT_EQ(d.changed_assets.size(), 5u);
  // Sorted in the contract's field order: product, revision, serial, name, class.
  EXPECT_EQ(d.changed_assets[0].field, "product");
  EXPECT_EQ(d.changed_assets[0].old_value, "1756-L81E/B");
  EXPECT_EQ(d.changed_assets[0].new_value, "1756-L83E/B");
  EXPECT_EQ(d.changed_assets[1].field, "revision");
  EXPECT_EQ(d.changed_assets[1].old_value, "32.11");
  EXPECT_EQ(d.changed_assets[1].new_value, "33.11");
  EXPECT_EQ(d.changed_assets[2].field, "serial");
  EXPECT_EQ(d.changed_assets[2].new_value, std::nullopt);
  EXPECT_EQ(d.changed_assets[3].field, "name");
  EXPECT_EQ(d.changed_assets[4].field, "class");
  EXPECT_EQ(d.changed_assets[4].new_value, "io_adapter");
  EXPECT_EQ(d.changed_assets[0].mac, "00:00:bc:00:00:01");

  const Json j = diff_json(d);
  EXPECT_EQ(j["changed_assets"][1]["field"], "revision");
  EXPECT_EQ(j["changed_assets"][1]["old"], "32.11");
  EXPECT_EQ(j["changed_assets"][1]["new"], "33.11");
  EXPECT_TRUE(j["changed_assets"][2]["new"].is_null());
  EXPECT_EQ(j["changed_assets"][3]["new"], "\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3" "1");

  // A vendor first learned (null before) is a change too.
  const Snapshot bare = snap("c", kT0, {asset("id01", kT0)});
  const Snapshot known = snap("d", kT0 + kHour, {asset("id01", kT0 + kHour, {{"vendor", "Schneider Electric"}})});
  const Diff d2 = diff_snapshots(bare, known);
  ASSERT_EQ(d2.changed_assets.size(), 1u);
  EXPECT_EQ(d2.changed_assets[0].field, "vendor");
  EXPECT_EQ(d2.changed_assets[0].old_value, std::nullopt);
  EXPECT_EQ(d2.changed_assets[0].new_value, "Schneider Electric");
}

TEST(SnapshotDiff, IpBindingChanges) {
  const std::int64_t t1 = kT0 + 2 * kDay;
  const Snapshot from = snap("a", kT0, {asset("id01", kT0, {}, {{"10.10.1.20", kT0}})});
  // Readdressed two days later: the old binding is quiet past the period.
  const Snapshot to = snap("b", t1, {asset("id01", t1, {}, {{"10.10.1.20", kT0}, {"10.10.1.21", t1}})});
  const Diff d = diff_snapshots(from, to);
  ASSERT_EQ(d.changed_assets.size(), 2u);
  EXPECT_EQ(d.changed_assets[0].field, "ip");
  EXPECT_EQ(d.changed_assets[0].old_value, std::nullopt);  // added sorts first (null < value)
  EXPECT_EQ(d.changed_assets[0].new_value, "10.10.1.21");
  EXPECT_EQ(d.changed_assets[1].old_value, "10.10.1.20");
  EXPECT_EQ(d.changed_assets[1].new_value, std::nullopt);

  // Within the period, the old address is not yet removed.
  const Snapshot soon = snap("c", kT0 + kHour, {asset("id01", kT0 + kHour, {}, {{"10.10.1.20", kT0}, {"10.10.1.21", kT0 + kHour}})});
  const Diff d2 = diff_snapshots(from, soon);
  ASSERT_EQ(d2.changed_assets.size(), 1u);
  EXPECT_EQ(d2.changed_assets[0].new_value, "10.10.1.21");

  // The same addresses: nothing.
  EXPECT_TRUE(diff_snapshots(from, snap("e", kT0 + kHour, {asset("id01", kT0 + kHour, {}, {{"10.10.1.20", kT0 + kHour}})}))
                  .changed_assets.empty());
}

TEST(SnapshotDiff, LinksAppearAndVanish) {
  const std::int64_t t1 = kT0 + 3 * kDay;
  const Snapshot from = snap("a", kT0, {}, {link("e1", kT0), link("e2", kT0), link("e3", kT0)});
  const Snapshot to = snap("b", t1, {}, {link("e1", t1), link("e2", kT0), link("e4", t1)});
  const Diff d = diff_snapshots(from, to);
  EXPECT_EQ(ids(d.new_links), std::vector<std::string>{"e4"});
  EXPECT_EQ(ids(d.vanished_links), (std::vector<std::string>{"e2", "e3"}));  // quiet, and gone
  DiffOptions long_absence;
  long_absence.absence_us = 7 * kDay;
  EXPECT_EQ(ids(diff_snapshots(from, to, long_absence).vanished_links), std::vector<std::string>{"e3"});
}

TEST(SnapshotDiff, OutputIsSortedWhateverTheInputOrder) {
  std::vector<SnapshotAsset> to_assets;
  std::vector<SnapshotLink> to_links;
  for (int i = 10; i < 40; ++i) {
    to_assets.push_back(asset("id" + std::to_string(i), kT0 + kHour, {{"revision", std::to_string(i)}},
                              {{"10.0.0." + std::to_string(i), kT0 + kHour}}));
    to_links.push_back(link("l" + std::to_string(i), kT0 + kHour));
  }
  std::vector<SnapshotAsset> from_assets;
  for (int i = 10; i < 40; i += 2) from_assets.push_back(asset("id" + std::to_string(i), kT0, {{"revision", "0"}}));
  const Snapshot from = snap("a", kT0, from_assets);
  const std::string reference = diff_json(diff_snapshots(from, snap("b", kT0 + kHour, to_assets, to_links))).dump();
  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(to_assets.begin(), to_assets.end(), rng);
    std::shuffle(to_links.begin(), to_links.end(), rng);
    EXPECT_EQ(diff_json(diff_snapshots(from, snap("b", kT0 + kHour, to_assets, to_links))).dump(), reference);
  }
  const Json j = Json::parse(reference);
  for (const char* key : {"new_assets", "new_links"}) {
    std::vector<std::string> got;
    for (const Json& x : j[key]) got.push_back(x["id"]);
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << key;
    EXPECT_FALSE(got.empty());
  }
}

TEST(SnapshotDiff, JsonHasTheContractShape) {
  const Diff d = diff_snapshots(snap("a", kT0, {}), snap("b", kT0 + kHour, {asset("id01", kT0 + kHour)}));
  const Json j = diff_json(d);
  for (const char* k : {"from", "to", "new_assets", "vanished_assets", "changed_assets", "new_links",
                        "vanished_links", "new_findings", "capture_drops"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["from"], "a");
  EXPECT_EQ(j["to"], "b");
  EXPECT_TRUE(j["new_findings"].is_array());
  EXPECT_EQ(j["new_findings"].size(), 0u);
  EXPECT_EQ(j["new_assets"][0]["id"], "id01");

  // The findings hook fills new_findings.
  DiffOptions opt;
  opt.new_findings = [](const Snapshot&, const Snapshot& to) {
    return Json::array({Json{{"type", "unapproved"}, {"asset", to.assets.at(0).id}}});
  };
  opt.capture_drops = 42;
  const Json j2 = diff_json(diff_snapshots(snap("a", kT0, {}), snap("b", kT0 + kHour, {asset("id01", kT0)}), opt));
  EXPECT_EQ(j2["new_findings"][0]["asset"], "id01");
  EXPECT_EQ(j2["capture_drops"], 42);
}

TEST(SnapshotDiff, TextKeepsJapaneseAndCsvNeutralisesFormulas) {
  const std::string jp = "\xE6\xA9\x9F\xE5\x99\xA8-1";  // 機器-1
  const Diff d = diff_snapshots(
      snap("a", kT0, {asset("id01", kT0, {{"name", jp}})}),
      snap("b", kT0 + kHour, {asset("id01", kT0 + kHour, {{"name", "=HYPERLINK(\"x\")"}}),
                              asset("id02", kT0 + kHour, {{"name", "\x1b[2Jbad\xff"}})}));
  const std::string text = diff_text(d);
  EXPECT_NE(text.find(jp), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // escape sequences made visible
  EXPECT_NE(text.find("\\x1b"), std::string::npos);
  EXPECT_NE(text.find("New assets (1)"), std::string::npos);
  EXPECT_NE(text.find("name: " + jp + " -> =HYPERLINK"), std::string::npos) << text;

  const std::string csv = diff_csv(d);
  EXPECT_EQ(csv.rfind("change,asset,mac,ip,name,field,old,new,link,protocol,port\r\n", 0), 0u);
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos);
  EXPECT_NE(csv.find(jp), std::string::npos);
  EXPECT_NE(csv.find("\xEF\xBF\xBD"), std::string::npos);  // invalid UTF-8 replaced
  EXPECT_NE(csv.find("capture_drops,"), std::string::npos);

  const std::string none = diff_text(diff_snapshots(snap("a", kT0, {}), snap("b", kT0, {})));
  EXPECT_NE(none.find("No changes."), std::string::npos);
}

// A hidden-equipment finding has no MAC or IP (JSON null), and a link or an
// asset seen only partly may lack a name, a protocol or a port: every renderer
// of a diff shows those as empty instead of throwing (a throw lost the diff).
TEST(SnapshotDiff, NullFieldsRenderAsEmpty) {
  DiffOptions opt;
  opt.new_findings = [](const Snapshot&, const Snapshot&) {
    return Json::array({Json{{"type", "hidden"}, {"asset", "id01"}, {"mac", nullptr}, {"ip", nullptr},
                             {"evidence", nullptr}}});
  };
  SnapshotLink l = link("l1", kT0 + kHour);
  l.json["protocol"] = nullptr;
  l.json["port"] = nullptr;
  l.json["from_ip"] = nullptr;
  l.json["packets"] = nullptr;
  SnapshotAsset a = asset("id01", kT0 + kHour);
  a.json["class"] = nullptr;
  a.json["mac"] = nullptr;
  const Diff d = diff_snapshots(snap("a", kT0, {}), snap("b", kT0 + kHour, {a}, {l}), opt);
  std::string csv, text;
  ASSERT_NO_THROW(csv = diff_csv(d));
  ASSERT_NO_THROW(text = diff_text(d));
  EXPECT_NE(csv.find("new_finding,id01,,,,hidden,,,,,\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("new_link,,,,,,,,al1 -> 10.0.0.2,,0\r\n"), std::string::npos) << csv;
  EXPECT_NE(text.find("! hidden id01"), std::string::npos) << text;
  EXPECT_NE(text.find("+ id01"), std::string::npos) << text;
}

TEST(SnapshotNames, Checked) {
  EXPECT_TRUE(check_snapshot_name("2026-11-20T07:30:00Z").empty());
  EXPECT_TRUE(check_snapshot_name("\xE5\xAE\x9A\xE6\x9C\x9F").empty());  // 定期
  EXPECT_FALSE(check_snapshot_name("").empty());
  EXPECT_FALSE(check_snapshot_name("now").empty());
  EXPECT_FALSE(check_snapshot_name("a\nb").empty());
  EXPECT_FALSE(check_snapshot_name("bad\xff").empty());
  EXPECT_FALSE(check_snapshot_name(std::string(kMaxSnapshotNameBytes + 1, 'x')).empty());
  EXPECT_TRUE(check_snapshot_name(std::string(kMaxSnapshotNameBytes, 'x')).empty());
  EXPECT_EQ(default_snapshot_name(1'763'625'000'000'000), "2025-11-20T07:50:00Z");
}

TEST(SnapshotDuration, Parses) {
  EXPECT_EQ(parse_duration_us("24h"), 24 * kHour);
  EXPECT_EQ(parse_duration_us("3d"), 3 * kDay);
  EXPECT_EQ(parse_duration_us("90m"), 90LL * 60 * 1000000);
  EXPECT_EQ(parse_duration_us("3600"), kHour);
  EXPECT_EQ(parse_duration_us("0s"), 0);
  EXPECT_EQ(parse_duration_us("1w"), 7 * kDay);
  for (const char* bad : {"", "h", "-1h", "1x", "1.5h", "99999999999999d", "24 h"})
    EXPECT_EQ(parse_duration_us(bad), std::nullopt) << bad;
}

SnapshotInfo info(const std::string& name, std::int64_t t) {
  SnapshotInfo i;
  i.name = name;
  i.taken_us = t;
  return i;
}

TEST(SnapshotRetention, KeepsNewestPerDayAndWeek) {
  // Monday 2026-11-16 00:00 UTC, then two snapshots a day for 21 days.
  const std::int64_t monday = 1'794'787'200'000'000;
  ASSERT_EQ(format_time_us(monday), "2026-11-16T00:00:00Z");
  std::vector<SnapshotInfo> all;
  for (int day = 0; day < 21; ++day) {
    std::string name = "d";  // (appending: g++ 12 warns falsely on "d" + std::to_string)
    name += std::to_string(100 + day);
    all.push_back(info(name + "a", monday + day * kDay + 6 * kHour));
    all.push_back(info(name + "b", monday + day * kDay + 18 * kHour));
  }
  RetentionPolicy p;
  p.keep_daily = 3;
  p.keep_weekly = 0;
  auto pruned = snapshots_to_prune(all, p);
  EXPECT_EQ(pruned.size(), all.size() - 3);
  for (const char* kept : {"d120b", "d119b", "d118b"})
    EXPECT_EQ(std::count(pruned.begin(), pruned.end(), kept), 0) << kept;
  EXPECT_TRUE(std::is_sorted(pruned.begin(), pruned.end()));

  // Weeks run Monday to Sunday: days 0..6, 7..13, 14..20.
  p.keep_daily = 0;
  p.keep_weekly = 2;
  pruned = snapshots_to_prune(all, p);
  EXPECT_EQ(pruned.size(), all.size() - 2);
  for (const char* kept : {"d120b", "d113b"}) EXPECT_EQ(std::count(pruned.begin(), pruned.end(), kept), 0) << kept;

  // Both: 7 days and 3 weeks overlap in the newest week.
  p.keep_daily = 7;
  p.keep_weekly = 3;
  pruned = snapshots_to_prune(all, p);
  EXPECT_EQ(pruned.size(), all.size() - 9);  // d114b..d120b, d113b, d106b
  EXPECT_EQ(std::count(pruned.begin(), pruned.end(), "d106b"), 0);

  // Days are local: 14:00 and 16:00 UTC are one day in UTC, two in JST (23:00, 01:00).
  const std::vector<SnapshotInfo> two = {info("x", monday + 14 * kHour), info("y", monday + 16 * kHour)};
  p.keep_daily = 2;
  p.keep_weekly = 0;
  p.utc_offset_s = 0;
  EXPECT_EQ(snapshots_to_prune(two, p), std::vector<std::string>{"x"});
  p.utc_offset_s = 9 * 3600;
  EXPECT_TRUE(snapshots_to_prune(two, p).empty());
  EXPECT_TRUE(snapshots_to_prune({}, p).empty());
}

// --- storage -----------------------------------------------------------------------

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty()) << "cannot make a temporary directory";
    dir_ = tmp_.path();
    std::string error;
    auto s = Store::open((fs::path(dir_) / "t.db").string(), "line1", error);
    ASSERT_TRUE(s.has_value()) << error;
    store_.emplace(std::move(*s));
  }
  void TearDown() override {
    store_.reset();
  }

  // A small plant: a PLC (with identity and an IP) polled by an HMI over Modbus.
  static void plant(Ledger& l, std::int64_t t, const std::string& revision) {
    const AssetIndex plc = l.station(*MacAddr::parse("00:00:bc:12:34:56"), t);
    const AssetIndex hmi = l.station(*MacAddr::parse("00:0c:29:aa:bb:cc"), t);
    l.bind_ip(plc, *IpAddr::parse("10.10.1.20"), "arp", t);
    l.bind_ip(hmi, *IpAddr::parse("10.10.1.5"), "arp", t);
    l.add_fact(plc, field::vendor, "Rockwell Automation", "enip_list_identity", t);
    l.add_fact(plc, field::revision, revision, "enip_list_identity", t);
    l.add_fact(plc, field::name, "\xE3\x83\xA9\xE3\x82\xA4\xE3\x83\xB3" "1", "lldp", t);
    const EdgeIndex e = l.edge(hmi, plc, "modbus", "tcp", 502, 0, t);
    l.count_edge(e, 100, t);
  }

  test::TempDir tmp_{"mieruka_snap"};  // removed, with what the test wrote, when the test ends
  std::string dir_;
  std::optional<Store> store_;
};

TEST_F(SnapshotStoreTest, RoundTripAndUniqueNames) {
  Ledger l("line1");
  plant(l, kT0, "32.11");
  const Snapshot s = make_snapshot(l, "before", kT0 + 5);
  EXPECT_EQ(s.info.observed_until_us, kT0);
  ASSERT_EQ(s.assets.size(), 2u);
  ASSERT_EQ(s.links.size(), 1u);
  ASSERT_TRUE(save_snapshot(*store_, s).ok());

  std::string error;
  auto back = load_snapshot(*store_, "before", error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->info.taken_us, kT0 + 5);
  EXPECT_EQ(back->info.observed_until_us, kT0);
  EXPECT_EQ(back->info.sensor, "line1");
  ASSERT_EQ(back->assets.size(), 2u);
  for (std::size_t i = 0; i < s.assets.size(); ++i) {
    EXPECT_EQ(back->assets[i].id, s.assets[i].id);
    EXPECT_EQ(back->assets[i].json, s.assets[i].json);
    EXPECT_EQ(back->assets[i].last_us, s.assets[i].last_us);
    EXPECT_EQ(back->assets[i].ip_last_us, s.assets[i].ip_last_us);
  }
  ASSERT_EQ(back->links.size(), 1u);
  EXPECT_EQ(back->links[0].json, s.links[0].json);
  EXPECT_EQ(back->links[0].json["packets"], 1);
  EXPECT_TRUE(diff_json(diff_snapshots(s, *back))["changed_assets"].empty());

  // The same name again: refused, nothing written.
  const StoreStatus dup = save_snapshot(*store_, make_snapshot(l, "before", kT0 + 9));
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.error.find("exists already"), std::string::npos) << dup.error;
  EXPECT_EQ(dup.error.find('\n'), std::string::npos);
  auto again = load_snapshot(*store_, "before", error);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->info.taken_us, kT0 + 5);
  EXPECT_FALSE(save_snapshot(*store_, make_snapshot(l, "now", kT0)).ok());

  EXPECT_FALSE(load_snapshot(*store_, "nope", error).has_value());
  EXPECT_NE(error.find("no snapshot named \"nope\""), std::string::npos) << error;

  // Another sensor sharing the database does not see it.
  std::string e2;
  auto other = Store::open(store_->path(), "line2", e2);
  ASSERT_TRUE(other.has_value()) << e2;
  EXPECT_FALSE(snapshot_exists(*other, "before"));
  EXPECT_TRUE(save_snapshot(*other, make_snapshot(l, "before", kT0)).ok());
}

TEST_F(SnapshotStoreTest, ListDeleteAndDrops) {
  Ledger l("line1");
  plant(l, kT0, "32.11");
  ASSERT_TRUE(save_snapshot(*store_, make_snapshot(l, "z-first", kT0 + 1)).ok());
  ASSERT_TRUE(save_snapshot(*store_, make_snapshot(l, "a-second", kT0 + 2)).ok());
  std::string error;
  auto list = list_snapshots(*store_, error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "z-first");  // by time, not by name
  EXPECT_EQ(list[1].assets, 2u);
  EXPECT_EQ(list[1].links, 1u);

  ASSERT_TRUE(delete_snapshot(*store_, "z-first").ok());
  EXPECT_EQ(list_snapshots(*store_, error).size(), 1u);
  // The child rows went with it.
  Statement q(store_->native_handle(), "SELECT COUNT(*) FROM snapshot_assets WHERE snapshot = 'z-first'");
  ASSERT_EQ(q.step(), SQLITE_ROW) << q.error();
  EXPECT_EQ(q.integer(0), 0);

  ASSERT_TRUE(store_->record_run({kT0, kT0 + 10, "capture -i eth1", 100, 7}).ok());
  ASSERT_TRUE(store_->record_run({kT0 + 20, kT0 + 30, "capture -i eth1", 100, 5}).ok());
  ASSERT_TRUE(store_->record_run({kT0 + 40, kT0 + 50, "capture -i eth1", 100, 1000}).ok());
  EXPECT_EQ(capture_drops_between(*store_, kT0, kT0 + 30), 12u);
  EXPECT_EQ(capture_drops_between(*store_, kT0 + 10, kT0 + 30), 5u);
  EXPECT_EQ(capture_drops_between(*store_, kT0 + 50, kT0 + 90), 0u);
}

TEST_F(SnapshotStoreTest, DiffAgainstNow) {
  Ledger l("line1");
  plant(l, kT0, "32.11");
  ASSERT_TRUE(save_snapshot(*store_, make_snapshot(l, "monday", kT0 + 1)).ok());
  ASSERT_TRUE(store_->flush(l).ok());

  // A week later: firmware updated, a new engineering laptop writes to the PLC.
  const std::int64_t t1 = kT0 + 7 * kDay;
  Ledger now("line1");
  ASSERT_TRUE(store_->load(now).ok());
  plant(now, t1, "33.11");
  const AssetIndex laptop = now.station(*MacAddr::parse("00:1b:1b:02:9a:c3"), t1);
  now.bind_ip(laptop, *IpAddr::parse("10.10.1.99"), "dhcp", t1);
  const AssetIndex plc = now.station(*MacAddr::parse("00:00:bc:12:34:56"), t1);
  now.count_edge(now.edge(laptop, plc, "enip", "tcp", 44818, 0, t1), 60, t1);

  std::string error;
  auto from = load_snapshot(*store_, "monday", error);
  ASSERT_TRUE(from.has_value()) << error;
  const Diff d = diff_snapshots(*from, make_snapshot(now, "now", t1 + 5));
  const Json j = diff_json(d);
  EXPECT_EQ(j["to"], "now");
  ASSERT_EQ(j["new_assets"].size(), 1u);
  EXPECT_EQ(j["new_assets"][0]["mac"], "00:1b:1b:02:9a:c3");
  EXPECT_EQ(j["new_assets"][0]["ips"][0], "10.10.1.99");
  ASSERT_EQ(j["changed_assets"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["changed_assets"][0]["mac"], "00:00:bc:12:34:56");
  EXPECT_EQ(j["changed_assets"][0]["field"], "revision");
  EXPECT_EQ(j["changed_assets"][0]["old"], "32.11");
  EXPECT_EQ(j["changed_assets"][0]["new"], "33.11");
  ASSERT_EQ(j["new_links"].size(), 1u);
  EXPECT_EQ(j["new_links"][0]["protocol"], "enip");
  EXPECT_TRUE(j["vanished_assets"].empty());
  EXPECT_TRUE(j["vanished_links"].empty());
}

// A diff names a device by the approved list's name, else what the wire said.
TEST(DiffAssetLabel, ApprovedNameThenNameProductIpMacId) {
  Json a = {{"id", "29f71cd4dedca773"}, {"mac", "00:80:f4:0a:0b:0c"}, {"ips", Json::array({"10.0.0.5"})},
            {"name", nullptr}, {"product", "Q03UDV"}};
  EXPECT_EQ(diff_asset_label(a), "Q03UDV");
  a["name"] = "PLC-2";
  EXPECT_EQ(diff_asset_label(a), "PLC-2");
  a["approved_entry"] = {{"name", "成形機PLC 2号"}, {"location", "第2工場"}};
  EXPECT_EQ(diff_asset_label(a), "成形機PLC 2号");
  Json b = {{"id", "31a625efd62c9b47"}, {"mac", nullptr}, {"ips", Json::array({"10.0.0.9"})}};
  EXPECT_EQ(diff_asset_label(b), "10.0.0.9");
  b["ips"] = Json::array();
  EXPECT_EQ(diff_asset_label(b), "31a625efd62c9b47");
  EXPECT_EQ(diff_asset_label(Json::array()), "");
}

}  // namespace
}  // namespace mieruka::inventory
