// Topology: nodes, edges aggregated per (from, to, protocol), clusters by zone
// or by VLAN / subnet, children beside their parent, flagged devices; DOT,
// GraphML and JSON structure; escaping of hostile names; SVG through Graphviz
// (parsed back: a name that broke out of its quotes would add nodes); sorted,
// deterministic output.
#include "inventory/render/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace mieruka::inventory {
namespace {

using Json = nlohmann::ordered_json;
using namespace std::string_literals;

const std::string kBreakout = R"("]; a -> b; //)";
const std::string kScript = "<script>alert('x')</script> & co";

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

struct Ids {
  std::string plc, hmi, odd, module;
};

// A PLC (VLAN 101, 10.10.1.20) with a module behind it at "1/3", an HMI
// (10.10.2.5) talking ENIP on two ports and Modbus to it, and a MAC-only box
// with invalid UTF-8 and control characters in its vendor. `reverse` inserts
// everything in the opposite order (same content).
Ledger small_ledger(bool reverse, Ids* ids = nullptr) {
  Ledger l("test");
  const std::int64_t t = 1'000'000;
  AssetIndex plc = 0, hmi = 0, odd = 0;
  auto make_plc = [&] {
    plc = l.station(mac("00:00:bc:01:02:03"), t);
    l.bind_ip(plc, ip("10.10.1.20"), "arp", t);
    l.sent(plc, 60, 101, t);
    l.add_fact(plc, field::name, kBreakout, "lldp", t);
    l.add_fact(plc, field::vendor, "Rockwell Automation", "enip_list_identity", t);
    l.add_fact(plc, field::class_hint, "plc", "lldp", t);
  };
  auto make_hmi = [&] {
    hmi = l.station(mac("00:0c:29:aa:bb:cc"), t);
    l.bind_ip(hmi, ip("10.10.2.5"), "arp", t);
    l.add_fact(hmi, field::name, kScript, "nbns", t);
  };
  auto make_odd = [&] {
    odd = l.station(mac("02:00:00:00:00:09"), t);
    l.add_fact(odd, field::vendor, "bad\xff\xfe vendor\x01\x7f", "lldp", t);
  };
  if (reverse) {
    make_odd();
    make_hmi();
    make_plc();
  } else {
    make_plc();
    make_hmi();
    make_odd();
  }
  const AssetIndex module = l.child(plc, "1/3", t);
  l.add_fact(module, field::product, "1756-IB16 \\ \"in\"\nmodule", "cip_identity", t);
  auto traffic = [&](std::string_view proto, std::string_view transport, std::uint16_t port, int packets) {
    const EdgeIndex e = l.edge(hmi, plc, proto, transport, port, 0, t);
    for (int i = 0; i < packets; ++i) l.count_edge(e, 100, t + i);
  };
  if (reverse) {
    traffic("modbus", "tcp", 502, 4);
    traffic("enip", "udp", 2222, 2);
    traffic("enip", "tcp", 44818, 3);
  } else {
    traffic("enip", "tcp", 44818, 3);
    traffic("enip", "udp", 2222, 2);
    traffic("modbus", "tcp", 502, 4);
  }
  if (ids != nullptr) {
    ids->plc = l.assets()[plc].id;
    ids->hmi = l.assets()[hmi].id;
    ids->odd = l.assets()[odd].id;
    ids->module = l.assets()[module].id;
  }
  return l;
}

ZonePolicy zones() {
  ZonePolicy p;
  Zone cell;
  cell.name = "cell-1";
  cell.level = 1;
  cell.subnets = {*Subnet::parse("10.10.1.0/24")};
  cell.vlans = {101};
  Zone scada;
  scada.name = "scada";
  scada.level = 2;
  scada.subnets = {*Subnet::parse("10.10.2.0/24")};
  p.zones = {cell, scada};
  return p;
}

const TopoNode& node(const Topology& t, const std::string& id) {
  for (const auto& n : t.nodes)
    if (n.id == id) return n;
  ADD_FAILURE() << "no node " << id;
  static const TopoNode kNone;
  return kNone;
}

