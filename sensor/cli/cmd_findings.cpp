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

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

std::vector<inventory::Ack> read_acks(Store& store, const std::string& sensor) {
  std::vector<inventory::Ack> out;
  inventory::Statement q = store.statement(
      "SELECT finding_id, material_hash, comment, who, when_us FROM findings_state WHERE sensor = ?");
  q.bind(1, sensor);
  while (q.next()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.int64(4)});
  return out;
}

bool record_ack(Store& store, const inventory::Finding& f, const std::string& comment, const std::string& who,
                std::string& error) {
  inventory::Statement q = store.statement(
      "INSERT OR REPLACE INTO findings_state (sensor, finding_id, material_hash, comment, who, when_us) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, store.sensor_name());
  q.bind(2, f.id);
  q.bind(3, inventory::material_hash(f.material));
  q.bind(4, comment);
  q.bind(5, who);
  q.bind(6, wall_us());
  if (q.step() != SQLITE_DONE) {
    error = store.path() + ": cannot record the acknowledgement (" + q.message() + ")";
    return false;
  }
  return true;
}

inventory::FindingsPolicy FindingsInputs::policy(const Config& config) const {
  inventory::FindingsPolicy p;
  p.approved = approved ? &*approved : nullptr;
  p.wireless = wireless ? &*wireless : nullptr;
  p.zones = &config.policy;
  p.learning_period_us = config.policy.learning_period_s * 1'000'000LL;
  p.advisories = advisories ? &advisories->list : nullptr;
  p.advisory_imported_us = advisories ? &advisories->imported_us : nullptr;
  p.remediation = &remediation;
  return p;
}

std::shared_ptr<const StoredAdvisories> load_stored_advisories(Store& store, std::string& error) {
  // One parsed set per database, sensor and version: the console and the
  // daemon's alert checks compute findings again and again.
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::pair<std::string, std::shared_ptr<const StoredAdvisories>>>
      cache;
  std::string version;
  if (auto st = store.advisories_version(version); !st) {
    error = st.error;
    return nullptr;
  }
  const auto key = std::make_pair(store.path(), store.sensor_name());
  {
    std::lock_guard lock(mu);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.first == version) return it->second.second;
  }
  std::vector<inventory::StoredAdvisory> rows;
  if (auto st = store.advisories(rows); !st) {
    error = st.error;
    return nullptr;
  }
  auto out = std::make_shared<StoredAdvisories>();
  out->list.reserve(rows.size());
  for (auto& r : rows) {
    auto j = nlohmann::json::parse(r.doc, nullptr, false);
    auto a = j.is_discarded() ? std::nullopt : inventory::advisories::from_json(j);
    if (!a) {
      spdlog::warn("{}: advisory {} as stored does not read; left out (import it again)", store.path(), r.id);
      continue;
    }
    out->imported_us[a->id] = r.imported_us;
    out->list.push_back(std::move(*a));
  }
  std::lock_guard lock(mu);
  cache[key] = {version, out};
  return out;
}

bool load_findings_inputs(const Config& config, Store& store, FindingsInputs& in, std::string& error,
                          const std::string& approved_path, const std::string& wireless_path) {
  const std::string ap = !approved_path.empty() ? approved_path : config.policy.approved_path;
  const std::string wl = !wireless_path.empty() ? wireless_path : config.policy.wireless_allow_path;
  if (!ap.empty()) {
    in.approved = inventory::load_approved(ap, error);
    if (!in.approved) return false;
  }
  if (!wl.empty()) {
    in.wireless = inventory::load_wireless_allow(wl, error);
    if (!in.wireless) return false;
  }
  if (!(in.advisories = load_stored_advisories(store, error))) return false;
  if (auto st = store.remediation_states(in.remediation); !st) {
    error = st.error;
    return false;
  }
  return true;
}

std::optional<std::vector<inventory::Finding>> current_findings(const Config& config, Store& store,
                                                                const Ledger& ledger, std::string& error,
                                                                const std::string& approved_path,
                                                                const std::string& wireless_path) {
  FindingsInputs in;
  if (!load_findings_inputs(config, store, in, error, approved_path, wireless_path)) return std::nullopt;
  auto findings = inventory::compute_findings(ledger, in.policy(config));
  inventory::apply_acks(findings, read_acks(store, store.sensor_name()));
  return findings;
}

inventory::DiffOptions diff_options(const Config& config, Store& store, const inventory::Snapshot& from,
                                    const inventory::Snapshot& to) {
  inventory::DiffOptions opt;
  opt.absence_us = config.snapshots.absence_us;
  opt.capture_drops = inventory::capture_drops_between(store, from.info.taken_us, to.info.taken_us);
  opt.new_findings = [&config, &store](const inventory::Snapshot& a, const inventory::Snapshot& b) {
    Ledger ledger(store.sensor_name());
    std::string error;
    std::optional<std::vector<inventory::Finding>> fs;
    if (auto st = store.load(ledger); !st) {
      error = st.error;
    } else {
      fs = current_findings(config, store, ledger, error);
    }
    if (!fs) {
      spdlog::warn("diff without new findings: {}", error);
      return nlohmann::ordered_json::array();
    }
    std::vector<inventory::Finding> fresh;
    for (auto& f : *fs)
      if (!f.acknowledged && f.first_us > a.info.taken_us && f.first_us <= b.info.taken_us) fresh.push_back(std::move(f));
    return inventory::findings_json(fresh);
  };
  return opt;
}

ApproveOutcome approve_assets(const Config& config, const Ledger& ledger, const std::string& path,
                              const std::vector<std::string>& assets, const std::string& zone, bool all) {
  ApproveOutcome out;
  std::optional<inventory::ApprovedList> list;
  if (::access(path.c_str(), F_OK) == 0) {
    list = inventory::load_approved(path, out.error);
    if (!list) return out;
  } else {
    list = inventory::empty_approved_list(path);
  }
  auto zone_of = [&](const inventory::Asset& a) {
    const auto zs = config.policy.zones_of(a);
    return zs.empty() ? std::string() : zs.front();
  };
  if (!assets.empty()) {
    std::vector<const inventory::Asset*> found;
    for (const auto& q : assets) {
      const inventory::Asset* a = ledger.find(q);
      if (a == nullptr) {
        out.error = q + ": no such asset (give an id, a MAC or an IP from `mieruka assets`)";
        return out;
      }
      found.push_back(a);
    }
    for (const auto* a : found) out.added += list->add(ledger, *a, zone_of(*a)) ? 1 : 0;
  } else {
    for (const auto& a : ledger.assets()) {
      if (!a.parent_id.empty()) continue;
      if (a.key_ip && !a.key_ip->is_private()) continue;  // internet peers are not plant equipment
      const std::string z = zone_of(a);
      if (!all && z != zone) continue;
      out.added += list->add(ledger, a, z) ? 1 : 0;
    }
  }
  if (!inventory::write_csv_file(path, list->table, out.error)) out.internal = true;
  return out;
}

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
  auto store = open_store(common, false);
  if (!store) return kExitBadInput;
  Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  auto computed = compute(common, opt, *store, ledger);
  if (!computed) return kExitBadInput;
  auto& findings = *computed;
  inventory::apply_acks(findings, read_acks(*store, common.config.sensor_name));
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
