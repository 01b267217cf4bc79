// The network diagram: see topology.hpp.
#include "inventory/render/topology.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "inventory/policy/classify.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/render/export.hpp"
#include "inventory/render/shared_library.hpp"

#ifdef MIERUKA_HAVE_GRAPHVIZ
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

namespace mieruka::inventory {

namespace {

using Json = nlohmann::ordered_json;

// Ports listed in a DOT/GraphML edge label before "+N more" (JSON lists all).
constexpr std::size_t kMaxLabelPorts = 6;

std::string json_string_or_empty(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// Calls f(code point, bytes) for each character of valid UTF-8 `s`.
template <typename F>
void for_each_char(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 1;
    char32_t cp = c;
    if (c >= 0xf0) {
      n = 4;
      cp = c & 0x07U;
    } else if (c >= 0xe0) {
      n = 3;
      cp = c & 0x0fU;
    } else if (c >= 0xc0) {
      n = 2;
      cp = c & 0x1fU;
    }
    n = std::min(n, s.size() - i);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fU);
    f(cp, s.substr(i, n));
    i += n;
  }
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// DEL and C1 controls are allowed by XML but dropped too: they only hide text.
bool xml_char_ok(char32_t cp) noexcept {
  if (cp == 0x9 || cp == 0xa || cp == 0xd) return true;
  if (cp < 0x20) return false;
  if (cp >= 0x7f && cp <= 0x9f) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if (cp == 0xfffe || cp == 0xffff) return false;
  return cp <= 0x10ffff;
}

std::string ipv4_subnet24(const IpAddr& ip) {
  const std::uint32_t v = ip.v4_value() & 0xffffff00U;
  return IpAddr::v4(v).to_string() + "/24";
}

std::string ports_text(const std::vector<std::uint16_t>& ports) {
  std::string out;
  std::size_t shown = 0;
  for (std::uint16_t p : ports) {
    if (p == 0) continue;
    if (shown == kMaxLabelPorts) {
      out += ",+" + std::to_string(ports.size() - shown) + " more";
      break;
    }
    out += (shown == 0 ? "" : ",") + std::to_string(p);
    ++shown;
  }
  return out;
}

std::string edge_label(const TopoEdge& e) {
  std::string l = e.protocol;
  const std::string p = ports_text(e.ports);
  if (!p.empty()) l += "/" + p;
  return l;
}

std::string node_lines(const TopoNode& n) {
  // Title, class, vendor: each line escaped, joined by DOT's line break.
  std::string l = dot_escape(n.title);
  if (!n.route.empty() && n.title != n.route) l += "\\n" + dot_escape("route " + n.route);
  l += "\\n" + dot_escape(n.device_class);
  if (!n.vendor.empty()) l += "\\n" + dot_escape(n.vendor);
  return l;
}

std::string grouping_text(const Topology& t) {
  if (t.grouping == "zones") return "clusters: zones from the config";
  return "clusters: VLAN, else /24 subnet (no [[zone]] in the config)";
}

}  // namespace

std::string dot_escape(std::string_view s) {
  const std::string clean = sanitize_utf8(s);
  std::string out;
  out.reserve(clean.size());
  for_each_char(clean, [&](char32_t cp, std::string_view bytes) {
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
      return;
    }
    if (cp == '\n') {
      out += "\\n";
      return;
    }
    if (cp == '\t') {
      out += ' ';
      return;
    }
    if (!xml_char_ok(cp) || cp == '\r') return;  // SVG output is XML: keep it well formed
    out.append(bytes);
  });
  return out;
}

std::string xml_escape(std::string_view s) {
  const std::string clean = sanitize_utf8(s);
  std::string out;
  out.reserve(clean.size());
  for_each_char(clean, [&](char32_t cp, std::string_view bytes) {
    switch (cp) {
      case '&': out += "&amp;"; return;
      case '<': out += "&lt;"; return;
      case '>': out += "&gt;"; return;
      case '"': out += "&quot;"; return;
      case '\'': out += "&apos;"; return;
      default: break;
    }
    if (!xml_char_ok(cp)) return;
    out.append(bytes);
  });
  return out;
}

