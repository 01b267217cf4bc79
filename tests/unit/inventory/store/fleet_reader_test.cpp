// FleetReader: a fleet read again loads only the sensors whose version moved,
// and gives exactly the ledger a read of every sensor anew gives (a change on
// one sensor, a sensor added, a sensor dropped, nothing changed).
// FleetIndex: the fleet by its keys has the whole merge's devices, and a
// device read whole through it is the whole merge's device, links included;
// its parts hold every device once, and the findings made part by part are
// the whole merge's.
#include "inventory/store/fleet_reader.hpp"
#include "inventory/store/fleet_index.hpp"

#include "inventory/ledger/fleet.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/ledger_source.hpp"
#include "inventory/store/store.hpp"
#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace mieruka::inventory {
namespace {

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

// Every field the merge sets, in order: two ledgers print the same exactly
// when they hold the same.
std::string dump(const Ledger& l) {
  std::ostringstream o;
  for (const Asset& a : l.assets()) {
    o << "asset " << a.id << " mac=" << (a.mac ? a.mac->to_string() : "-")
      << " key=" << (a.key_ip ? a.key_ip->to_string() : "-") << " parent=" << a.parent_id << " t=" << a.first_us
      << ".." << a.last_us << " p=" << a.packets_sent << " b=" << a.bytes_sent << "\n";
    for (const auto& f : a.facts) o << "  fact " << f.field << "=" << f.value << " " << f.source << " " << f.count << "\n";
    for (const auto& r : a.ips) o << "  ip " << r.ip.to_string() << " " << r.source << "\n";
    for (const auto& g : a.sightings) o << "  sighting " << g.sensor << "@" << g.site << " p=" << g.packets_sent << "\n";
  }
  for (const Edge& e : l.edges())
    o << "edge " << e.id << " " << e.from_id << ">" << e.to_id << " " << e.protocol << ":" << e.port
      << " p=" << e.packets << " ops=" << e.ops.size() << "\n";
  return o.str();
}

// The SQLite ledger, with a version per sensor the test moves (the SQLite
// ledger's own is one for all), counting the loads.
class CountingSource final : public LedgerSource {
 public:
  explicit CountingSource(std::unique_ptr<LedgerSource> inner) : inner_(std::move(inner)) {}
  std::map<std::string, std::string> versions;
  std::vector<std::string> loads;

  const std::string& where() const noexcept override { return inner_->where(); }
  bool central() const noexcept override { return false; }
  StoreStatus sensors(std::vector<std::string>& out) override { return inner_->sensors(out); }
  StoreStatus sites(std::map<std::string, std::string>& out) override { return inner_->sites(out); }
  StoreStatus load(const std::string& sensor, Ledger& ledger) override {
    loads.push_back(sensor);
    return inner_->load(sensor, ledger);
  }
  StoreStatus finding_states(const std::string& s, std::vector<Ack>& out) override { return inner_->finding_states(s, out); }
  StoreStatus counters(const std::string& s, std::map<std::string, std::uint64_t>& out) override {
    return inner_->counters(s, out);
  }
  StoreStatus runs(const std::string& s, std::vector<RunRecord>& out) override { return inner_->runs(s, out); }
  StoreStatus snapshots(const std::string& s, std::vector<SnapshotInfo>& out) override { return inner_->snapshots(s, out); }
  StoreStatus snapshot(const std::string& s, std::string_view n, Snapshot& out) override {
    return inner_->snapshot(s, n, out);
  }
  StoreStatus advisories(const std::string& s, std::vector<StoredAdvisory>& out) override {
    return inner_->advisories(s, out);
  }
  StoreStatus remediation_states(const std::string& s, std::vector<RemediationState>& out) override {
    return inner_->remediation_states(s, out);
  }
  StoreStatus advisories_version(const std::string& s, std::string& out) override {
    return inner_->advisories_version(s, out);
  }
  StoreStatus review_facts(const std::string& s, std::int64_t from_us, std::int64_t to_us, std::int64_t grace_us,
                           ReviewFacts& out) override {
    return inner_->review_facts(s, from_us, to_us, grace_us, out);
  }
  StoreStatus capture_drops(const std::string& s, std::int64_t from_us, std::int64_t to_us,
                            std::uint64_t& out) override {
    return inner_->capture_drops(s, from_us, to_us, out);
  }
  StoreStatus appliance(const std::string& s, std::optional<ApplianceConfig>& out) override {
    return inner_->appliance(s, out);
  }
  StoreStatus version(std::string& out) override { return inner_->version(out); }
  StoreStatus sensor_versions(std::map<std::string, std::string>& out) override {
    out = versions;
    return {};
  }
  StoreStatus asset_counts(std::map<std::string, std::uint64_t>& out) override { return inner_->asset_counts(out); }

