// mieruka: one binary, subcommands (../shared/INTERFACES.md "Commands").
// This file is the subcommand table: options are declared here and each command
// is one function in commands.cpp.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "sensor/cli/cmd_central.hpp"
#include "sensor/cli/cmd_advisories.hpp"
#include "sensor/cli/cmd_export.hpp"
#include "sensor/cli/cmd_findings.hpp"
#include "sensor/cli/cmd_outbox.hpp"
#include "sensor/cli/cmd_snapshot.hpp"
#include "sensor/cli/cmd_topology.hpp"
#include "sensor/cli/cmd_run.hpp"
#include "sensor/cli/cmd_serve.hpp"
#include "sensor/central/pg.hpp"
#include "sensor/daemon/commands.hpp"
#include "sensor/daemon/signals.hpp"

using namespace mieruka::sensor;

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 success, 1 bad input (file, option, config: one line on stderr), 2 internal error, "
    "3 findings present (findings --fail-on-findings), 128+N stopped by signal N (130 SIGINT, 143 SIGTERM).";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mieruka — passive OT network asset discovery (見える化). Listens only; never transmits."};
  app.footer(kExitCodes);
  app.set_version_flag("--version", std::string("mieruka ") + MIERUKA_VERSION);
  app.require_subcommand(1);

  CommonOptions common;
  std::string log_level = "info";
  app.add_option("--db", common.db,
                 "Ledger database (default: mieruka.db here, or <data_dir>/mieruka.db); postgresql://ROLE@HOST/DB: "
                 "the central store, read by assets, links, show, findings, topology, diff, export checklist and report "
                 "acceptance");
  app.add_option("--config", common.config_path, "TOML config file (see docs/mieruka.example.toml)");
  app.add_option("--sensor", common.sensor,
                 "Whose records to use: a sensor_name in the database (default: the config's; without --config, "
                 "the one sensor the database holds). assets, links, show, findings, topology, export checklist and "
                 "report acceptance --since take several (A,B or repeated; default against the central store: every "
                 "sensor) as one fleet ledger")
      ->multi_option_policy(CLI::MultiOptionPolicy::Join);
  app.add_option("--site", common.site,
                 "With --db postgresql://...: the sensors of this site (the `site` of their [central] section)");
  app.add_option("--password-file", common.password_file,
                 "With --db postgresql://...: the role's password on the first line (mode 600)");
  app.add_option("--ca-file", common.ca_file,
                 "With --db postgresql://...: CA certificate, TLS with sslmode=verify-full");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_flag("-q,--quiet", common.quiet, "No progress or summary, only errors");
  app.add_option("--memory-budget-mb", common.memory_budget_mb,
                 "Resident memory cap; over it the least valuable state is shed (default: config, 256)")
      ->check(CLI::Range(32, 1 << 20));

  ReadOptions read;
  auto* read_cmd = app.add_subcommand("read", "Ingest pcap/pcapng files into the ledger (time order across files)");
  read_cmd->add_option("files", read.files, "Capture files")->required()->type_name("FILE...");
  read_cmd->add_flag("--force", read.force, "Read files again even if the ledger already has them");
  read_cmd->add_flag("--no-dedup", read.no_dedup, "Keep SPAN duplicate copies of frames");
  read_cmd->add_flag("--no-store", read.no_store, "Dissect only; write nothing (for benchmarks)");
  read_cmd->footer(std::string(kExitCodes) +
                   "\nread: a corrupt record is reported with its offset and skipped, the rest read and saved: exit 1.");

  CaptureOptions cap;
  auto* cap_cmd = app.add_subcommand("capture", "Capture live from an interface until SIGINT/SIGTERM");
  cap_cmd->add_option("-i,--interface", cap.interface, "Interface (a SPAN / mirror port)")->required();
  cap_cmd->add_option("--filter", cap.filter, "BPF capture filter, see pcap-filter(7)");
  cap_cmd->add_option("--snaplen", cap.snaplen, "Bytes kept per packet")->check(CLI::Range(64, 262144));
  cap_cmd->add_option("--buffer-mb", cap.buffer_mb, "Kernel capture buffer in MiB")->check(CLI::Range(1, 4096));
  cap_cmd->add_option("--flush-interval", cap.flush_interval_s, "Seconds between ledger flushes")
      ->check(CLI::Range(1, 86400));
  cap_cmd->add_option("--duration", cap.duration_s, "Stop after this many seconds (0: run until a signal)");
  cap_cmd->footer(kExitCodes);

  std::string format = "table";
  auto* assets_cmd = app.add_subcommand("assets", "List the equipment ledger");
  assets_cmd->add_option("--format", format, "table, csv or json");
  bool asset_facts = false;
  assets_cmd->add_flag("--facts", asset_facts,
                       "With --format json: every fact of each asset (field, value, source, first/last seen, count)");
  auto* links_cmd = app.add_subcommand("links", "List who talks to whom, over what");
  links_cmd->add_option("--format", format, "table, csv or json");
  std::string asset;
  std::string show_format = "text";
  auto* show_cmd = app.add_subcommand("show", "Everything known of one asset, every fact with its source");
  show_cmd->add_option("asset", asset, "Asset id, MAC or IP")->required();
  show_cmd->add_option("--format", show_format, "text or json");

  // Options given after the subcommand are accepted too (mieruka read --db x f.pcap).
  for (auto* sub : {read_cmd, cap_cmd, assets_cmd, links_cmd, show_cmd}) sub->fallthrough();
  RunCommands run_cmds;
  add_run_commands(app, run_cmds);  // run, config check
  SnapshotCommands snapshot_cmds;
  add_snapshot_commands(app, snapshot_cmds);  // snapshot [list|prune], diff

  TopologyCommand topology_cmd;
  add_topology_command(app, topology_cmd);  // topology

  FindingsCommands findings_cmds;
  add_findings_commands(app, findings_cmds);  // findings [ack], ack, approve
  OutboxCommands outbox_cmds;
  add_outbox_commands(app, outbox_cmds);  // outbox [list|retry|send-test|deliver|enqueue-diff]
  ExportCommands export_cmds;
  add_export_commands(app, export_cmds);  // export checklist|ledger|wireless-allow, report acceptance
  ServeCommands serve_cmds;
  add_serve_commands(app, serve_cmds);  // serve, user add|list|del
  AdvisoriesCommands advisories_cmds;
  add_advisories_commands(app, advisories_cmds);  // advisories import|list|show|matches|state
  CentralCommands central_cmds;
  add_central_commands(app, central_cmds);  // central init|status

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }

  auto logger = spdlog::stderr_color_mt("mieruka");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (!common.config_path.empty()) {
    std::string error;
    auto cfg = load_config(common.config_path, error);
    if (!cfg) {
      print_error(error);
      return kExitBadInput;
    }
    common.config = std::move(*cfg);
  } else {
    common.config.sensor_name = host_name();
  }

  // The commands with a loop stop at their next pass and save first; the others
  // are stopped at once (signals.hpp).
  const bool loops = *read_cmd || *cap_cmd || (run_cmds.run != nullptr && *run_cmds.run) ||
                     (serve_cmds.serve != nullptr && *serve_cmds.serve);
  if (loops) install_signal_handlers();
  else install_exit_on_signal();
  common.fleet_reader = *assets_cmd || *links_cmd || *show_cmd ||
                        (topology_cmd.topology != nullptr && *topology_cmd.topology) ||
                        (findings_cmds.findings != nullptr && *findings_cmds.findings && !*findings_cmds.findings_ack) ||
                        (export_cmds.acceptance != nullptr && *export_cmds.acceptance) ||
                        (export_cmds.checklist != nullptr && *export_cmds.checklist);
  // The central store is read by the ledger views, never written from a command
  // (its console role writes nothing); the rest work on the appliance's SQLite.
  if (reads_central(common)) {
    const bool central_reader =
        common.fleet_reader || (snapshot_cmds.diff != nullptr && *snapshot_cmds.diff) || (central_cmds.init != nullptr && *central_cmds.init) || (central_cmds.status != nullptr && *central_cmds.status) ||
        (serve_cmds.serve != nullptr && *serve_cmds.serve) ||
        (export_cmds.checklist != nullptr && *export_cmds.checklist) ||
        (export_cmds.acceptance != nullptr && *export_cmds.acceptance);
    if (!central_reader) {
      const auto subs = app.get_subcommands();
      const std::string name = subs.empty() ? std::string("this command") : subs.front()->get_name();
      print_error("--db " + mieruka::sensor::central::redact_url(common.db) + ": `" + name +
                  "` works on an appliance's SQLite ledger (give --db PATH); the central store is only read, by "
                  "assets, links, show, findings, topology, diff, serve, export checklist and report acceptance");
      return kExitBadInput;
    }
  }
  if (!choose_sensor(common, !loops)) return kExitBadInput;

  try {
    if (*read_cmd) return cmd_read(common, read);
    if (*cap_cmd) return cmd_capture(common, cap);
    if (*assets_cmd) return cmd_assets(common, format, asset_facts);
    if (*links_cmd) return cmd_links(common, format);
    if (*show_cmd) return cmd_show(common, asset, show_format);
    if (auto rc = run_run_commands(common, run_cmds)) return *rc;
    if (auto rc = run_topology_command(common, topology_cmd)) return *rc;
    if (auto rc = run_snapshot_commands(common, snapshot_cmds)) return *rc;
    if (auto rc = run_findings_commands(common, findings_cmds)) return *rc;
    if (auto rc = run_outbox_commands(common, outbox_cmds)) return *rc;
    if (auto rc = run_export_commands(common, export_cmds)) return *rc;
    if (auto rc = run_serve_commands(common, serve_cmds)) return *rc;
    if (auto rc = run_advisories_commands(common, advisories_cmds)) return *rc;
    if (auto rc = run_central_commands(common, central_cmds)) return *rc;
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }
  return kExitBadInput;
}
