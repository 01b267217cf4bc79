// Taking the daemon's scheduled snapshots: naming, the last run as the store
// remembers it, retention.
//
// A scheduled snapshot is named "sched-" + its local time in the schedule's zone
// to the minute ("sched-2026-11-26T07:30+09:00"); manual snapshots (`mieruka
// snapshot`) never carry the prefix (they may be named anything else), and only
// scheduled snapshots are pruned here. The time of the last run needs no table of
// its own: it is the `taken` time of the newest scheduled snapshot in the store,
// so it survives restarts and a database copied to another box.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/snapshot_config.hpp"

namespace mieruka::sensor {

inline constexpr std::string_view kScheduledPrefix = "sched-";

// Called after a scheduled snapshot was saved and before retention runs, with the
// previous scheduled snapshot's name ("" for the first one) and the new one's.
// Returns false when what it had to do (queue the diff) failed and should be
// asked for again; it must be idempotent.
using SnapshotHook = std::function<bool(const std::string& from, const std::string& to)>;

[[nodiscard]] bool is_scheduled_name(std::string_view name);

// The newest scheduled snapshot in `list` (by taken time, then name).
[[nodiscard]] std::optional<inventory::SnapshotInfo> newest_scheduled(const std::vector<inventory::SnapshotInfo>& list);

struct ScheduledRun {
  std::string name;      // the snapshot taken
  std::string previous;  // the scheduled snapshot before it ("" if none)
  std::vector<std::string> pruned;  // scheduled snapshots deleted by the retention policy
  bool hook_done = true;            // the hook returned true (or there was none)
};

// Saves the ledger as the scheduled snapshot taken at `now_us`, calls `hook`
// (may be empty), then deletes the scheduled snapshots the retention policy of
// `config` does not keep (days and weeks local to the schedule's zone), except
// the previous one when the hook failed: its diff is still to be queued. On failure
// returns nullopt with `error` set to one line; a failed prune (retried after
// the next one) or a failed record of the review (Store::record_review) after a
// saved snapshot is reported in `error` with the run still returned.
// For tests only: with MIERUKA_FAILPOINT=after_snapshot_before_queue in the
// environment the process aborts between the save and `hook`, the window a
// crash can hit (the daemon's start queues that diff again).
[[nodiscard]] std::optional<ScheduledRun> take_scheduled_snapshot(inventory::Store& store,
                                                                  const inventory::Ledger& ledger,
                                                                  const SnapshotConfig& config, std::int64_t now_us,
                                                                  const SnapshotHook& hook, std::string& error);

}  // namespace mieruka::sensor