Topology build_topology(const Ledger& ledger, const TopologyOptions& opt) {
  Topology t;
  const bool have_zones = opt.zones != nullptr && !opt.zones->zones.empty();
  t.grouping = have_zones ? "zones" : "vlan_subnet";

  // Open findings per asset id.
  std::map<std::string, std::set<std::string>> open_findings;
  if (opt.findings != nullptr) {
    for (const Finding& f : *opt.findings)
      if (!f.acknowledged && !f.asset.empty()) open_findings[f.asset].insert(f.type);
  }

  std::map<std::string, TopoCluster> clusters;  // by id
  std::unordered_map<std::string, std::size_t> node_at;  // id -> index in t.nodes
  const AssetLinks links(ledger);
  for (const Asset& a : ledger.assets()) {
    const Json j = asset_json(ledger, a, &links);
    TopoNode n;
    n.id = a.id;
    n.name = json_string_or_empty(j, "name");
    n.product = json_string_or_empty(j, "product");
    n.vendor = json_string_or_empty(j, "vendor");
    n.device_class = json_string_or_empty(j, "class");
    if (n.device_class.empty()) n.device_class = "unknown";
    n.mac = json_string_or_empty(j, "mac");
    if (auto it = j.find("ips"); it != j.end() && it->is_array())
      for (const auto& ip : *it)
        if (ip.is_string()) n.ips.push_back(ip.get<std::string>());
    n.parent = a.parent_id;
    n.route = a.route;
    // The plant's own name first (policy display_name's order for a listed device).
    if (std::string plant = plant_name(a); !plant.empty()) n.title = std::move(plant);
    else if (!n.name.empty()) n.title = n.name;
    else if (!n.product.empty()) n.title = n.product;
    else if (!n.ips.empty()) n.title = n.ips.front();
    else if (!n.mac.empty()) n.title = n.mac;
    else if (!n.route.empty()) n.title = n.route;
    else n.title = n.id;

    if (have_zones) {
      n.zones = opt.zones->zones_of(a);
      if (!n.zones.empty()) n.cluster = "zone:" + n.zones.front();
    } else if (!a.vlans.empty()) {
      n.cluster = "vlan:" + std::to_string(a.vlans.front());
    } else {
      std::optional<IpAddr> v4;
      if (a.key_ip && a.key_ip->is_v4()) v4 = *a.key_ip;
      for (const IpRecord& r : a.ips)
        if (r.ip.is_v4() && (!v4 || r.ip < *v4)) v4 = r.ip;
      if (v4) n.cluster = "subnet:" + ipv4_subnet24(*v4);
    }
    node_at.emplace(n.id, t.nodes.size());
    t.nodes.push_back(std::move(n));
  }

  // A device behind a parent sits in the parent's cluster (and zones).
  for (TopoNode& n : t.nodes) {
    if (n.parent.empty()) continue;
    // Follow the chain up to the first asset that is not behind another (bounded).
    const TopoNode* p = &n;
    for (int depth = 0; depth < 16 && !p->parent.empty(); ++depth) {
      auto it = node_at.find(p->parent);
      if (it == node_at.end()) break;
      p = &t.nodes[it->second];
    }
    if (p != &n && p->parent.empty()) {
      n.cluster = p->cluster;
      n.zones = p->zones;
    }
  }

  for (TopoNode& n : t.nodes) {
    if (opt.findings != nullptr) {
      if (auto it = open_findings.find(n.id); it != open_findings.end()) n.flags.assign(it->second.begin(), it->second.end());
    } else {
      if (n.device_class == "unknown") n.flags.push_back("unknown_class");
      if (have_zones && n.zones.empty()) n.flags.push_back("no_zone");
    }
    n.flagged = !n.flags.empty();
    if (n.cluster.empty()) continue;
    TopoCluster& c = clusters[n.cluster];
    if (c.id.empty()) {
      c.id = n.cluster;
      const auto colon = c.id.find(':');
      c.kind = c.id.substr(0, colon);
      c.name = c.id.substr(colon + 1);
      if (c.kind == "vlan") c.name = "VLAN " + c.name;
      if (c.kind == "zone") {
        for (const Zone& z : opt.zones->zones)
          if (z.name == c.name) c.level = z.level;
      }
    }
    c.nodes.push_back(n.id);
  }
  std::sort(t.nodes.begin(), t.nodes.end(), [](const TopoNode& x, const TopoNode& y) { return x.id < y.id; });
  for (auto& [id, c] : clusters) {
    std::sort(c.nodes.begin(), c.nodes.end());
    t.clusters.push_back(std::move(c));
  }

  // Edges aggregated per (from, to, protocol); tombstones and dangling ends skipped.
  std::map<std::tuple<std::string, std::string, std::string>, TopoEdge> agg;
  for (const Edge& e : ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;
    if (!node_at.contains(e.from_id) || !node_at.contains(e.to_id)) continue;
    TopoEdge& te = agg[{e.from_id, e.to_id, e.protocol}];
    if (te.from.empty()) {
      te.from = e.from_id;
      te.to = e.to_id;
      te.protocol = e.protocol;
    }
    te.ports.push_back(e.port);
    te.packets += e.packets;
    te.bytes += e.bytes;
  }
  for (auto& [key, e] : agg) {
    std::sort(e.ports.begin(), e.ports.end());
    e.ports.erase(std::unique(e.ports.begin(), e.ports.end()), e.ports.end());
    t.edges.push_back(std::move(e));
  }
  return t;
}

