// The fleet ledger: one device seen by several sensors is one asset (same MAC,
// same child route, an address behind a router folded into the station of the
// same site that holds it), never across sites and never two MACs; counters,
// facts, edges and sightings joined; the same output for the sensors in any
// order; a valid ledger for every reader.
#include "inventory/ledger/fleet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace mieruka::inventory {
namespace {

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

const char* const kPlc = "00:1b:1b:02:9a:c3";
const char* const kHmi = "00:00:bc:11:22:33";
const char* const kScada = "00:0e:8c:44:55:66";

const FactRecord* fact(const Asset& a, std::string_view field, std::string_view source) {
  for (const auto& f : a.facts)
    if (f.field == field && f.source == source) return &f;
  return nullptr;
}

// Every field of every record, in order: two ledgers print the same exactly
// when they hold the same.
std::string dump(const Ledger& l) {
  std::ostringstream o;
  for (const Asset& a : l.assets()) {
    o << "asset " << a.id << " mac=" << (a.mac ? a.mac->to_string() : "-")
      << " key=" << (a.key_ip ? a.key_ip->to_string() : "-") << " parent=" << a.parent_id << " route=" << a.route
      << " router=" << a.router << " merged=" << a.merged_into << " dirty=" << a.dirty << " t=" << a.first_us << ".."
      << a.last_us << " p=" << a.packets_sent << " b=" << a.bytes_sent << "\n";
    for (auto v : a.vlans) o << "  vlan " << v << "\n";
    for (const auto& f : a.facts)
      o << "  fact " << f.field << "=" << f.value << " " << f.source << " " << f.count << " " << f.first_us << ".."
        << f.last_us << "\n";
    for (const auto& r : a.ips) o << "  ip " << r.ip.to_string() << " " << r.source << " " << r.first_us << ".." << r.last_us << "\n";
    for (const auto& p : a.protocols) o << "  protocol " << p << "\n";
    for (const auto& g : a.sightings) {
      o << "  sighting " << g.sensor << "@" << g.site << " " << g.first_us << ".." << g.last_us << " p=" << g.packets_sent;
      for (const auto& x : g.ips) o << " " << x.to_string();
      for (auto v : g.vlans) o << " v" << v;
      o << "\n";
    }
  }
  for (const Edge& e : l.edges()) {
    o << "edge " << e.id << " " << e.from_id << ">" << e.to_id << " " << e.protocol << "/" << e.transport << ":"
      << e.port << " v" << e.vlan << " merged=" << e.merged_into << " dirty=" << e.dirty << " t=" << e.first_us
      << ".." << e.last_us << " p=" << e.packets << " b=" << e.bytes << "\n";
    for (const auto& op : e.ops)
      o << "  op " << op.protocol << " " << op.name << " " << op.code << " n=" << op.count << " err=" << op.errors
        << " w=" << op.is_write << " c=" << op.is_control << " r=" << op.has_range << ":" << op.range_lo << "-"
        << op.range_hi << " " << op.first_us << ".." << op.last_us << "\n";
  }
  return o.str();
}

// The reader's promises: ids unique and found, edges' ends are their ids' assets.
void expect_valid(const Ledger& l) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < l.assets().size(); ++i) {
    const Asset& a = l.assets()[i];
    EXPECT_EQ(a.merged_into, kNoAsset);
    EXPECT_FALSE(a.dirty);
    EXPECT_EQ(l.index_of(a.id), i) << a.id;
    ids.push_back(a.id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate asset id";
  std::vector<std::string> edge_ids;
  for (std::size_t k = 0; k < l.edges().size(); ++k) {
    const Edge& e = l.edges()[k];
    EXPECT_EQ(e.merged_into, kNoEdge);
    EXPECT_EQ(e.id, Ledger::id_for_edge(e.from_id, e.to_id, e.protocol, e.port, e.vlan));
    const auto [from, to] = l.ends(static_cast<EdgeIndex>(k));
    ASSERT_NE(from, kNoAsset) << e.from_id;
    ASSERT_NE(to, kNoAsset) << e.to_id;
    EXPECT_EQ(l.assets()[from].id, e.from_id);
    EXPECT_EQ(l.assets()[to].id, e.to_id);
    edge_ids.push_back(e.id);
  }
  std::sort(edge_ids.begin(), edge_ids.end());
  EXPECT_EQ(std::adjacent_find(edge_ids.begin(), edge_ids.end()), edge_ids.end()) << "duplicate edge id";
}

Operation read_op(std::uint32_t start) {
  Operation op;
  op.protocol = "modbus";
  op.name = "read_holding_registers";
  op.code = 3;
  op.is_range = true;
  op.range_start = start;
  op.range_count = 10;
  return op;
}

// Line 1's sensor sees the PLC on its own segment (it sends from 10.0.1.5) and
// the HMI polling it.
Ledger line1() {
  Ledger l("line1");
  const AssetIndex plc = l.resolve(mac(kPlc), ip("10.0.1.5"), 1000);
  l.sent(plc, 100, 10, 1000);
  l.add_fact(plc, "vendor", "Mitsubishi", "oui", 1000);
  l.add_fact(plc, "model", "Q03UDE", "melsec", 1500);
  l.add_protocol(plc, "melsec");
  const AssetIndex hmi = l.resolve(mac(kHmi), ip("10.0.1.20"), 1200);
  l.sent(hmi, 80, 10, 1200);
  const EdgeIndex e = l.edge(hmi, plc, "modbus", "tcp", 502, 0, 1200);
  l.count_edge(e, 80, 1200);
  l.add_op(e, read_op(0), 1200);
  return l;
}

// Line 2's sensor sees the PLC's address only through a router, and the HMI
// (it sits on a trunk both switches mirror) polling that address.
Ledger line2() {
  Ledger l("line2");
  const AssetIndex far_plc = l.resolve(std::nullopt, ip("10.0.1.5"), 900);
  l.sent(far_plc, 60, 0, 900);
  l.add_fact(far_plc, "model", "Q03UDE", "melsec", 950);
  l.add_protocol(far_plc, "modbus");
  const AssetIndex hmi = l.resolve(mac(kHmi), ip("10.0.1.20"), 800);
  l.sent(hmi, 80, 20, 800);
  l.sent(hmi, 80, 20, 2000);
  const EdgeIndex e = l.edge(hmi, far_plc, "modbus", "tcp", 502, 0, 800);
  l.count_edge(e, 80, 800);
  l.count_edge(e, 80, 2000);
  l.add_op(e, read_op(100), 2000);
  return l;
}

std::vector<SensorLedger> plant(const std::string& site1, const std::string& site2) {
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"line1", site1, line1()});
  v.push_back(SensorLedger{"line2", site2, line2()});
  return v;
}

