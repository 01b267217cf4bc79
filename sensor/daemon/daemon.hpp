// The daemon behind `mieruka run --config FILE`: live capture on every configured
// interface into one Pipeline (single-threaded, one loop over all sources), the
// ledger flushed to the Store every flush_interval_s.
//
// Order at start: the config was validated by the caller; the interfaces are
// opened (needs root or CAP_NET_RAW); then, when root, the process drops to the
// configured user for good (setgroups/setgid/setuid, keeping CAP_NET_RAW alone)
// and only then opens the database and calls options.on_started, so every file
// it or the console writes (database, WAL, certificate) belongs to that user.
//
// Unattended operation:
// - a failed flush (disk full, database locked) is one log line; the ledger keeps
//   its dirty marks and the next interval retries; the daemon never exits for it;
// - an interface that fails is logged once, the others keep running, and it is
//   reopened every kReopenInterval (this needs CAP_NET_RAW: the systemd unit gives
//   it as an ambient capability, and a drop from root keeps it the same way);
// - capture drops (pcap_stats) go to the counters and to a runs row per hour, so a
//   diff reports the drops of its period;
// - scheduled snapshots ([snapshots] schedule, sensor/daemon/schedule.hpp): at each slot
//   the ledger is flushed, saved as "sched-<local time>", options.on_snapshot is
//   called, and the scheduled snapshots are pruned by the retention policy
//   (sensor/daemon/scheduled_snapshots.hpp). The last run is the newest scheduled
//   snapshot in the store; after downtime exactly one catch-up run is taken at
//   start. At start options.on_snapshot is also called again for the newest
//   scheduled snapshot (within [alerts] keep_sent_days), so that a diff a crash
//   kept from being queued is queued then; the hook must be idempotent. A diff
//   the hook could not queue while running (it returned false: a busy or full
//   database) is asked for again at every flush until it is queued, and the
//   previous snapshot it compares is kept from retention meanwhile. A snapshot costs about what a flush costs, on the same thread;
// - SIGTERM/SIGINT: flush and exit 0; SIGHUP: reload everything the config holds
//   that can change at run time (zones, conduits, approved and wireless lists, the
//   schedule and retention, flush interval, channels through on_reload) without
//   touching the ledger; a config, or a list that exists but does not load, is refused with one
//   log line and the old one stays. Capture, data_dir, user and sensor_name need a
//   restart.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "sensor/daemon/config.hpp"
#include "sensor/daemon/scheduled_snapshots.hpp"

namespace mieruka::sensor {

inline constexpr std::chrono::seconds kReopenInterval{10};
// A runs row covers at most this long, so capture drops land in the right diff.
inline constexpr std::chrono::seconds kRunSegment{3600};

// Called on SIGHUP with the newly loaded config after it validated (restart-only
// keys keep their running values): the place for channels to pick up changes.
using ReloadHook = std::function<void(const Config&)>;

struct DaemonOptions {
  std::string db_path;     // resolved: --db or <data_dir>/mieruka.db
  ReloadHook on_reload;    // may be empty
  // After each scheduled snapshot: (previous scheduled snapshot or "", new one);
  // runs on the daemon's thread before retention, so `from` still exists. Also called
  // at start for the newest one (a diff a crash kept from the outbox): must be
  // idempotent. May be empty.
  SnapshotHook on_snapshot;
  // Called once, as the service user with the ledger loaded, before capture
  // starts: where threads that write files (console, delivery) are started.
  // False with the error set (one line) stops the daemon. May be empty.
  std::function<bool(std::string& error)> on_started;
  // The pipeline's resident memory cap (bytes); 0 takes the config's.
  std::size_t memory_budget_bytes = 0;
};

// Runs until SIGTERM/SIGINT. Returns the process exit code (commands.hpp).
[[nodiscard]] int run_daemon(const Config& config, const DaemonOptions& options);

// Drops root to `user` (its primary group, no supplementary groups), keeping
// CAP_NET_RAW alone (permitted, effective, ambient; the bounding set holds
// nothing else), and checks that root cannot be regained. Not root: does nothing
// and returns true with `warning` set. Capabilities are per thread: call it
// before starting any other thread. On failure returns false with `error` set to
// one line; when CAP_NET_RAW could not be kept, true with `warning` set.
[[nodiscard]] bool drop_privileges(const std::string& user, std::string& error, std::string& warning);

}  // namespace mieruka::sensor
