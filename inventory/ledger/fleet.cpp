// The fleet ledger (see fleet.hpp): ids first (which asset of the fleet each
// sensor's record is), then the records folded by fleet id with
// Ledger::fold_asset / Ledger::fold_edge, then one ledger loaded from them.
#include "inventory/ledger/fleet.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace mieruka::inventory {
namespace {

// The routed network a sensor's addresses belong to (see "Sites" in fleet.hpp).
std::string network_of(const SensorLedger& s) { return s.site.empty() ? "sensor:" + s.sensor : "site:" + s.site; }

bool ip_keyed_root(const Asset& a) { return a.key_ip.has_value() && !a.mac && a.parent_id.empty(); }

// A station of a site that holds an address: who may take in the IP-keyed
// assets other sensors of the site made for it.
struct Holder {
  int strength = 0;
  std::int64_t last_us = 0;
  std::string id;
  std::size_t sensor = 0;
};

// Strongest evidence, then the most recent, then the lowest id.
bool better(const Holder& a, const Holder& b) {
  if (a.strength != b.strength) return a.strength > b.strength;
  if (a.last_us != b.last_us) return a.last_us > b.last_us;
  return a.id < b.id;
}

// The fleet id of each live asset of one sensor's ledger ("" for merged records),
// and its parent's fleet id (for children whose parent it has).
struct SensorIds {
  std::vector<std::string> id, parent;
};

struct Accumulated {
  Asset asset;
  std::vector<std::size_t> sighting_sensor;  // parallel to asset.sightings
};

Sighting sighting_of(const SensorLedger& s, const Asset& a) {
  Sighting g;
  g.sensor = s.sensor;
  g.site = s.site;
  g.first_us = a.first_us;
  g.last_us = a.last_us;
  g.packets_sent = a.packets_sent;
  for (const auto& r : a.ips) g.ips.push_back(r.ip);
  std::sort(g.ips.begin(), g.ips.end());
  g.ips.erase(std::unique(g.ips.begin(), g.ips.end()), g.ips.end());
  g.vlans = a.vlans;
  return g;
}

void join_sighting(Sighting& t, const Sighting& f) {
  t.first_us = std::min(t.first_us, f.first_us);
  t.last_us = std::max(t.last_us, f.last_us);
  t.packets_sent += f.packets_sent;
  std::vector<IpAddr> ips;
  std::set_union(t.ips.begin(), t.ips.end(), f.ips.begin(), f.ips.end(), std::back_inserter(ips));
  t.ips = std::move(ips);
  std::vector<std::uint16_t> vlans;
  std::set_union(t.vlans.begin(), t.vlans.end(), f.vlans.begin(), f.vlans.end(), std::back_inserter(vlans));
  t.vlans = std::move(vlans);
}

// The live asset a ledger index stands for (following merges), else kNoAsset.
AssetIndex live(const Ledger& l, AssetIndex i) {
  const auto& as = l.assets();
  for (std::size_t hops = 0; i < as.size() && hops <= as.size(); ++hops) {
    if (as[i].merged_into == kNoAsset) return i;
    i = as[i].merged_into;
  }
  return kNoAsset;
}

// The fleet id of every live record of `sensors` (in the merge's order).
std::vector<SensorIds> fleet_ids(const std::vector<SensorLedger>& sensors) {
  const std::size_t n = sensors.size();
  std::vector<std::string> networks(n);
  for (std::size_t i = 0; i < n; ++i) networks[i] = network_of(sensors[i]);

  // Who holds each address, per site (stations only; a router by binding only).
  std::map<std::pair<std::string, IpAddr>, std::vector<Holder>> holders;
  for (std::size_t i = 0; i < n; ++i) {
    if (sensors[i].site.empty()) continue;
    for (const Asset& a : sensors[i].ledger.assets()) {
      if (a.merged_into != kNoAsset || !a.mac) continue;
      for (const IpRecord& r : a.ips) {
        const int strength = Ledger::address_strength(r.source);
        if (strength < 2 || (a.router && strength < 3)) continue;
        holders[{sensors[i].site, r.ip}].push_back(Holder{strength, r.last_us, a.id, i});
      }
    }
  }
  // The station another sensor of the site saw holding `ip`, or "".
  const auto fold_target = [&](std::size_t i, const IpAddr& ip) -> std::string {
    if (sensors[i].site.empty()) return {};
    const auto it = holders.find({sensors[i].site, ip});
    if (it == holders.end()) return {};
    const Holder* best = nullptr;
    for (const Holder& h : it->second)
      if (h.sensor != i && (best == nullptr || better(h, *best))) best = &h;
    return best != nullptr ? best->id : std::string();
  };

  // The networks that keep an IP-keyed asset of one id (not folded).
  std::vector<std::vector<std::string>> root_ids(n);
  std::map<std::string, std::set<std::string>> ip_networks;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& as = sensors[i].ledger.assets();
    root_ids[i].resize(as.size());
    for (std::size_t j = 0; j < as.size(); ++j) {
      const Asset& a = as[j];
      if (a.merged_into != kNoAsset || !ip_keyed_root(a)) continue;
      root_ids[i][j] = fold_target(i, *a.key_ip);
      if (root_ids[i][j].empty()) ip_networks[a.id].insert(networks[i]);
    }
  }