TEST(Topology, NodesEdgesAggregatedAndSorted) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  const Topology t = build_topology(l, {});
  ASSERT_EQ(t.nodes.size(), 4U);
  for (std::size_t i = 1; i < t.nodes.size(); ++i) EXPECT_LT(t.nodes[i - 1].id, t.nodes[i].id);
  ASSERT_EQ(t.edges.size(), 2U);  // enip (two ports) and modbus
  EXPECT_EQ(t.edges[0].protocol, "enip");
  EXPECT_EQ(t.edges[0].from, ids.hmi);
  EXPECT_EQ(t.edges[0].to, ids.plc);
  EXPECT_EQ(t.edges[0].ports, (std::vector<std::uint16_t>{2222, 44818}));
  EXPECT_EQ(t.edges[0].packets, 5U);
  EXPECT_EQ(t.edges[0].bytes, 500U);
  EXPECT_EQ(t.edges[1].protocol, "modbus");
  EXPECT_EQ(t.edges[1].packets, 4U);

  const TopoNode& plc = node(t, ids.plc);
  EXPECT_EQ(plc.title, kBreakout);
  EXPECT_EQ(plc.device_class, "plc");
  EXPECT_EQ(plc.vendor, "Rockwell Automation");
  const TopoNode& mod = node(t, ids.module);
  EXPECT_EQ(mod.parent, ids.plc);
  EXPECT_EQ(mod.route, "1/3");
  EXPECT_EQ(mod.title, "1756-IB16 \\ \"in\"\nmodule");  // product when no name
  EXPECT_EQ(node(t, ids.odd).title, "02:00:00:00:00:09");  // MAC when nothing else
  EXPECT_EQ(node(t, ids.hmi).title, kScript);
}

TEST(Topology, WithoutZonesClustersByVlanThenSubnet) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  const Topology t = build_topology(l, {});
  EXPECT_EQ(t.grouping, "vlan_subnet");
  EXPECT_EQ(node(t, ids.plc).cluster, "vlan:101");
  EXPECT_EQ(node(t, ids.module).cluster, "vlan:101");  // beside its parent
  EXPECT_EQ(node(t, ids.hmi).cluster, "subnet:10.10.2.0/24");
  EXPECT_EQ(node(t, ids.odd).cluster, "");
  ASSERT_EQ(t.clusters.size(), 2U);
  EXPECT_EQ(t.clusters[0].name, "10.10.2.0/24");
  EXPECT_EQ(t.clusters[0].kind, "subnet");
  EXPECT_EQ(t.clusters[1].name, "VLAN 101");
  EXPECT_EQ(t.clusters[1].nodes.size(), 2U);
  // The outputs say how they grouped.
  EXPECT_NE(topology_dot(t).find("no [[zone]] in the config"), std::string::npos);
  EXPECT_EQ(topology_json(t)["grouping"], "vlan_subnet");
  // Without findings, the unknown-class devices are the flagged ones.
  EXPECT_FALSE(node(t, ids.plc).flagged);
  EXPECT_TRUE(node(t, ids.odd).flagged);
  EXPECT_EQ(node(t, ids.odd).flags, (std::vector<std::string>{"unknown_class"}));  // no no_zone without zones
}

TEST(Topology, ZonesFromConfigAreClusters) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  const ZonePolicy z = zones();
  const Topology t = build_topology(l, {&z, nullptr});
  EXPECT_EQ(t.grouping, "zones");
  ASSERT_EQ(t.clusters.size(), 2U);
  EXPECT_EQ(t.clusters[0].id, "zone:cell-1");
  EXPECT_EQ(t.clusters[0].level, 1);
  EXPECT_EQ(t.clusters[0].nodes, (std::vector<std::string>{std::min(ids.plc, ids.module), std::max(ids.plc, ids.module)}));
  EXPECT_EQ(t.clusters[1].id, "zone:scada");
  EXPECT_EQ(node(t, ids.module).zones, (std::vector<std::string>{"cell-1"}));
  // In no zone: flagged.
  EXPECT_EQ(node(t, ids.odd).flags, (std::vector<std::string>{"unknown_class", "no_zone"}));
  const std::string dot = topology_dot(t);
  EXPECT_NE(dot.find("label=\"cell-1 (level 1)\""), std::string::npos);
  EXPECT_EQ(count(dot, "subgraph \"cluster_"), 2U);
  const Json j = topology_json(t);
  EXPECT_EQ(j["zones"].size(), 2U);
  EXPECT_EQ(j["zones"][0]["level"], 1);
}

