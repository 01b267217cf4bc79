// FleetIndex: a fleet too large for one process to hold whole (the console's
// view keeps about 32 KiB a device: 100 sensors x 10,000 devices would take
// 32 GiB), held by its devices' keys, each device read whole from the store
// when a page shows it.
//
// The index reads every sensor's keys (LedgerSource::load_keys: assets, their
// addresses and VLANs, and the facts of key_fields(): what names a device and
// what the assets table sorts and searches by) and merges them as merge_fleet
// merges whole ledgers: the same devices, under the same ids, with the same
// sightings. The merge's FleetMembers say which sensor records make each
// device. read() then gives the fleet ledger of a few devices: their records
// read by id (LedgerSource::load_assets) and folded by fold_fleet into the
// assets the whole fleet's merge would make of them.
//
// What read() gives is as of the store when it reads, under the identities
// of the index's own read: a record a sensor sent since is left out until the
// index is built again (the console builds it after every batch, as it builds
// a view).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "inventory/ledger/fleet.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/store/ledger_source.hpp"

namespace mieruka::inventory {

class AssetLinks;

class FleetIndex {
 public:
  FleetIndex();
  FleetIndex(FleetIndex&&) noexcept;
  FleetIndex& operator=(FleetIndex&&) noexcept;
  ~FleetIndex();

  // The facts the index keeps of each device: the fields asset JSON names
  // (name, hostname, vendor, product, revision, serial), which the assets
  // table shows, sorts and searches by, and the TCP fingerprint, which with
  // the host names tells the stations of one host (Ledger::same_host_groups).
  [[nodiscard]] static const std::vector<std::string>& key_fields();

  // Reads the keys of `sensors` (a sensor's site from `sites`, none when
  // absent) and merges them. On an error (one line, the source's) the index
  // is unchanged.
  StoreStatus build(LedgerSource& source, const std::vector<std::string>& sensors,
                    const std::map<std::string, std::string>& sites);

  // The fleet's devices by their keys: merge_fleet's assets with only the
  // facts of key_fields(), no protocols and no edges. Mutable for the plant's
  // names (apply_approved), which change facts only.
  [[nodiscard]] const Ledger& keys() const noexcept { return keys_; }
  [[nodiscard]] Ledger& keys_mut() noexcept { return keys_; }
  // The devices behind keys().assets()[i] (a CIP module's, a Modbus unit's
  // parent), by index into keys().
  [[nodiscard]] std::vector<AssetIndex> children_of(AssetIndex i) const;

  // The fleet ledger of the devices `ids` (fleet ids of keys()): each of them
  // and the devices behind them read from `source` and folded as merge_fleet
  // folds them, with every link at them (both ends under fleet ids), and the
  // devices at the far ends of those links and those they sit behind as
  // keys() holds them (so that a link, or a child's class, names them). Ids
  // the index lacks are left out. On an error (one
  // line) `out` is unchanged.
  StoreStatus read(LedgerSource& source, const std::vector<std::string>& ids, Ledger& out) const;

  // Every device of keys(), once, in parts of about `size` devices (a part
  // is larger when a group would be split) for read() to read whole one part
  // at a time: what is judged of a device together with others is in one
  // part (a device and the devices behind it; the stations of one host,
  // same_host_groups). Each group goes with the first sensor (in the merge's
  // order) that holds a record of it, and a part holds one sensor's groups
  // only: reading it asks few sensors, and a sensor's new device moves the
  // parts of that sensor only. By index into keys().
  [[nodiscard]] std::vector<std::vector<AssetIndex>> parts(std::size_t size) const;
  // The stations of one host (keys().same_host_groups()) by id: what a part's
  // findings are judged by (FindingsPolicy::host_groups).
  [[nodiscard]] const std::vector<std::vector<std::string>>& host_groups() const noexcept { return host_groups_; }
  // The devices of keys() with a record in one of `sensors`, by id.
  [[nodiscard]] std::vector<std::string> devices_of(const std::set<std::string>& sensors) const;

 private:
  std::vector<SensorLedger> names_;  // each sensor and its site (no ledger), in the merge's order
  FleetMembers members_;
  // Every member, ordered by fleet id: (sensor index, index into members_[sensor]).
  struct Ref {
    std::uint32_t sensor = 0, member = 0;
  };
  std::vector<Ref> by_fleet_;
  Ledger keys_;
  std::unique_ptr<AssetLinks> links_;  // keys_'s children
  std::vector<std::vector<std::string>> host_groups_;
};

}  // namespace mieruka::inventory