  // Fleet ids: roots first, children from their parent's fleet id.
  std::vector<SensorIds> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Ledger& l = sensors[i].ledger;
    const auto& as = l.assets();
    SensorIds& s = ids[i];
    s.id.assign(as.size(), {});
    s.parent.assign(as.size(), {});
    std::vector<std::uint8_t> state(as.size(), 0);  // 0 to do, 1 on the path, 2 done
    // Iterative walk up the parent chain (a hostile store may hold a cycle).
    for (std::size_t start = 0; start < as.size(); ++start) {
      if (state[start] == 2 || as[start].merged_into != kNoAsset) continue;
      std::vector<AssetIndex> path{static_cast<AssetIndex>(start)};
      state[start] = 1;
      while (true) {
        const Asset& a = as[path.back()];
        if (a.parent_id.empty()) break;
        const AssetIndex p = live(l, l.index_of(a.parent_id));
        if (p == kNoAsset || state[p] == 1 || state[p] == 2) break;
        state[p] = 1;
        path.push_back(p);
      }
      for (auto it = path.rbegin(); it != path.rend(); ++it) {
        const AssetIndex j = *it;
        const Asset& a = as[j];
        state[j] = 2;
        std::string& fid = s.id[j];
        if (ip_keyed_root(a)) {
          fid = root_ids[i][j];
          if (fid.empty()) {
            const auto nw = ip_networks.find(a.id);
            fid = nw != ip_networks.end() && nw->second.size() > 1 ? Ledger::id_for_child(a.id, networks[i]) : a.id;
          }
          continue;
        }
        fid = a.id;
        if (a.parent_id.empty()) continue;
        const AssetIndex p = live(l, l.index_of(a.parent_id));
        if (p == kNoAsset || p == j || s.id[p].empty()) continue;  // parent missing, or a cycle
        s.parent[j] = s.id[p];
        fid = Ledger::id_for_child(s.id[p], a.route);
      }
    }
  }

  return ids;
}

// The fleet id of a record that `members` (of one sensor) names, else null.
const FleetMember* member_of(const std::vector<FleetMember>& members, const std::string& record) {
  const auto it = std::lower_bound(members.begin(), members.end(), record,
                                   [](const FleetMember& m, const std::string& r) { return m.record < r; });
  return it != members.end() && it->record == record ? &*it : nullptr;
}