std::optional<std::string> find_cluster(const Topology& t, std::string_view id_or_name) {
  if (id_or_name == kNoClusterName) return std::string();
  for (const TopoCluster& c : t.clusters)
    if (c.id == id_or_name) return c.id;
  for (const TopoCluster& c : t.clusters)
    if (c.name == id_or_name) return c.id;
  return std::nullopt;
}

std::optional<Topology> topology_of_cluster(const Topology& t, std::string_view cluster_id) {
  Topology o;
  o.grouping = t.grouping;
  if (!cluster_id.empty()) {
    const auto c = std::find_if(t.clusters.begin(), t.clusters.end(), [&](const TopoCluster& x) { return x.id == cluster_id; });
    if (c == t.clusters.end()) return std::nullopt;
    o.clusters.push_back(*c);
  }
  std::unordered_set<std::string_view> in;
  for (const TopoNode& n : t.nodes)
    if (n.cluster == cluster_id) {
      o.nodes.push_back(n);
      in.insert(n.id);
    }
  if (cluster_id.empty() && o.nodes.empty()) return std::nullopt;
  for (const TopoEdge& e : t.edges)
    if (in.contains(e.from) && in.contains(e.to)) o.edges.push_back(e);
  return o;
}

std::string topology_dot(const Topology& t) {
  std::string o;
  o += "// mieruka topology (DOT); " + grouping_text(t) + "\n";
  o += "digraph mieruka {\n";
  o += "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\"" + dot_escape(grouping_text(t)) + "\"];\n";
  o += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n";
  o += "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n";
  auto node_stmt = [](const TopoNode& n, const char* indent) {
    std::string s = std::string(indent) + "\"" + dot_escape(n.id) + "\" [label=\"" + node_lines(n) + "\"";
    if (n.flagged) {
      std::string why;
      for (const auto& f : n.flags) why += (why.empty() ? "" : ", ") + f;
      s += ", color=\"#cc0000\", penwidth=2.5, fillcolor=\"#ffe5e5\", tooltip=\"flagged: " + dot_escape(why) + "\"";
    }
    return s + "];\n";
  };
  std::unordered_map<std::string, const TopoNode*> by_id;
  for (const TopoNode& n : t.nodes) by_id.emplace(n.id, &n);
  for (std::size_t i = 0; i < t.clusters.size(); ++i) {
    const TopoCluster& c = t.clusters[i];
    std::string label = c.name;
    if (c.level) label += " (level " + std::to_string(*c.level) + ")";
    o += "  subgraph \"cluster_" + std::to_string(i) + "\" {\n";
    o += "    label=\"" + dot_escape(label) + "\"; style=\"rounded,dashed\"; color=\"#3366aa\";\n";
    for (const std::string& id : c.nodes) o += node_stmt(*by_id.at(id), "    ");
    o += "  }\n";
  }
  for (const TopoNode& n : t.nodes)
    if (n.cluster.empty()) o += node_stmt(n, "  ");
  for (const TopoNode& n : t.nodes) {
    if (n.parent.empty() || !by_id.contains(n.parent)) continue;
    o += "  \"" + dot_escape(n.parent) + "\" -> \"" + dot_escape(n.id) + "\" [style=dashed, arrowhead=none, label=\"" +
         dot_escape("behind: " + n.route) + "\"];\n";
  }
  for (const TopoEdge& e : t.edges) {
    o += "  \"" + dot_escape(e.from) + "\" -> \"" + dot_escape(e.to) + "\" [label=\"" + dot_escape(edge_label(e)) +
         "\\n" + std::to_string(e.packets) + " pkts\"];\n";
  }
  o += "}\n";
  return o;
}