 private:
  std::unique_ptr<LedgerSource> inner_;
};

constexpr std::int64_t kT = 1'780'000'000'000'000;

// One sensor's ledger: the PLC every sensor of the site sees (same MAC), an
// HMI of its own polling it, and, on "b", the HMI of "a" seen only behind a
// router (folded into a's station by address). `extra` packets on its HMI.
Ledger sensor_ledger(const std::string& sensor, int n, std::uint64_t extra) {
  Ledger l(sensor);
  const AssetIndex plc = l.resolve(mac("00:1b:1b:02:9a:c3"), ip("10.0.0.10"), kT);
  l.bind_ip(plc, ip("10.0.0.10"), "arp", kT);
  l.add_fact(plc, field::vendor, "Siemens", "oui", kT);
  l.sent(plc, 60, 0, kT + 1);
  const std::string own = "00:00:bc:11:22:" + std::to_string(10 + n);
  const std::string own_ip = "10.0.0." + std::to_string(20 + n);
  const AssetIndex hmi = l.resolve(mac(own.c_str()), ip(own_ip.c_str()), kT + n);
  l.bind_ip(hmi, ip(own_ip.c_str()), "arp", kT + n);
  l.sent(hmi, 100, 0, kT + 2);
  for (std::uint64_t i = 0; i < extra; ++i) l.sent(hmi, 100, 0, kT + 3 + static_cast<std::int64_t>(i));
  const EdgeIndex e = l.edge(hmi, plc, "modbus", "tcp", 502, 0, kT + 2);
  l.count_edge(e, 80, kT + 2);
  if (sensor == "b") {
    const AssetIndex routed = l.resolve(std::nullopt, ip("10.0.0.20"), kT + 5);
    l.sent(routed, 70, 0, kT + 5);
    l.count_edge(l.edge(routed, plc, "modbus", "tcp", 502, 0, kT + 5), 70, kT + 5);
    // A unit behind the address a's HMI holds: under the HMI's fleet id.
    const AssetIndex unit = l.child(routed, "unit:3", kT + 6);
    l.add_fact(unit, field::product, "Inverter", "modbus", kT + 6);
    l.add_fact(routed, field::hostname, "hmi-a", "dhcp", kT + 6);
  }
  if (sensor == "c") {  // a site of its own: its 10.0.0.20 is another device
    const AssetIndex routed = l.resolve(std::nullopt, ip("10.0.0.20"), kT + 7);
    l.add_fact(routed, field::vendor, "Omron", "enip", kT + 7);
    l.count_edge(l.edge(hmi, routed, "enip", "tcp", 44818, 0, kT + 7), 60, kT + 7);
  }
  return l;
}

struct Fleet {
  test::TempDir tmp{"mieruka_fleet_reader"};
  std::string db = tmp.path() + "/fleet.db";

