// The network diagram (../shared/INTERFACES.md `mieruka topology`):
// assets as nodes, conversations aggregated per (from, to, protocol)
// as edges, zones as clusters, flagged devices highlighted. Output as Graphviz
// DOT, GraphML, JSON (docs/schema/topology.v1.schema.json) and SVG (DOT laid
// out by Graphviz used as a library, when built with it).
//
// Pure functions of a Ledger (+ zones and findings): no I/O. Deterministic:
// nodes sorted by id, edges by (from, to, protocol), clusters by name.
//
// Clusters: the config's [[zone]] sections when there are any (an asset goes to
// the first zone ZonePolicy::zones_of names); otherwise assets are grouped by
// the first VLAN they sent on, else by the /24 of their first IPv4, and every
// output says so ("grouping": "vlan_subnet"). A device behind a parent (CIP
// route, Modbus unit) sits in its parent's cluster, tied to it by a dashed
// edge labelled with the route.
//
// Flagged: with findings given, an asset with an open (unacknowledged)
// finding; without, an asset whose class is unknown or that is in no zone.
//
// Every string from the wire is escaped for its target: DOT quoted strings
// (quote, backslash, newline; control characters dropped), XML (& < > " '
// escaped, characters XML 1.0 forbids removed), JSON (valid UTF-8 via
// sanitize_utf8). All outputs are valid UTF-8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/policy.hpp"

namespace mieruka::inventory {

struct TopologyOptions {
  const ZonePolicy* zones = nullptr;               // null or no zones: VLAN / subnet grouping
  const std::vector<Finding>* findings = nullptr;  // null: flag unknown class / no zone
};

struct TopoNode {
  std::string id;
  std::string title;           // plant name, else name, else product, else IP, else MAC, else route, else id
  std::string name, product, vendor, device_class, mac;
  std::vector<std::string> ips;
  std::string parent, route;   // a device behind another asset
  std::string cluster;         // TopoCluster::id, empty when in none
  std::vector<std::string> zones;  // every zone the asset sits in (config zones only)
  bool flagged = false;
  std::vector<std::string> flags;  // finding types, or "unknown_class" / "no_zone"
};

struct TopoEdge {
  std::string from, to, protocol;
  std::vector<std::uint16_t> ports;  // sorted, unique (0 for ether/icmp)
  std::uint64_t packets = 0, bytes = 0;
};

struct TopoCluster {
  std::string id;          // "zone:<name>", "vlan:<n>", "subnet:<a.b.c.0/24>"
  std::string name;        // zone name, "VLAN 101", "10.10.1.0/24"
  std::string kind;        // "zone", "vlan", "subnet"
  std::optional<int> level;  // zone level
  std::vector<std::string> nodes;  // node ids, sorted
};

struct Topology {
  std::string grouping;    // "zones" or "vlan_subnet"
  std::vector<TopoNode> nodes;
  std::vector<TopoEdge> edges;
  std::vector<TopoCluster> clusters;
};

[[nodiscard]] Topology build_topology(const Ledger& ledger, const TopologyOptions& opt);

// The id of the cluster a user names: its id ("zone:cell-1") or else its name
// ("cell-1"); kNoClusterName ("none:") names the nodes in no cluster, id "".
// Nullopt when nothing matches.
inline constexpr std::string_view kNoClusterName = "none:";
[[nodiscard]] std::optional<std::string> find_cluster(const Topology& t, std::string_view id_or_name);
// One cluster of `t` (TopoCluster::id; "" for the nodes in none): its nodes,
// the edges with both ends in it, and the cluster. Nullopt for an unknown id.
[[nodiscard]] std::optional<Topology> topology_of_cluster(const Topology& t, std::string_view cluster_id);

[[nodiscard]] std::string topology_dot(const Topology& t);
[[nodiscard]] std::string topology_graphml(const Topology& t);
[[nodiscard]] nlohmann::ordered_json topology_json(const Topology& t);

// Whether this build renders SVG (built with Graphviz's headers; the libraries
// are loaded on the first render, and render_svg names them if they are missing).
[[nodiscard]] bool svg_available() noexcept;
// Lays out `dot` with Graphviz's "dot" engine and renders SVG, in a child
// process: a Graphviz crash fails this picture only. With `timeout_s` > 0 a
// layout still running after that long is stopped. Nullopt with `error` set
// to one line when Graphviz is missing, fails, crashes or runs out of time.
[[nodiscard]] std::optional<std::string> render_svg(const std::string& dot, std::string& error, int timeout_s = 0);

// --- escaping (exposed for tests) ------------------------------------------------
// Body of a DOT double-quoted string: valid UTF-8, `"` and `\` escaped, LF as
// the label line break \n, other control characters removed.
[[nodiscard]] std::string dot_escape(std::string_view s);
// XML character data or attribute value: valid UTF-8, & < > " ' as entities,
// characters outside XML 1.0's Char production removed.
[[nodiscard]] std::string xml_escape(std::string_view s);

}  // namespace mieruka::inventory
