// The findings, ack and approve commands (see cmd_findings.hpp). Acknowledgements
// live in the store's findings_state table (migration v3 in inventory/store/store.cpp).
#include <spdlog/spdlog.h>

#include "sensor/cli/cmd_findings.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "inventory/policy/classify.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/render/findings_format.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/sqlite_statement.hpp"
#include "inventory/store/store.hpp"

namespace mieruka::sensor {

using inventory::Ledger;
using inventory::Store;

namespace {

// `write`: ack records acknowledgements; findings and approve only read it.
std::optional<Store> open_store(const CommonOptions& common, bool write) {
  const std::string path = resolve_db_path(common.db, common.config);
  if (::access(path.c_str(), F_OK) != 0) {
    print_error(path + ": no ledger database here (run `mieruka read FILE` first, or give --db PATH)");
    return std::nullopt;
  }
  std::string error;
  auto store = write ? Store::open(path, common.config.sensor_name, error, false)
                     : Store::open_reader(path, common.config.sensor_name, error);
  if (!store) print_error(error);
  return store;
}

// The findings of `ledger` with the inputs named by options or the config; nullopt after printing an error.
std::optional<std::vector<inventory::Finding>> compute(const CommonOptions& common, const FindingsCommands& opt,
                                                       Store& store, const Ledger& ledger) {
  FindingsInputs in;
  std::string error;
  if (!load_findings_inputs(common.config, store, in, error, opt.approved, opt.wireless_allow)) {
    print_error(error);
    return std::nullopt;
  }
  return inventory::compute_findings(ledger, in.policy(common.config));
}

}  // namespace

void add_findings_commands(CLI::App& app, FindingsCommands& c) {
  c.findings = app.add_subcommand("findings", "What does not belong: findings tied to the METI checklist items");
  c.findings->add_option("--approved", c.approved, "Approved-equipment list (CSV; default: [policy] approved)");
  c.findings->add_option("--wireless-allow", c.wireless_allow, "Wireless allow-list (CSV; default: [policy])");
  c.findings->add_option("--format", c.format, "table, csv or json");
  c.findings->add_flag("--fail-on-findings", c.fail_on_findings, "Exit 3 when an open finding is left");
  c.findings->require_subcommand(0, 1);
  c.findings_ack = c.findings->add_subcommand("ack", "Acknowledge a finding: quiet until its evidence changes");
  c.ack = app.add_subcommand("ack", "Same as `findings ack`");
  for (auto* a : {c.findings_ack, c.ack}) {
    a->add_option("id", c.ack_id, "Finding id (f-...)")->required();
    a->add_option("--comment", c.comment, "Why it is accepted")->required();
    a->add_option("--who", c.who, "Who acknowledges (default: $USER)");
    a->add_option("--approved", c.approved, "Approved list the finding was computed with");
    a->add_option("--wireless-allow", c.wireless_allow, "Wireless allow-list the finding was computed with");
  }
  c.approve = app.add_subcommand("approve", "Add discovered assets to the approved list (CSV), keeping its format");
  c.approve->add_option("--approved", c.approved, "Approved-equipment list (CSV; default: [policy] approved)");
  c.approve->add_option("assets", c.assets, "Asset ids, MACs or IPs")->type_name("ASSET...");
  c.approve->add_option("--zone", c.zone, "Every asset in this zone (from the config's [[zone]])");
  c.approve->add_flag("--all", c.all, "Every asset on the wire");
  for (auto* s : {c.findings, c.findings_ack, c.ack, c.approve}) s->fallthrough();
}

std::optional<int> run_findings_commands(const CommonOptions& common, const FindingsCommands& c) {
  if (c.findings != nullptr && *c.findings) {
    if (*c.findings_ack) return cmd_ack(common, c);
    return cmd_findings(common, c);
  }
  if (c.ack != nullptr && *c.ack) return cmd_ack(common, c);
  if (c.approve != nullptr && *c.approve) return cmd_approve(common, c);
  return std::nullopt;
}

int cmd_findings(const CommonOptions& common, const FindingsCommands& opt) {
  if (opt.format != "table" && opt.format != "csv" && opt.format != "json") {
    print_error("--format " + opt.format + ": expected table, csv or json");
    return kExitBadInput;
  }
  // The appliance's ledger, the central store's copy of one sensor's, or a
  // fleet's.
  LedgerView view;
  if (!open_view(common, view)) return kExitBadInput;
  std::string error;
  std::optional<std::vector<inventory::Finding>> computed;
  if (view.sensors.size() > 1) {
    // A fleet: read part by part by its devices' keys (fleet_findings), the
    // findings its whole merge has, without holding every sensor's ledger.
    inventory::FleetIndex index;
    FleetFindings fleet;
    if (auto st = index.build(*view.source, view.sensors, view.sites); !st) {
      print_error(st.error);
      return kExitBadInput;
    }
    if (!fleet_findings(common.config, *view.source, view.sensors, index, kFleetPartDevices, fleet, error,
                        opt.approved, opt.wireless_allow)) {
      print_error(error);
      return kExitBadInput;
    }
    if (fleet.findings) inventory::apply_acks(*fleet.findings, fleet.acks);
    computed = std::move(fleet.findings);
    error = fleet.findings_error;
  } else {
    Ledger& ledger = ledger_until_exit(common.config.sensor_name);
    if (!load_view(view, ledger)) return kExitBadInput;
    computed = current_findings(common.config, *view.source, view.sensors, ledger, error, opt.approved,
                                opt.wireless_allow);
  }
  if (!computed) {
    print_error(error);
    return kExitBadInput;
  }
  auto& findings = *computed;
  std::string out;
  if (opt.format == "json") out = inventory::findings_json(findings).dump(2) + "\n";
  else if (opt.format == "csv") out = inventory::findings_csv(findings);
  else out = inventory::findings_table(findings);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!opt.fail_on_findings) return kExitOk;
  for (const auto& f : findings)
    if (!f.acknowledged) return kExitFindings;
  return kExitOk;
}

