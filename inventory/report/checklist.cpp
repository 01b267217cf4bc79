// The checklist export (see checklist.hpp). The level rules are kLevelRules;
// the evidence each item gathers is in its build_<item> function.
#include "inventory/report/checklist.hpp"

#include "inventory/policy/evidence.hpp"

#include <algorithm>
#include <cmath>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>

#include "dissectors/wlan_mgmt.hpp"
#include "inventory/policy/classify.hpp"
#include "inventory/report/eos_table.hpp"
#include "inventory/render/export.hpp"
#include "inventory/render/findings_format.hpp"
#include "inventory/text/text_escape.hpp"

namespace mieruka::inventory {
namespace {

using nlohmann::ordered_json;
using std::string_view;

// ---------------------------------------------------------------------------------
// The level rules, derived from the achievement levels of CHECKLIST.md:
//   1 未実施 the measure is absent; 2 一部実施 it exists with gaps (open findings,
//   violations); 3 実施済み it exists and the evidence shows no gap (or the gaps
//   are counted, for 2-6 whose measure is the ledger itself); 4 documented and
//   automated with periodic review: the snapshot schedule ran at its interval
//   over the stated period and its diffs were delivered (periodic_review);
//   5 reviewed continuously: live capture covered the period, few drops, alerts
//   delivered (continuous_monitoring). Items whose rest cannot
//   be seen passively (3-6 two-factor authentication, 3-2 patch levels, 3-3 and
//   2-12) stop at 3. "none": Mieruka has no evidence for a level.
// Per item, the first row whose condition holds gives the level.
// ---------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------
// Review evidence (levels 4 and 5): see ReviewEvidence in checklist.hpp.
// ---------------------------------------------------------------------------------
constexpr std::uint64_t kMinSlots = 2;         // a schedule that ran once is not periodic
constexpr double kMinSlotsTaken = 0.9;         // share of the period's slots taken
constexpr double kMinCoverage = 0.95;          // share of the period under live capture
constexpr double kMaxDropRate = 0.001;         // dropped / (captured + dropped)

double coverage_percent(const ReviewEvidence& e) {
  const std::int64_t span = e.facts.to_us - e.facts.from_us;
  return span > 0 ? 100.0 * static_cast<double>(e.facts.monitored_us) / static_cast<double>(span) : 0.0;
}
double drop_rate(const ReviewFacts& f) {
  const std::uint64_t seen = f.packets + f.drops;
  return seen > 0 ? static_cast<double>(f.drops) / static_cast<double>(seen) : 0.0;
}
std::string day_of(std::int64_t us) { return format_time_us(us).substr(0, 10); }

// {placeholders} of `text` replaced by `params`.
std::string fill(std::string t, const std::map<std::string, std::string>& params) {
  for (const auto& [k, v] : params) {
    const std::string ph = "{" + k + "}";
    for (std::size_t p = t.find(ph); p != std::string::npos; p = t.find(ph, p + v.size())) t.replace(p, ph.size(), v);
  }
  return t;
}

// The values the review sentences and the level rules' texts name.
std::map<std::string, std::string> review_params(const ReviewEvidence& e) {
  const ReviewFacts& f = e.facts;
  return {{"period", day_of(f.from_us) + " – " + day_of(f.to_us)},
          {"schedule", e.schedule.empty() ? "-" : e.schedule},
          {"slots", std::to_string(e.slots)},
          {"taken", std::to_string(f.scheduled)},
          {"queued", std::to_string(f.diffs_queued)},
          {"delivered", std::to_string(f.diffs_delivered)},
          {"coverage", fmt::format("{:.1f}", coverage_percent(e))},
          {"drop_rate", fmt::format("{:.3f}", 100.0 * drop_rate(f))},
          {"alerts_queued", std::to_string(f.alerts_queued)},
          {"alerts_delivered", std::to_string(f.alerts_delivered)},
          {"channels", std::to_string(e.channels)}};
}

std::string review_sentence(const ReviewEvidence& e, Lang lang) {
  return fill(std::string(msg(lang, e.schedule.empty() ? "review.no_schedule" : "review.sentence")), review_params(e));
}
std::string monitoring_sentence(const ReviewEvidence& e, Lang lang) {
  return fill(std::string(msg(lang, live_monitoring(e) ? "monitoring.sentence" : "monitoring.none")),
              review_params(e));
}

using S = ItemStats;
const std::vector<LevelRule> kLevelRules = {
    // 2-3 e-mail / internet from factory systems: has_data = OT equipment known; open = internet findings
    {"2-3", std::nullopt, "2-3.no_ot", [](const S& s) { return !s.has_data; }},
    {"2-3", 2, "2-3.violations", [](const S& s) { return s.open > 0; }},
    {"2-3", 5, "2-3.continuous", [](const S& s) { return s.periodic && s.continuous; }},
    {"2-3", 4, "2-3.periodic", [](const S& s) { return s.periodic; }},
    {"2-3", 3, "2-3.clean", [](const S&) { return true; }},
    // 2-6 ledger and diagram: has_data = devices; has_policy = approved list; open = unapproved + hidden
    {"2-6", 1, "2-6.empty", [](const S& s) { return !s.has_data; }},
    {"2-6", 2, "2-6.no_list", [](const S& s) { return !s.has_policy; }},
    {"2-6", 5, "2-6.continuous", [](const S& s) { return s.open == 0 && s.periodic && s.continuous; }},
    {"2-6", 4, "2-6.periodic", [](const S& s) { return s.open == 0 && s.periodic; }},
    {"2-6", 3, "2-6.ledger", [](const S&) { return true; }},
    // 2-7 wireless: applicable = wireless devices seen; has_policy = allow-list; open = unlisted devices
    {"2-7", std::nullopt, "2-7.na", [](const S& s) { return !s.applicable; }},
    {"2-7", 1, "2-7.no_list", [](const S& s) { return !s.has_policy; }},
    {"2-7", 2, "2-7.violations", [](const S& s) { return s.open > 0; }},
    {"2-7", 5, "2-7.continuous", [](const S& s) { return s.periodic && s.continuous; }},
    {"2-7", 4, "2-7.periodic", [](const S& s) { return s.periodic; }},
    {"2-7", 3, "2-7.clean", [](const S&) { return true; }},
    // 2-12 newly connected devices: count = new devices; has_policy = approved list; open = new, not approved
    {"2-12", std::nullopt, "2-12.none", [](const S& s) { return s.count == 0; }},
    {"2-12", std::nullopt, "2-12.no_list", [](const S& s) { return !s.has_policy; }},
    {"2-12", 2, "2-12.unchecked", [](const S& s) { return s.open > 0; }},
    {"2-12", 3, "2-12.checked", [](const S&) { return true; }},
    // 3-2 patches: has_data = versions visible or advisories matched; open = assets in the end-of-support
    // table; unremediated = vulnerable findings neither remediated, not affected nor compensated
    {"3-2", std::nullopt, "3-2.none", [](const S& s) { return !s.has_data; }},
    {"3-2", 2, "3-2.unremediated", [](const S& s) { return s.unremediated > 0; }},
    {"3-2", 2, "3-2.eos", [](const S& s) { return s.open > 0; }},
    {"3-2", 3, "3-2.clean", [](const S&) { return true; }},
    // 3-3 services on control hosts: has_data = control hosts; open = hosts serving cleartext logins
    {"3-3", std::nullopt, "3-3.none", [](const S& s) { return !s.has_data; }},
    {"3-3", 2, "3-3.cleartext", [](const S& s) { return s.open > 0; }},
    {"3-3", 3, "3-3.minimal", [](const S&) { return true; }},
    // 3-5 segmentation: has_policy = zones defined; count = segments seen; open = cross-zone findings
    {"3-5", 1, "3-5.flat", [](const S& s) { return !s.has_policy && s.count <= 1; }},
    {"3-5", 2, "3-5.no_zones", [](const S& s) { return !s.has_policy; }},
    {"3-5", 2, "3-5.crossing", [](const S& s) { return s.open > 0; }},
    {"3-5", 5, "3-5.continuous", [](const S& s) { return s.periodic && s.continuous; }},
    {"3-5", 4, "3-5.periodic", [](const S& s) { return s.periodic; }},
    {"3-5", 3, "3-5.clean", [](const S&) { return true; }},
    // 3-6 remote access: applicable = remote sessions or gateways seen; open = unacknowledged paths
    {"3-6", std::nullopt, "3-6.na", [](const S& s) { return !s.applicable; }},
    {"3-6", 2, "3-6.undeclared", [](const S& s) { return s.open > 0; }},
    {"3-6", 3, "3-6.declared", [](const S&) { return true; }},
    // 3-7 detection: has_data = traffic analysed; continuous = live capture; open = 3-7 findings
    {"3-7", 1, "3-7.none", [](const S& s) { return !s.has_data; }},
    {"3-7", 2, "3-7.offline", [](const S& s) { return !s.live; }},
    {"3-7", 5, "3-7.continuous", [](const S& s) { return s.continuous && s.open == 0; }},
    {"3-7", 4, "3-7.periodic", [](const S& s) { return s.periodic; }},
    {"3-7", 3, "3-7.live", [](const S&) { return true; }},
    // 2-8 vulnerability assessment, 4-3 vulnerability information: the advisory matches are input, not a level
    {"2-8", std::nullopt, "2-8.no_advisories", [](const S& s) { return !s.has_policy; }},
    {"2-8", std::nullopt, "2-8.matches", [](const S&) { return true; }},
    {"4-3", std::nullopt, "4-3.no_advisories", [](const S& s) { return !s.has_policy; }},
    {"4-3", std::nullopt, "4-3.matches", [](const S&) { return true; }},
    // 4-5 acceptance: evidence is the acceptance report
    {"4-5", std::nullopt, "4-5.pointer", [](const S&) { return true; }},
};

// Items in checklist order and whether Mieruka's evidence is direct.
constexpr std::array<std::pair<string_view, bool>, 12> kItems = {{
    {"2-3", false}, {"2-6", true}, {"2-7", true}, {"2-8", false}, {"2-12", false}, {"3-2", false},
    {"3-3", false}, {"3-5", true}, {"3-6", true}, {"3-7", true}, {"4-3", false}, {"4-5", false},
}};

// Control terminals (制御端末) for 3-3.
constexpr std::array<string_view, 6> kControlHosts = {"hmi",       "engineering_workstation", "scada_server",
                                                      "historian", "opcua_server",            "opcua_client"};

template <std::size_t N>
bool listed(const std::array<string_view, N>& list, string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool is_external(const Asset& a) { return is_external_asset(a); }
std::string label(const Asset& a) { return asset_label(a); }
std::string ips_text(const Asset& a) {
  std::string s;
  for (const auto& r : a.ips) s += (s.empty() ? "" : " ") + r.ip.to_string();
  return s;
}

struct Ctx {
  const ChecklistInput& in;
  const Ledger& ledger;
  std::map<std::string, const Asset*> by_id;
  std::map<std::string, std::string> cls;
  std::vector<const Asset*> plant;  // not external
  std::vector<const Edge*> edges;   // live edges
  const AssetLinks& links;          // each asset's live edges, in the ledger's order

  const Asset* asset(const std::string& id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second;
  }
  // "mac (ip) class vendor product name"
  std::string describe(const Asset& a) const {
    std::string s = label(a);
    const std::string ip = ips_text(a);
    if (a.mac && !ip.empty()) s += " (" + ip + ")";
    s += " " + cls.at(a.id);
    for (string_view f : {"vendor", "product", "name"})
      if (const FactRecord* r = Ledger::best(a, f)) s += "; " + std::string(f) + " " + r->value;
    return s;
  }
  std::string peer(const std::string& id) const {
    const Asset* a = asset(id);
    return a ? label(*a) : id;
  }
  bool is_ot(const Asset& a) const {
    for (const auto& p : a.protocols)
      if (is_ot_protocol(p)) return true;
    return is_ot_class(cls.at(a.id));
  }
};

void add_findings(ItemReport& r, const ChecklistInput& in, string_view item) {
  if (in.findings == nullptr) return;
  for (const auto& f : *in.findings) {
    if (f.item != item || f.acknowledged) continue;
    r.findings.push_back(f);
    r.evidence.push_back({"finding", f.id, f.type + ": " + f.evidence});
  }
}

std::uint64_t count_findings(const ChecklistInput& in, string_view type, bool open_only) {
  if (in.findings == nullptr) return 0;
  return static_cast<std::uint64_t>(std::count_if(in.findings->begin(), in.findings->end(), [&](const Finding& f) {
    return f.type == type && (!open_only || !f.acknowledged);
  }));
}

std::string edge_text(const Ctx& c, const Edge& e) {
  return fmt::format("{} -> {} {} port {}: {} packets, {} to {}", c.peer(e.from_id), c.peer(e.to_id), e.protocol,
                     e.port, e.packets, format_time_us(e.first_us), format_time_us(e.last_us));
}

void build_2_3(const Ctx& c, ItemReport& r) {
  std::uint64_t ot = 0;
  for (const Asset* a : c.plant) ot += c.is_ot(*a) ? 1 : 0;
  std::uint64_t external = 0;
  for (const Edge* e : c.edges) {
    const Asset* from = c.asset(e->from_id);
    const Asset* to = c.asset(e->to_id);
    if (from == nullptr || to == nullptr || is_external(*from) || !is_external(*to)) continue;
    ++external;
    r.evidence.push_back({"external", e->id, edge_text(c, *e)});
  }
  add_findings(r, c.in, "2-3");
  r.stats.has_data = ot > 0;
  r.stats.open = r.findings.size();
  r.counts = {{"ot_assets", ot}, {"outbound_external_links", external}, {"open_findings", r.stats.open}};
  r.params["open"] = std::to_string(r.stats.open);
}

void build_2_6(const Ctx& c, ItemReport& r, const Topology& topo) {
  std::uint64_t seen = 0, unseen = 0;
  if (c.in.approved != nullptr) {
    std::set<std::size_t> matched;
    for (const Asset* a : c.plant)
      if (const ApprovedEntry* e = c.in.approved->match(*a)) matched.insert(e->line);
    for (const auto& e : c.in.approved->entries) {
      if (matched.count(e.line) != 0) {
        ++seen;
        continue;
      }
      ++unseen;
      r.evidence.push_back({"approved_unseen", fmt::format("line {}", e.line),
                            fmt::format("{} {} {}", e.mac ? e.mac->to_string() : "-", e.ip ? e.ip->to_string() : "-",
                                        e.name)});
    }
  }
  r.evidence.push_back({"diagram", "",
                        fmt::format("topology: {} nodes, {} edges, {} clusters (grouping {})", topo.nodes.size(),
                                    topo.edges.size(), topo.clusters.size(), topo.grouping)});
  add_findings(r, c.in, "2-6");
  r.stats.has_data = !c.plant.empty();
  r.stats.has_policy = c.in.approved != nullptr;
  r.stats.count = c.plant.size();
  r.stats.open = r.findings.size();
  r.counts = {{"assets", c.plant.size()},
              {"links", c.edges.size()},
              {"approved_entries", c.in.approved ? c.in.approved->entries.size() : 0},
              {"approved_seen", seen},
              {"approved_unseen", unseen},
              {"unapproved_open", count_findings(c.in, "unapproved", true)},
              {"hidden_open", count_findings(c.in, "hidden", true)}};
  r.params["assets"] = std::to_string(c.plant.size());
  r.params["open"] = std::to_string(r.stats.open);
}

void build_2_7(const Ctx& c, ItemReport& r) {
  std::uint64_t wireless = 0, listed_seen = 0, unlisted = 0, listed_unseen = 0;
  std::set<std::string> seen_macs;
  for (const Asset* a : c.plant) {
    const std::string& k = c.cls.at(a->id);
    const auto& protocols = a->protocols;
    const bool wlan = std::find(protocols.begin(), protocols.end(), dissectors::wlan_mgmt::kProtocol) != protocols.end();
    if (!a->mac || (k != "wireless_station" && k != "wireless_ap" && !wlan)) continue;
    ++wireless;
    seen_macs.insert(a->mac->to_string());
    const bool listed = c.in.wireless != nullptr && c.in.wireless->match(*a->mac) != nullptr;
    (listed ? listed_seen : unlisted) += 1;
    r.evidence.push_back({listed ? "wireless_listed" : "wireless_unlisted", a->id, c.describe(*a)});
  }
  if (c.in.wireless != nullptr) {
    for (const auto& e : c.in.wireless->entries) {
      if (seen_macs.count(e.mac.to_string()) != 0) continue;
      // A listed MAC present on the wire but not classed wireless still counts as seen.
      if (c.ledger.find(e.mac.to_string()) != nullptr) continue;
      ++listed_unseen;
      r.evidence.push_back({"wireless_unseen", fmt::format("line {}", e.line),
                            fmt::format("{} {} {}", e.mac.to_string(), e.ssid, e.name)});
    }
  }
  add_findings(r, c.in, "2-7");
  r.stats.applicable = wireless > 0;
  r.stats.has_policy = c.in.wireless != nullptr;
  r.stats.count = wireless;
  r.stats.open = r.findings.size();
  r.counts = {{"wireless_devices", wireless},
              {"listed_and_seen", listed_seen},
              {"seen_not_listed", unlisted},
              {"listed_never_seen", listed_unseen}};
  r.params["wireless"] = std::to_string(wireless);
  r.params["open"] = std::to_string(r.stats.open);
}

void build_2_12(const Ctx& c, ItemReport& r) {
  std::uint64_t count = 0, unapproved = 0;
  std::vector<const Asset*> fresh;
  for (const Asset* a : c.plant)
    if (a->first_us >= c.in.new_since_us) fresh.push_back(a);
  std::stable_sort(fresh.begin(), fresh.end(), [](const Asset* a, const Asset* b) { return a->first_us < b->first_us; });
  for (const Asset* a : fresh) {
    ++count;
    const bool ok = c.in.approved != nullptr && c.in.approved->match(*a) != nullptr;
    if (!ok) ++unapproved;
    std::string t = fmt::format("first seen {}: {}", format_time_us(a->first_us), c.describe(*a));
    if (c.in.approved != nullptr) t += ok ? "; approved" : "; not approved";
    r.evidence.push_back({"new_device", a->id, t});
  }
  r.stats.has_data = count > 0;
  r.stats.has_policy = c.in.approved != nullptr;
  r.stats.count = count;
  r.stats.open = c.in.approved != nullptr ? unapproved : 0;
  r.counts = {{"new_devices", count}, {"new_not_approved", r.stats.open}};
  r.params["count"] = std::to_string(count);
  r.params["open"] = std::to_string(r.stats.open);
  r.params["since"] = c.in.new_since_us ? format_time_us(c.in.new_since_us) : std::string("-");
}

// "label (ip): ICSA-.. title; CVE..; CVSS 9.8; confirmed; state compensated (comment)"
std::string advisory_line(const Ctx& c, const Finding& f) {
  const Asset* a = c.asset(f.asset);
  std::string t = a != nullptr ? c.describe(*a) : f.asset;
  std::string cves;
  for (const auto& k : f.vuln.cves) cves += (cves.empty() ? "" : ",") + k;
  t += fmt::format(": {} {}; {}", f.vuln.advisory, f.vuln.title, cves);
  if (f.vuln.cvss >= 0) t += fmt::format("; CVSS {:.1f}", f.vuln.cvss);
  t += "; " + f.vuln.confidence + "; state " + (f.vuln.state.empty() ? std::string("open") : f.vuln.state);
  if (!f.comment.empty()) t += " (" + f.comment + ")";
  return t;
}

void build_3_2(const Ctx& c, ItemReport& r) {
  std::uint64_t versioned = 0, eos = 0;
  for (const Asset* a : c.plant) {
    std::string t;
    for (string_view f : {"os", "product", "revision", "description"})
      if (const FactRecord* v = Ledger::best(*a, f)) t += fmt::format("{}{} {} ({})", t.empty() ? "" : "; ", f, v->value, v->source);
    // A version: a revision, or an OS named by a protocol (a TCP fingerprint's guess is not one).
    const bool has_version =
        Ledger::best(*a, "revision") != nullptr ||
        std::any_of(a->facts.begin(), a->facts.end(),
                    [](const FactRecord& f) { return f.field == "os" && f.source != "tcp_fingerprint"; });
    const auto matches = end_of_support_matches(*a);
    if (!has_version && matches.empty()) continue;
    ++versioned;
    r.evidence.push_back({"version", a->id, label(*a) + ": " + t});
    if (!matches.empty()) ++eos;
    for (const auto& m : matches)
      r.evidence.push_back({"eos", a->id,
                            fmt::format("{}: {} {} since {} ({} \"{}\"; source: {})", label(*a), m.row->label,
                                        m.row->status, m.row->date, m.field, m.value, m.row->source)});
  }
  // Published advisories matched to the devices, with the plant's remediation
  // state: a compensation (代替策) counts as the item's alternative measure.
  std::map<std::string, std::uint64_t> states;
  for (string_view st : {"open", "in_progress", "compensated", "remediated", "not_affected"}) states[std::string(st)] = 0;
  std::uint64_t vulnerable = 0, unremediated = 0;
  if (c.in.findings != nullptr)
    for (const Finding& f : *c.in.findings) {
      if (f.type != "vulnerable") continue;
      ++vulnerable;
      const std::string st = f.vuln.state.empty() ? "open" : f.vuln.state;
      ++states[st];
      if (st == "open" || st == "in_progress") ++unremediated;
      if (!f.acknowledged) r.findings.push_back(f);
      r.evidence.push_back({"advisory", f.id, advisory_line(c, f)});
    }
  r.stats.has_data = versioned > 0 || vulnerable > 0;
  r.stats.count = versioned;
  r.stats.open = eos;
  r.stats.unremediated = unremediated;
  r.counts = {{"assets_with_versions", versioned},  {"end_of_support", eos},
              {"advisory_matches", vulnerable},      {"advisory_open", states["open"]},
              {"advisory_in_progress", states["in_progress"]}, {"advisory_compensated", states["compensated"]},
              {"advisory_remediated", states["remediated"]},   {"advisory_not_affected", states["not_affected"]}};
  r.params["count"] = std::to_string(versioned);
  r.params["open"] = std::to_string(eos);
  r.params["vulnerable"] = std::to_string(vulnerable);
  r.params["unremediated"] = std::to_string(unremediated);
  r.params["compensated"] = std::to_string(states["compensated"]);
  r.params["remediated"] = std::to_string(states["remediated"] + states["not_affected"]);
}

// 2-8 and 4-3: the devices matched to published advisories, as input for the
// plant's vulnerability assessment and its handling of vulnerability notices.
void build_advisory_input(const Ctx& c, ItemReport& r) {
  std::set<std::string> assets;
  std::uint64_t confirmed = 0, possible = 0;
  if (c.in.findings != nullptr)
    for (const Finding& f : *c.in.findings) {
      if (f.type != "vulnerable") continue;
      assets.insert(f.asset);
      (f.vuln.confidence == "confirmed" ? confirmed : possible) += 1;
      r.evidence.push_back({"advisory", f.id, advisory_line(c, f)});
    }
  r.stats.has_policy = c.in.advisories > 0;
  r.stats.count = assets.size();
  r.counts = {{"advisories_imported", c.in.advisories},
              {"assets_matched", assets.size()},
              {"matches_confirmed", confirmed},
              {"matches_possible", possible}};
  r.params["advisories"] = std::to_string(c.in.advisories);
  r.params["count"] = std::to_string(assets.size());
  r.params["confirmed"] = std::to_string(confirmed);
  r.params["possible"] = std::to_string(possible);
}

void build_3_3(const Ctx& c, ItemReport& r) {
  std::uint64_t hosts = 0, cleartext = 0;
  for (const Asset* a : c.plant) {
    if (!listed(kControlHosts, c.cls.at(a->id))) continue;
    ++hosts;
    std::map<std::string, std::set<std::string>> served;  // "proto/port" -> clients
    bool clear = false;
    for (const EdgeIndex i : c.links.edges_of(c.ledger.index_of(*a))) {
      const Edge* e = &c.ledger.edges()[i];
      if (e->to_id != a->id) continue;
      // "modbus/tcp 502" when a dissector confirmed the protocol, else "tcp 23".
      const std::string svc = e->protocol == e->transport ? fmt::format("{} {}", e->transport, e->port)
                                                          : fmt::format("{}/{} {}", e->protocol, e->transport, e->port);
      served[svc].insert(c.peer(e->from_id));
      clear = clear || is_cleartext_login(*e);
    }
    if (clear) ++cleartext;
    std::string t = c.describe(*a) + ": ";
    if (served.empty()) t += "serves nothing observed";
    bool first = true;
    for (const auto& [svc, clients] : served) {
      t += fmt::format("{}{} ({} client{})", first ? "serves " : ", ", svc, clients.size(), clients.size() == 1 ? "" : "s");
      first = false;
    }
    r.evidence.push_back({"service", a->id, t});
  }
  r.stats.has_data = hosts > 0;
  r.stats.count = hosts;
  r.stats.open = cleartext;
  r.counts = {{"control_hosts", hosts}, {"cleartext_login_hosts", cleartext}};
  r.params["count"] = std::to_string(hosts);
  r.params["open"] = std::to_string(cleartext);
}

void build_3_5(const Ctx& c, ItemReport& r) {
  const ZonePolicy* z = c.in.zones;
  const bool zones = z != nullptr && !z->zones.empty();
  std::set<std::string> segments;
  for (const Asset* a : c.plant) {
    std::string vl, nets, zs;
    for (auto v : a->vlans) {
      if (v == 0) continue;
      vl += (vl.empty() ? "" : ",") + std::to_string(v);
      segments.insert("vlan:" + std::to_string(v));
    }
    for (const auto& ip : a->ips) {
      if (!ip.ip.is_v4() || ip.ip.is_link_local()) continue;
      const std::uint32_t v = ip.ip.v4_value() & 0xffffff00U;
      const std::string net = fmt::format("{}.{}.{}.0/24", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff);
      if (nets.find(net) == std::string::npos) nets += (nets.empty() ? "" : ",") + net;
      if (vl.empty()) segments.insert("subnet:" + net);
    }
    if (zones)
      for (const auto& n : z->zones_of(*a)) zs += (zs.empty() ? "" : ",") + n;
    if (!a->parent_id.empty()) continue;
    r.evidence.push_back({"segment", a->id,
                          fmt::format("{}: zones {}; vlans {}; subnets {}", label(*a), zs.empty() ? "-" : zs,
                                      vl.empty() ? "-" : vl, nets.empty() ? "-" : nets)});
  }
  add_findings(r, c.in, "3-5");
  r.stats.has_policy = zones;
  r.stats.count = segments.size();
  r.stats.open = r.findings.size();
  r.counts = {{"zones_defined", zones ? z->zones.size() : 0},
              {"segments_observed", segments.size()},
              {"cross_zone_open", r.stats.open}};
  r.params["segments"] = std::to_string(segments.size());
  r.params["open"] = std::to_string(r.stats.open);
}

void build_3_6(const Ctx& c, ItemReport& r) {
  std::uint64_t sessions = 0;
  for (const Edge* e : c.edges) {
    if (!is_remote_access(*e)) continue;
    const Asset* from = c.asset(e->from_id);
    const Asset* to = c.asset(e->to_id);
    if (from == nullptr || to == nullptr) continue;
    ++sessions;
    r.evidence.push_back({"remote", e->id, edge_text(c, *e) + (is_external(*from) || is_external(*to) ? "; external" : "")});
  }
  const std::uint64_t paths = count_findings(c.in, "remote_access", false);
  add_findings(r, c.in, "3-6");
  r.stats.applicable = sessions > 0 || paths > 0;
  r.stats.count = paths;
  r.stats.open = r.findings.size();
  r.counts = {{"remote_sessions", sessions}, {"remote_access_paths", paths}, {"undeclared_open", r.stats.open}};
  r.params["paths"] = std::to_string(paths);
  r.params["open"] = std::to_string(r.stats.open);
}

void build_3_7(const Ctx& c, ItemReport& r) {
  std::uint64_t writes = 0, controls = 0;
  for (const Edge* e : c.edges)
    for (const auto& op : e->ops) {
      writes += op.is_write ? 1 : 0;
      controls += op.is_control ? 1 : 0;
    }
  const ReviewFacts& f = c.in.review.facts;
  r.evidence.push_back({"detection", "",
                        fmt::format("live capture {:.1f}% of {} to {}; {} packets, {} dropped; {} scheduled snapshots "
                                    "of {} slots; snapshots stored: {}",
                                    coverage_percent(c.in.review), format_time_us(f.from_us),
                                    format_time_us(f.to_us), f.packets, f.drops, f.scheduled, c.in.review.slots,
                                    c.in.snapshots)});
  add_findings(r, c.in, "3-7");
  r.stats.has_data = !c.ledger.assets().empty();
  r.stats.count = c.ledger.assets().size();
  r.stats.open = r.findings.size();
  r.counts = {{"write_operations", writes},
              {"control_operations", controls},
              {"insecure_open", count_findings(c.in, "insecure", true)},
              {"new_writer_open", count_findings(c.in, "new_writer", true)},
              {"control_open", count_findings(c.in, "control", true)}};
  r.params["open"] = std::to_string(r.stats.open);
}

void build_4_5(const Ctx& c, ItemReport& r) {
  std::uint64_t fresh = 0;
  for (const Asset* a : c.plant) fresh += a->first_us >= c.in.new_since_us ? 1 : 0;
  const std::string since = c.in.new_since_us ? format_time_us(c.in.new_since_us) : std::string("TIME");
  r.evidence.push_back({"pointer", "", "mieruka report acceptance --since " + since});
  r.stats.count = fresh;
  r.counts = {{"new_devices", fresh}};
  r.params["count"] = std::to_string(fresh);
}

std::string level_label(Lang lang, const std::optional<int>& level) {
  if (!level) return std::string(msg(lang, "level.none"));
  return std::string(msg(lang, "level." + std::to_string(*level)));
}

std::string s(std::string_view v) { return sanitize_utf8(v); }

}  // namespace

bool periodic_review(const ReviewEvidence& e) noexcept {
  const ReviewFacts& f = e.facts;
  return !e.schedule.empty() && e.slots >= kMinSlots &&
         static_cast<double>(f.scheduled) >= kMinSlotsTaken * static_cast<double>(e.slots) && e.channels > 0 &&
         f.diffs_delivered == f.diffs_queued;
}

bool continuous_monitoring(const ReviewEvidence& e) noexcept {
  const ReviewFacts& f = e.facts;
  return periodic_review(e) && coverage_percent(e) >= 100.0 * kMinCoverage && drop_rate(f) <= kMaxDropRate &&
         f.alerts_delivered == f.alerts_queued;
}

bool live_monitoring(const ReviewEvidence& e) noexcept { return e.facts.monitored_us > 0; }

std::string review_shortfall(const ReviewEvidence& e, Lang lang) {
  const ReviewFacts& f = e.facts;
  string_view key;
  if (e.schedule.empty()) key = "shortfall.no_schedule";
  else if (e.slots < kMinSlots) key = "shortfall.short_period";
  else if (static_cast<double>(f.scheduled) < kMinSlotsTaken * static_cast<double>(e.slots)) key = "shortfall.missed";
  else if (e.channels == 0) key = "shortfall.no_channel";
  else if (f.diffs_delivered != f.diffs_queued) key = "shortfall.diffs_undelivered";
  else if (coverage_percent(e) < 100.0 * kMinCoverage) key = "shortfall.coverage";
  else if (drop_rate(f) > kMaxDropRate) key = "shortfall.drops";
  else if (f.alerts_delivered != f.alerts_queued) key = "shortfall.alerts_undelivered";
  else return {};
  return fill(std::string(msg(lang, key)), review_params(e));
}

const std::vector<LevelRule>& level_rules() { return kLevelRules; }

const LevelRule& apply_level_rules(std::string_view item, const ItemStats& st) {
  const LevelRule* last = nullptr;
  for (const auto& r : kLevelRules) {
    if (r.item != item) continue;
    last = &r;
    if (r.when(st)) return r;
  }
  static const LevelRule kNone{"", std::nullopt, "no_evidence", [](const ItemStats&) { return true; }};
  return last != nullptr ? *last : kNone;
}

Checklist build_checklist(const ChecklistInput& in) {
  Checklist out;
  const Ledger& ledger = *in.ledger;
  const AssetLinks links(ledger);
  Ctx c{in, ledger, {}, {}, {}, {}, links};
  for (const auto& a : ledger.assets()) {
    c.by_id[a.id] = &a;
    c.cls[a.id] = classify(ledger, a, links).device_class;
    if (!is_external(a)) c.plant.push_back(&a);
  }
  for (const auto& e : ledger.edges())
    if (e.merged_into == kNoEdge) c.edges.push_back(&e);
  out.topology = build_topology(ledger, {in.zones, in.findings});

  for (const auto& [id, direct] : kItems) {
    ItemReport r;
    r.id = std::string(id);
    r.direct = direct;
    if (id == "2-3") build_2_3(c, r);
    else if (id == "2-6") build_2_6(c, r, out.topology);
    else if (id == "2-7") build_2_7(c, r);
    else if (id == "2-12") build_2_12(c, r);
    else if (id == "3-2") build_3_2(c, r);
    else if (id == "2-8" || id == "4-3") build_advisory_input(c, r);
    else if (id == "3-3") build_3_3(c, r);
    else if (id == "3-5") build_3_5(c, r);
    else if (id == "3-6") build_3_6(c, r);
    else if (id == "3-7") build_3_7(c, r);
    else build_4_5(c, r);
    r.stats.snapshots = in.snapshots;
    r.stats.live = live_monitoring(in.review);
    r.stats.periodic = periodic_review(in.review);
    r.stats.continuous = continuous_monitoring(in.review);
    r.params["snapshots"] = std::to_string(in.snapshots);
    for (auto& [k, v] : review_params(in.review)) r.params.emplace(k, std::move(v));
    const LevelRule& rule = apply_level_rules(id, r.stats);
    r.level = rule.level;
    r.rule = std::string(rule.id);
    out.items.push_back(std::move(r));
  }
  return out;
}

std::string rule_text(Lang lang, const ItemReport& r) { return fill(std::string(msg(lang, "rule." + r.rule)), r.params); }

ordered_json checklist_json(const Checklist& c, const ChecklistInput& in, Lang lang) {
  ordered_json j;
  j["schema"] = kChecklistSchema;
  j["generated_at"] = format_time_us(in.generated_us);
  j["lang"] = lang_code(lang);
  j["sensor_name"] = s(in.sensor_name);
  j["guideline"] = msg(lang, "checklist.guideline");
  std::int64_t from = 0, until = 0;
  for (const auto& a : in.ledger->assets()) {
    if (a.first_us != 0 && (from == 0 || a.first_us < from)) from = a.first_us;
    until = std::max(until, a.last_us);
  }
  std::size_t links = 0;
  for (const auto& e : in.ledger->edges()) links += e.merged_into == kNoEdge ? 1 : 0;
  auto time_or_null = [](std::int64_t us) { return us ? ordered_json(format_time_us(us)) : ordered_json(); };
  j["db"] = {{"path", s(in.db_path)},
             {"assets", in.ledger->assets().size()},
             {"links", links},
             {"snapshots", in.snapshots},
             {"last_snapshot", time_or_null(in.last_snapshot_us)},
             {"observed_from", time_or_null(from)},
             {"observed_until", time_or_null(until)},
             {"live_monitoring", live_monitoring(in.review)}};
  {
    const ReviewEvidence& ev = in.review;
    const ReviewFacts& f = ev.facts;
    j["review"] = {{"from", time_or_null(f.from_us)},
                   {"to", time_or_null(f.to_us)},
                   {"schedule", ev.schedule.empty() ? ordered_json() : ordered_json(s(ev.schedule))},
                   {"slots", ev.slots},
                   {"scheduled_snapshots", f.scheduled},
                   {"first_scheduled_snapshot", time_or_null(f.first_scheduled_us)},
                   {"channels", ev.channels},
                   {"diffs_queued", f.diffs_queued},
                   {"diffs_delivered", f.diffs_delivered},
                   {"monitored_seconds", f.monitored_us / 1'000'000},
                   {"coverage_percent", std::round(coverage_percent(ev) * 10) / 10},
                   {"packets", f.packets},
                   {"drops", f.drops},
                   {"alerts_queued", f.alerts_queued},
                   {"alerts_delivered", f.alerts_delivered},
                   {"periodic", periodic_review(ev)},
                   {"continuous", continuous_monitoring(ev)},
                   {"shortfall", s(review_shortfall(ev, lang))}};
  }
  j["new_since"] = {{"time", time_or_null(in.new_since_us)}, {"basis", s(in.new_since_basis)}};
  j["policy"] = {{"approved_list", in.approved ? ordered_json(s(in.approved->path)) : ordered_json()},
                 {"approved_entries", in.approved ? in.approved->entries.size() : 0},
                 {"wireless_allow_list", in.wireless != nullptr},
                 {"wireless_entries", in.wireless ? in.wireless->entries.size() : 0},
                 {"zones", in.zones ? in.zones->zones.size() : 0}};
  auto items = ordered_json::array();
  for (const auto& r : c.items) {
    ordered_json it;
    it["id"] = r.id;
    it["evidence_kind"] = r.direct ? "direct" : "supporting";
    it["text"] = {{"ja", msg(Lang::ja, "item." + r.id)}, {"en", msg(Lang::en, "item." + r.id)}};
    it["level"] = r.level ? ordered_json(*r.level) : ordered_json();
    it["level_label"] = level_label(lang, r.level);
    it["rule"] = {{"id", r.rule}, {"text", s(rule_text(lang, r))}};
    ordered_json counts = ordered_json::object();
    for (const auto& [k, v] : r.counts) counts[k] = v;
    it["counts"] = counts;
    auto ev = ordered_json::array();
    for (const auto& e : r.evidence)
      ev.push_back({{"kind", e.kind}, {"ref", e.ref.empty() ? ordered_json() : ordered_json(s(e.ref))}, {"text", s(e.text)}});
    it["evidence"] = ev;
    it["findings"] = findings_json(r.findings);
    items.push_back(std::move(it));
  }
  j["items"] = items;
  j["assets"] = assets_json(*in.ledger);
  j["topology"] = topology_json(c.topology);
  return j;
}

std::string checklist_csv(const Checklist& c, const ChecklistInput& /*in*/, Lang lang) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 BOM: Excel reads Japanese correctly
  auto row = [&](std::initializer_list<std::string> cells) {
    bool first = true;
    for (const auto& cell : cells) {
      if (!first) out += ',';
      first = false;
      out += csv_cell(cell);
    }
    out += "\r\n";
  };
  row({std::string(msg(lang, "col.item")), std::string(msg(lang, "col.level")), std::string(msg(lang, "col.rule")),
       std::string(msg(lang, "col.kind")), std::string(msg(lang, "col.ref")), std::string(msg(lang, "col.detail"))});
  for (const auto& r : c.items) {
    const std::string level = r.level ? std::to_string(*r.level) : std::string();
    const std::string rule = rule_text(lang, r);
    row({r.id, level, rule, "text", "", std::string(msg(lang, "item." + r.id))});
    for (const auto& [k, v] : r.counts) row({r.id, level, rule, "count", k, std::to_string(v)});
    for (const auto& e : r.evidence) row({r.id, level, rule, e.kind, e.ref, e.text});
  }
  return out;
}

std::string inline_svg(std::string_view svg) {
  std::string v(svg);
  // Drop everything before the <svg element (XML declaration, DOCTYPE, comments).
  std::size_t start = v.find("<svg");
  if (start == std::string::npos) return {};
  v.erase(0, start);
  for (std::size_t p = v.find("<!--"); p != std::string::npos; p = v.find("<!--", p)) {
    const std::size_t e = v.find("-->", p + 4);
    v.erase(p, e == std::string::npos ? std::string::npos : e + 3 - p);
  }
  auto lower = [](std::string x) {
    for (auto& ch : x) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    return x;
  };
  // Inspect every tag: its name and its attribute names.
  for (std::size_t p = v.find('<'); p != std::string::npos; p = v.find('<', p + 1)) {
    const std::size_t e = v.find('>', p);
    if (e == std::string::npos) return {};
    const std::string tag = lower(v.substr(p + 1, e - p - 1));
    std::size_t n = tag[0] == '/' ? 1 : 0;
    std::size_t ne = n;
    while (ne < tag.size() && tag[ne] != ' ' && tag[ne] != '\t' && tag[ne] != '\n' && tag[ne] != '/') ++ne;
    const std::string name = tag.substr(n, ne - n);
    if (name == "script" || name == "foreignobject" || name == "iframe" || name == "object" || name == "embed" ||
        name == "!doctype" || name.rfind("?", 0) == 0)
      return {};
    if (tag.find("javascript:") != std::string::npos) return {};
    // An attribute whose name starts with "on" after whitespace, outside quotes.
    bool quote = false;
    char q = 0;
    for (std::size_t i = ne; i + 2 < tag.size(); ++i) {
      const char ch = tag[i];
      if (quote) {
        if (ch == q) quote = false;
        continue;
      }
      if (ch == '"' || ch == '\'') {
        quote = true;
        q = ch;
        continue;
      }
      if ((ch == ' ' || ch == '\t' || ch == '\n') && tag[i + 1] == 'o' && tag[i + 2] == 'n') return {};
    }
  }
  return v;
}

namespace {

constexpr std::string_view kCss = R"css(
body{font-family:"Noto Sans CJK JP","Noto Sans JP",sans-serif;margin:2em;color:#222;font-size:11pt}
h1{font-size:18pt;border-bottom:3px solid #234;padding-bottom:.2em}h2{font-size:14pt;margin-top:1.6em;border-bottom:1px solid #889}
h3{font-size:12pt;margin:.2em 0}table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border:1px solid #aab;padding:.2em .4em;vertical-align:top;text-align:left;word-break:break-all}th{background:#eef}
.item{border:1px solid #99a;padding:.6em;margin:1em 0;page-break-inside:avoid}.level{font-weight:bold;padding:.1em .5em;border-radius:3px;background:#ddd}
.l1{background:#f99}.l2{background:#fc9}.l3{background:#ffd}.l4{background:#cfc}.l5{background:#9e9}
.note{color:#555;font-size:10pt}.diagram svg{max-width:100%;height:auto}
@media print{body{margin:0}.item{page-break-inside:avoid}}
)css";

}  // namespace

std::string checklist_html(const Checklist& c, const ChecklistInput& in, Lang lang, const std::string& svg) {
  auto m = [&](string_view key) { return html_escape(msg(lang, key)); };
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"" + std::string(lang_code(lang)) + "\"><head><meta charset=\"utf-8\">";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  h += "<title>" + m("checklist.title") + "</title><style>" + std::string(kCss) + "</style></head><body>\n";
  h += "<h1>" + m("checklist.title") + "</h1>\n<p>" + m("checklist.guideline") + "</p>\n<p class=\"note\">" +
       m("checklist.disclaimer") + "</p>\n";

  // Summary.
  std::size_t links = 0;
  for (const auto& e : in.ledger->edges()) links += e.merged_into == kNoEdge ? 1 : 0;
  auto kv = [&](string_view key, const std::string& value) {
    h += "<tr><th>" + m(key) + "</th><td>" + html_escape(value) + "</td></tr>\n";
  };
  h += "<section id=\"summary\"><h2>" + m("section.summary") + "</h2><table>\n";
  kv("label.generated_at", format_time_us(in.generated_us));
  kv("label.sensor", in.sensor_name);
  kv("label.database", in.db_path);
  kv("label.assets", std::to_string(in.ledger->assets().size()));
  kv("label.links", std::to_string(links));
  kv("label.snapshots", std::to_string(in.snapshots));
  kv("label.last_snapshot", in.last_snapshot_us ? format_time_us(in.last_snapshot_us) : "-");
  kv("label.review_period", format_time_us(in.review.facts.from_us) + " – " + format_time_us(in.review.facts.to_us));
  kv("label.periodic_review", review_sentence(in.review, lang));
  kv("label.live_monitoring", monitoring_sentence(in.review, lang));
  if (const std::string why = review_shortfall(in.review, lang); !why.empty()) kv("label.review_shortfall", why);
  kv("label.new_since", (in.new_since_us ? format_time_us(in.new_since_us) : "-") + " (" + in.new_since_basis + ")");
  h += "</table>\n<table><tr><th>" + m("col.item") + "</th><th>" + m("col.level") + "</th><th>" + m("col.rule") +
       "</th></tr>\n";
  for (const auto& r : c.items)
    h += "<tr><td><a href=\"#item-" + r.id + "\">" + r.id + "</a></td><td>" + html_escape(level_label(lang, r.level)) +
         "</td><td>" + html_escape(rule_text(lang, r)) + "</td></tr>\n";
  h += "</table></section>\n";

  // Items.
  h += "<section id=\"items\"><h2>" + m("section.items") + "</h2>\n";
  for (const auto& r : c.items) {
    const std::string cls = r.level ? " l" + std::to_string(*r.level) : std::string();
    h += "<div class=\"item\" id=\"item-" + r.id + "\"><h3>" + r.id + " <span class=\"note\">(" +
         m(r.direct ? "label.direct" : "label.supporting") + ")</span></h3>\n";
    h += "<p>" + m("item." + r.id) + "</p>\n";
    h += "<p><span class=\"level" + cls + "\">" + html_escape(level_label(lang, r.level)) + "</span> " +
         html_escape(rule_text(lang, r)) + "</p>\n";
    h += "<table><tr><th>" + m("col.kind") + "</th><th>" + m("col.count") + "</th></tr>\n";
    for (const auto& [k, v] : r.counts) h += "<tr><td>" + html_escape(k) + "</td><td>" + std::to_string(v) + "</td></tr>\n";
    h += "</table>\n";
    if (!r.evidence.empty()) {
      h += "<table><tr><th>" + m("col.kind") + "</th><th>" + m("col.ref") + "</th><th>" + m("col.evidence") +
           "</th></tr>\n";
      for (const auto& e : r.evidence)
        h += "<tr><td>" + m("ev." + e.kind) + "</td><td>" + html_escape(e.ref) + "</td><td>" + html_escape(e.text) +
             "</td></tr>\n";
      h += "</table>\n";
    }
    h += "</div>\n";
  }
  h += "</section>\n";

  // Open findings.
  h += "<section id=\"findings\"><h2>" + m("section.findings") + "</h2><table><tr><th>ID</th><th>" + m("col.type") +
       "</th><th>" + m("col.item") + "</th><th>" + m("col.severity") + "</th><th>" + m("col.mac") + "</th><th>" +
       m("col.ip") + "</th><th>" + m("col.evidence") + "</th></tr>\n";
  if (in.findings != nullptr)
    for (const auto& f : *in.findings) {
      if (f.acknowledged) continue;
      // The type's name and the evidence in the report's language (the one catalog, evidence.hpp).
      h += "<tr><td>" + html_escape(f.id) + "</td><td>" +
           html_escape(std::string(finding_type_name(f.type, lang_code(lang)))) + "</td><td>" + html_escape(f.item) +
           "</td><td>" + html_escape(f.severity) + "</td><td>" + html_escape(f.mac) + "</td><td>" + html_escape(f.ip) +
           "</td><td>" + html_escape(evidence_text(f, lang_code(lang))) + "</td></tr>\n";
    }
  h += "</table></section>\n";

  // Ledger.
  h += "<section id=\"ledger\"><h2>" + m("section.ledger") + "</h2><table><tr>";
  // Location and owner come from the approved list (asset_json's approved_entry).
  for (string_view col : {"col.mac", "col.ip", "col.vendor", "col.product", "col.revision", "col.serial", "col.name",
                          "col.location", "col.owner", "col.class", "col.protocols", "col.first_seen", "col.last_seen"})
    h += "<th>" + m(col) + "</th>";
  h += "</tr>\n";
  const AssetLinks by_asset(*in.ledger);
  for (const auto& a : in.ledger->assets()) {
    const ordered_json j = asset_json(*in.ledger, a, &by_asset);
    auto cell = [&](const char* k) {
      const auto& v = j[k];
      if (v.is_string()) return html_escape(v.get<std::string>());
      if (v.is_array()) {
        std::string t;
        for (const auto& x : v) t += (t.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
        return html_escape(t);
      }
      return v.is_null() ? std::string() : html_escape(v.dump());
    };
    h += "<tr>";
    for (const char* k : {"mac", "ips", "vendor", "product", "revision", "serial", "name", "location", "owner", "class",
                          "protocols", "first_seen", "last_seen"}) {
      const bool listed = std::string_view(k) == "location" || std::string_view(k) == "owner";
      const auto e = j.find("approved_entry");
      if (listed) h += "<td>" + (e != j.end() && (*e)[k].is_string() ? html_escape((*e)[k].get<std::string>()) : "") + "</td>";
      else h += "<td>" + cell(k) + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</table></section>\n";

  // Diagram.
  h += "<section id=\"topology\"><h2>" + m("section.topology") + "</h2><div class=\"diagram\">";
  const std::string safe = inline_svg(svg);
  h += safe.empty() ? "<p class=\"note\">" + m("topology.unavailable") + "</p>" : safe;
  h += "</div></section>\n</body></html>\n";
  return h;
}

}  // namespace mieruka::inventory
