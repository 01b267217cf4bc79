// LedgerSource: what the reading commands (assets, links, show, findings,
// topology) read, behind one interface with two implementations: the
// appliance's SQLite ledger (sqlite_source below, over Store) and the central
// PostgreSQL store the sensors replicate to (sensor/central/pg_source.hpp).
// A command reads one sensor's records through it the same way from either.
//
// Every read names the sensor whose records it wants; the source does not
// choose. Errors are one line naming the database and what to do.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"

namespace mieruka::inventory {

// What an appliance's config says of its reviews, which the checklist states
// (levels 4 and 5): the central store keeps it with the sensor's row, as the
// sensor last sent it.
struct ApplianceConfig {
  std::string time_zone;        // `timezone`: the report's times as the plant reads them
  std::string review_schedule;  // [snapshots] schedule as written ("": none)
  std::string schedule_zone;    // the zone that schedule runs in
  std::uint64_t diff_channels = 0;  // channels that send the scheduled diffs
  bool operator==(const ApplianceConfig&) const = default;
};

class LedgerSource {
 public:
  LedgerSource() = default;
  LedgerSource(const LedgerSource&) = delete;
  LedgerSource& operator=(const LedgerSource&) = delete;
  virtual ~LedgerSource() = default;

  // The database as it may be shown: a path, or a URL without its password.
  [[nodiscard]] virtual const std::string& where() const noexcept = 0;
  // True for the central store: it is read, never written, from here.
  [[nodiscard]] virtual bool central() const noexcept = 0;

  // The sensors that have records here, sorted by name (byte order).
  virtual StoreStatus sensors(std::vector<std::string>& out) = 0;
  // The site each sensor belongs to (the `site` of its [central] section),
  // for the sensors that named one; the SQLite ledger knows none.
  virtual StoreStatus sites(std::map<std::string, std::string>& out) = 0;
  // Every asset and edge of `sensor` into `ledger`, in the order Store::load
  // gives (assets and edges by id; addresses, facts, operations as stored).
  virtual StoreStatus load(const std::string& sensor, Ledger& ledger) = 0;
  // Parts of `sensor`'s ledger, for a reader that cannot hold every sensor's
  // whole (the fleet console past its view's size, FleetIndex), each in the
  // order load gives:
  // - load_keys: every asset with its addresses, its VLANs and those of its
  //   facts whose field is in `fields`; no protocols or edges (what the
  //   fleet's merge, the zones and the assets table's sorts read).
  // - load_assets: the assets `ids` (sorted, unique) whole, and every edge
  //   with one of them at an end, with its operations; ids it lacks are left
  //   out.
  // The defaults load the whole ledger and keep the part; the central store
  // reads only the part.
  virtual StoreStatus load_keys(const std::string& sensor, const std::vector<std::string>& fields, Ledger& ledger);
  virtual StoreStatus load_assets(const std::string& sensor, const std::vector<std::string>& ids, Ledger& ledger);
  // The acknowledgements in force for `sensor` (findings_state), by finding id.
  virtual StoreStatus finding_states(const std::string& sensor, std::vector<Ack>& out) = 0;
  // The capture counters of `sensor` (anomalies, capture statistics).
  virtual StoreStatus counters(const std::string& sensor, std::map<std::string, std::uint64_t>& out) = 0;
  // The runs of `sensor` (read, capture, daemon periods), oldest first.
  virtual StoreStatus runs(const std::string& sensor, std::vector<RunRecord>& out) = 0;
  // The snapshots of `sensor`, oldest first (ties by name).
  virtual StoreStatus snapshots(const std::string& sensor, std::vector<SnapshotInfo>& out) = 0;
  // The snapshot `name` of `sensor`, whole (assets with their addresses'
  // last times, links), as load_snapshot reads it; an error naming it when
  // there is none.
  virtual StoreStatus snapshot(const std::string& sensor, std::string_view name, Snapshot& out) = 0;
  // The advisories `sensor` imported (with their documents) and its
  // remediation states, which findings are judged by (both replicate with the
  // sensor's ledger).
  virtual StoreStatus advisories(const std::string& sensor, std::vector<StoredAdvisory>& out) = 0;
  virtual StoreStatus remediation_states(const std::string& sensor, std::vector<RemediationState>& out) = 0;
  // Changes whenever advisories(sensor) does, so that parsed advisories can be
  // kept while it holds.
  virtual StoreStatus advisories_version(const std::string& sensor, std::string& out) = 0;
  // The review evidence of `sensor` between from_us and to_us, as
  // Store::review_facts reads it (scheduled snapshots, live capture, the
  // scheduled diffs and alerts queued at least `grace_us` before to_us and
  // those accepted).
  virtual StoreStatus review_facts(const std::string& sensor, std::int64_t from_us, std::int64_t to_us,
                                   std::int64_t grace_us, ReviewFacts& out) = 0;
  // The packets the capture of `sensor` dropped in the runs that ended in
  // (from_us, to_us], as capture_drops_between reads them.
  virtual StoreStatus capture_drops(const std::string& sensor, std::int64_t from_us, std::int64_t to_us,
                                    std::uint64_t& out) = 0;
  // What `sensor`'s appliance config says of its reviews: the central store
  // holds what the sensor sent; the SQLite ledger holds none (the appliance's
  // config is the reader's own), nor does the central store for a sensor that
  // sent no batch since its schema kept it: `out` empty.
  virtual StoreStatus appliance(const std::string& sensor, std::optional<ApplianceConfig>& out) = 0;
  // Changes whenever another writer committed anything here (the SQLite
  // ledger's data_version; the central store's last batch received and count
  // of changes), so that a reader (the console) rebuilds only then. Cheap.
  virtual StoreStatus version(std::string& out) = 0;
  // Per sensor, a value that changes whenever that sensor's records may have
  // changed (the central store: each batch it sent moves its own; the SQLite
  // ledger cannot tell its sensors' commits apart, so every sensor has the
  // database's version), so that a reader rebuilding a fleet reloads only the
  // sensors whose value moved. Every sensor of sensors() is in it. Cheap.
  virtual StoreStatus sensor_versions(std::map<std::string, std::string>& out) = 0;
  // Per sensor, the assets it holds (the central store keeps the count at
  // every commit; the SQLite ledger counts them), so that a reader can tell
  // how big a ledger is before it loads it. Sensors without assets may be
  // absent. Cheap.
  virtual StoreStatus asset_counts(std::map<std::string, std::uint64_t>& out) = 0;
};

// The SQLite ledger at `path`, opened for reading (Store::open_reader: a
// missing or newer database is refused); nullptr and `error` set.
[[nodiscard]] std::unique_ptr<LedgerSource> sqlite_source(const std::string& path, std::string& error);
// The SQLite ledger `store` is open on: its own sensor read through `store`
// (the caller's connection: what it wrote, its transaction included), any
// other sensor through a reader of the same file. `store` outlives the source.
[[nodiscard]] std::unique_ptr<LedgerSource> sqlite_source(Store& store);

}  // namespace mieruka::inventory