std::string topology_graphml(const Topology& t) {
  std::string o;
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<!-- mieruka topology (GraphML); " + xml_escape(grouping_text(t)) + " -->\n";
  o += "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
       "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
       "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
       "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n";
  struct Key {
    const char* id;
    const char* domain;
    const char* type;
  };
  constexpr Key kKeys[] = {
      {"label", "node", "string"},  {"name", "node", "string"},     {"product", "node", "string"},
      {"vendor", "node", "string"}, {"class", "node", "string"},    {"mac", "node", "string"},
      {"ips", "node", "string"},    {"parent", "node", "string"},   {"route", "node", "string"},
      {"zone", "node", "string"},   {"flagged", "node", "boolean"}, {"flags", "node", "string"},
      {"kind", "edge", "string"},   {"protocol", "edge", "string"}, {"ports", "edge", "string"},
      {"packets", "edge", "long"},  {"bytes", "edge", "long"},      {"grouping", "graph", "string"},
  };
  for (const Key& k : kKeys)
    o += std::string("  <key id=\"") + k.id + "\" for=\"" + k.domain + "\" attr.name=\"" + k.id +
         "\" attr.type=\"" + k.type + "\"/>\n";
  o += "  <graph id=\"mieruka\" edgedefault=\"directed\">\n";
  o += "    <data key=\"grouping\">" + xml_escape(t.grouping) + "</data>\n";
  auto data = [](const char* key, const std::string& v) {
    if (v.empty()) return std::string();
    return std::string("      <data key=\"") + key + "\">" + xml_escape(v) + "</data>\n";
  };
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  std::unordered_map<std::string, std::string> cluster_name;
  for (const TopoCluster& c : t.clusters) cluster_name.emplace(c.id, c.name);
  for (const TopoNode& n : t.nodes) {
    o += "    <node id=\"" + xml_escape(n.id) + "\">\n";
    o += data("label", n.title) + data("name", n.name) + data("product", n.product) + data("vendor", n.vendor) +
         data("class", n.device_class) + data("mac", n.mac) + data("ips", join(n.ips)) + data("parent", n.parent) +
         data("route", n.route);
    if (!n.cluster.empty()) o += data("zone", cluster_name[n.cluster]);
    o += std::string("      <data key=\"flagged\">") + (n.flagged ? "true" : "false") + "</data>\n";
    o += data("flags", join(n.flags));
    o += "    </node>\n";
  }
  std::size_t k = 0;
  std::set<std::string> ids;
  for (const TopoNode& n : t.nodes) ids.insert(n.id);
  for (const TopoNode& n : t.nodes) {
    if (n.parent.empty() || !ids.contains(n.parent)) continue;
    o += "    <edge id=\"r" + std::to_string(k++) + "\" source=\"" + xml_escape(n.parent) + "\" target=\"" +
         xml_escape(n.id) + "\">\n" + data("kind", "behind") + data("route", n.route) + "    </edge>\n";
  }
  k = 0;
  for (const TopoEdge& e : t.edges) {
    std::string ports;
    for (std::uint16_t p : e.ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    o += "    <edge id=\"e" + std::to_string(k++) + "\" source=\"" + xml_escape(e.from) + "\" target=\"" +
         xml_escape(e.to) + "\">\n" + data("kind", "traffic") + data("protocol", e.protocol) + data("ports", ports) +
         data("packets", std::to_string(e.packets)) + data("bytes", std::to_string(e.bytes)) + "    </edge>\n";
  }
  o += "  </graph>\n</graphml>\n";
  return o;
}

Json topology_json(const Topology& t) {
  auto str = [](const std::string& s) { return sanitize_utf8(s); };
  auto or_null = [&](const std::string& s) { return s.empty() ? Json(nullptr) : Json(str(s)); };
  auto strs = [&](const std::vector<std::string>& v) {
    Json a = Json::array();
    for (const auto& x : v) a.push_back(str(x));
    return a;
  };
  Json j;
  j["schema"] = "mieruka.topology.v1";
  j["grouping"] = t.grouping;
  Json nodes = Json::array();
  for (const TopoNode& n : t.nodes) {
    Json x;
    x["id"] = str(n.id);
    x["label"] = str(n.title);
    x["name"] = or_null(n.name);
    x["product"] = or_null(n.product);
    x["vendor"] = or_null(n.vendor);
    x["class"] = str(n.device_class);
    x["mac"] = or_null(n.mac);
    x["ips"] = strs(n.ips);
    x["parent"] = or_null(n.parent);
    x["route"] = or_null(n.route);
    x["zone"] = or_null(n.cluster);
    x["zones"] = strs(n.zones);
    x["flagged"] = n.flagged;
    x["flags"] = strs(n.flags);
    nodes.push_back(std::move(x));
  }
  j["nodes"] = std::move(nodes);
  Json edges = Json::array();
  for (const TopoEdge& e : t.edges) {
    Json x;
    x["from"] = str(e.from);
    x["to"] = str(e.to);
    x["protocol"] = str(e.protocol);
    x["ports"] = e.ports;
    x["packets"] = e.packets;
    x["bytes"] = e.bytes;
    edges.push_back(std::move(x));
  }
  j["edges"] = std::move(edges);
  Json zones = Json::array();
  for (const TopoCluster& c : t.clusters) {
    Json x;
    x["id"] = str(c.id);
    x["name"] = str(c.name);
    x["kind"] = c.kind;
    x["level"] = c.level ? Json(*c.level) : Json(nullptr);
    x["nodes"] = strs(c.nodes);
    zones.push_back(std::move(x));
  }
  j["zones"] = std::move(zones);
  return j;
}

#ifdef MIERUKA_HAVE_GRAPHVIZ

namespace {

// Graphviz reports errors through a callback: keep the last one for our error line.
std::string g_graphviz_error;
int capture_graphviz_error(char* msg) {
  if (msg != nullptr) g_graphviz_error = msg;
  while (!g_graphviz_error.empty() && (g_graphviz_error.back() == '\n' || g_graphviz_error.back() == ' '))
    g_graphviz_error.pop_back();
  return 0;
}

// gvRenderData's length is unsigned int* up to Graphviz 2.x, size_t* later.
template <typename L>
L render_length_type(int (*)(GVC_t*, graph_t*, const char*, char**, L*));

// Graphviz is loaded on the first render (inventory/render/shared_library.hpp): it
// and its dependencies would otherwise be mapped at every start.
struct Graphviz {
  decltype(&::gvContext) context = nullptr;
  decltype(&::gvLayout) layout = nullptr;
  decltype(&::gvRenderData) render_data = nullptr;
  decltype(&::gvFreeRenderData) free_render_data = nullptr;
  decltype(&::gvFreeLayout) free_layout = nullptr;
  decltype(&::agmemread) memread = nullptr;
  decltype(&::agclose) close = nullptr;
  decltype(&::agseterrf) seterrf = nullptr;
  std::string error;  // empty when usable
};

const Graphviz& graphviz() {
  static const Graphviz api = [] {
    Graphviz g;
    static SharedLibrary cgraph{MIERUKA_CGRAPH_SONAME};
    static SharedLibrary gvc{MIERUKA_GVC_SONAME};
    gvc.bind("gvContext", g.context);
    gvc.bind("gvLayout", g.layout);
    gvc.bind("gvRenderData", g.render_data);
    gvc.bind("gvFreeRenderData", g.free_render_data);
    gvc.bind("gvFreeLayout", g.free_layout);
    cgraph.bind("agmemread", g.memread);
    cgraph.bind("agclose", g.close);
    cgraph.bind("agseterrf", g.seterrf);
    if (!cgraph.ok() || !gvc.ok()) {
      g.error = (!cgraph.ok() ? cgraph.error() : gvc.error()) +
                " (install Graphviz's libraries, e.g. libgvc6, or use --format dot)";
    }
    return g;
  }();
  return api;
}

}  // namespace

bool svg_available() noexcept { return true; }

namespace {

// Lays out and renders in this process (render_svg calls it in a child).
std::optional<std::string> render_here(const std::string& dot, std::string& error) {
  const Graphviz& gv = graphviz();
  if (!gv.error.empty()) {
    error = "graphviz: " + gv.error;
    return std::nullopt;
  }
  g_graphviz_error.clear();
  const agusererrf previous = gv.seterrf(&capture_graphviz_error);
  struct Restore {
    const Graphviz& gv;
    agusererrf f;
    ~Restore() { gv.seterrf(f); }
  } restore{gv, previous};
  auto fail = [&](const std::string& what) {
    error = "graphviz: " + what + (g_graphviz_error.empty() ? "" : " (" + g_graphviz_error + ")");
    return std::nullopt;
  };

  // One context for the life of the process: a context freed after a render
  // leaves the text-layout plugin's font cache pointing at freed names, and the
  // next render (the web console renders many) reads them (ASan: use after free
  // in textspan_size).
  static GVC_t* const gvc = gv.context();
  if (gvc == nullptr) return fail("cannot create a context");
  Agraph_t* g = gv.memread(dot.c_str());
  if (g == nullptr) return fail("cannot parse the DOT text");
  if (gv.layout(gvc, g, "dot") != 0) {
    gv.close(g);
    return fail("dot layout failed (is the graphviz \"dot\" plugin installed?)");
  }
  char* data = nullptr;
  decltype(render_length_type(gv.render_data)) len = 0;
  const int rc = gv.render_data(gvc, g, "svg", &data, &len);
  std::optional<std::string> out;
  if (rc == 0 && data != nullptr) out = std::string(data, len);
  if (data != nullptr) gv.free_render_data(data);
  gv.free_layout(gvc, g);
  gv.close(g);
  if (!out) return fail("SVG rendering failed");
  return out;
}

// The first picture, drawn in this process before any fork: the fonts the
// diagrams name (topology, and the checklist's zones), so that a child finds
// them loaded and matched.
constexpr const char* kWarmUpDot =
    "digraph { graph [fontname=\"Helvetica\"]; node [fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\"];"
    " a -> b [label=\"x\"]; c [fontname=\"Noto Sans CJK JP\", label=\"\u6a5f\u5668 a\"]; }";

// This process's threads (/proc/self/task), empty when /proc is not there.
std::set<std::string> thread_ids() {
  std::set<std::string> ids;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec))
    ids.insert(task.path().filename().string());
  return ids;
}

