// Scheduled snapshots: save, hook, prune (see scheduled_snapshots.hpp).
#include "sensor/daemon/scheduled_snapshots.hpp"

#include <algorithm>
#include <cstdlib>
#include <tuple>

namespace mieruka::sensor {

bool is_scheduled_name(std::string_view name) { return name.starts_with(kScheduledPrefix); }

std::optional<inventory::SnapshotInfo> newest_scheduled(const std::vector<inventory::SnapshotInfo>& list) {
  std::optional<inventory::SnapshotInfo> best;
  for (const auto& s : list) {
    if (!is_scheduled_name(s.name)) continue;
    if (!best || std::tie(s.taken_us, s.name) > std::tie(best->taken_us, best->name)) best = s;
  }
  return best;
}

std::optional<ScheduledRun> take_scheduled_snapshot(inventory::Store& store, const inventory::Ledger& ledger,
                                                    const SnapshotConfig& config, std::int64_t now_us,
                                                    const SnapshotHook& hook, std::string& error) {
  if (!config.schedule) {
    error = "no [snapshots] schedule is configured";
    return std::nullopt;
  }
  const Schedule& sched = *config.schedule;
  const SysSeconds now{std::chrono::seconds{now_us / 1000000}};
  auto list = inventory::list_snapshots(store, error);
  if (!error.empty()) return std::nullopt;
  ScheduledRun run;
  if (auto prev = newest_scheduled(list)) run.previous = prev->name;

  // Two runs in one minute (a restart, a clock step back) get -2, -3...
  const std::string base = std::string(kScheduledPrefix) + format_local_minute(sched, now);
  run.name = base;
  for (int i = 2; inventory::snapshot_exists(store, run.name) && i < 1000; ++i) run.name = base + "-" + std::to_string(i);
  const inventory::Snapshot snap = inventory::make_snapshot(ledger, run.name, now_us);
  if (auto st = inventory::save_snapshot(store, snap); !st) {
    error = st.error;
    return std::nullopt;
  }
  // The checklist's evidence that the schedule ran (kept when retention prunes
  // the snapshot). Lost only with a crash right here: the slot then counts as
  // missed, never the other way round.
  std::string review_error;
  if (auto st = store.record_review({now_us, run.name, run.previous}); !st)
    review_error = st.error + " (the checklist will count this slot as missed)";
  // Tests only (tests/e2e/scheduled_catch_up.sh): dies where a crash would leave
  // the snapshot saved and its diff not queued. Not a setting; nothing else reads it.
  if (const char* fp = std::getenv("MIERUKA_FAILPOINT"); fp != nullptr && std::string_view(fp) == "after_snapshot_before_queue")
    std::abort();
  if (hook) run.hook_done = hook(run.previous, run.name);

  list = inventory::list_snapshots(store, error);
  if (!error.empty()) return run;
  std::vector<inventory::SnapshotInfo> scheduled;
  std::copy_if(list.begin(), list.end(), std::back_inserter(scheduled),
               [](const inventory::SnapshotInfo& s) { return is_scheduled_name(s.name); });
  const inventory::RetentionPolicy policy{config.keep_daily, config.keep_weekly, utc_offset_at(sched, now)};
  for (const std::string& name : inventory::snapshots_to_prune(scheduled, policy)) {
    if (name == run.name) continue;  // never the one just taken
    if (!run.hook_done && name == run.previous) continue;  // its diff is still to be queued
    if (auto st = inventory::delete_snapshot(store, name); !st) {
      error = st.error + " (pruning is retried after the next scheduled snapshot)";
      return run;
    }
    run.pruned.push_back(name);
  }
  error = review_error;
  return run;
}

}  // namespace mieruka::sensor