int cmd_ack(const CommonOptions& common, const FindingsCommands& opt) {
  auto store = open_store(common, true);
  if (!store) return kExitBadInput;
  Ledger ledger(common.config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  const auto computed = compute(common, opt, *store, ledger);
  if (!computed) return kExitBadInput;
  const auto& findings = *computed;
  const inventory::Finding* f = nullptr;
  for (const auto& x : findings)
    if (x.id == opt.ack_id) f = &x;
  if (f == nullptr) {
    print_error(opt.ack_id + ": no such finding now (ids are listed by `mieruka findings`; give the same --approved "
                             "and --wireless-allow)");
    return kExitBadInput;
  }
  std::string who = opt.who;
  if (who.empty()) {
    const char* u = std::getenv("USER");
    who = u != nullptr ? u : "unknown";
  }
  std::string error;
  if (!record_ack(*store, *f, opt.comment, who, error)) {
    print_error(error);
    return kExitInternal;
  }
  if (!common.quiet) std::fprintf(stderr, "acknowledged %s (%s %s)\n", f->id.c_str(), f->type.c_str(), f->asset.c_str());
  return kExitOk;
}

int cmd_approve(const CommonOptions& common, const FindingsCommands& opt) {
  const std::string path = !opt.approved.empty() ? opt.approved : common.config.policy.approved_path;
  if (path.empty()) {
    print_error("approve: give --approved CSV (or [policy] approved in the config)");
    return kExitBadInput;
  }
  const int modes = (opt.assets.empty() ? 0 : 1) + (opt.zone.empty() ? 0 : 1) + (opt.all ? 1 : 0);
  if (modes != 1) {
    print_error("approve: give exactly one of ASSET..., --zone Z or --all");
    return kExitBadInput;
  }
  if (!opt.zone.empty()) {
    bool known = false;
    for (const auto& z : common.config.policy.zones) known = known || z.name == opt.zone;
    if (!known) {
      print_error("--zone " + opt.zone + ": no such [[zone]] in the config (give --config FILE)");
      return kExitBadInput;
    }
  }
  auto store = open_store(common, false);
  if (!store) return kExitBadInput;
  Ledger ledger(common.config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  const ApproveOutcome r = approve_assets(common.config, ledger, path, opt.assets, opt.zone, opt.all);
  if (!r.error.empty()) {
    print_error(r.error);
    return r.internal ? kExitInternal : kExitBadInput;
  }
  const std::size_t added = r.added;
  if (!common.quiet) std::fprintf(stderr, "%s: %zu asset%s added\n", path.c_str(), added, added == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace mieruka::sensor