TEST(FleetTest, EmptyInputIsAnEmptyLedger) {
  const Ledger l = merge_fleet({});
  EXPECT_TRUE(l.assets().empty());
  EXPECT_TRUE(l.edges().empty());
  EXPECT_TRUE(l.sensor_name().empty());
}

TEST(FleetTest, ASensorWithAnEmptyLedgerAddsNothing) {
  std::vector<SensorLedger> with;
  with.push_back(SensorLedger{"line1", "plant", line1()});
  with.push_back(SensorLedger{"spare", "plant", Ledger("spare")});
  std::vector<SensorLedger> without;
  without.push_back(SensorLedger{"line1", "plant", line1()});
  const Ledger a = merge_fleet(std::move(with)), b = merge_fleet(std::move(without));
  EXPECT_EQ(dump(a), dump(b));
  EXPECT_EQ(a.assets().size(), 2U);
  for (const Asset& x : a.assets()) {
    ASSERT_EQ(x.sightings.size(), 1U);
    EXPECT_EQ(x.sightings[0].sensor, "line1");
  }
  expect_valid(a);
}

TEST(FleetTest, OneMacSeenByTwoSensorsIsOneAssetWhateverTheSites) {
  // Different sites: the MAC still names one device (no address is compared).
  const Ledger l = merge_fleet(plant("tokyo", "osaka"));
  expect_valid(l);
  const Asset* hmi = l.find(Ledger::id_for_mac(mac(kHmi)));
  ASSERT_NE(hmi, nullptr);
  EXPECT_EQ(hmi->packets_sent, 3U);
  EXPECT_EQ(hmi->bytes_sent, 240U);
  EXPECT_EQ(hmi->first_us, 800);
  EXPECT_EQ(hmi->last_us, 2000);
  EXPECT_EQ(hmi->vlans, (std::vector<std::uint16_t>{10, 20}));
  ASSERT_EQ(hmi->ips.size(), 1U);
  EXPECT_EQ(hmi->ips[0].first_us, 800);
  EXPECT_EQ(hmi->ips[0].last_us, 1200);
  std::size_t hmis = 0;
  for (const Asset& a : l.assets()) hmis += a.mac && *a.mac == mac(kHmi) ? 1 : 0;
  EXPECT_EQ(hmis, 1U);
}