TEST(Topology, OneClusterHasItsNodesAndTheEdgesInsideIt) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  const ZonePolicy z = zones();
  const Topology t = build_topology(l, {&z, nullptr});
  const auto cell = topology_of_cluster(t, "zone:cell-1");
  ASSERT_TRUE(cell);
  ASSERT_EQ(cell->clusters.size(), 1U);
  EXPECT_EQ(cell->clusters[0].id, "zone:cell-1");
  std::vector<std::string> ids_in;
  for (const auto& n : cell->nodes) ids_in.push_back(n.id);
  EXPECT_EQ(ids_in, t.clusters[0].nodes);
  for (const auto& e : cell->edges) {
    EXPECT_TRUE(std::find(ids_in.begin(), ids_in.end(), e.from) != ids_in.end()) << e.from;
    EXPECT_TRUE(std::find(ids_in.begin(), ids_in.end(), e.to) != ids_in.end()) << e.to;
  }
  std::size_t inside = 0;
  for (const auto& e : t.edges)
    inside += std::find(ids_in.begin(), ids_in.end(), e.from) != ids_in.end() &&
              std::find(ids_in.begin(), ids_in.end(), e.to) != ids_in.end();
  EXPECT_EQ(cell->edges.size(), inside);
  EXPECT_EQ(count(topology_dot(*cell), "subgraph \"cluster_"), 1U);
  // The devices in no zone are the cluster "".
  const auto none = topology_of_cluster(t, "");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->clusters.empty());
  ASSERT_EQ(none->nodes.size(), 1U);
  EXPECT_EQ(none->nodes[0].id, ids.odd);
  EXPECT_FALSE(topology_of_cluster(t, "zone:nosuch"));
}

TEST(Topology, OpenFindingsAreTheFlaggedDevices) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  std::vector<Finding> f(3);
  f[0].asset = ids.plc;
  f[0].type = "hidden";
  f[1].asset = ids.plc;
  f[1].type = "cross_zone";
  f[2].asset = ids.hmi;
  f[2].type = "unapproved";
  f[2].acknowledged = true;
  const Topology t = build_topology(l, {nullptr, &f});
  EXPECT_TRUE(node(t, ids.plc).flagged);
  EXPECT_EQ(node(t, ids.plc).flags, (std::vector<std::string>{"cross_zone", "hidden"}));
  EXPECT_FALSE(node(t, ids.hmi).flagged);  // acknowledged
  EXPECT_FALSE(node(t, ids.odd).flagged);  // unknown class, but findings decide
  const std::string dot = topology_dot(t);
  EXPECT_EQ(count(dot, "penwidth=2.5"), 1U);
  EXPECT_NE(dot.find("tooltip=\"flagged: cross_zone, hidden\""), std::string::npos);
}

