// The network map's levels (sensor/web/web_map.hpp): the plant's zones and the
// traffic between them with the violations the finding engine raised, one zone's
// devices with a module nested under its PLC and the traffic leaving the zone,
// one device's conversations with their operations; the parameter checks.
#include "sensor/web/web_map.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dissectors/observation.hpp"

namespace mieruka::sensor::web {
namespace {

using Json = nlohmann::ordered_json;
using namespace mieruka::inventory;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

struct Plant {
  Ledger ledger{"test"};
  ZonePolicy zones;
  std::string plc, hmi, module, peer;
  std::vector<Finding> findings;
  Topology topology;
};

// cell-1 (level 1): a PLC with a module behind it at 1/3 and a second device;
// scada (level 2): an HMI that reads and writes the PLC over Modbus and sends it a
// remote STOP; ENIP from the HMI to the PLC. Conduits: Modbus from scada to cell-1
// only, so the ENIP conversation is a cross_zone finding and Modbus is not.
void build(Plant& p) {
  Ledger& l = p.ledger;
  const std::int64_t t = 1'000'000;
  const AssetIndex plc = l.station(mac("00:00:bc:01:02:03"), t);
  l.bind_ip(plc, ip("10.10.1.20"), "arp", t);
  l.add_fact(plc, field::class_hint, "plc", "lldp", t);
  l.add_fact(plc, field::name, "<script>alert(1)</script>", "lldp", t);
  const AssetIndex peer = l.station(mac("00:00:bc:01:02:04"), t);
  l.bind_ip(peer, ip("10.10.1.21"), "arp", t);
  const AssetIndex hmi = l.station(mac("00:0c:29:aa:bb:cc"), t);
  l.bind_ip(hmi, ip("10.10.2.5"), "arp", t);
  const AssetIndex module = l.child(plc, "1/3", t);
  const EdgeIndex modbus = l.edge(hmi, plc, "modbus", "tcp", 502, 0, t);
  for (int i = 0; i < 4; ++i) l.count_edge(modbus, 100, t + i);
  Operation rd{"modbus", "read_holding_registers", 3};
  Operation wr{"modbus", "write_single_register", 6, true};
  Operation stop{"modbus", "stop", 90, false, true};
  l.add_op(modbus, rd, t);
  l.add_op(modbus, rd, t + 1);
  l.add_op(modbus, wr, t + 2);
  l.add_op(modbus, stop, t + 3);
  const EdgeIndex enip = l.edge(hmi, plc, "enip", "tcp", 44818, 0, t);
  l.count_edge(enip, 100, t);
  const EdgeIndex inside = l.edge(peer, plc, "modbus", "tcp", 502, 0, t);
  l.count_edge(inside, 100, t);
  Zone cell;
  cell.name = "cell-1";
  cell.level = 1;
  cell.subnets = {*Subnet::parse("10.10.1.0/24")};
  Zone scada;
  scada.name = "scada";
  scada.level = 2;
  scada.subnets = {*Subnet::parse("10.10.2.0/24")};
  p.zones.zones = {cell, scada};
  Conduit c;
  c.from = "scada";
  c.to = "cell-1";
  c.protocols = {"modbus"};
  p.zones.conduits = {c};
  p.plc = l.assets()[plc].id;
  p.hmi = l.assets()[hmi].id;
  p.module = l.assets()[module].id;
  p.peer = l.assets()[peer].id;
  FindingsPolicy fp;
  fp.zones = &p.zones;
  p.findings = compute_findings(l, fp);
  p.topology = build_topology(l, {&p.zones, &p.findings});
}

Json level(const Plant& p, MapQuery q) {
  std::string error;
  const auto j = map_json(p.topology, p.ledger, p.findings, q, error);
  EXPECT_TRUE(j.has_value()) << error;
  return j ? *j : Json();
}

TEST(Map, PlantZonesAndTrafficBetweenThem) {
  Plant p;
  build(p);
  const Json j = level(p, {});
  ASSERT_EQ(j["zones"].size(), 2U);  // every device is in a zone: no "none:"
  EXPECT_EQ(j["zones"][0]["id"], "zone:cell-1");
  EXPECT_EQ(j["zones"][0]["level"], 1);
  EXPECT_EQ(j["zones"][0]["devices"], 3);  // PLC, its module, the second device
  EXPECT_EQ(j["zones"][0]["internal"], 1);
  EXPECT_EQ(j["zones"][1]["id"], "zone:scada");
  EXPECT_EQ(j["zones"][1]["devices"], 1);
  ASSERT_EQ(j["links"].size(), 1U);
  const Json& link = j["links"][0];
  EXPECT_EQ(link["from"], "zone:scada");
  EXPECT_EQ(link["to"], "zone:cell-1");
  EXPECT_EQ(link["packets"], 5);
  EXPECT_EQ(link["conversations"], 2);
  EXPECT_EQ(link["violations"], 1);
  ASSERT_EQ(link["protocols"].size(), 2U);
  EXPECT_EQ(link["protocols"][0], (Json{{"protocol", "enip"}, {"packets", 1}, {"conversations", 1}, {"violations", 1}}));
  EXPECT_EQ(link["protocols"][1], (Json{{"protocol", "modbus"}, {"packets", 4}, {"conversations", 1}, {"violations", 0}}));
}

TEST(Map, AcknowledgedViolationsAreNotRed) {
  Plant p;
  build(p);
  for (auto& f : p.findings) f.acknowledged = true;
  EXPECT_EQ(level(p, {})["links"][0]["violations"], 0);
}

TEST(Map, ZoneDevicesNestedAndTrafficLeaving) {
  Plant p;
  build(p);
  const Json j = level(p, {"zone", "zone:cell-1", ""});
  EXPECT_EQ(j["zone"]["id"], "zone:cell-1");
  ASSERT_EQ(j["nodes"].size(), 3U);
  for (const auto& n : j["nodes"]) {
    if (n["id"] == p.module) {
      EXPECT_EQ(n["parent"], p.plc);
      EXPECT_EQ(n["route"], "1/3");
    } else {
      EXPECT_TRUE(n["parent"].is_null()) << n.dump();
    }
    if (n["id"] == p.plc) {
      EXPECT_EQ(n["label"], "<script>alert(1)</script>");  // as text: the page draws it on canvas
    }
  }
  ASSERT_EQ(j["edges"].size(), 1U);
  EXPECT_EQ(j["edges"][0], (Json{{"from", p.peer}, {"to", p.plc}, {"protocol", "modbus"}, {"ports", {502}},
                                  {"packets", 1}, {"violation", false}}));
  ASSERT_EQ(j["external"].size(), 1U);
  EXPECT_EQ(j["external"][0], (Json{{"device", p.plc}, {"zone", "zone:scada"}, {"zone_name", "scada"}, {"direction", "in"},
                                     {"protocols", {"enip", "modbus"}}, {"packets", 5}, {"conversations", 2},
                                     {"violations", 1}}));
}

TEST(Map, DeviceConversationsWithOperations) {
  Plant p;
  build(p);
  const Json j = level(p, {"device", "", p.plc});
  EXPECT_EQ(j["device"]["zone"], "zone:cell-1");
  EXPECT_EQ(j["device"]["zone_name"], "cell-1");
  std::vector<std::string> neighbours;
  for (const auto& n : j["neighbours"]) neighbours.push_back(n["id"]);
  std::vector<std::string> want{p.hmi, p.module, p.peer};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(neighbours, want);  // both peers and the module behind it, sorted
  ASSERT_EQ(j["conversations"].size(), 3U);
  int seen = 0;
  for (const auto& c : j["conversations"]) {
    if (c["from"] != p.hmi || c["protocol"] != "modbus") continue;
    ++seen;
    EXPECT_FALSE(c["violation"]);
    ASSERT_EQ(c["ops"].size(), 3U);
    EXPECT_EQ(c["ops"][0]["name"], "read_holding_registers");
    EXPECT_EQ(c["ops"][0]["count"], 2);
    EXPECT_FALSE(c["ops"][0]["write"]);
    EXPECT_TRUE(c["ops"][1]["write"]);
    EXPECT_TRUE(c["ops"][2]["control"]);
  }
  EXPECT_EQ(seen, 1);
  for (const auto& c : j["conversations"]) {
    if (c["protocol"] == "enip") {
      EXPECT_TRUE(c["violation"]);
    }
  }
}

TEST(Map, UnknownZoneOrDeviceIsAnError) {
  Plant p;
  build(p);
  std::string error;
  EXPECT_FALSE(map_json(p.topology, p.ledger, p.findings, {"zone", "zone:nosuch", ""}, error));
  EXPECT_EQ(error, "map: no such zone");
  EXPECT_FALSE(map_json(p.topology, p.ledger, p.findings, {"zone", kNoCluster, ""}, error));  // no device is zoneless
  EXPECT_FALSE(map_json(p.topology, p.ledger, p.findings, {"device", "", "nosuch"}, error));
  EXPECT_EQ(error, "map: no such device");
}

TEST(Map, Parameters) {
  auto parse = [](std::multimap<std::string, std::string> params, std::string& error) {
    MapQuery q;
    const bool ok = parse_map_query(params, q, error);
    return ok ? q.level + "|" + q.zone + "|" + q.id : std::string();
  };
  std::string error;
  EXPECT_EQ(parse({}, error), "plant||");
  EXPECT_EQ(parse({{"level", "zone"}, {"zone", "zone:a"}}, error), "zone|zone:a|");
  EXPECT_EQ(parse({{"level", "device"}, {"id", "abc"}}, error), "device||abc");
  for (const auto& bad : std::vector<std::multimap<std::string, std::string>>{
           {{"level", "world"}}, {{"level", "zone"}}, {{"level", "device"}}, {{"x", "1"}},
           {{"level", "zone"}, {"zone", std::string(300, 'a')}}}) {
    error.clear();
    EXPECT_EQ(parse(bad, error), "");
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace mieruka::sensor::web