TEST(FleetTest, SightingsSayWhatEachSensorSaw) {
  const Ledger l = merge_fleet(plant("tokyo", "osaka"));
  const Asset* hmi = l.find(Ledger::id_for_mac(mac(kHmi)));
  ASSERT_NE(hmi, nullptr);
  ASSERT_EQ(hmi->sightings.size(), 2U);
  const Sighting& a = hmi->sightings[0];
  EXPECT_EQ(a.sensor, "line1");
  EXPECT_EQ(a.site, "tokyo");
  EXPECT_EQ(a.first_us, 1200);
  EXPECT_EQ(a.last_us, 1200);
  EXPECT_EQ(a.packets_sent, 1U);
  EXPECT_EQ(a.ips, (std::vector<IpAddr>{ip("10.0.1.20")}));
  EXPECT_EQ(a.vlans, (std::vector<std::uint16_t>{10}));
  const Sighting& b = hmi->sightings[1];
  EXPECT_EQ(b.sensor, "line2");
  EXPECT_EQ(b.site, "osaka");
  EXPECT_EQ(b.first_us, 800);
  EXPECT_EQ(b.last_us, 2000);
  EXPECT_EQ(b.packets_sent, 2U);
  EXPECT_EQ(b.vlans, (std::vector<std::uint16_t>{20}));
}

TEST(FleetTest, AnAddressBehindARouterIsTheStationOfTheSameSiteThatHoldsIt) {
  const Ledger l = merge_fleet(plant("plant", "plant"));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 2U);  // the PLC and the HMI
  EXPECT_EQ(l.find(Ledger::id_for_ip(ip("10.0.1.5"))), nullptr);
  const Asset* plc = l.find(Ledger::id_for_mac(mac(kPlc)));
  ASSERT_NE(plc, nullptr);
  EXPECT_EQ(plc->mac, mac(kPlc));
  EXPECT_FALSE(plc->key_ip.has_value());
  // Counters, facts and protocols of both.
  EXPECT_EQ(plc->packets_sent, 2U);
  EXPECT_EQ(plc->bytes_sent, 160U);
  EXPECT_EQ(plc->first_us, 900);
  EXPECT_EQ(plc->last_us, 1000);
  const FactRecord* model = fact(*plc, "model", "melsec");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->count, 2U);
  EXPECT_EQ(model->first_us, 950);
  EXPECT_EQ(model->last_us, 1500);
  EXPECT_NE(fact(*plc, "vendor", "oui"), nullptr);
  EXPECT_EQ(plc->protocols, (std::vector<std::string>{"melsec", "modbus"}));
  ASSERT_EQ(plc->ips.size(), 1U);
  EXPECT_EQ(plc->ips[0].source, "ip");  // sent from it: the stronger of the two records
  EXPECT_EQ(plc->ips[0].first_us, 900);
  // Its sightings: line1 saw the station, line2 the address.
  ASSERT_EQ(plc->sightings.size(), 2U);
  EXPECT_EQ(plc->sightings[1].sensor, "line2");
  EXPECT_EQ(plc->sightings[1].packets_sent, 1U);
  EXPECT_EQ(plc->sightings[1].ips, (std::vector<IpAddr>{ip("10.0.1.5")}));
  // The HMI's two edges to the PLC are one edge now: re-keyed and joined.
  ASSERT_EQ(l.edges().size(), 1U);
  const Edge& e = l.edges()[0];
  EXPECT_EQ(e.from_id, Ledger::id_for_mac(mac(kHmi)));
  EXPECT_EQ(e.to_id, plc->id);
  EXPECT_EQ(e.id, Ledger::id_for_edge(e.from_id, e.to_id, "modbus", 502, 0));
  EXPECT_EQ(e.packets, 3U);
  EXPECT_EQ(e.bytes, 240U);
  EXPECT_EQ(e.first_us, 800);
  EXPECT_EQ(e.last_us, 2000);
  ASSERT_EQ(e.ops.size(), 1U);
  EXPECT_EQ(e.ops[0].count, 2U);
  EXPECT_EQ(e.ops[0].range_lo, 0U);
  EXPECT_EQ(e.ops[0].range_hi, 109U);
}

