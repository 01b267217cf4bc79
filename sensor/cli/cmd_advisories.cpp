// The advisories commands (see cmd_advisories.hpp). Which devices an advisory
// affects is what the `vulnerable` findings say (inventory/policy/findings): show and
// matches print those, so that every view agrees with the findings.
#include "sensor/cli/cmd_advisories.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inventory/advisories/advisory.hpp"
#include "inventory/render/export.hpp"
#include "sensor/cli/cmd_findings.hpp"

namespace mieruka::sensor {

namespace adv = inventory::advisories;
using inventory::Finding;
using inventory::Ledger;
using inventory::Store;

namespace {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_stdout(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// Readers never create or change the database (Store::open_reader).
std::optional<Store> open_reader(const CommonOptions& common) {
  const std::string path = resolve_db_path(common.db, common.config);
  std::string error;
  auto store = Store::open_reader(path, common.config.sensor_name, error);
  if (!store) print_error(error);
  return store;
}

// What show and matches print: the ledger, the stored advisories and the
// vulnerable findings (states and acknowledgements applied).
struct View {
  std::optional<Store> store;
  Ledger ledger;
  FindingsInputs inputs;
  std::vector<Finding> vulnerable;
  explicit View(const std::string& sensor) : ledger(sensor) {}
};

bool load_view(const CommonOptions& common, View& v, bool write = false) {
  if (write) {
    const std::string path = resolve_db_path(common.db, common.config);
    std::string error;
    v.store = Store::open(path, common.config.sensor_name, error, false);
    if (!v.store) print_error(error);
  } else {
    v.store = open_reader(common);
  }
  if (!v.store) return false;
  if (auto st = v.store->load(v.ledger); !st) {
    print_error(st.error);
    return false;
  }
  std::string error;
  if (!load_findings_inputs(common.config, *v.store, v.inputs, error)) {
    print_error(error);
    return false;
  }
  auto all = inventory::compute_findings(v.ledger, v.inputs.policy(common.config));
  inventory::apply_acks(all, read_acks(*v.store, common.config.sensor_name));
  for (auto& f : all)
    if (f.type == "vulnerable") v.vulnerable.push_back(std::move(f));
  return true;
}

std::string cvss_text(double cvss) { return cvss >= 0 ? fmt::format("{:.1f}", cvss) : "-"; }

std::string joined(const std::vector<std::string>& v, const char* sep = ",") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

nlohmann::ordered_json str(const std::string& s) {
  if (s.empty()) return nullptr;
  return inventory::sanitize_utf8(s);
}

nlohmann::ordered_json asset_match_json(const Finding& f) {
  nlohmann::ordered_json j;
  j["asset"] = f.asset;
  j["mac"] = str(f.mac);
  j["ip"] = str(f.ip);
  j["advisory"] = inventory::sanitize_utf8(f.vuln.advisory);
  j["confidence"] = f.vuln.confidence;
  j["cves"] = nlohmann::ordered_json::array();
  for (const auto& c : f.vuln.cves) j["cves"].push_back(inventory::sanitize_utf8(c));
  j["cvss"] = f.vuln.cvss >= 0 ? nlohmann::ordered_json(f.vuln.cvss) : nlohmann::ordered_json();
  j["state"] = std::string(inventory::finding_state(f));
  j["why"] = inventory::sanitize_utf8(f.vuln.why);
  j["finding"] = f.id;
  return j;
}

std::string label_of(const Ledger& ledger, const Finding& f) {
  const inventory::Asset* a = ledger.find(f.asset);
  return a != nullptr ? inventory::asset_label(*a) : f.asset;
}

}  // namespace

int cmd_advisories_import(const CommonOptions& common, const AdvisoriesCommands& opt) {
  const adv::LoadResult loaded = adv::load_paths(opt.paths);
  for (const auto& e : loaded.errors) print_error(inventory::terminal_safe(e));
  if (loaded.advisories.empty()) {
    print_error(loaded.files == 0 ? "advisories import: no advisory files (*.json, *.xml) under the paths given"
                                  : "advisories import: no advisory could be read; nothing imported");
    return kExitBadInput;
  }
  std::vector<inventory::StoredAdvisory> rows;
  rows.reserve(loaded.advisories.size());
  for (const auto& a : loaded.advisories)
    rows.push_back({a.id, a.source, a.revision, a.current_release, a.title, adv::to_json(a).dump(), 0, 0});
  const std::string path = resolve_db_path(common.db, common.config);
  std::string error;
  auto store = Store::open(path, common.config.sensor_name, error);
  if (!store) {
    print_error(error);
    return kExitBadInput;
  }
  std::vector<inventory::AdvisoryImport> outcomes;
  if (auto st = store->import_advisories(rows, outcomes, wall_us()); !st) {
    print_error(st.error);
    return kExitInternal;
  }
  std::size_t added = 0, updated = 0, kept = 0;
  for (auto o : outcomes) {
    if (o == inventory::AdvisoryImport::added) ++added;
    else if (o == inventory::AdvisoryImport::updated) ++updated;
    else ++kept;
  }
  if (!common.quiet)
    std::fprintf(stderr,
                 "%zu file(s) read, %zu skipped; %zu advisories: %zu added, %zu updated, %zu left (a newer revision "
                 "is stored)\n",
                 loaded.files - std::min(loaded.files, loaded.errors.size()), loaded.errors.size(), rows.size(),
                 added, updated, kept);
  return kExitOk;
}

int cmd_advisories_list(const CommonOptions& common, const AdvisoriesCommands& opt) {
  const std::string format = opt.format.empty() ? "table" : opt.format;
  if (format != "table" && format != "json") {
    print_error("--format " + format + ": expected table or json");
    return kExitBadInput;
  }
  auto store = open_reader(common);
  if (!store) return kExitBadInput;
  std::vector<inventory::StoredAdvisory> rows;
  if (auto st = store->advisories(rows, false); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  if (format == "json") {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      nlohmann::ordered_json j;
      j["id"] = inventory::sanitize_utf8(r.id);
      j["source"] = r.source;
      j["revision"] = str(r.revision);
      j["current_release"] = str(r.current_release);
      j["title"] = inventory::sanitize_utf8(r.title);
      j["imported"] = format_time_us(r.imported_us);
      j["updated"] = format_time_us(r.updated_us);
      arr.push_back(std::move(j));
    }
    write_stdout(arr.dump(2) + "\n");
    return kExitOk;
  }
  std::string out = fmt::format("{:<20} {:<6} {:<8} {:<25} {}\n", "ID", "SOURCE", "REVISION", "RELEASED", "TITLE");
  for (const auto& r : rows)
    out += fmt::format("{:<20} {:<6} {:<8} {:<25} {}\n", inventory::terminal_safe(r.id), r.source,
                       inventory::terminal_safe(r.revision), inventory::terminal_safe(r.current_release),
                       inventory::terminal_safe(r.title));
  out += fmt::format("{} advisor{}\n", rows.size(), rows.size() == 1 ? "y" : "ies");
  write_stdout(out);
  return kExitOk;
}

int cmd_advisories_show(const CommonOptions& common, const AdvisoriesCommands& opt) {
  const std::string format = opt.format.empty() ? "text" : opt.format;
  if (format != "text" && format != "json") {
    print_error("--format " + format + ": expected text or json");
    return kExitBadInput;
  }
  View v(common.config.sensor_name);
  if (!load_view(common, v)) return kExitBadInput;
  const adv::Advisory* doc = nullptr;
  for (const auto& a : v.inputs.advisories->list)
    if (a.id == opt.id) doc = &a;
  if (doc == nullptr) {
    print_error(opt.id + ": no such advisory imported (see `mieruka advisories list`)");
    return kExitBadInput;
  }
  std::vector<const Finding*> hits;
  for (const auto& f : v.vulnerable)
    if (f.vuln.advisory == doc->id) hits.push_back(&f);
  if (format == "json") {
    nlohmann::ordered_json j;
    j["advisory"] = adv::to_json(*doc);
    j["matches"] = nlohmann::ordered_json::array();
    for (const auto* f : hits) j["matches"].push_back(asset_match_json(*f));
    write_stdout(j.dump(2) + "\n");
    return kExitOk;
  }
  using inventory::terminal_safe;
  std::string out = terminal_safe(doc->id) + "  " + terminal_safe(doc->title) + "\n";
  out += "source " + doc->source + ", revision " + terminal_safe(doc->revision) + ", published " +
         terminal_safe(doc->initial_release) + ", current " + terminal_safe(doc->current_release) + "\n";
  out += "\nVulnerabilities:\n";
  for (const auto& vu : doc->vulnerabilities)
    out += "  " + terminal_safe(inventory::remediation_key(vu)) + "  CVSS " + cvss_text(vu.cvss_base) + "  " +
           terminal_safe(vu.title) + "\n";
  out += "\nProducts:\n";
  for (const auto& p : doc->products)
    out += "  " + terminal_safe(p.vendor) + " / " + terminal_safe(joined(p.names, " / ")) + "  versions " +
           terminal_safe(p.versions.text.empty() ? "-" : p.versions.text) + "\n";
  out += fmt::format("\nAffected devices ({}):\n", hits.size());
  for (const auto* f : hits)
    out += fmt::format("  {:<17} {:<9} CVSS {:<4} {:<14} {}\n", terminal_safe(label_of(v.ledger, *f)),
                       f->vuln.confidence, cvss_text(f->vuln.cvss), inventory::finding_state(*f),
                       terminal_safe(f->vuln.why));
  write_stdout(out);
  return kExitOk;
}

int cmd_advisories_matches(const CommonOptions& common, const AdvisoriesCommands& opt) {
  const std::string format = opt.format.empty() ? "table" : opt.format;
  if (format != "table" && format != "json") {
    print_error("--format " + format + ": expected table or json");
    return kExitBadInput;
  }
  if (!opt.confidence.empty() && opt.confidence != "confirmed" && opt.confidence != "possible") {
    print_error("--confidence " + opt.confidence + ": expected confirmed or possible");
    return kExitBadInput;
  }
  View v(common.config.sensor_name);
  if (!load_view(common, v)) return kExitBadInput;
  std::vector<const Finding*> hits;
  for (const auto& f : v.vulnerable)
    if (opt.confidence.empty() || f.vuln.confidence == opt.confidence) hits.push_back(&f);
  std::map<std::string, std::vector<const Finding*>> by_asset, by_advisory;
  for (const auto* f : hits) {
    by_asset[f->asset].push_back(f);
    by_advisory[f->vuln.advisory].push_back(f);
  }
  for (auto& [asset, fs] : by_asset)
    std::sort(fs.begin(), fs.end(), [](const Finding* a, const Finding* b) { return a->vuln.advisory < b->vuln.advisory; });
  std::map<std::string, std::string> titles;
  for (const auto& a : v.inputs.advisories->list) titles[a.id] = a.title;
  if (format == "json") {
    nlohmann::ordered_json j;
    j["by_asset"] = nlohmann::ordered_json::array();
    for (const auto& [asset, fs] : by_asset) {
      nlohmann::ordered_json x;
      x["asset"] = asset;
      x["mac"] = str(fs.front()->mac);
      x["ip"] = str(fs.front()->ip);
      x["advisories"] = nlohmann::ordered_json::array();
      for (const auto* f : fs) x["advisories"].push_back(asset_match_json(*f));
      j["by_asset"].push_back(std::move(x));
    }
    j["by_advisory"] = nlohmann::ordered_json::array();
    for (const auto& [id, fs] : by_advisory) {
      nlohmann::ordered_json x;
      x["advisory"] = inventory::sanitize_utf8(id);
      x["title"] = inventory::sanitize_utf8(titles[id]);
      x["assets"] = nlohmann::ordered_json::array();
      for (const auto* f : fs) x["assets"].push_back(asset_match_json(*f));
      j["by_advisory"].push_back(std::move(x));
    }
    write_stdout(j.dump(2) + "\n");
    return kExitOk;
  }
  using inventory::terminal_safe;
  std::string out = "By asset:\n";
  for (const auto& [asset, fs] : by_asset) {
    out += "  " + terminal_safe(label_of(v.ledger, *fs.front())) + " (" + asset + ")\n";
    for (const auto* f : fs)
      out += fmt::format("    {:<20} {:<9} CVSS {:<4} {}\n", terminal_safe(f->vuln.advisory), f->vuln.confidence,
                         cvss_text(f->vuln.cvss), inventory::finding_state(*f));
  }
  out += "\nBy advisory:\n";
  for (const auto& [id, fs] : by_advisory) {
    out += "  " + terminal_safe(id) + "  " + terminal_safe(titles[id]) + "\n";
    for (const auto* f : fs)
      out += fmt::format("    {:<17} {:<9} {}\n", terminal_safe(label_of(v.ledger, *f)), f->vuln.confidence,
                         inventory::finding_state(*f));
  }
  out += fmt::format("\n{} match{} ({} asset{}, {} advisor{})\n", hits.size(), hits.size() == 1 ? "" : "es",
                     by_asset.size(), by_asset.size() == 1 ? "" : "s", by_advisory.size(),
                     by_advisory.size() == 1 ? "y" : "ies");
  write_stdout(out);
  return kExitOk;
}

int cmd_advisories_state(const CommonOptions& common, const AdvisoriesCommands& opt) {
  if (!inventory::is_remediation_state(opt.new_state)) {
    print_error(opt.new_state +
                ": not a remediation state (not_remediated, in_progress, remediated, not_affected, compensated)");
    return kExitBadInput;
  }
  View v(common.config.sensor_name);
  if (!load_view(common, v, true)) return kExitBadInput;
  const inventory::Asset* a = v.ledger.find(opt.asset);
  if (a == nullptr) {
    print_error(opt.asset + ": no such asset (give an id, a MAC or an IP from `mieruka assets`)");
    return kExitBadInput;
  }
  std::string who = opt.who;
  if (who.empty()) {
    const char* u = std::getenv("USER");
    who = u != nullptr ? u : "unknown";
  }
  std::string error;
  const auto rows = remediation_rows(v.vulnerable, a->id, opt.target, opt.new_state, opt.comment, who, wall_us(), error);
  if (rows.empty()) {
    print_error(error);
    return kExitBadInput;
  }
  if (auto st = v.store->set_remediation(rows); !st) {
    print_error(st.error);
    return kExitInternal;
  }
  if (!common.quiet)
    for (const auto& r : rows)
      std::fprintf(stderr, "%s %s %s: %s\n", r.asset_id.c_str(), inventory::terminal_safe(r.advisory_id).c_str(),
                   inventory::terminal_safe(r.cve).c_str(), r.state.c_str());
  return kExitOk;
}

void add_advisories_commands(CLI::App& app, AdvisoriesCommands& c) {
  c.advisories = app.add_subcommand("advisories", "Published ICS advisories (CSAF 2.0, JVN) and the devices they affect");
  c.advisories->require_subcommand(1);
  c.import = c.advisories->add_subcommand("import", "Import advisory files, directories or ROLIE feeds (offline)");
  c.import->add_option("paths", c.paths, "CSAF 2.0 JSON, JVN VULDEF XML, directories, ROLIE feeds")
      ->required()
      ->type_name("PATH...");
  c.list = c.advisories->add_subcommand("list", "The imported advisories");
  c.list->add_option("--format", c.format, "table or json");
  c.show = c.advisories->add_subcommand("show", "One advisory and the devices it matches, with the confidence");
  c.show->add_option("id", c.id, "Advisory id (ICSA-..., JVNDB-...)")->required();
  c.show->add_option("--format", c.format, "text or json");
  c.matches = c.advisories->add_subcommand("matches", "Per device its advisories, per advisory its devices");
  c.matches->add_option("--confidence", c.confidence, "confirmed or possible (default: both)");
  c.matches->add_option("--format", c.format, "table or json");
  c.state = c.advisories->add_subcommand("state", "Record the remediation state of an advisory or CVE on a device");
  c.state->add_option("asset", c.asset, "Asset id, MAC or IP")->required();
  c.state->add_option("target", c.target, "Advisory id (all its CVEs on the device) or one CVE")
      ->required()
      ->type_name("CVE|ADVISORY");
  c.state->add_option("state", c.new_state, "not_remediated, in_progress, remediated, not_affected, compensated")
      ->required();
  c.state->add_option("--comment", c.comment, "What was done, or why");
  c.state->add_option("--who", c.who, "Who records it (default: $USER)");
  for (auto* s : {c.advisories, c.import, c.list, c.show, c.matches, c.state}) s->fallthrough();
}

std::optional<int> run_advisories_commands(const CommonOptions& common, const AdvisoriesCommands& c) {
  if (c.advisories == nullptr || !*c.advisories) return std::nullopt;
  if (*c.import) return cmd_advisories_import(common, c);
  if (*c.list) return cmd_advisories_list(common, c);
  if (*c.show) return cmd_advisories_show(common, c);
  if (*c.matches) return cmd_advisories_matches(common, c);
  if (*c.state) return cmd_advisories_state(common, c);
  return kExitBadInput;
}

}  // namespace mieruka::sensor