// Graphviz's text layout (Pango) matches and sorts fonts in a thread of its own,
// which goes on sorting after the first picture is done. A fork while it holds a
// lock (an allocator's, a font cache's) leaves that lock held for ever in the
// child. So, once, after the first picture: wait until none of the threads that
// picture started is running, three looks in a row 20 ms apart, for at most
// 10 s. The threads that were there before (capture, the console's workers) are
// not waited for: they hold none of Graphviz's locks.
void wait_for_quiet_threads(const std::set<std::string>& before) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int quiet = 0;
  while (quiet < 3 && std::chrono::steady_clock::now() < until) {
    bool running = false;
    for (const auto& id : thread_ids()) {
      if (before.count(id) != 0) continue;
      std::FILE* f = std::fopen(("/proc/self/task/" + id + "/stat").c_str(), "r");
      if (f == nullptr) continue;
      char line[512];
      const std::size_t n = std::fread(line, 1, sizeof line - 1, f);
      std::fclose(f);
      line[n] = '\0';
      // "tid (comm) S ...": the state follows the last ')'.
      const char* close = std::strrchr(line, ')');
      if (close != nullptr && close[1] == ' ' && (close[2] == 'R' || close[2] == 'D')) running = true;
    }
    quiet = running ? 0 : quiet + 1;
    if (quiet < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

std::optional<std::string> render_svg(const std::string& dot, std::string& error, int timeout_s) {
  // Graphviz is not thread-safe (global error hook, font and text-size caches):
  // the web console renders for concurrent requests, so one layout at a time.
  static std::mutex graphviz_mutex;
  const std::lock_guard<std::mutex> lock(graphviz_mutex);
  if (const Graphviz& gv = graphviz(); !gv.error.empty()) {
    error = "graphviz: " + gv.error;
    return std::nullopt;
  }
  // Graphviz has crashed on pictures it was given (a double free laying out
  // many labelled edges), and its labels carry names read off the wire. The
  // layout therefore runs in a child process: a crash, or a picture that
  // takes too long, ends the child and fails this picture only, never the
  // daemon that captures and serves the console. One small picture is drawn
  // here first, so that the plugins and fonts are loaded before any fork and
  // a child never opens a library (which a thread of the parent might have
  // been doing when it forked).
  static const bool warmed = [] {
    std::string ignored;
    const std::set<std::string> before = thread_ids();
    const bool ok = render_here(kWarmUpDot, ignored).has_value();
    wait_for_quiet_threads(before);
    return ok;
  }();
  (void)warmed;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("graphviz: cannot make a pipe (") + std::strerror(errno) + ")";
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("graphviz: cannot start a process for the layout (") + std::strerror(errno) + ")";
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    // The child: only this thread exists. It renders, writes "S<svg>" or
    // "E<error>", and leaves without running the parent's exit handlers; an
    // exception (out of memory) must not unwind into the parent's code.
    ::close(fds[0]);
    int rc = 1;
    try {
      std::string why;
      const auto svg = render_here(dot, why);
      const std::string out = svg ? "S" + *svg : "E" + why;
      rc = write_all(fds[1], out.data(), out.size()) ? 0 : 1;
    } catch (...) {
    }
    ::_exit(rc);
  }
  ::close(fds[1]);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeout_s);
  std::string got;
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    int ms = -1;
    if (timeout_s > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      ms = static_cast<int>(std::min<long long>(left, 60'000));
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  pid_t w;
  while ((w = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    error = "graphviz: no picture after " + std::to_string(timeout_s) +
            " s; it is too large to lay out (draw one zone, or use --format dot)";
    return std::nullopt;
  }
  if (w == pid && WIFSIGNALED(status)) {
    error = "graphviz: the layout crashed on this picture (signal " + std::to_string(WTERMSIG(status)) +
            "); nothing else was affected (use --format dot for the graph itself)";
    return std::nullopt;
  }
  if (got.empty() || (got[0] != 'S' && got[0] != 'E') || (w == pid && WEXITSTATUS(status) != 0)) {
    error = "graphviz: the layout process ended without a picture";
    return std::nullopt;
  }
  if (got[0] == 'E') {
    error = got.substr(1);
    return std::nullopt;
  }
  return got.substr(1);
}

#else

bool svg_available() noexcept { return false; }

std::optional<std::string> render_svg(const std::string&, std::string& error, int) {
  error = "svg: this build has no Graphviz (install libgraphviz-dev and rebuild), use --format dot";
  return std::nullopt;
}

#endif

}  // namespace mieruka::inventory