TEST(FleetTest, TheSameAddressInTwoSitesIsNotOneDevice) {
  const Ledger l = merge_fleet(plant("tokyo", "osaka"));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 3U);  // the PLC, the HMI, osaka's 10.0.1.5
  const Asset* far = l.find(Ledger::id_for_ip(ip("10.0.1.5")));  // one network only: the sensor's id
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(far->key_ip, ip("10.0.1.5"));
  EXPECT_FALSE(far->mac.has_value());
  ASSERT_EQ(far->sightings.size(), 1U);
  EXPECT_EQ(far->sightings[0].site, "osaka");
  const Asset* plc = l.find(Ledger::id_for_mac(mac(kPlc)));
  ASSERT_NE(plc, nullptr);
  EXPECT_EQ(plc->packets_sent, 1U);
  EXPECT_EQ(l.edges().size(), 2U);
}

TEST(FleetTest, SensorsWithoutASiteNeverShareAddresses) {
  const Ledger l = merge_fleet(plant("", ""));
  expect_valid(l);
  EXPECT_EQ(l.assets().size(), 3U);
  EXPECT_NE(l.find(Ledger::id_for_ip(ip("10.0.1.5"))), nullptr);
}

TEST(FleetTest, OneAddressBehindRoutersInTwoNetworksIsTwoAssetsWithTheirOwnIds) {
  Ledger a("a"), b("b"), c("c");
  const AssetIndex xa = a.resolve(std::nullopt, ip("192.168.0.10"), 10);
  a.sent(xa, 60, 0, 10);
  const AssetIndex xb = b.resolve(std::nullopt, ip("192.168.0.10"), 20);
  b.sent(xb, 60, 0, 20);
  const AssetIndex xc = c.resolve(std::nullopt, ip("192.168.0.10"), 30);
  c.sent(xc, 60, 0, 30);
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "tokyo", std::move(a)});
  v.push_back(SensorLedger{"b", "osaka", std::move(b)});
  v.push_back(SensorLedger{"c", "osaka", std::move(c)});  // the same network as b: one asset
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 2U);
  const std::string id = Ledger::id_for_ip(ip("192.168.0.10"));
  EXPECT_EQ(l.find(id), nullptr);
  const Asset* tokyo = l.find(Ledger::id_for_child(id, "site:tokyo"));
  const Asset* osaka = l.find(Ledger::id_for_child(id, "site:osaka"));
  ASSERT_NE(tokyo, nullptr);
  ASSERT_NE(osaka, nullptr);
  EXPECT_EQ(tokyo->packets_sent, 1U);
  EXPECT_EQ(osaka->packets_sent, 2U);
  ASSERT_EQ(osaka->sightings.size(), 2U);
  EXPECT_EQ(osaka->sightings[0].sensor, "b");
  EXPECT_EQ(osaka->sightings[1].sensor, "c");
}

