// The `snapshot` and `diff` commands (see cmd_snapshot.hpp).
#include "sensor/cli/cmd_snapshot.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "inventory/render/export.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/cli/cmd_findings.hpp"

namespace mieruka::sensor {

using inventory::Ledger;
using inventory::Store;

namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The store of an existing ledger: a missing database is a user error.
// `write`: taking and pruning snapshots; list and diff only read.
std::optional<Store> open_ledger_db(const CommonOptions& common, bool write) {
  const std::string path = resolve_db_path(common.db, common.config);
  if (::access(path.c_str(), F_OK) != 0) {
    print_error(path + ": no ledger database here (run `mieruka read FILE` or `mieruka capture -i IFACE` first, or "
                       "give --db PATH)");
    return std::nullopt;
  }
  std::string error;
  auto store = write ? Store::open(path, common.config.sensor_name, error, false)
                     : Store::open_reader(path, common.config.sensor_name, error);
  if (!store) print_error(error);
  return store;
}

bool load(Store& store, Ledger& ledger) {
  if (auto st = store.load(ledger); !st) {
    print_error(st.error);
    return false;
  }
  return true;
}

void write_out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

}  // namespace

void add_snapshot_commands(CLI::App& app, SnapshotCommands& c) {
  c.snapshot = app.add_subcommand("snapshot", "Record the ledger as it is now, under a name (list, prune: see below)");
  c.snapshot->add_option("--name", c.name, "Snapshot name, unique (default: the time, e.g. 2026-11-20T07:30:00Z)");
  c.snapshot->require_subcommand(0, 1);
  c.list = c.snapshot->add_subcommand("list", "List the snapshots, oldest first");
  c.list->add_option("--format", c.list_format, "table or json");
  c.prune = c.snapshot->add_subcommand("prune", "Delete the snapshots the retention policy does not keep");
  c.prune->add_option("--keep-daily", c.keep_daily, "Keep the newest snapshot of this many recent days")
      ->check(CLI::Range(0, 100000));
  c.prune->add_option("--keep-weekly", c.keep_weekly, "Keep the newest snapshot of this many recent weeks")
      ->check(CLI::Range(0, 100000));
  c.prune->add_option("--utc-offset", c.utc_offset_h, "Hours east of UTC for days and weeks (JST: 9)")
      ->check(CLI::Range(-14.0, 14.0));
  c.prune->add_flag("--dry-run", c.dry_run, "Only print what would be deleted");

  c.diff = app.add_subcommand("diff", "What changed between two snapshots, or between a snapshot and now");
  c.diff->add_option("--from", c.from, "Snapshot to compare from (see `mieruka snapshot list`)")->required();
  c.diff->add_option("--to", c.to, "Snapshot to compare to, or now (default)");
  c.diff->add_option("--format", c.format, "text, json or csv");
  c.diff->add_option("--absence", c.absence,
                     "How long an asset or link may be quiet before it counts as vanished (e.g. 24h, 3d, 90m; "
                     "default [snapshots] absence, else 24h)");
  // Options given after the subcommand are accepted too (mieruka diff --db x ...).
  for (auto* sub : {c.snapshot, c.list, c.prune, c.diff}) sub->fallthrough();
}

std::optional<int> run_snapshot_commands(const CommonOptions& common, const SnapshotCommands& c) {
  if (c.diff != nullptr && *c.diff) return cmd_diff(common, c);
  if (c.snapshot == nullptr || !*c.snapshot) return std::nullopt;
  if (*c.list) return cmd_snapshot_list(common, c.list_format);
  if (*c.prune) return cmd_snapshot_prune(common, c.keep_daily, c.keep_weekly, c.utc_offset_h, c.dry_run);
  return cmd_snapshot(common, c.name);
}

int cmd_snapshot(const CommonOptions& common, const std::string& name) {
  if (!name.empty()) {
    if (auto why = inventory::check_snapshot_name(name); !why.empty()) {
      print_error("--name: " + inventory::terminal_safe(why));
      return kExitBadInput;
    }
  }
  auto store = open_ledger_db(common, true);
  if (!store) return kExitBadInput;
  Ledger ledger(common.config.sensor_name);
  if (!load(*store, ledger)) return kExitBadInput;
  const std::int64_t t = now_us();
  std::string chosen = name;
  if (chosen.empty()) {
    // The default name is the time to the second; two in one second get -2, -3...
    const std::string base = inventory::default_snapshot_name(t);
    chosen = base;
    for (int i = 2; inventory::snapshot_exists(*store, chosen) && i < 1000; ++i) chosen = base + "-" + std::to_string(i);
  }
  const inventory::Snapshot snap = inventory::make_snapshot(ledger, chosen, t);
  if (auto st = inventory::save_snapshot(*store, snap); !st) {
    print_error(st.error);
    return inventory::snapshot_exists(*store, chosen) ? kExitBadInput : kExitInternal;
  }
  write_out(chosen + "\n");
  if (!common.quiet)
    std::fprintf(stderr, "snapshot %s: %zu assets, %zu links\n", inventory::terminal_safe(chosen).c_str(),
                 snap.assets.size(), snap.links.size());
  return kExitOk;
}

