// The `snapshot` and `diff` commands (inventory/store/snapshot.hpp does the work):
//   mieruka snapshot [--db DB] [--name NAME]        record the ledger now
//   mieruka snapshot list [--db DB]                 the snapshots, oldest first
//   mieruka snapshot prune [--keep-daily N] [--keep-weekly N] [--utc-offset H] [--dry-run]
//   mieruka diff [--db DB] --from SNAPSHOT [--to SNAPSHOT|now] [--format text|json|csv] [--absence 24h]
// main.cpp declares them with add_snapshot_commands and runs them with
// run_snapshot_commands, so that the subcommand table stays one line each.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct SnapshotCommands {
  CLI::App* snapshot = nullptr;
  CLI::App* list = nullptr;
  CLI::App* prune = nullptr;
  CLI::App* diff = nullptr;
  std::string name;            // snapshot --name (default: the ISO time)
  std::string list_format = "table";
  int keep_daily = 7, keep_weekly = 4;
  double utc_offset_h = 0;     // days and weeks of the retention policy
  bool dry_run = false;
  std::string from, to = "now";
  std::string format = "text";
  std::string absence;  // empty: the config's [snapshots] absence (default 24h)
};

// Declares `snapshot` (with `list` and `prune`) and `diff` on `app`; their
// options land in `cmds`, which must outlive the parse.
void add_snapshot_commands(CLI::App& app, SnapshotCommands& cmds);
// The exit code of the command given, or nullopt when it was none of these.
[[nodiscard]] std::optional<int> run_snapshot_commands(const CommonOptions& common, const SnapshotCommands& cmds);

int cmd_snapshot(const CommonOptions& common, const std::string& name);
int cmd_snapshot_list(const CommonOptions& common, const std::string& format);
int cmd_snapshot_prune(const CommonOptions& common, int keep_daily, int keep_weekly, double utc_offset_h,
                       bool dry_run);
int cmd_diff(const CommonOptions& common, const SnapshotCommands& opt);

}  // namespace mieruka::sensor