  void write(const std::string& sensor, int n, std::uint64_t extra) {
    std::string error;
    auto store = Store::open(db, sensor, error);
    ASSERT_TRUE(store) << error;
    Ledger l = sensor_ledger(sensor, n, extra);
    ASSERT_TRUE(store->flush(l).ok());
  }
};

// What a read of every sensor anew gives.
std::string whole(const std::string& db, const std::vector<std::string>& sensors,
                  const std::map<std::string, std::string>& sites) {
  std::string error;
  auto src = sqlite_source(db, error);
  EXPECT_TRUE(src) << error;
  FleetReader once(false);
  Ledger l;
  EXPECT_TRUE(once.read(*src, sensors, sites, l).ok());
  return dump(l);
}

TEST(FleetReader, ReloadsOnlyTheSensorsWhoseVersionMoved) {
  Fleet f;
  f.write("a", 0, 0);
  f.write("b", 1, 0);
  f.write("c", 2, 0);
  std::string error;
  auto inner = sqlite_source(f.db, error);
  ASSERT_TRUE(inner) << error;
  CountingSource src(std::move(inner));
  src.versions = {{"a", "1"}, {"b", "1"}, {"c", "1"}};
  const std::vector<std::string> sensors = {"a", "b", "c"};
  const std::map<std::string, std::string> sites = {{"a", "east"}, {"b", "east"}};
  FleetReader reader;
  Ledger first;
  ASSERT_TRUE(reader.read(src, sensors, sites, first).ok());
  EXPECT_EQ(reader.loaded(), sensors);
  EXPECT_EQ(dump(first), whole(f.db, sensors, sites));
  // a's HMI folded the address b saw behind a router; the PLC is one asset.
  EXPECT_NE(dump(first).find("sighting b@east"), std::string::npos);

  // Nothing moved: nothing loaded, the same ledger.
  src.loads.clear();
  Ledger again;
  ASSERT_TRUE(reader.read(src, sensors, sites, again).ok());
  EXPECT_TRUE(src.loads.empty());
  EXPECT_TRUE(reader.loaded().empty());
  EXPECT_EQ(dump(again), dump(first));

  // b changes: only b is loaded, and the fleet is what a whole read gives.
  f.write("b", 1, 5);
  src.versions["b"] = "2";
  src.loads.clear();
  Ledger changed;
  ASSERT_TRUE(reader.read(src, sensors, sites, changed).ok());
  EXPECT_EQ(src.loads, std::vector<std::string>{"b"});
  EXPECT_EQ(dump(changed), whole(f.db, sensors, sites));
  EXPECT_NE(dump(changed), dump(first));

  // A site changed (no version moves): nothing loaded, merged by the new sites.
  const std::map<std::string, std::string> apart = {{"a", "east"}, {"b", "west"}};
  src.loads.clear();
  Ledger moved;
  ASSERT_TRUE(reader.read(src, sensors, apart, moved).ok());
  EXPECT_TRUE(src.loads.empty());
  EXPECT_EQ(dump(moved), whole(f.db, sensors, apart));
  EXPECT_NE(dump(moved), dump(changed));

  // c dropped, then back: only c is loaded again (what is not read is not kept).
  ASSERT_TRUE(reader.read(src, {"a", "b"}, sites, moved).ok());
  EXPECT_EQ(dump(moved), whole(f.db, {"a", "b"}, sites));
  src.loads.clear();
  ASSERT_TRUE(reader.read(src, sensors, sites, moved).ok());
  EXPECT_EQ(src.loads, std::vector<std::string>{"c"});
  EXPECT_EQ(dump(moved), whole(f.db, sensors, sites));

  // One sensor: its own ledger, as loaded.
  Ledger one;
  ASSERT_TRUE(reader.read(src, {"b"}, sites, one).ok());
  Ledger b("b");
  auto direct = sqlite_source(f.db, error);
  ASSERT_TRUE(direct->load("b", b).ok());
  EXPECT_EQ(dump(one), dump(b));
}

// A sensor without a version (not listed by the source) is loaded every time.
TEST(FleetReader, ASensorWithoutAVersionIsAlwaysLoaded) {
  Fleet f;
  f.write("a", 0, 0);
  f.write("b", 1, 0);
  std::string error;
  auto inner = sqlite_source(f.db, error);
  ASSERT_TRUE(inner) << error;
  CountingSource src(std::move(inner));
  src.versions = {{"a", "1"}};
  FleetReader reader;
  Ledger l;
  ASSERT_TRUE(reader.read(src, {"a", "b"}, {}, l).ok());
  src.loads.clear();
  ASSERT_TRUE(reader.read(src, {"a", "b"}, {}, l).ok());
  EXPECT_EQ(src.loads, std::vector<std::string>{"b"});
}

// The SQLite ledger gives every sensor the database's version: a commit of
// any sensor moves them all.
TEST(FleetReader, SqliteVersionsNameEverySensorAndMoveTogether) {
  Fleet f;
  f.write("a", 0, 0);
  f.write("b", 1, 0);
  std::string error;
  auto src = sqlite_source(f.db, error);
  ASSERT_TRUE(src) << error;
  std::map<std::string, std::string> before, after;
  ASSERT_TRUE(src->sensor_versions(before).ok());
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before.at("a"), before.at("b"));
  f.write("b", 1, 3);
  ASSERT_TRUE(src->sensor_versions(after).ok());
  EXPECT_NE(after.at("a"), before.at("a"));
  EXPECT_EQ(after.at("a"), after.at("b"));
}

// One asset of a dumped ledger, and the edges at it.
std::string dump_of(const std::string& dumped, const std::string& id) {
  std::istringstream in(dumped);
  std::string line, out;
  bool in_asset = false;
  while (std::getline(in, line)) {
    if (line.rfind("asset ", 0) == 0) in_asset = line.rfind("asset " + id + " ", 0) == 0;
    else if (line.rfind("edge ", 0) == 0) in_asset = line.find(" " + id + ">") != std::string::npos ||
                                                      line.find(">" + id + " ") != std::string::npos;
    if (in_asset) out += line + "\n";
  }
  return out;
}

