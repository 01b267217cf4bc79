// FleetReader (see fleet_reader.hpp).
#include "inventory/store/fleet_reader.hpp"

#include <utility>

#include "inventory/ledger/fleet.hpp"

namespace mieruka::inventory {

StoreStatus FleetReader::read(LedgerSource& source, const std::vector<std::string>& sensors,
                              const std::map<std::string, std::string>& sites, Ledger& out) {
  // The versions first: a batch that lands while a sensor loads makes its
  // version move after the one kept here, so the next read loads it again.
  std::map<std::string, std::string> versions;
  if (keep_)
    if (auto st = source.sensor_versions(versions); !st) return st;
  std::vector<std::string> loaded;
  std::map<std::string, Kept> fresh;
  for (const auto& name : sensors) {
    const auto v = versions.find(name);
    const std::string version = v == versions.end() ? std::string() : v->second;
    const auto k = kept_.find(name);
    if (keep_ && !version.empty() && k != kept_.end() && k->second.version == version) continue;
    Kept load{version, Ledger(name)};
    if (auto st = source.load(name, load.ledger); !st) return st;
    fresh.insert_or_assign(name, std::move(load));
    loaded.push_back(name);
  }
  // Every load succeeded: what is kept becomes this read's sensors.
  std::map<std::string, Kept> now;
  for (const auto& name : sensors) {
    if (auto f = fresh.find(name); f != fresh.end())
      now.insert_or_assign(name, std::move(f->second));
    else if (auto k = kept_.find(name); k != kept_.end())
      now.insert_or_assign(name, std::move(k->second));
  }
  loaded_ = std::move(loaded);
  if (sensors.size() == 1) {
    Kept& only = now.begin()->second;
    if (keep_)
      out = only.ledger;
    else
      out = std::move(only.ledger);
  } else {
    // Sensors of one site share its address plan: an address seen behind a
    // router folds into the station of that site holding it. A sensor without
    // a site is a network of its own; MACs fold across all.
    std::vector<SensorLedger> parts;
    parts.reserve(sensors.size());
    for (const auto& name : sensors) {
      const auto site = sites.find(name);
      Kept& k = now.at(name);
      parts.push_back({name, site == sites.end() ? std::string() : site->second,
                       keep_ ? Ledger(k.ledger) : std::move(k.ledger)});
    }
    out = merge_fleet(std::move(parts));
  }
  if (keep_)
    kept_ = std::move(now);
  else
    kept_.clear();
  return {};
}

}  // namespace mieruka::inventory
