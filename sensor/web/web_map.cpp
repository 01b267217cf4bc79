#include "sensor/web/web_map.hpp"

#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "inventory/render/export.hpp"

namespace mieruka::sensor::web {
namespace {

using Json = nlohmann::ordered_json;
using inventory::Topology;
using inventory::TopoNode;

constexpr std::size_t kMaxParam = 256;

Json str(const std::string& s) { return inventory::sanitize_utf8(s); }
Json or_null(const std::string& s) { return s.empty() ? Json() : str(s); }
Json strs(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& x : v) a.push_back(str(x));
  return a;
}

const std::string& cluster_of(const TopoNode& n) {
  static const std::string none = kNoCluster;
  return n.cluster.empty() ? none : n.cluster;
}

// The conversations that raised an open cross_zone finding, by the finding's id
// (inventory/policy/findings.cpp keys them "edge:<to>|<protocol>|<port>" on the initiator).
struct Violations {
  std::unordered_set<std::string> ids;
  explicit Violations(const std::vector<inventory::Finding>& findings) {
    for (const auto& f : findings)
      if (f.type == "cross_zone" && !f.acknowledged) ids.insert(f.id);
  }
  bool on(const std::string& from, const std::string& to, const std::string& protocol, std::uint16_t port) const {
    return !ids.empty() &&
           ids.count(inventory::finding_id("cross_zone", from, "edge:" + to + "|" + protocol + "|" +
                                                                 std::to_string(port))) != 0;
  }
  bool on(const inventory::TopoEdge& e) const {
    for (const auto p : e.ports)
      if (on(e.from, e.to, e.protocol, p)) return true;
    return false;
  }
};

struct Index {
  const Topology& t;
  std::unordered_map<std::string, std::size_t> node;     // id -> t.nodes index
  std::unordered_map<std::string, std::size_t> cluster;  // id -> t.clusters index
  explicit Index(const Topology& topo) : t(topo) {
    node.reserve(t.nodes.size());
    for (std::size_t i = 0; i < t.nodes.size(); ++i) node.emplace(t.nodes[i].id, i);
    for (std::size_t i = 0; i < t.clusters.size(); ++i) cluster.emplace(t.clusters[i].id, i);
  }
  const TopoNode* find(const std::string& id) const {
    const auto it = node.find(id);
    return it == node.end() ? nullptr : &t.nodes[it->second];
  }
  Json cluster_name(const std::string& id) const {
    const auto it = cluster.find(id);
    return it == cluster.end() ? Json() : str(t.clusters[it->second].name);
  }
};

Json node_json(const TopoNode& n, const std::string* parent_in_view) {
  Json x;
  x["id"] = str(n.id);
  x["label"] = str(n.title);
  x["name"] = or_null(n.name);
  x["class"] = str(n.device_class);
  x["ips"] = strs(n.ips);
  x["mac"] = or_null(n.mac);
  x["vendor"] = or_null(n.vendor);
  x["product"] = or_null(n.product);
  x["parent"] = parent_in_view != nullptr ? or_null(*parent_in_view) : Json();
  x["route"] = or_null(n.route);
  x["flags"] = strs(n.flags);
  return x;
}

Json zone_head(const Index& ix, const std::string& id) {
  Json z;
  z["id"] = str(id);
  const auto it = ix.cluster.find(id);
  if (it == ix.cluster.end()) {
    z["name"] = nullptr;
    z["kind"] = "none";
    z["level"] = nullptr;
  } else {
    const auto& c = ix.t.clusters[it->second];
    z["name"] = str(c.name);
    z["kind"] = c.kind;
    z["level"] = c.level ? Json(*c.level) : Json();
  }
  return z;
}

Json plant(const Index& ix, const Violations& viol) {
  const Topology& t = ix.t;
  struct ZoneAgg {
    std::uint64_t devices = 0, flagged = 0, internal = 0;
    std::map<std::string, std::uint64_t> classes, flags;
  };
  std::map<std::string, ZoneAgg> zones;
  for (const auto& c : t.clusters) zones[c.id];
  for (const auto& n : t.nodes) {
    auto& z = zones[cluster_of(n)];
    ++z.devices;
    if (n.flagged) ++z.flagged;
    ++z.classes[n.device_class];
    for (const auto& f : n.flags) ++z.flags[f];
  }
  struct Proto {
    std::uint64_t packets = 0, conversations = 0, violations = 0;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, Proto>> links;
  for (const auto& e : t.edges) {
    const TopoNode* a = ix.find(e.from);
    const TopoNode* b = ix.find(e.to);
    if (a == nullptr || b == nullptr) continue;
    const std::string &ca = cluster_of(*a), &cb = cluster_of(*b);
    if (ca == cb) {
      ++zones[ca].internal;
      continue;
    }
    auto& p = links[{ca, cb}][e.protocol];
    p.packets += e.packets;
    ++p.conversations;
    if (viol.on(e)) ++p.violations;
  }
  Json out;
  out["level"] = "plant";
  out["grouping"] = t.grouping;
  Json zs = Json::array();
  for (const auto& [id, z] : zones) {
    if (id == kNoCluster && z.devices == 0) continue;
    Json x = zone_head(ix, id);
    x["devices"] = z.devices;
    x["flagged"] = z.flagged;
    x["internal"] = z.internal;
    Json cls = Json::object();
    for (const auto& [k, n] : z.classes) cls[inventory::sanitize_utf8(k)] = n;
    x["classes"] = std::move(cls);
    Json flags = Json::object();
    for (const auto& [k, n] : z.flags) flags[inventory::sanitize_utf8(k)] = n;
    x["flags"] = std::move(flags);
    zs.push_back(std::move(x));
  }
  out["zones"] = std::move(zs);
  Json ls = Json::array();
  for (const auto& [key, protos] : links) {
    Json x;
    x["from"] = str(key.first);
    x["to"] = str(key.second);
    std::uint64_t packets = 0, conversations = 0, violations = 0;
    Json ps = Json::array();
    for (const auto& [name, p] : protos) {
      packets += p.packets;
      conversations += p.conversations;
      violations += p.violations;
      ps.push_back(Json{{"protocol", str(name)}, {"packets", p.packets}, {"conversations", p.conversations},
                        {"violations", p.violations}});
    }
    x["packets"] = packets;
    x["conversations"] = conversations;
    x["violations"] = violations;
    x["protocols"] = std::move(ps);
    ls.push_back(std::move(x));
  }
  out["links"] = std::move(ls);
  return out;
}

Json zone(const Index& ix, const Violations& viol, const std::string& zid) {
  const Topology& t = ix.t;
  std::unordered_set<std::string> inside;
  Json nodes = Json::array();
  for (const auto& n : t.nodes) {
    if (cluster_of(n) != zid) continue;
    inside.insert(n.id);
  }
  for (const auto& n : t.nodes) {
    if (inside.count(n.id) == 0) continue;
    nodes.push_back(node_json(n, !n.parent.empty() && inside.count(n.parent) != 0 ? &n.parent : nullptr));
  }
  Json edges = Json::array();
  struct Ext {
    std::set<std::string> protocols;
    std::uint64_t packets = 0, conversations = 0, violations = 0;
  };
  // (device inside, other zone, "out" when the device started it) -> sums
  std::map<std::tuple<std::string, std::string, std::string>, Ext> ext;
  for (const auto& e : t.edges) {
    const bool fi = inside.count(e.from) != 0, ti = inside.count(e.to) != 0;
    if (!fi && !ti) continue;
    const bool v = viol.on(e);
    if (fi && ti) {
      edges.push_back(Json{{"from", str(e.from)}, {"to", str(e.to)}, {"protocol", str(e.protocol)},
                           {"ports", e.ports}, {"packets", e.packets}, {"violation", v}});
      continue;
    }
    const TopoNode* other = ix.find(fi ? e.to : e.from);
    if (other == nullptr) continue;
    auto& x = ext[{fi ? e.from : e.to, cluster_of(*other), fi ? "out" : "in"}];
    x.protocols.insert(e.protocol);
    x.packets += e.packets;
    ++x.conversations;
    if (v) ++x.violations;
  }
  Json out;
  out["level"] = "zone";
  out["zone"] = zone_head(ix, zid);
  out["nodes"] = std::move(nodes);
  out["edges"] = std::move(edges);
  Json xs = Json::array();
  for (const auto& [key, x] : ext) {
    const auto& [device, other, dir] = key;
    Json ps = Json::array();
    for (const auto& p : x.protocols) ps.push_back(str(p));
    xs.push_back(Json{{"device", str(device)}, {"zone", str(other)}, {"zone_name", ix.cluster_name(other)},
                      {"direction", dir}, {"protocols", std::move(ps)}, {"packets", x.packets},
                      {"conversations", x.conversations}, {"violations", x.violations}});
  }
  out["external"] = std::move(xs);
  return out;
}

Json with_zone(const Index& ix, const TopoNode& n) {
  Json x = node_json(n, n.parent.empty() ? nullptr : &n.parent);
  x["zone"] = str(cluster_of(n));
  x["zone_name"] = ix.cluster_name(cluster_of(n));
  return x;
}

Json device(const Index& ix, const inventory::Ledger& L, const Violations& viol, const TopoNode& d) {
  Json out;
  out["level"] = "device";
  out["device"] = with_zone(ix, d);
  std::set<std::string> peers;
  Json convs = Json::array();
  for (const auto& e : L.edges()) {
    if (e.merged_into != inventory::kNoEdge) continue;
    const bool from = e.from_id == d.id, to = e.to_id == d.id;
    if (!from && !to) continue;
    const std::string& peer = from ? e.to_id : e.from_id;
    if (ix.find(peer) != nullptr) peers.insert(peer);
    Json ops = Json::array();
    for (const auto& op : e.ops)
      ops.push_back(Json{{"protocol", str(op.protocol)}, {"name", str(op.name)}, {"code", op.code},
                         {"count", op.count}, {"errors", op.errors}, {"write", op.is_write},
                         {"control", op.is_control}});
    convs.push_back(Json{{"from", str(e.from_id)}, {"to", str(e.to_id)}, {"protocol", str(e.protocol)},
                         {"transport", str(e.transport)}, {"port", e.port}, {"vlan", e.vlan},
                         {"packets", e.packets}, {"bytes", e.bytes},
                         {"violation", viol.on(e.from_id, e.to_id, e.protocol, e.port)}, {"ops", std::move(ops)}});
  }
  // The device it sits behind and the devices behind it are its neighbours too.
  if (!d.parent.empty() && ix.find(d.parent) != nullptr) peers.insert(d.parent);
  for (const auto& n : ix.t.nodes)
    if (n.parent == d.id) peers.insert(n.id);
  Json ns = Json::array();
  for (const auto& p : peers) ns.push_back(with_zone(ix, *ix.find(p)));
  out["neighbours"] = std::move(ns);
  out["conversations"] = std::move(convs);
  return out;
}

}  // namespace

bool parse_map_query(const std::multimap<std::string, std::string>& params, MapQuery& q, std::string& error) {
  for (const auto& [k, v] : params) {
    if (v.size() > kMaxParam) {
      error = "map: parameter " + k + " is longer than " + std::to_string(kMaxParam) + " bytes";
      return false;
    }
    if (k == "level") q.level = v;
    else if (k == "zone") q.zone = v;
    else if (k == "id") q.id = v;
    else {
      error = "map: unknown parameter " + inventory::sanitize_utf8(k) + " (use level, zone, id)";
      return false;
    }
  }
  if (q.level != "plant" && q.level != "zone" && q.level != "device") {
    error = "map: level must be plant, zone or device";
    return false;
  }
  if (q.level == "zone" && q.zone.empty()) {
    error = "map: level=zone needs zone=<zone id>";
    return false;
  }
  if (q.level == "device" && q.id.empty()) {
    error = "map: level=device needs id=<asset id>";
    return false;
  }
  return true;
}

std::optional<Json> map_json(const Topology& t, const inventory::Ledger& ledger,
                             const std::vector<inventory::Finding>& findings, const MapQuery& q, std::string& error) {
  const Index ix(t);
  const Violations viol(findings);
  if (q.level == "plant") return plant(ix, viol);
  if (q.level == "zone") {
    bool known = ix.cluster.count(q.zone) != 0;
    if (!known && q.zone == kNoCluster)
      for (const auto& n : t.nodes) known = known || n.cluster.empty();
    if (!known) {
      error = "map: no such zone";
      return std::nullopt;
    }
    return zone(ix, viol, q.zone);
  }
  const TopoNode* d = ix.find(q.id);
  if (d == nullptr) {
    error = "map: no such device";
    return std::nullopt;
  }
  return device(ix, ledger, viol, *d);
}

}  // namespace mieruka::sensor::web