TEST(FleetIndex, HoldsTheWholeMergesDevicesAndReadsEachAsTheMergeMakesIt) {
  Fleet f;
  f.write("a", 0, 0);
  f.write("b", 1, 2);
  f.write("c", 2, 0);
  std::string error;
  auto src = sqlite_source(f.db, error);
  ASSERT_TRUE(src) << error;
  const std::vector<std::string> sensors = {"c", "b", "a"};  // any order
  const std::map<std::string, std::string> sites = {{"a", "east"}, {"b", "east"}, {"c", "west"}};
  const std::string merged = whole(f.db, sensors, sites);
  Ledger full;
  {
    FleetReader once(false);
    ASSERT_TRUE(once.read(*src, sensors, sites, full).ok());
  }
  FleetIndex index;
  ASSERT_TRUE(index.build(*src, sensors, sites).ok());
  // The same devices under the same ids, with the same sightings and keys.
  ASSERT_EQ(index.keys().assets().size(), full.assets().size());
  EXPECT_TRUE(index.keys().edges().empty());
  for (std::size_t i = 0; i < full.assets().size(); ++i) {
    const Asset& k = index.keys().assets()[i];
    const Asset& a = full.assets()[i];
    EXPECT_EQ(k.id, a.id);
    EXPECT_EQ(k.mac, a.mac);
    EXPECT_EQ(k.parent_id, a.parent_id);
    EXPECT_EQ(k.first_us, a.first_us);
    EXPECT_EQ(k.last_us, a.last_us);
    EXPECT_EQ(k.ips.size(), a.ips.size());
    EXPECT_EQ(k.vlans, a.vlans);
    ASSERT_EQ(k.sightings.size(), a.sightings.size());
    for (std::size_t j = 0; j < a.sightings.size(); ++j) EXPECT_EQ(k.sightings[j].sensor, a.sightings[j].sensor);
    for (const auto& fld : FleetIndex::key_fields()) {
      const FactRecord* kb = Ledger::best(k, fld);
      const FactRecord* ab = Ledger::best(a, fld);
      ASSERT_EQ(kb == nullptr, ab == nullptr) << a.id << " " << fld;
      if (ab != nullptr) {
        EXPECT_EQ(kb->value, ab->value);
      }
    }
  }
  // Each device read whole: the merge's device and its links, exactly.
  bool child_seen = false, qualified_seen = false;
  for (const Asset& a : full.assets()) {
    Ledger page;
    ASSERT_TRUE(index.read(*src, {a.id}, page).ok());
    EXPECT_EQ(dump_of(dump(page), a.id), dump_of(merged, a.id)) << a.id;
    EXPECT_FALSE(dump_of(merged, a.id).empty());
    // The device it sits behind is there to be named (a child's class names it).
    if (!a.parent_id.empty()) {
      EXPECT_NE(page.index_of(a.parent_id), kNoAsset) << a.id;
    }
    child_seen = child_seen || !a.parent_id.empty();
    qualified_seen = qualified_seen || a.id.find("site:") != std::string::npos ||
                     (a.key_ip && a.key_ip->to_string() == "10.0.0.20");
  }
  EXPECT_TRUE(child_seen);
  EXPECT_TRUE(qualified_seen);
  // Several at once, and an id the index lacks left out.
  Ledger two;
  ASSERT_TRUE(index.read(*src, {full.assets().front().id, full.assets().back().id, "nobody"}, two).ok());
  EXPECT_NE(two.index_of(full.assets().front().id), kNoAsset);
  EXPECT_NE(two.index_of(full.assets().back().id), kNoAsset);
  EXPECT_EQ(two.index_of("nobody"), kNoAsset);
}

// Two stations of one host (the same announced name, MACs a few apart) in
// two zones, on a sensor of their own; a third of the same name on another
// MAC block that joins no one.
void write_host(Fleet& f) {
  std::string error;
  auto store = Store::open(f.db, "d", error);
  ASSERT_TRUE(store) << error;
  Ledger l("d");
  const auto station = [&](const char* m, const char* a) {
    const AssetIndex i = l.resolve(mac(m), ip(a), kT);
    l.bind_ip(i, ip(a), "arp", kT);
    l.add_fact(i, field::hostname, "twin", "dhcp", kT);
    l.sent(i, 60, 0, kT);
    return i;
  };
  const AssetIndex office = station("00:00:bc:77:00:01", "192.168.10.5");
  const AssetIndex cell = station("00:00:bc:77:00:02", "10.0.0.77");
  station("3c:00:00:00:00:09", "10.0.0.78");
  l.count_edge(l.edge(office, cell, "http", "tcp", 80, 0, kT + 1), 10, kT + 1);
  ASSERT_TRUE(store->flush(l).ok());
}