TEST(FleetTest, TwoMacsWithOneAddressAreTwoDevices) {
  Ledger a("a"), b("b");
  a.sent(a.resolve(mac(kPlc), ip("10.0.1.5"), 10), 60, 0, 10);
  b.sent(b.resolve(mac(kScada), ip("10.0.1.5"), 20), 60, 0, 20);
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "plant", std::move(a)});
  v.push_back(SensorLedger{"b", "plant", std::move(b)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 2U);
  EXPECT_NE(l.find(Ledger::id_for_mac(mac(kPlc))), nullptr);
  EXPECT_NE(l.find(Ledger::id_for_mac(mac(kScada))), nullptr);
}

TEST(FleetTest, AnAddressOnlyAddressedToAStationIsNotFolded) {
  // Frames for 10.0.1.5 sent to a MAC prove nothing: that MAC may be the next hop.
  Ledger a("a"), b("b");
  (void)a.resolve(mac(kScada), ip("10.0.1.5"), 10, IpEvidence::addressed);
  b.sent(b.resolve(std::nullopt, ip("10.0.1.5"), 20), 60, 0, 20);
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "plant", std::move(a)});
  v.push_back(SensorLedger{"b", "plant", std::move(b)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  EXPECT_EQ(l.assets().size(), 2U);
  EXPECT_NE(l.find(Ledger::id_for_ip(ip("10.0.1.5"))), nullptr);
}

TEST(FleetTest, ChildModulesAtOneRouteUnderOneDeviceAreOne) {
  Ledger a("a"), b("b");
  {
    const AssetIndex plc = a.resolve(mac(kPlc), ip("10.0.1.5"), 10);
    const AssetIndex unit = a.child(plc, "unit:3", 10);
    a.add_fact(unit, "model", "FX5U", "modbus_id", 10);
    const AssetIndex module = a.child(plc, "1/3", 12);
    a.add_fact(module, "model", "QJ71E71", "cip", 12);
  }
  {
    // b sees the same backplane module through the PLC's MAC, and the Modbus
    // unit through the PLC's address behind a router.
    const AssetIndex plc = b.station(mac(kPlc), 5);
    (void)b.child(plc, "1/3", 5);
    const AssetIndex far = b.resolve(std::nullopt, ip("10.0.1.5"), 20);
    const AssetIndex unit = b.child(far, "unit:3", 20);
    b.add_fact(unit, "model", "FX5U", "modbus_id", 20);
  }
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "plant", std::move(a)});
  v.push_back(SensorLedger{"b", "plant", std::move(b)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  const std::string plc_id = Ledger::id_for_mac(mac(kPlc));
  ASSERT_EQ(l.assets().size(), 3U) << dump(l);
  const Asset* module = l.find(Ledger::id_for_child(plc_id, "1/3"));
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->parent_id, plc_id);
  EXPECT_EQ(module->first_us, 5);
  EXPECT_EQ(module->last_us, 12);
  EXPECT_EQ(module->sightings.size(), 2U);
  const Asset* unit = l.find(Ledger::id_for_child(plc_id, "unit:3"));
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(unit->parent_id, plc_id);
  EXPECT_EQ(unit->route, "unit:3");
  const FactRecord* model = fact(*unit, "model", "modbus_id");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->count, 2U);
  EXPECT_EQ(unit->sightings.size(), 2U);
}

TEST(FleetTest, AChildFirstSeenBehindAnAddressMeetsItsTwinUnderTheStation) {
  // a saw the Modbus unit behind 10.0.1.5 through a router, then the PLC's own
  // frames from 10.0.1.5: its ledger merged the address into the PLC and kept
  // the unit's first id. b saw the unit behind the PLC's MAC.
  Ledger a("a"), b("b");
  const AssetIndex far = a.resolve(std::nullopt, ip("10.0.1.5"), 10);
  (void)a.child(far, "unit:3", 10);
  a.sent(a.resolve(mac(kPlc), ip("10.0.1.5"), 20), 60, 0, 20);
  const std::string plc_id = Ledger::id_for_mac(mac(kPlc));
  const std::string twin = Ledger::id_for_child(plc_id, "unit:3");
  ASSERT_EQ(a.find(twin), nullptr);  // the sensor's ledger keeps the first id
  (void)b.child(b.station(mac(kPlc), 30), "unit:3", 30);
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "", std::move(a)});
  v.push_back(SensorLedger{"b", "", std::move(b)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 2U) << dump(l);
  const Asset* unit = l.find(twin);
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(unit->parent_id, plc_id);
  EXPECT_EQ(unit->first_us, 10);
  EXPECT_EQ(unit->last_us, 30);
  EXPECT_EQ(unit->sightings.size(), 2U);
}

