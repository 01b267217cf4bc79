// FleetIndex (see fleet_index.hpp).
#include "inventory/store/fleet_index.hpp"

#include <algorithm>
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
                                               std::string(field::revision), std::string(field::serial)};
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

}  // namespace mieruka::inventory