TEST(FleetIndex, PartsHoldEveryDeviceOnceAndTheirFindingsAreTheWholeMerges) {
  Fleet f;
  f.write("a", 0, 0);
  f.write("b", 1, 2);
  f.write("c", 2, 0);
  write_host(f);
  std::string error;
  auto src = sqlite_source(f.db, error);
  ASSERT_TRUE(src) << error;
  const std::vector<std::string> sensors = {"a", "b", "c", "d"};
  const std::map<std::string, std::string> sites = {{"a", "east"}, {"b", "east"}, {"c", "west"}};
  Ledger full;
  {
    FleetReader once(false);
    ASSERT_TRUE(once.read(*src, sensors, sites, full).ok());
  }
  FleetIndex index;
  ASSERT_TRUE(index.build(*src, sensors, sites).ok());
  ASSERT_EQ(index.host_groups().size(), 1u);
  EXPECT_EQ(index.host_groups().front().size(), 2u);

  // Every device listed (no approved list entry), zones the host's stations sit apart in.
  const std::optional<ApprovedList> approved = parse_approved("mac,ip,name\n00:00:00:00:00:01,,None\n", "ap.csv", error);
  ASSERT_TRUE(approved) << error;
  ZonePolicy zones;
  zones.zones.push_back({"office", 4, {*Subnet::parse("192.168.10.0/24")}, {}});
  zones.zones.push_back({"cell", 1, {*Subnet::parse("10.0.0.0/24")}, {}});
  FindingsPolicy whole_policy;
  whole_policy.approved = &*approved;
  whole_policy.zones = &zones;
  const std::vector<Finding> whole = compute_findings(full, whole_policy);
  std::set<std::string> types;
  for (const auto& x : whole) types.insert(x.evidence_kind);
  EXPECT_TRUE(types.contains("cross_zone_dual")) << "the fixture has a host in two zones";
  EXPECT_TRUE(types.contains("hidden_behind")) << "and a device behind another";

  const auto ids_of = [](const std::vector<Finding>& fs) {
    std::vector<std::string> out;
    for (const auto& x : fs) out.push_back(x.id + " " + x.asset + " " + x.evidence + " " + std::to_string(x.first_us));
    return out;
  };
  FindingsPolicy part_policy = whole_policy;
  part_policy.host_groups = &index.host_groups();
  for (const std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{1000}}) {
    const auto parts = index.parts(size);
    std::vector<AssetIndex> seen;
    std::vector<Finding> joined;
    for (const auto& part : parts) {
      ASSERT_FALSE(part.empty());
      std::vector<std::string> ids;
      std::unordered_set<std::string> own;
      for (const AssetIndex i : part) {
        seen.push_back(i);
        ids.push_back(index.keys().assets()[i].id);
        own.insert(ids.back());
      }
      // A device and the devices behind it, and the stations of one host, are in one part.
      for (const AssetIndex i : part) {
        const Asset& a = index.keys().assets()[i];
        if (!a.parent_id.empty()) {
          EXPECT_TRUE(own.contains(a.parent_id)) << a.id << " at " << size;
        }
      }
      for (const auto& g : index.host_groups()) {
        EXPECT_EQ(own.contains(g.front()), own.contains(g.back())) << size;
      }
      Ledger L;
      ASSERT_TRUE(index.read(*src, ids, L).ok());
      auto fs = compute_findings(L, part_policy, own);
      joined.insert(joined.end(), fs.begin(), fs.end());
    }
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), index.keys().assets().size()) << size;
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i) << size;
    if (size == 1000) {
      // One part per sensor that is the first to hold a record of some device:
      // a, b (its own HMI), c (a site of its own) and d.
      EXPECT_EQ(parts.size(), 4u);
    }
    sort_findings(joined);
    EXPECT_EQ(ids_of(joined), ids_of(whole)) << "parts of " << size;
  }
  // The devices with a record in b: the PLC every sensor sees, b's own HMI,
  // and a's HMI, which b saw behind a router (with the unit behind it).
  const auto of_b = index.devices_of({"b"});
  EXPECT_EQ(of_b.size(), 4u);
  for (const auto& id : of_b) {
    EXPECT_NE(index.keys().index_of(id), kNoAsset) << id;
  }
  EXPECT_TRUE(index.devices_of({"nobody"}).empty());
}

}  // namespace
}  // namespace mieruka::inventory