// The records of `sensors` folded by the fleet ids `ids` gives them; an edge's
// end the sensor's ledger does not hold is re-keyed by `members` when given.
Ledger fold(std::vector<SensorLedger>& sensors, const std::vector<SensorIds>& ids, const FleetMembers* members) {
  const std::size_t n = sensors.size();
  // The records, folded by fleet id.
  std::map<std::string, Accumulated> assets;
  for (std::size_t i = 0; i < n; ++i) {
    auto& as = sensors[i].ledger.assets_mut();
    for (std::size_t j = 0; j < as.size(); ++j) {
      if (ids[i].id[j].empty()) continue;
      Asset a = std::move(as[j]);
      Sighting g = sighting_of(sensors[i], a);
      a.id = ids[i].id[j];
      if (!ids[i].parent[j].empty()) a.parent_id = ids[i].parent[j];
      a.sightings.clear();
      a.dirty = false;
      a.fact_hint = 0;
      a.merged_into = kNoAsset;
      if (a.mac) a.key_ip.reset();
      auto [it, fresh] = assets.try_emplace(a.id);
      Accumulated& acc = it->second;
      if (fresh) {
        acc.asset = std::move(a);
      } else {
        Asset& t = acc.asset;
        if (!t.mac && a.mac) {  // the station an IP-keyed asset was folded into
          t.mac = a.mac;
          t.key_ip.reset();
        }
        t.router = t.router || a.router;
        (void)Ledger::fold_asset(t, a);
      }
      if (!acc.sighting_sensor.empty() && acc.sighting_sensor.back() == i) {
        join_sighting(acc.asset.sightings.back(), g);
      } else {
        acc.asset.sightings.push_back(std::move(g));
        acc.sighting_sensor.push_back(i);
      }
    }
  }

  // Edges, re-keyed to their endpoints' fleet ids.
  std::map<std::string, Edge> edges;
  for (std::size_t i = 0; i < n; ++i) {
    const Ledger& l = sensors[i].ledger;
    auto& es = sensors[i].ledger.edges_mut();
    for (std::size_t k = 0; k < es.size(); ++k) {
      if (es[k].merged_into != kNoEdge) continue;
      const auto [from, to] = l.ends(static_cast<EdgeIndex>(k));
      Edge e = std::move(es[k]);
      const AssetIndex lf = live(l, from), lt = live(l, to);
      if (lf != kNoAsset && !ids[i].id[lf].empty()) e.from_id = ids[i].id[lf];
      else if (const FleetMember* m = lf == kNoAsset && members != nullptr ? member_of((*members)[i], e.from_id) : nullptr)
        e.from_id = m->fleet;
      if (lt != kNoAsset && !ids[i].id[lt].empty()) e.to_id = ids[i].id[lt];
      else if (const FleetMember* m = lt == kNoAsset && members != nullptr ? member_of((*members)[i], e.to_id) : nullptr)
        e.to_id = m->fleet;
      e.id = Ledger::id_for_edge(e.from_id, e.to_id, e.protocol, e.port, e.vlan);
      e.dirty = false;
      auto [it, fresh] = edges.try_emplace(e.id);
      if (fresh) it->second = std::move(e);
      else (void)Ledger::fold_edge(it->second, e);
    }
  }

  Ledger out;
  out.reserve_loaded(assets.size(), edges.size());
  for (auto& [id, acc] : assets) out.load_asset(std::move(acc.asset));
  std::vector<Edge> loaded;
  loaded.reserve(edges.size());
  for (auto& [id, e] : edges) loaded.push_back(std::move(e));
  out.load_edges(loaded);
  return out;
}

}  // namespace

void sort_fleet(std::vector<SensorLedger>& sensors) {
  std::stable_sort(sensors.begin(), sensors.end(), [](const SensorLedger& a, const SensorLedger& b) {
    return std::tie(a.sensor, a.site) < std::tie(b.sensor, b.site);
  });
}

Ledger merge_fleet(std::vector<SensorLedger> sensors, FleetMembers* members) {
  sort_fleet(sensors);
  const std::vector<SensorIds> ids = fleet_ids(sensors);
  if (members != nullptr) {
    members->assign(sensors.size(), {});
    for (std::size_t i = 0; i < sensors.size(); ++i) {
      const auto& as = sensors[i].ledger.assets();
      auto& out = (*members)[i];
      for (std::size_t j = 0; j < as.size(); ++j)
        if (!ids[i].id[j].empty()) out.push_back(FleetMember{as[j].id, ids[i].id[j], ids[i].parent[j]});
      std::sort(out.begin(), out.end(), [](const FleetMember& a, const FleetMember& b) { return a.record < b.record; });
    }
  }
  return fold(sensors, ids, nullptr);
}

Ledger fold_fleet(std::vector<SensorLedger> sensors, const FleetMembers& members) {
  std::vector<SensorIds> ids(sensors.size());
  for (std::size_t i = 0; i < sensors.size(); ++i) {
    const auto& as = sensors[i].ledger.assets();
    ids[i].id.assign(as.size(), {});
    ids[i].parent.assign(as.size(), {});
    if (i >= members.size()) continue;
    for (std::size_t j = 0; j < as.size(); ++j) {
      if (as[j].merged_into != kNoAsset) continue;
      if (const FleetMember* m = member_of(members[i], as[j].id)) {
        ids[i].id[j] = m->fleet;
        ids[i].parent[j] = m->parent;
      }
    }
  }
  if (sensors.size() > members.size()) sensors.resize(members.size());
  return fold(sensors, ids, &members);
}

}  // namespace mieruka::inventory