TEST(FleetTest, ParentCyclesAndMissingParentsFromADamagedStoreEndTheWalk) {
  // Records as a damaged or hostile store may hold them: two devices each
  // behind the other, one behind itself, one behind an asset that is not there.
  Ledger a("a");
  const auto record = [&a](const std::string& id, const std::string& parent) {
    Asset x;
    x.id = id;
    x.parent_id = parent;
    x.route = "1/1";
    x.first_us = x.last_us = 10;
    a.load_asset(std::move(x));
  };
  record("00000000000000a1", "00000000000000a2");
  record("00000000000000a2", "00000000000000a1");
  record("00000000000000a3", "00000000000000a3");
  record("00000000000000a4", "00000000000000ff");
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "", std::move(a)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  EXPECT_EQ(l.assets().size(), 4U) << dump(l);
  const Asset* orphan = l.find("00000000000000a4");
  ASSERT_NE(orphan, nullptr);
  EXPECT_EQ(orphan->parent_id, "00000000000000ff");
}

TEST(FleetTest, TheSensorsInAnyOrderGiveTheSameLedger) {
  const auto make = [](const std::vector<int>& order) {
    std::vector<SensorLedger> all;
    all.push_back(SensorLedger{"line1", "plant", line1()});
    all.push_back(SensorLedger{"line2", "plant", line2()});
    Ledger other("other");
    other.sent(other.resolve(mac(kPlc), ip("10.0.1.5"), 3000), 64, 30, 3000);
    other.add_fact(other.station(mac(kPlc), 3000), "model", "Q03UDE", "melsec", 3000);
    all.push_back(SensorLedger{"other", "osaka", std::move(other)});
    std::vector<SensorLedger> v;
    for (int i : order) v.push_back(std::move(all[static_cast<std::size_t>(i)]));
    return merge_fleet(std::move(v));
  };
  const std::string first = dump(make({0, 1, 2}));
  EXPECT_EQ(first, dump(make({2, 1, 0})));
  EXPECT_EQ(first, dump(make({1, 2, 0})));
  EXPECT_EQ(first, dump(make({0, 2, 1})));
  const Ledger l = make({1, 0, 2});
  expect_valid(l);
  const Asset* plc = l.find(Ledger::id_for_mac(mac(kPlc)));
  ASSERT_NE(plc, nullptr);
  ASSERT_EQ(plc->sightings.size(), 3U);
  EXPECT_EQ(plc->sightings[0].sensor, "line1");
  EXPECT_EQ(plc->sightings[1].sensor, "line2");
  EXPECT_EQ(plc->sightings[2].sensor, "other");
  EXPECT_EQ(plc->sightings[2].vlans, (std::vector<std::uint16_t>{30}));
}

TEST(FleetTest, RecordsASensorHadMergedAwayAreSkipped) {
  // The station shows itself after its address was seen through a router: the
  // sensor's own ledger merged the IP-keyed asset and keeps the empty record
  // until compact().
  Ledger a("a");
  a.sent(a.resolve(std::nullopt, ip("10.0.1.5"), 10), 60, 0, 10);
  a.sent(a.resolve(mac(kPlc), ip("10.0.1.5"), 20), 60, 0, 20);
  ASSERT_EQ(a.merged_pending(), 1U);
  std::vector<SensorLedger> v;
  v.push_back(SensorLedger{"a", "plant", std::move(a)});
  const Ledger l = merge_fleet(std::move(v));
  expect_valid(l);
  ASSERT_EQ(l.assets().size(), 1U);
  EXPECT_EQ(l.assets()[0].packets_sent, 2U);
  EXPECT_EQ(l.assets()[0].sightings.size(), 1U);
}

}  // namespace
}  // namespace mieruka::inventory
