// FleetIndex (see fleet_index.hpp).
#include "inventory/store/fleet_index.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>
#include <string_view>
#include <utility>

#include "inventory/policy/classify.hpp"

namespace mieruka::inventory {

FleetIndex::FleetIndex() = default;
FleetIndex::FleetIndex(FleetIndex&&) noexcept = default;
FleetIndex& FleetIndex::operator=(FleetIndex&&) noexcept = default;
FleetIndex::~FleetIndex() = default;

const std::vector<std::string>& FleetIndex::key_fields() {
  static const std::vector<std::string> fields{std::string(field::name),    std::string(field::hostname),
                                               std::string(field::vendor),  std::string(field::product),
                                               std::string(field::revision), std::string(field::serial),
                                               "tcp_fingerprint"};
  return fields;
}

StoreStatus FleetIndex::build(LedgerSource& source, const std::vector<std::string>& sensors,
                              const std::map<std::string, std::string>& sites) {
  std::vector<SensorLedger> read;
  read.reserve(sensors.size());
  for (const auto& name : sensors) {
    const auto site = sites.find(name);
    read.push_back(SensorLedger{name, site != sites.end() ? site->second : std::string(), Ledger(name)});
    if (auto st = source.load_keys(name, key_fields(), read.back().ledger); !st) return st;
  }
  sort_fleet(read);
  std::vector<SensorLedger> names;
  names.reserve(read.size());
  for (const auto& s : read) names.push_back(SensorLedger{s.sensor, s.site, Ledger(s.sensor)});
  FleetMembers members;
  Ledger keys = merge_fleet(std::move(read), &members);
  std::vector<Ref> by_fleet;
  for (std::size_t i = 0; i < members.size(); ++i)
    for (std::size_t j = 0; j < members[i].size(); ++j)
      by_fleet.push_back(Ref{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
  std::sort(by_fleet.begin(), by_fleet.end(), [&](const Ref& a, const Ref& b) {
    return std::tie(members[a.sensor][a.member].fleet, a.sensor, a.member) <
           std::tie(members[b.sensor][b.member].fleet, b.sensor, b.member);
  });
  names_ = std::move(names);
  members_ = std::move(members);
  by_fleet_ = std::move(by_fleet);
  keys_ = std::move(keys);
  links_ = std::make_unique<AssetLinks>(keys_);
  host_groups_.clear();
  for (const auto& g : keys_.same_host_groups()) {
    auto& ids = host_groups_.emplace_back();
    for (const AssetIndex i : g) ids.push_back(keys_.assets()[i].id);
  }
  return {};
}

std::vector<AssetIndex> FleetIndex::children_of(AssetIndex i) const {
  if (!links_ || i >= keys_.assets().size()) return {};
  const auto c = links_->children_of(i);
  return {c.begin(), c.end()};
}

StoreStatus FleetIndex::read(LedgerSource& source, const std::vector<std::string>& ids, Ledger& out) const {
  // The devices asked for and the devices behind them.
  std::set<std::string> wanted;
  for (const auto& id : ids) {
    const AssetIndex i = keys_.index_of(id);
    if (i == kNoAsset) continue;
    wanted.insert(keys_.assets()[i].id);
    for (const AssetIndex c : children_of(i)) wanted.insert(keys_.assets()[c].id);
  }
  // Their records, per sensor.
  std::vector<std::vector<std::string>> records(names_.size());
  for (const auto& fleet : wanted) {
    auto it = std::lower_bound(by_fleet_.begin(), by_fleet_.end(), fleet, [&](const Ref& r, const std::string& f) {
      return members_[r.sensor][r.member].fleet < f;
    });
    for (; it != by_fleet_.end() && members_[it->sensor][it->member].fleet == fleet; ++it)
      records[it->sensor].push_back(members_[it->sensor][it->member].record);
  }
  std::vector<SensorLedger> sensors;
  sensors.reserve(names_.size());
  for (std::size_t i = 0; i < names_.size(); ++i) {
    sensors.push_back(SensorLedger{names_[i].sensor, names_[i].site, Ledger(names_[i].sensor)});
    auto& r = records[i];
    if (r.empty()) continue;
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    if (auto st = source.load_assets(names_[i].sensor, r, sensors.back().ledger); !st) return st;
  }
  Ledger folded = fold_fleet(std::move(sensors), members_);
  // The far ends of the links and the devices the read ones sit behind, by
  // their keys, so that a link or a child's class names them.
  std::vector<Asset> assets;
  assets.reserve(folded.assets().size());
  for (Asset& a : folded.assets_mut()) assets.push_back(std::move(a));
  std::set<std::string> held;
  for (const Asset& a : assets) held.insert(a.id);
  const auto add_keys = [&](const std::string& id) {
    if (id.empty() || held.contains(id)) return;
    const AssetIndex p = keys_.index_of(id);
    if (p == kNoAsset) return;
    held.insert(id);
    assets.push_back(keys_.assets()[p]);
  };
  for (const Edge& e : folded.edges()) {
    add_keys(e.from_id);
    add_keys(e.to_id);
  }
  for (std::size_t i = 0, read_ones = folded.assets().size(); i < read_ones; ++i) {
    const std::string parent = assets[i].parent_id;  // add_keys may move the vector
    add_keys(parent);
  }
  std::sort(assets.begin(), assets.end(), [](const Asset& a, const Asset& b) { return a.id < b.id; });
  std::vector<Edge> edges;
  edges.reserve(folded.edges().size());
  for (Edge& e : folded.edges_mut()) edges.push_back(std::move(e));
  Ledger page;
  page.reserve_loaded(assets.size(), edges.size());
  for (Asset& a : assets) page.load_asset(std::move(a));
  page.load_edges(edges);
  out = std::move(page);
  return {};
}

std::vector<std::vector<AssetIndex>> FleetIndex::parts(std::size_t size) const {
  const auto& assets = keys_.assets();
  const std::size_t n = assets.size();
  // The groups, as a union-find over the devices: each group's root is its
  // smallest index.
  std::vector<AssetIndex> root(n);
  std::iota(root.begin(), root.end(), AssetIndex{0});
  const auto find = [&](AssetIndex i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  const auto unite = [&](AssetIndex a, AssetIndex b) {
    a = find(a);
    b = find(b);
    if (a != b) root[std::max(a, b)] = std::min(a, b);
  };
  for (AssetIndex i = 0; i < n; ++i)
    if (!assets[i].parent_id.empty())
      if (const AssetIndex p = keys_.index_of(assets[i].parent_id); p != kNoAsset && p < n) unite(i, p);
  for (const auto& g : host_groups_)
    for (const auto& id : g)
      if (const AssetIndex i = keys_.index_of(id), first = keys_.index_of(g.front()); i != kNoAsset && first != kNoAsset)
        unite(first, i);
  // A group goes with the first sensor (in the merge's order) of any of its devices.
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> sensor(n, kNone);
  for (const Ref& r : by_fleet_) {
    const AssetIndex i = keys_.index_of(members_[r.sensor][r.member].fleet);
    if (i == kNoAsset || i >= n) continue;
    std::uint32_t& s = sensor[find(i)];
    s = std::min(s, r.sensor);
  }
  std::vector<AssetIndex> order(n);
  std::iota(order.begin(), order.end(), AssetIndex{0});
  std::vector<AssetIndex> group(n);
  for (AssetIndex i = 0; i < n; ++i) group[i] = find(i);
  std::sort(order.begin(), order.end(), [&](AssetIndex a, AssetIndex b) {
    return std::tie(sensor[group[a]], group[a], a) < std::tie(sensor[group[b]], group[b], b);
  });
  std::vector<std::vector<AssetIndex>> out;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const bool same_group = k > 0 && group[order[k]] == group[order[k - 1]];
    const bool same_sensor = k > 0 && sensor[group[order[k]]] == sensor[group[order[k - 1]]];
    if (out.empty() || !same_sensor || (out.back().size() >= std::max<std::size_t>(size, 1) && !same_group))
      out.emplace_back();
    out.back().push_back(order[k]);
  }
  return out;
}

std::vector<std::string> FleetIndex::devices_of(const std::set<std::string>& sensors) const {
  std::vector<bool> wanted(names_.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < names_.size(); ++i) any = any || (wanted[i] = sensors.contains(names_[i].sensor));
  std::vector<std::string> out;
  if (!any) return out;
  for (const Ref& r : by_fleet_)
    if (wanted[r.sensor]) {
      const std::string& id = members_[r.sensor][r.member].fleet;
      if (out.empty() || out.back() != id) out.push_back(id);
    }
  return out;
}

}  // namespace mieruka::inventory