int cmd_snapshot_list(const CommonOptions& common, const std::string& format) {
  if (format != "table" && format != "json") {
    print_error("--format " + format + ": expected table or json");
    return kExitBadInput;
  }
  auto store = open_ledger_db(common, false);
  if (!store) return kExitBadInput;
  std::string error;
  const auto list = inventory::list_snapshots(*store, error);
  if (!error.empty()) {
    print_error(error);
    return kExitInternal;
  }
  if (format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& s : list) {
      nlohmann::ordered_json j;
      j["name"] = inventory::sanitize_utf8(s.name);
      j["sensor"] = inventory::sanitize_utf8(s.sensor);
      j["taken"] = format_time_us(s.taken_us);
      j["observed_until"] = s.observed_until_us > 0 ? nlohmann::ordered_json(format_time_us(s.observed_until_us))
                                                    : nlohmann::ordered_json(nullptr);
      j["assets"] = s.assets;
      j["links"] = s.links;
      out.push_back(std::move(j));
    }
    write_out(out.dump(2) + "\n");
    return kExitOk;
  }
  std::string out = "name\ttaken\tassets\tlinks\n";
  for (const auto& s : list)
    out += fmt::format("{}\t{}\t{}\t{}\n", inventory::terminal_safe(s.name), format_time_us(s.taken_us), s.assets,
                       s.links);
  write_out(out);
  return kExitOk;
}

int cmd_snapshot_prune(const CommonOptions& common, int keep_daily, int keep_weekly, double utc_offset_h,
                       bool dry_run) {
  if (keep_daily == 0 && keep_weekly == 0) {
    print_error("--keep-daily 0 --keep-weekly 0 would delete every snapshot; keep at least one day or week");
    return kExitBadInput;
  }
  auto store = open_ledger_db(common, true);
  if (!store) return kExitBadInput;
  std::string error;
  const auto list = inventory::list_snapshots(*store, error);
  if (!error.empty()) {
    print_error(error);
    return kExitInternal;
  }
  inventory::RetentionPolicy policy{keep_daily, keep_weekly, static_cast<std::int64_t>(std::lround(utc_offset_h * 3600))};
  for (const std::string& name : inventory::snapshots_to_prune(list, policy)) {
    if (!dry_run) {
      if (auto st = inventory::delete_snapshot(*store, name); !st) {
        print_error(st.error);
        return kExitInternal;
      }
    }
    write_out((dry_run ? "would delete " : "deleted ") + inventory::terminal_safe(name) + "\n");
  }
  return kExitOk;
}

int cmd_diff(const CommonOptions& common, const SnapshotCommands& opt) {
  if (opt.format != "text" && opt.format != "json" && opt.format != "csv") {
    print_error("--format " + opt.format + ": expected text, json or csv");
    return kExitBadInput;
  }
  const auto absence = opt.absence.empty() ? std::optional<std::int64_t>(0) : inventory::parse_duration_us(opt.absence);
  if (!absence) {
    print_error("--absence " + inventory::terminal_safe(opt.absence) + ": expected a duration such as 24h, 3d, 90m or 3600");
    return kExitBadInput;
  }
  // The appliance's ledger or the central store's copy of one sensor's.
  LedgerView view;
  if (!open_view(common, view)) return kExitBadInput;
  if (view.sensors.size() != 1) {
    print_error(view.source->where() + ": diff compares two snapshots of one sensor; pick it with --sensor NAME");
    return kExitBadInput;
  }
  const std::string& sensor = view.sensors.front();
  inventory::Snapshot from;
  if (auto st = view.source->snapshot(sensor, opt.from, from); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  inventory::Snapshot to;
  if (opt.to == inventory::kNowSnapshotName) {
    Ledger ledger(sensor);
    if (!load_view(view, ledger)) return kExitBadInput;
    to = inventory::make_snapshot(ledger, std::string(inventory::kNowSnapshotName), now_us());
  } else if (auto st = view.source->snapshot(sensor, opt.to, to); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  inventory::DiffOptions dopt = diff_options(common.config, *view.source, sensor, from, to);
  if (!opt.absence.empty()) dopt.absence_us = *absence;
  const inventory::Diff d = inventory::diff_snapshots(from, to, dopt);
  if (opt.format == "json") write_out(inventory::diff_json(d).dump(2) + "\n");
  else if (opt.format == "csv") write_out(inventory::diff_csv(d));
  else write_out(inventory::diff_text(d));
  return kExitOk;
}

}  // namespace mieruka::sensor