TEST(Escaping, Dot) {
  EXPECT_EQ(dot_escape(kBreakout), R"(\"]; a -> b; //)");
  EXPECT_EQ(dot_escape("a\\b"), "a\\\\b");
  EXPECT_EQ(dot_escape("l1\nl2\r\x01\x7f"), "l1\\nl2");
  EXPECT_EQ(dot_escape("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(dot_escape("\xE6\xA9\x9F\xE5\x99\xA8"), "\xE6\xA9\x9F\xE5\x99\xA8");  // 機器 kept
}

TEST(Escaping, Xml) {
  EXPECT_EQ(xml_escape(kScript), "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; co");
  EXPECT_EQ(xml_escape("\"q\""), "&quot;q&quot;");
  EXPECT_EQ(xml_escape("a\x01\x08\x0b\x1f\x7f" "b\tc\n"), "ab\tc\n");
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE"), "");        // U+FFFE is no XML character
  EXPECT_EQ(xml_escape("x\xC0\xAFy"), "x\xEF\xBF\xBD\xEF\xBF\xBDy");  // overlong '/' replaced
}

TEST(Formats, DotStructure) {
  const Ledger l = small_ledger(false);
  const Topology t = build_topology(l, {});
  const std::string dot = topology_dot(t);
  EXPECT_EQ(dot.rfind("// mieruka topology", 0), 0U);
  EXPECT_NE(dot.find("digraph mieruka {"), std::string::npos);
  EXPECT_EQ(count(dot, " [label="), 4U + 2U);  // nodes and traffic edges
  EXPECT_EQ(count(dot, "[style=dashed, arrowhead=none, label="), 1U);  // the module's route
  EXPECT_EQ(count(dot, "\" -> \""), 3U);
  EXPECT_NE(dot.find("enip/2222,44818\\n5 pkts"), std::string::npos);
  EXPECT_NE(dot.find("label=\"behind: 1/3\""), std::string::npos);
  EXPECT_NE(dot.find(R"(\"]; a -> b; //)"), std::string::npos);
  EXPECT_EQ(dot.find("\x01"), std::string::npos);
  EXPECT_NE(dot.find("1756-IB16 \\\\ \\\"in\\\"\\nmodule"), std::string::npos);
}

TEST(Formats, GraphmlStructure) {
  const Ledger l = small_ledger(false);
  const std::string x = topology_graphml(build_topology(l, {}));
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0U);
  EXPECT_EQ(count(x, "<node "), 4U);
  EXPECT_EQ(count(x, "<edge "), 3U);
  EXPECT_EQ(count(x, "<data key=\"kind\">traffic</data>"), 2U);
  EXPECT_EQ(count(x, "<data key=\"kind\">behind</data>"), 1U);
  EXPECT_EQ(x.find("<script>"), std::string::npos);
  EXPECT_NE(x.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(x.find("&quot;]; a -&gt; b; //"), std::string::npos);
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_EQ(x.find('\x7f'), std::string::npos);
  EXPECT_NE(x.find("bad\xEF\xBF\xBD\xEF\xBF\xBD vendor"), std::string::npos);
  EXPECT_EQ(count(x, "<"), count(x, ">"));  // every '<' or '>' from the wire is an entity
}

TEST(Formats, JsonStructure) {
  Ids ids;
  const Ledger l = small_ledger(false, &ids);
  const Json j = topology_json(build_topology(l, {}));
  const std::string text = j.dump();  // throws on invalid UTF-8
  const Json back = Json::parse(text);
  EXPECT_EQ(back["schema"], "mieruka.topology.v1");
  ASSERT_EQ(back["nodes"].size(), 4U);
  ASSERT_EQ(back["edges"].size(), 2U);
  EXPECT_EQ(back["edges"][0]["ports"], Json::parse("[2222, 44818]"));
  bool saw_breakout = false, saw_module = false;
  for (const auto& n : back["nodes"]) {
    saw_breakout = saw_breakout || n["name"] == kBreakout;
    if (n["id"] == ids.module) {
      saw_module = true;
      EXPECT_EQ(n["parent"], ids.plc);
      EXPECT_EQ(n["route"], "1/3");
      EXPECT_EQ(n["zone"], "vlan:101");
    }
  }
  EXPECT_TRUE(saw_breakout);
  EXPECT_TRUE(saw_module);
}

TEST(Formats, DeterministicWhateverTheInsertionOrder) {
  const Ledger a = small_ledger(false);
  const Ledger b = small_ledger(true);
  const ZonePolicy z = zones();
  for (const ZonePolicy* zp : {static_cast<const ZonePolicy*>(nullptr), &z}) {
    const Topology ta = build_topology(a, {zp, nullptr});
    const Topology tb = build_topology(b, {zp, nullptr});
    EXPECT_EQ(topology_dot(ta), topology_dot(tb));
    EXPECT_EQ(topology_graphml(ta), topology_graphml(tb));
    EXPECT_EQ(topology_json(ta).dump(), topology_json(tb).dump());
  }
}

TEST(Svg, RenderedByGraphvizWithEveryNode) {
  if (!svg_available()) GTEST_SKIP() << "built without Graphviz";
  const Ledger l = small_ledger(false);
  const ZonePolicy z = zones();
  const std::string dot = topology_dot(build_topology(l, {&z, nullptr}));
  std::string error;
  const auto svg = render_svg(dot, error);
  ASSERT_TRUE(svg.has_value()) << error;
  EXPECT_EQ(svg->rfind("<?xml", 0), 0U);
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  // Parsed back by Graphviz: a name escaping its quotes would add nodes "a", "b".
  EXPECT_EQ(count(*svg, "class=\"node\""), 4U);
  EXPECT_EQ(count(*svg, "class=\"edge\""), 3U);
  EXPECT_EQ(count(*svg, "class=\"cluster\""), 2U);
  EXPECT_EQ(svg->find("<script>"), std::string::npos);
  EXPECT_NE(svg->find("&lt;script&gt;"), std::string::npos);
}

// A layout still running at the limit is stopped: 2,000 nodes and 8,000
// edges take dot far longer than a second.
TEST(Svg, ALayoutPastItsLimitIsStopped) {
  if (!svg_available()) GTEST_SKIP() << "built without Graphviz";
  std::string dot = "digraph {\n";
  for (int i = 0; i < 8000; ++i)
    dot += "  n" + std::to_string((i * 7919) % 2000) + " -> n" + std::to_string((i * 104729 + 13) % 2000) + ";\n";
  dot += "}\n";
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(render_svg(dot, error, 1).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_NE(error.find("graphviz: no picture after 1 s"), std::string::npos) << error;
  error.clear();
  EXPECT_TRUE(render_svg("digraph { a -> b }", error, 1).has_value()) << error;
}

TEST(Svg, BadDotIsAnErrorNotACrash) {
  if (!svg_available()) GTEST_SKIP() << "built without Graphviz";
  std::string error;
  EXPECT_FALSE(render_svg("digraph { \"a\" -> ", error).has_value());
  EXPECT_NE(error.find("graphviz"), std::string::npos);
}

}  // namespace
}  // namespace mieruka::inventory
