// The one construction of the checklist's input (inventory/report/checklist.hpp) from
// the store and the config, for `mieruka export checklist` and the console's
// /api/v1/checklist: both read the same database the same way, so they never
// disagree on a level.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inventory/report/checklist.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/store/ledger_source.hpp"
#include "inventory/store/store.hpp"
#include "inventory/store/snapshot.hpp"
#include "sensor/daemon/config.hpp"

namespace mieruka::sensor {

// Without a snapshot, devices first seen in the last this many days of the
// ledger count as new (2-12, 4-5).
inline constexpr int kDefaultNewDays = 30;
// The period whose review evidence levels 4 and 5 rest on, ending now.
inline constexpr int kDefaultReviewDays = 30;

struct ChecklistPeriod {
  std::int64_t now_us = 0;
  int new_days = kDefaultNewDays;
  int review_days = kDefaultReviewDays;
  // The baseline (inventory::pick_baseline: a snapshot name or a time); empty:
  // the newest snapshot. Devices not seen before it count as new (2-12, 4-5)
  // and the report shows what changed since it.
  std::string baseline;
  // A time without a zone is local to this (nullptr: UTC).
  std::int64_t (*offset_for_local)(std::int64_t local_us) = nullptr;
  // The diff of the newest snapshot and the ledger now when the caller made it
  // already (the console's view does): used instead of making it again.
  const inventory::Diff* newest_diff = nullptr;
};

// Slots of `schedule` in (from_us, to_us] (capped: a schedule every minute over
// ten years stops counting at the cap, far above any level's threshold).
[[nodiscard]] std::uint64_t schedule_slots(const Schedule& schedule, std::int64_t from_us, std::int64_t to_us);

// What the reports state of `sensor`'s appliance config (the time zone, the
// snapshot schedule, the channels of the scheduled diffs): what the central
// store holds of it, else (the SQLite ledger, read on or for the appliance)
// `config`'s. False with `error` set when the central store holds none yet.
[[nodiscard]] bool appliance_of(inventory::LedgerSource& source, const std::string& sensor, const Config& config,
                                inventory::ApplianceConfig& out, std::string& error);

// Sets what counts as new and what changed (ChecklistInput::new_since_us,
// new_since_basis, changes) from the baseline `snapshot` of `sensor`: the
// diff of it and `ledger` now. False with `error` set when the snapshot
// cannot be read. `made`: that diff when the caller has it already (nullptr:
// made here).
[[nodiscard]] bool set_checklist_baseline(inventory::ChecklistInput& in, inventory::LedgerSource& source,
                                          const std::string& sensor, const inventory::Ledger& ledger,
                                          const inventory::SnapshotInfo& snapshot, const std::string& basis,
                                          std::int64_t now_us, std::string& error,
                                          const inventory::Diff* made = nullptr);

// Fills everything of `in` but ledger, findings and the approved and wireless
// lists (the caller loaded those for the findings) from `sensor`'s records in
// `source` (the appliance's SQLite ledger or the central store): the sensor,
// the snapshots, what counts as new, the advisories imported, and the review
// evidence over the period. On failure returns false with `error` set to one
// line.
[[nodiscard]] bool fill_checklist_input(inventory::ChecklistInput& in, inventory::LedgerSource& source,
                                        const std::string& sensor, const Config& config,
                                        const inventory::Ledger& ledger, const ChecklistPeriod& period,
                                        std::string& error);

// The same for several sensors as one fleet report: `ledger` their merged
// ledger (open_view/load_view), `sensors` each with its records in `source`.
// One sensor: the call above. Several: each sensor's review evidence (its
// appliance config as it sent it: a sensor that has sent none is refused,
// named), the weakest deciding levels 4 and 5 (inventory::set_fleet_review);
// the times in the sensors' zone when they all agree, else in `config`'s
// `timezone`, said so; the advisories imported by any of them (each once);
// what counts as new: set_fleet_baseline. No `changes`: a fleet has no common
// snapshot.
[[nodiscard]] bool fill_checklist_input(inventory::ChecklistInput& in, inventory::LedgerSource& source,
                                        const std::vector<std::string>& sensors, const Config& config,
                                        const inventory::Ledger& ledger, const ChecklistPeriod& period,
                                        std::string& error);
// What counts as new in a fleet's report (in.fleet set): with `spec` a time
// (inventory::parse_time_arg, as `report acceptance --since` reads it), the
// devices the fleet first saw at or after it; without, those first seen in the
// last `new_days` days of the fleet ledger's traffic. A snapshot's name is
// refused in one line: a snapshot is one sensor's. False with `error` set.
[[nodiscard]] bool set_fleet_baseline(inventory::ChecklistInput& in, const inventory::Ledger& ledger,
                                      const std::string& spec, int new_days,
                                      std::int64_t (*offset_for_local)(std::int64_t local_us), std::string& error);

}  // namespace mieruka::sensor
