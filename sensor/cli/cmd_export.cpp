// `export checklist` and `report acceptance` (see cmd_export.hpp).
//
// New devices for 2-12 / 4-5 in the checklist: first seen after the latest
// snapshot's observed_until when a snapshot exists, else within the last
// --new-days days before the ledger's latest traffic (not the wall clock, so
// that reading old captures gives the same answer as live).
// Several sensors (a fleet, from the central store) have no common snapshot:
// new is first seen within those days of the fleet ledger, or since
// --baseline TIME (docs/central.md).
#include "sensor/cli/cmd_export.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "inventory/report/acceptance.hpp"
#include "inventory/report/checklist.hpp"
#include "inventory/render/export.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "inventory/render/topology.hpp"
#include "sensor/web/checklist_input.hpp"
#include "sensor/cli/cmd_findings.hpp"

namespace mieruka::sensor {

namespace {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<inventory::Store> open_store(const CommonOptions& common) {
  const std::string path = resolve_db_path(common.db, common.config);
  if (::access(path.c_str(), F_OK) != 0) {
    print_error(path + ": no ledger database here (run `mieruka read FILE` first, or give --db PATH)");
    return std::nullopt;
  }
  std::string error;
  auto store = inventory::Store::open_reader(path, common.config.sensor_name, error);
  if (!store) print_error(error);
  return store;
}

// Whether this sensor ever ran live (capture or run), from the runs table.
// The local zone's UTC offset (seconds) at a local wall time, via mktime (TZ).
std::int64_t local_offset(std::int64_t local_us) {
  std::time_t t = static_cast<std::time_t>(local_us / 1'000'000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  tm.tm_isdst = -1;
  const std::time_t utc = ::timegm(&tm);
  const std::time_t as_local = std::mktime(&tm);
  return static_cast<std::int64_t>(utc - as_local);
}

// Writes `data` to `path` (standard output for "" or "-"). Returns the exit code:
// a file that cannot be created is bad input, a failed write an internal error.
int write_out(const std::string& path, const std::string& data) {
  if (path.empty() || path == "-") {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
      print_error("cannot write to standard output");
      return kExitInternal;
    }
    return kExitOk;
  }
  // A device or a pipe (/dev/null, /dev/stdout, a FIFO another program reads) is
  // written to as it is: renaming a file over it would replace the device node.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
      print_error(path + ": cannot open it for writing (" + std::strerror(errno) + ")");
      return kExitBadInput;
    }
    const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    if (std::fclose(f) != 0 || !ok) {
      print_error(path + ": cannot write to it");
      return kExitInternal;
    }
    return kExitOk;
  }
  // A file is written beside it and renamed over it, with SIGINT/SIGTERM held
  // until then: a stopped export leaves the previous file or the whole new one,
  // never half.
  sigset_t stop_signals, before;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_signals, &before);
  struct Unblock {
    sigset_t* set;
    ~Unblock() { ::sigprocmask(SIG_SETMASK, set, nullptr); }
  } unblock{&before};
  const std::string part = path + ".part";
  std::FILE* f = std::fopen(part.c_str(), "wb");
  if (f == nullptr) {
    print_error(path + ": cannot create the output file");
    return kExitBadInput;
  }
  const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  if (std::fclose(f) != 0 || !ok || std::rename(part.c_str(), path.c_str()) != 0) {
    ::unlink(part.c_str());
    print_error(path + ": cannot write the output file");
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace

void add_export_commands(CLI::App& app, ExportCommands& c) {
  c.export_cmd = app.add_subcommand("export", "Exports for other tools");
  c.export_cmd->require_subcommand(1);
  c.checklist = c.export_cmd->add_subcommand(
      "checklist", "Evidence for the METI factory-security checklist (items, levels, ledger, diagram)");
  c.checklist->add_option("--approved", c.approved, "Approved-equipment list (CSV; default: [policy] approved)");
  c.checklist->add_option("--wireless-allow", c.wireless_allow, "Wireless allow-list (CSV; default: [policy])");
  c.checklist->add_option("--lang", c.lang, "ja or en")->check(CLI::IsMember({"ja", "en"}));
  c.checklist->add_option("--format", c.format, "json (default), csv or html");
  c.checklist->add_option("--output", c.output, "Write to FILE instead of standard output");
  c.checklist->add_option("--new-days", c.new_days,
                          "Without a snapshot: devices first seen in the last N days of the ledger count as new")
      ->check(CLI::Range(1, 3650));
  c.checklist->add_option("--review-days", c.review_days,
                          "Levels 4 and 5 rest on the schedule, capture and deliveries of the last N days (default 30)")
      ->check(CLI::Range(1, 3650));
  c.checklist->add_option("--baseline", c.baseline,
                          "What is new and what changed is counted from this snapshot (a name, or a time or date: the "
                          "newest snapshot taken at or before it; default: the newest snapshot). Several sensors (a "
                          "fleet): a time only, devices first seen since then being new");
  c.checklist->add_option("--console-url", c.console_url,
                          "HTML: link each device to its page in the console at this address (e.g. https://sensor:8443)");
  c.wireless = c.export_cmd->add_subcommand(
      "wireless-allow", "The wireless allow-list for access points: one MAC a line, or hostapd's accept_mac_file (2-7)");
  c.wireless->add_option("--wireless-allow", c.wireless_allow, "Wireless allow-list (CSV; default: [policy])");
  c.wireless->add_option("--format", c.format, "macs (default) or hostapd");
  c.wireless->add_option("--role", c.role, "station (default), ap or all")
      ->check(CLI::IsMember({"station", "ap", "all"}));
  c.wireless->add_option("--ssid", c.ssid, "Only entries for this SSID (and those that name none)");
  c.wireless->add_option("--output", c.output, "Write to FILE instead of standard output");
  c.ledger = c.export_cmd->add_subcommand(
      "ledger", "The whole ledger as NDJSON: a header line, then one line per asset (with every fact) and per link");
  c.ledger->add_option("--approved", c.approved, "Approved-equipment list to overlay (CSV; default: [policy] approved)");
  c.ledger->add_option("--output", c.output, "Write to FILE instead of standard output");
  c.report_cmd = app.add_subcommand("report", "Reports to sign off");
  c.report_cmd->require_subcommand(1);
  c.acceptance = c.report_cmd->add_subcommand(
      "acceptance", "What a newly delivered machine brought: new devices, peers, services, external connections (4-5)");
  auto* since = c.acceptance->add_option("--since", c.since, "ISO 8601 time or date (no zone: local time)");
  auto* from = c.acceptance->add_option("--from", c.from, "A snapshot name: devices not in it are new");
  since->excludes(from);
  auto* base = c.acceptance->add_option(
      "--baseline", c.baseline,
      "A snapshot name, or a time or date: the newest snapshot taken at or before it; devices not in it are new");
  base->excludes(since);
  base->excludes(from);
  c.acceptance->add_option("--format", c.format, "text (default), json or html");
  c.acceptance->add_option("--lang", c.lang, "ja or en")->check(CLI::IsMember({"ja", "en"}));
  c.acceptance->add_option("--output", c.output, "Write to FILE instead of standard output");
  for (auto* s : {c.export_cmd, c.checklist, c.wireless, c.ledger, c.report_cmd, c.acceptance}) s->fallthrough();
}

std::optional<int> run_export_commands(const CommonOptions& common, const ExportCommands& c) {
  if (c.checklist != nullptr && *c.checklist) return cmd_export_checklist(common, c);
  if (c.acceptance != nullptr && *c.acceptance) return cmd_report_acceptance(common, c);
  if (c.wireless != nullptr && *c.wireless) return cmd_export_wireless(common, c);
  if (c.ledger != nullptr && *c.ledger) return cmd_export_ledger(common, c);
  return std::nullopt;
}

int cmd_export_ledger(const CommonOptions& common, const ExportCommands& opt) {
  auto store = open_store(common);
  if (!store) return kExitBadInput;
  inventory::Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  if (!overlay_approved(common, ledger, opt.approved)) return kExitBadInput;
  return write_out(opt.output, inventory::ledger_ndjson(ledger, common.config.sensor_name, wall_us()));
}

int cmd_export_checklist(const CommonOptions& common, const ExportCommands& opt) {
  const std::string format = opt.format.empty() ? "json" : opt.format;
  if (format != "json" && format != "csv" && format != "html") {
    print_error("--format " + format + ": expected json, csv or html");
    return kExitBadInput;
  }
  const inventory::Lang lang = inventory::parse_lang(opt.lang).value_or(inventory::Lang::ja);
  std::string error;
  // One sensor, or several as one fleet report: the merged fleet ledger (each
  // device once) and its findings with every sensor's acknowledgements; each
  // sensor's review evidence, named (fill_checklist_input).
  LedgerView view;
  if (!open_view(common, view)) return kExitBadInput;
  inventory::Ledger& ledger = ledger_until_exit(view.sensors.front());
  if (!load_view(view, ledger)) return kExitBadInput;
  FindingsInputs inputs;
  if (!load_findings_inputs(common.config, *view.source, view.sensors, inputs, error, opt.approved,
                            opt.wireless_allow)) {
    print_error(error);
    return kExitBadInput;
  }
  std::vector<inventory::Ack> acks;
  if (auto st = read_acks(*view.source, view.sensors, acks); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  const inventory::FindingsPolicy fp = inputs.policy(common.config);
  auto findings = inventory::compute_findings(ledger, fp);
  inventory::apply_acks(findings, acks);
  const auto& approved = inputs.approved;
  if (approved) inventory::apply_approved(ledger, *approved);  // the plant's names in the evidence

  inventory::ChecklistInput in;
  in.ledger = &ledger;
  in.approved = fp.approved;
  in.wireless = fp.wireless;
  in.findings = &findings;
  if (!opt.console_url.empty()) {
    std::string base = opt.console_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    in.asset_link = base + "/#/asset/";
  }
  if (!fill_checklist_input(in, *view.source, view.sensors, common.config, ledger,
                            {wall_us(), opt.new_days, opt.review_days, opt.baseline, &local_offset}, error)) {
    print_error(error);
    return kExitBadInput;
  }

  const inventory::Checklist cl = inventory::build_checklist(in);
  std::string out;
  if (format == "json") {
    out = inventory::checklist_json(cl, in, lang).dump(2) + "\n";
  } else if (format == "csv") {
    out = inventory::checklist_csv(cl, in, lang);
  } else {
    std::string svg, zone_svg;
    if (inventory::svg_available()) {
      if (const std::string dot = inventory::checklist_zone_dot(cl.topology, lang); !dot.empty()) {
        auto z = inventory::render_svg(dot, error);
        if (z) zone_svg = std::move(*z);
        else if (!common.quiet) std::fprintf(stderr, "mieruka: zone diagram not rendered: %s\n", error.c_str());
      }
      if (inventory::checklist_embeds_diagram(cl)) {
        auto r = inventory::render_svg(inventory::topology_dot(cl.topology), error);
        if (r) svg = std::move(*r);
        else if (!common.quiet) std::fprintf(stderr, "mieruka: diagram not rendered: %s\n", error.c_str());
      }
    }
    out = inventory::checklist_html(cl, in, lang, svg, zone_svg);
  }
  return write_out(opt.output, out);
}

int cmd_report_acceptance(const CommonOptions& common, const ExportCommands& opt) {
  const std::string format = opt.format.empty() ? "text" : opt.format;
  if (format != "text" && format != "json" && format != "html") {
    print_error("--format " + format + ": expected text, json or html");
    return kExitBadInput;
  }
  if ((opt.since.empty() ? 0 : 1) + (opt.from.empty() ? 0 : 1) + (opt.baseline.empty() ? 0 : 1) != 1) {
    print_error("report acceptance: give --since TIME, --from SNAPSHOT or --baseline SNAPSHOT|TIME");
    return kExitBadInput;
  }
  const inventory::Lang lang = inventory::parse_lang(opt.lang).value_or(inventory::Lang::ja);
  inventory::AcceptanceInput in;
  if (!opt.since.empty()) {
    auto t = inventory::parse_time_arg(opt.since, &local_offset);
    if (!t) {
      print_error("--since " + opt.since + ": expected an ISO 8601 time or date, e.g. 2026-11-20T09:00:00+09:00 or "
                                           "2026-11-20");
      return kExitBadInput;
    }
    in.since_us = *t;
    in.basis = "--since " + opt.since;
  }
  // One sensor, or several as one fleet (each device once, with what each
  // sensor saw of it): a snapshot is one sensor's, so a fleet's baseline is a time.
  LedgerView view;
  if (!open_view(common, view)) return kExitBadInput;
  const bool fleet = view.sensors.size() > 1;
  if (fleet && opt.since.empty()) {
    print_error(view.source->where() + ": sensors " + name_list(view.sensors) + " are selected; a snapshot is one sensor's: give "
                "--since TIME for the fleet, or one sensor with --sensor NAME");
    return kExitBadInput;
  }
  const std::string sensor = view.sensors.front();
  std::string error;
  // The report's times in the sensors' zone; sensors in different zones: the
  // reading config's.
  inventory::ApplianceConfig appliance;
  std::string time_zone;
  bool one_zone = true;
  for (const auto& name : view.sensors) {
    if (!appliance_of(*view.source, name, common.config, appliance, error)) {
      print_error(error);
      return kExitBadInput;
    }
    if (name == view.sensors.front()) time_zone = appliance.time_zone;
    one_zone = one_zone && appliance.time_zone == time_zone;
  }
  if (!one_zone) time_zone = common.config.snapshots.timezone;
  std::vector<std::string> baseline;
  if (!opt.from.empty() || !opt.baseline.empty()) {
    std::string name = opt.from, basis = "snapshot " + opt.from;
    if (!opt.baseline.empty()) {
      std::vector<inventory::SnapshotInfo> snaps;
      if (auto st = view.source->snapshots(sensor, snaps); !st) {
        print_error(st.error);
        return kExitBadInput;
      }
      auto b = inventory::pick_baseline(snaps, opt.baseline, &local_offset, error);
      if (!b) {
        print_error(error);
        return kExitBadInput;
      }
      name = b->snapshot.name;
      basis = b->basis;
    }
    inventory::Snapshot snap;
    if (auto st = view.source->snapshot(sensor, name, snap); !st) {
      print_error(st.error);
      return kExitBadInput;
    }
    for (const auto& a : snap.assets) baseline.push_back(a.id);
    std::sort(baseline.begin(), baseline.end());
    in.baseline_ids = &baseline;
    in.since_us = snap.info.observed_until_us;
    in.basis = basis;
  }
  inventory::Ledger ledger(sensor);
  if (!load_view(view, ledger)) return kExitBadInput;
  if (!overlay_approved(common, ledger)) return kExitBadInput;  // the plant's names in the report
  in.ledger = &ledger;
  in.zones = &common.config.policy;
  std::vector<std::string> names = view.sensors;  // in name order, whatever order --sensor gave
  std::sort(names.begin(), names.end());
  for (const auto& name : names) in.sensor_name += (in.sensor_name.empty() ? "" : ", ") + name;
  in.generated_us = wall_us();
  in.time_zone = time_zone;
  const auto rep = inventory::build_acceptance(in);
  std::string out;
  if (format == "json") out = inventory::acceptance_json(rep, in).dump(2) + "\n";
  else if (format == "html") out = inventory::acceptance_html(rep, in, lang);
  else out = inventory::acceptance_text(rep, in, lang);
  return write_out(opt.output, out);
}

std::string wireless_allow_text(const inventory::WirelessAllowList& list, const std::string& source,
                                const std::string& format, const std::string& role, const std::string& ssid) {
  // Spreadsheet text goes into comments only, on one line, without control bytes.
  auto comment = [](std::string_view v) {
    std::string out;
    for (char ch : v) out += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? ' ' : ch;
    return out;
  };
  std::map<std::string, const inventory::WirelessEntry*> macs;  // sorted, one line each
  for (const auto& e : list.entries) {
    if (role != "all" && !e.role.empty() && e.role != role) continue;
    if (!ssid.empty() && !e.ssid.empty() && e.ssid != ssid) continue;
    macs.emplace(e.mac.to_string(), &e);
  }
  std::string out;
  if (format == "hostapd") {
    out += "# hostapd accept_mac_file (macaddr_acl=1), written by mieruka from " + comment(source) + "\n";
    out += "# " + std::to_string(macs.size()) + " addresses" + (ssid.empty() ? "" : " for SSID " + comment(ssid)) + "\n";
  }
  for (const auto& [mac, e] : macs) {
    if (format == "hostapd" && (!e->name.empty() || !e->ssid.empty()))
      out += "# " + comment(e->name) + (e->ssid.empty() ? "" : " (SSID " + comment(e->ssid) + ")") + "\n";
    out += mac + "\n";
  }
  return out;
}

int cmd_export_wireless(const CommonOptions& common, const ExportCommands& opt) {
  const std::string format = opt.format.empty() ? "macs" : opt.format;
  if (format != "macs" && format != "hostapd") {
    print_error("--format " + opt.format + ": expected macs or hostapd");
    return kExitBadInput;
  }
  const std::string path = !opt.wireless_allow.empty() ? opt.wireless_allow : common.config.policy.wireless_allow_path;
  if (path.empty()) {
    print_error("export wireless-allow: give --wireless-allow CSV (or [policy] wireless_allow in the config)");
    return kExitBadInput;
  }
  std::string error;
  const auto list = inventory::load_wireless_allow(path, error);
  if (!list) {
    print_error(error);
    return kExitBadInput;
  }
  return write_out(opt.output, wireless_allow_text(*list, path, format, opt.role, opt.ssid));
}

}  // namespace mieruka::sensor
