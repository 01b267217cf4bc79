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
#include "inventory/policy/policy.hpp"
#include "inventory/report/eos_table.hpp"
#include "inventory/policy/local_time.hpp"
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
std::string label(const Asset& a) { return named_label(a); }  // the plant's name too, when listed
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
  // A device as evidence (kind "cl.device" of the catalog, evidence.cpp): its
  // label, addresses, class, maker, product and name.
  nlohmann::json describe(const Asset& a) const {
    nlohmann::json d = {{"kind", "cl.device"}, {"device", label(a)}, {"class", cls.at(a.id)}};
    const std::string ip = ips_text(a);
    if (a.mac && !ip.empty()) d["ip"] = ip;
    auto facts = nlohmann::json::array();
    for (string_view f : {"vendor", "product", "name"})
      if (const FactRecord* r = Ledger::best(a, f)) facts.push_back({{"kind", "cl." + std::string(f)}, {"value", r->value}});
    d["facts"] = std::move(facts);
    return d;
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

// An evidence line from a kind of the catalog (evidence.cpp) and its values:
// its text is the English rendering, every report renders `values` in its
// language (line_text).
EvidenceLine line(std::string kind, std::string ref, const nlohmann::json& values) {
  std::string text = render_evidence(values.value("kind", std::string()), values, "en");
  const std::vector<std::uint8_t> packed = nlohmann::json::to_msgpack(values);
  return {std::move(kind), std::move(ref), std::move(text), std::string(packed.begin(), packed.end())};
}

void add_findings(ItemReport& r, const ChecklistInput& in, string_view item) {
  if (in.findings == nullptr) return;
  for (const auto& f : *in.findings) {
    if (f.item != item || f.acknowledged) continue;
    r.findings.push_back(f);
    nlohmann::json ev = f.evidence_kind.empty() ? nlohmann::json(f.evidence) : f.evidence_values();
    if (!f.evidence_kind.empty()) ev["kind"] = f.evidence_kind;
    r.evidence.push_back(line("finding", f.id, {{"kind", "cl.finding"}, {"type", {{"kind", "type." + f.type}}}, {"evidence", std::move(ev)}}));
  }
}

std::uint64_t count_findings(const ChecklistInput& in, string_view type, bool open_only) {
  if (in.findings == nullptr) return 0;
  return static_cast<std::uint64_t>(std::count_if(in.findings->begin(), in.findings->end(), [&](const Finding& f) {
    return f.type == type && (!open_only || !f.acknowledged);
  }));
}

nlohmann::json edge_values(const Ctx& c, const Edge& e, bool external = false) {
  return {{"kind", external ? "cl.edge_external" : "cl.edge"},
          {"from", c.peer(e.from_id)},
          {"to", c.peer(e.to_id)},
          {"protocol", e.protocol},
          {"port", e.port},
          {"packets", e.packets},
          {"first", format_local_time(e.first_us, c.in.time_zone)},
          {"last", format_local_time(e.last_us, c.in.time_zone)}};
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
    r.evidence.push_back(line("external", e->id, edge_values(c, *e)));
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
                                        e.name),
                            {}, e.line});  // the approved list's own words
    }
  }
  r.evidence.push_back(line("diagram", "",
                            {{"kind", "cl.diagram"},
                             {"nodes", topo.nodes.size()},
                             {"edges", topo.edges.size()},
                             {"clusters", topo.clusters.size()},
                             {"grouping", {{"kind", "grouping." + topo.grouping}}}}));
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
    r.evidence.push_back(line(listed ? "wireless_listed" : "wireless_unlisted", a->id, c.describe(*a)));
  }
  if (c.in.wireless != nullptr) {
    for (const auto& e : c.in.wireless->entries) {
      if (seen_macs.count(e.mac.to_string()) != 0) continue;
      // A listed MAC present on the wire but not classed wireless still counts as seen.
      if (c.ledger.find(e.mac.to_string()) != nullptr) continue;
      ++listed_unseen;
      r.evidence.push_back({"wireless_unseen", fmt::format("line {}", e.line),
                            fmt::format("{} {} {}", e.mac.to_string(), e.ssid, e.name), {}, e.line});  // the list's own words
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
    nlohmann::json t = {{"kind", "cl.new_device"}, {"first", format_local_time(a->first_us, c.in.time_zone)}, {"device", c.describe(*a)}};
    if (c.in.approved != nullptr) t["approved"] = {{"kind", ok ? "cl.approved" : "cl.not_approved"}};
    r.evidence.push_back(line("new_device", a->id, std::move(t)));
  }
  r.stats.has_data = count > 0;
  r.stats.has_policy = c.in.approved != nullptr;
  r.stats.count = count;
  r.stats.open = c.in.approved != nullptr ? unapproved : 0;
  r.counts = {{"new_devices", count}, {"new_not_approved", r.stats.open}};
  r.params["count"] = std::to_string(count);
  r.params["open"] = std::to_string(r.stats.open);
  r.params["since"] = format_local_time(c.in.new_since_us, c.in.time_zone);
}

// "label (ip): ICSA-.. title; CVE..; CVSS 9.8; confirmed; state compensated (comment)"
nlohmann::json advisory_line(const Ctx& c, const Finding& f) {
  const Asset* a = c.asset(f.asset);
  nlohmann::json t = {{"kind", "cl.advisory"},
                      {"device", a != nullptr ? c.describe(*a) : nlohmann::json(f.asset)},
                      {"advisory", f.vuln.advisory},
                      {"title", f.vuln.title},
                      {"cves", f.vuln.cves},
                      {"comment", f.comment}};
  if (f.vuln.cvss >= 0) t["cvss"] = fmt::format("{:.1f}", f.vuln.cvss);
  const std::string& conf = f.vuln.confidence;
  t["confidence"] = conf == "confirmed" || conf == "possible" ? nlohmann::json{{"kind", "confidence." + conf}}
                                                              : nlohmann::json(conf);
  const std::string st = f.vuln.state.empty() ? std::string("open") : f.vuln.state;
  t["state"] = st == "open" || is_remediation_state(st) ? nlohmann::json{{"kind", "state." + st}} : nlohmann::json(st);
  return t;
}

void build_3_2(const Ctx& c, ItemReport& r) {
  std::uint64_t versioned = 0, eos = 0;
  for (const Asset* a : c.plant) {
    auto t = nlohmann::json::array();
    for (string_view f : {"os", "product", "revision", "description"})
      if (const FactRecord* v = Ledger::best(*a, f))
        t.push_back({{"kind", "cl.version." + std::string(f)}, {"value", v->value}, {"source", v->source}});
    // A version: a revision, or an OS named by a protocol (a TCP fingerprint's guess is not one).
    const bool has_version =
        Ledger::best(*a, "revision") != nullptr ||
        std::any_of(a->facts.begin(), a->facts.end(),
                    [](const FactRecord& f) { return f.field == "os" && f.source != "tcp_fingerprint"; });
    const auto matches = end_of_support_matches(*a);
    if (!has_version && matches.empty()) continue;
    ++versioned;
    r.evidence.push_back(line("version", a->id, {{"kind", "cl.version"}, {"device", label(*a)}, {"facts", std::move(t)}}));
    if (!matches.empty()) ++eos;
    for (const auto& m : matches)
      r.evidence.push_back(line("eos", a->id,
                                {{"kind", "cl.eos"},
                                 {"device", label(*a)},
                                 {"product", m.row->label},
                                 {"status", m.row->status == "end_of_support"
                                                ? nlohmann::json{{"kind", "cl.end_of_support"}}
                                                : nlohmann::json(m.row->status)},
                                 {"date", m.row->date},
                                 {"field", m.field},
                                 {"value", m.value},
                                 {"source", m.row->source}}));
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
      r.evidence.push_back(line("advisory", f.id, advisory_line(c, f)));
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
      r.evidence.push_back(line("advisory", f.id, advisory_line(c, f)));
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
    auto services = nlohmann::json::array();
    for (const auto& [svc, clients] : served)
      services.push_back({{"kind", clients.size() == 1 ? "cl.client" : "cl.clients"}, {"service", svc}, {"count", clients.size()}});
    r.evidence.push_back(line("service", a->id,
                              {{"kind", served.empty() ? "cl.serves_nothing" : "cl.serves"},
                               {"device", c.describe(*a)},
                               {"services", std::move(services)}}));
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
    r.evidence.push_back(line("segment", a->id,
                              {{"kind", "cl.segment"},
                               {"device", label(*a)},
                               {"zones", zs.empty() ? "-" : zs},
                               {"vlans", vl.empty() ? "-" : vl},
                               {"subnets", nets.empty() ? "-" : nets}}));
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
    r.evidence.push_back(line("remote", e->id, edge_values(c, *e, is_external(*from) || is_external(*to))));
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
  // The capture's coverage: a fleet's per sensor (the line's ref names it).
  auto detection = [&](const std::string& ref, const ReviewEvidence& ev, std::size_t snapshots) {
    const ReviewFacts& f = ev.facts;
    r.evidence.push_back(line("detection", ref,
                              {{"kind", "cl.detection"},
                               {"coverage", fmt::format("{:.1f}", coverage_percent(ev))},
                               {"from", format_local_time(f.from_us, c.in.time_zone)},
                               {"to", format_local_time(f.to_us, c.in.time_zone)},
                               {"packets", f.packets},
                               {"drops", f.drops},
                               {"scheduled", f.scheduled},
                               {"slots", ev.slots},
                               {"snapshots", snapshots}}));
  };
  if (c.in.fleet.empty()) detection("", c.in.review, c.in.snapshots);
  for (const auto& sr : c.in.fleet) detection(sr.sensor, sr.review, sr.snapshots);
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
  r.evidence.push_back(line("pointer", "", {{"kind", "cl.pointer"}, {"command", "mieruka report acceptance --since " + since}}));
  r.stats.count = fresh;
  r.counts = {{"new_devices", fresh}};
  r.params["count"] = std::to_string(fresh);
}

std::string level_label(Lang lang, const std::optional<int>& level) {
  if (!level) return std::string(msg(lang, "level.none"));
  return std::string(msg(lang, "level." + std::to_string(*level)));
}

std::string s(std::string_view v) { return sanitize_utf8(v); }

// Whether `holds` holds for the report's review evidence: one sensor's, or
// every sensor's of a fleet (the weakest decides).
bool every_sensor(const ChecklistInput& in, bool (*holds)(const ReviewEvidence&) noexcept) {
  if (in.fleet.empty()) return holds(in.review);
  return std::all_of(in.fleet.begin(), in.fleet.end(),
                     [holds](const ChecklistInput::SensorReview& sr) { return holds(sr.review); });
}

// A fleet's report: its times' zone, named with where it comes from.
std::string fleet_zone_text(const ChecklistInput& in, Lang lang) {
  const std::string zone = in.time_zone.empty() ? std::string("UTC") : in.time_zone;
  return fill(std::string(msg(lang, in.time_zone_from_config ? "fleet.zone_config" : "fleet.zone_sensors")),
              {{"zone", zone}});
}

}  // namespace

void set_fleet_review(ChecklistInput& in) {
  if (in.fleet.empty()) return;
  std::sort(in.fleet.begin(), in.fleet.end(),
            [](const ChecklistInput::SensorReview& a, const ChecklistInput::SensorReview& b) {
              return a.sensor < b.sensor;
            });
  // Continuous, then periodic, then live: the fewest met is the weakest.
  auto strength = [](const ReviewEvidence& e) {
    return (continuous_monitoring(e) ? 4 : 0) + (periodic_review(e) ? 2 : 0) + (live_monitoring(e) ? 1 : 0);
  };
  const ChecklistInput::SensorReview* weakest = &in.fleet.front();
  in.snapshots = 0;
  in.last_snapshot_us = 0;
  for (const auto& sr : in.fleet) {
    if (strength(sr.review) < strength(weakest->review)) weakest = &sr;
    in.snapshots += sr.snapshots;
    in.last_snapshot_us = std::max(in.last_snapshot_us, sr.last_snapshot_us);
  }
  in.review = weakest->review;
  in.weakest = weakest->sensor;
}

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

std::vector<std::string_view> checklist_item_ids() {
  std::vector<std::string_view> out;
  for (const auto& [id, direct] : kItems) out.push_back(id);
  return out;
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
    r.stats.live = every_sensor(in, live_monitoring);
    r.stats.periodic = every_sensor(in, periodic_review);
    r.stats.continuous = every_sensor(in, continuous_monitoring);
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
  auto review_json = [&](const ReviewEvidence& ev) {
    const ReviewFacts& f = ev.facts;
    return ordered_json{{"from", time_or_null(f.from_us)},
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
  };
  j["review"] = review_json(in.review);
  // A fleet: each sensor's review evidence, the sensor whose evidence `review`
  // is (the weakest), and the zone the report's times are in.
  if (!in.fleet.empty()) {
    j["review"]["sensor"] = s(in.weakest);
    auto sensors = ordered_json::array();
    for (const auto& sr : in.fleet)
      sensors.push_back({{"name", s(sr.sensor)},
                         {"time_zone", s(sr.time_zone)},
                         {"snapshots", sr.snapshots},
                         {"last_snapshot", time_or_null(sr.last_snapshot_us)},
                         {"review", review_json(sr.review)}});
    j["fleet"] = {{"sensors", std::move(sensors)},
                  {"weakest", s(in.weakest)},
                  {"time_zone", s(in.time_zone)},
                  {"time_zone_basis", in.time_zone_from_config ? "config" : "sensors"},
                  {"note", s(fill(std::string(msg(lang, "fleet.weakest")), {{"sensor", in.weakest}}))}};
  }
  j["new_since"] = {{"time", time_or_null(in.new_since_us)}, {"basis", s(in.new_since_basis)}};
  if (in.changes) {
    const auto& ch = *in.changes;
    auto listed = ordered_json::array();
    for (const auto& [id, lbl] : ch.new_devices) listed.push_back({{"id", s(id)}, {"label", s(lbl)}});
    j["changes"] = {{"basis", s(ch.basis)},         {"new_assets", ch.new_assets},
                    {"vanished_assets", ch.vanished_assets}, {"changed_assets", ch.changed_assets},
                    {"new_links", ch.new_links},     {"vanished_links", ch.vanished_links},
                    {"capture_drops", ch.capture_drops}, {"new_devices", listed}};
  } else {
    j["changes"] = nullptr;
  }
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
      ev.push_back({{"kind", e.kind}, {"ref", e.ref.empty() ? ordered_json() : ordered_json(s(e.ref))}, {"text", s(line_text(e, lang, in.time_zone))}});
    it["evidence"] = ev;
    it["findings"] = findings_json(r.findings);
    items.push_back(std::move(it));
  }
  j["items"] = items;
  j["assets"] = assets_json(*in.ledger);
  j["topology"] = topology_json(c.topology);
  return j;
}

std::string checklist_csv(const Checklist& c, const ChecklistInput& in, Lang lang) {
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
  // A fleet: the zone of its times, and each sensor's review evidence.
  if (!in.fleet.empty()) {
    row({"", "", "", "time_zone", "", fleet_zone_text(in, lang)});
    const std::string colon = lang == Lang::ja ? "：" : ": ", sep = lang == Lang::ja ? "／" : "; ";
    for (const auto& sr : in.fleet) {
      std::string t = std::string(msg(lang, "label.periodic_review")) + colon + review_sentence(sr.review, lang) + sep +
                      std::string(msg(lang, "label.live_monitoring")) + colon + monitoring_sentence(sr.review, lang);
      if (const std::string why = review_shortfall(sr.review, lang); !why.empty())
        t += sep + std::string(msg(lang, "label.review_shortfall")) + colon + why;
      row({"", "", "", "sensor_review", sr.sensor, t});
    }
    row({"", "", "", "weakest_sensor", in.weakest, fill(std::string(msg(lang, "fleet.weakest")), {{"sensor", in.weakest}})});
  }
  for (const auto& r : c.items) {
    const std::string level = r.level ? std::to_string(*r.level) : std::string();
    const std::string rule = rule_text(lang, r);
    row({r.id, level, rule, "text", "", std::string(msg(lang, "item." + r.id))});
    for (const auto& [k, v] : r.counts) row({r.id, level, rule, "count", k, std::to_string(v)});
    for (const auto& e : r.evidence) row({r.id, level, rule, e.kind, e.ref, line_text(e, lang, in.time_zone)});
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
body{font-family:"Noto Sans CJK JP","Noto Sans JP",sans-serif;margin:2em;color:#222;font-size:10.5pt;max-width:60em}
h1{font-size:17pt;border-bottom:3px solid #234;padding-bottom:.2em;margin:0 0 .3em}h2{font-size:13pt;margin:1.2em 0 .3em;border-bottom:1px solid #889}
h3{font-size:11.5pt;margin:.8em 0 .2em}h4{font-size:10.5pt;margin:.6em 0 .2em}table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid #aab;padding:.15em .35em;vertical-align:top;text-align:left;overflow-wrap:anywhere}th{background:#eef}
.meta{width:auto}.meta th{font-weight:normal;white-space:nowrap}
.levels td.id{white-space:nowrap;font-weight:bold}.levels td.lv{width:9em}.levels .title{font-size:9.5pt}.levels .facts{font-size:9pt;color:#333}
.level{font-weight:bold;padding:.05em .4em;border-radius:3px;background:#ddd;display:inline-block}
.l1{background:#f99}.l2{background:#fc9}.l3{background:#ffd}.l4{background:#cfc}.l5{background:#9e9}
.note{color:#555;font-size:9pt}.num{text-align:right;white-space:nowrap}.sev-high{color:#a00;font-weight:bold}
.diagram svg{max-width:100%;max-height:11cm;height:auto;width:auto}.full svg{max-height:none}
.top td:nth-child(-n+4),.top th{white-space:nowrap}.more{font-style:italic;color:#555}.appendix h2{margin-top:0}a{color:#124}
@page{size:A4;margin:12mm 11mm}
.ledger{font-size:8pt}
@media print{body{margin:0;max-width:none;font-size:8.5pt}#top-findings,#changes{break-inside:avoid}.levels .title,.levels .facts{font-size:8pt}.ledger{font-size:7pt}.appendix{break-before:page}tr,.item-head{break-inside:avoid}
h2,h3,h4{break-after:avoid}thead{display:table-header-group}a{color:inherit;text-decoration:none}}
)css";

int severity_rank(std::string_view s) { return s == "high" ? 0 : s == "medium" ? 1 : s == "low" ? 2 : 3; }

}  // namespace

std::string checklist_zone_dot(const Topology& t, Lang lang, std::size_t max_zones) {
  if (t.clusters.empty() || t.clusters.size() > max_zones) return {};
  // Each node's cluster; "" for none.
  std::map<std::string, std::string> cluster_of;
  for (const auto& n : t.nodes) cluster_of[n.id] = n.cluster;
  std::map<std::string, const TopoCluster*> clusters;
  for (const auto& cl : t.clusters) clusters[cl.id] = &cl;
  // (from cluster, to cluster) -> protocol -> conversations.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint64_t>> between;
  std::size_t unclustered = 0;
  for (const auto& n : t.nodes) unclustered += n.cluster.empty() ? 1 : 0;
  for (const auto& e : t.edges) {
    const std::string& a = cluster_of[e.from];
    const std::string& b = cluster_of[e.to];
    if (a == b) continue;
    ++between[{a, b}][e.protocol];
  }
  std::string d = "digraph zones {\n  graph [rankdir=TB, fontname=\"Noto Sans CJK JP\", nodesep=0.4, ranksep=0.5];\n"
                  "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Noto Sans CJK JP\", fontsize=11];\n"
                  "  edge [fontname=\"Noto Sans CJK JP\", fontsize=9, color=\"#556\"];\n";
  auto node_name = [](const std::string& id) { return "\"" + dot_escape(id.empty() ? std::string("-") : id) + "\""; };
  auto devices = [&](std::size_t n) {
    return lang == Lang::ja ? std::to_string(n) + " 台" : std::to_string(n) + (n == 1 ? " device" : " devices");
  };
  // Zones of one Purdue level side by side, the levels top to bottom.
  std::map<int, std::vector<std::string>> by_level;
  for (const auto& cl : t.clusters) {
    std::string lbl = cl.name + "\n" + devices(cl.nodes.size());
    if (cl.level) {
      lbl += " (L" + std::to_string(*cl.level) + ")";
      by_level[*cl.level].push_back(cl.id);
    }
    d += "  " + node_name(cl.id) + " [label=\"" + dot_escape(lbl) + "\"];\n";
  }
  for (const auto& [level, ids] : by_level) {
    d += "  { rank=same;";
    for (const auto& id : ids) d += " " + node_name(id) + ";";
    d += " }\n";
  }
  if (unclustered > 0)
    d += "  " + node_name("") + " [label=\"" + dot_escape("-\n" + devices(unclustered)) +
         "\", fillcolor=\"#f4f4f4\"];\n";
  for (const auto& [ends, protos] : between) {
    std::vector<std::pair<std::uint64_t, std::string>> by_count;
    for (const auto& [p, n] : protos) by_count.push_back({n, p});
    std::sort(by_count.begin(), by_count.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    std::string lbl;
    for (std::size_t i = 0; i < by_count.size() && i < 3; ++i)
      lbl += (lbl.empty() ? "" : "\n") + by_count[i].second + " ×" + std::to_string(by_count[i].first);
    if (by_count.size() > 3) lbl += "\n+" + std::to_string(by_count.size() - 3);
    // Between two zones of one level (one rank) the edge is "flat": Graphviz
    // 2.42 corrupts its heap laying out a labelled flat edge among many (a
    // double free once the plant has a few dozen of them), so those carry an
    // external label instead.
    const auto a = clusters.find(ends.first), b = clusters.find(ends.second);
    const bool flat = a != clusters.end() && b != clusters.end() && a->second->level && b->second->level &&
                      *a->second->level == *b->second->level;
    d += "  " + node_name(ends.first) + " -> " + node_name(ends.second) + (flat ? " [xlabel=\"" : " [label=\"") +
         dot_escape(lbl) + "\"];\n";
  }
  d += "}\n";
  return d;
}

bool checklist_embeds_diagram(const Checklist& c) noexcept { return c.topology.nodes.size() <= kHtmlMaxDiagramNodes; }

std::string checklist_html(const Checklist& c, const ChecklistInput& in, Lang lang, const std::string& svg,
                           const std::string& zone_svg) {
  auto m = [&](string_view key) { return html_escape(msg(lang, key)); };
  const std::string colon = lang == Lang::ja ? "：" : ": ", comma = lang == Lang::ja ? "、" : ", ",
                    gap = lang == Lang::ja ? "　" : " ";
  auto filled = [&](string_view key, const std::map<std::string, std::string>& params) {
    return html_escape(fill(std::string(msg(lang, key)), params));
  };
  // Devices by id (each evidence line names its device), and what a finding or
  // a link points at.
  std::map<std::string, const Asset*> assets;
  for (const auto& a : in.ledger->assets()) assets.emplace(a.id, &a);
  std::map<std::string, std::string> finding_asset, edge_asset;
  if (in.findings != nullptr)
    for (const auto& f : *in.findings) finding_asset.emplace(f.id, f.asset);
  for (const auto& e : in.ledger->edges()) edge_asset.emplace(e.id, e.from_id);
  auto display = [](const Asset& a) {
    const FactRecord* n = Ledger::best(a, "name");
    return n != nullptr && !n->value.empty() ? n->value : asset_label(a);
  };
  auto device = [&](const std::string& id) -> std::string {
    const auto it = assets.find(id);
    if (it == assets.end()) return html_escape(id);
    const std::string text = html_escape(display(*it->second));
    if (in.asset_link.empty()) return text;
    return "<a href=\"" + html_escape(in.asset_link + id) + "\">" + text + "</a>";
  };
  auto device_of_ref = [&](const std::string& ref) -> std::string {
    if (assets.count(ref) != 0) return device(ref);
    if (auto f = finding_asset.find(ref); f != finding_asset.end()) return device(f->second);
    if (auto e = edge_asset.find(ref); e != edge_asset.end()) return device(e->second);
    return html_escape(ref);
  };
  auto severity = [&](const std::string& sev) {
    return sev == "high" || sev == "medium" || sev == "low" ? m("report.severity." + sev) : html_escape(sev);
  };
  auto level_badge = [&](const std::optional<int>& level) {
    const std::string cls = level ? " l" + std::to_string(*level) : std::string();
    return "<span class=\"level" + cls + "\">" + html_escape(level_label(lang, level)) + "</span>";
  };

  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"" + std::string(lang_code(lang)) + "\"><head><meta charset=\"utf-8\">";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  h += "<title>" + m("checklist.title") + "</title><style>" + std::string(kCss) + "</style></head><body>\n";

  // --- the opening pages ----------------------------------------------------------
  h += "<div class=\"opening\" id=\"opening\">\n<h1>" + m("checklist.title") + "</h1>\n<p class=\"note\">" +
       m("checklist.guideline") + "<br>" + m("checklist.disclaimer") + "</p>\n";
  std::size_t links = 0;
  for (const auto& e : in.ledger->edges()) links += e.merged_into == kNoEdge ? 1 : 0;
  auto kv = [&](string_view key, const std::string& value) {
    h += "<tr><th>" + m(key) + "</th><td>" + html_escape(value) + "</td></tr>\n";
  };
  h += "<section id=\"summary\"><table class=\"meta\">\n";
  auto local = [&](std::int64_t us) { return format_local_time(us, in.time_zone); };
  kv("label.generated_at", local(in.generated_us));
  kv("label.sensor", in.sensor_name);
  if (!in.fleet.empty()) kv("fleet.time_zone", fleet_zone_text(in, lang));
  kv("label.assets", std::to_string(in.ledger->assets().size()) + " / " + std::string(msg(lang, "label.links")) + " " +
                         std::to_string(links));
  kv("label.review_period", local(in.review.facts.from_us) + " – " + local(in.review.facts.to_us));
  kv("label.new_since", local(in.new_since_us) + " (" + basis_text(in.new_since_basis, lang) + ")");
  h += "</table>\n";

  h += "<h2 id=\"levels\">" + m("report.levels") + "</h2>\n<table class=\"levels\"><thead><tr><th>" + m("col.item") +
       "</th><th>" + m("col.text") + "</th><th>" + m("col.level") + "</th><th>" + m("report.rests_on") +
       "</th></tr></thead><tbody>\n";
  for (const auto& r : c.items)
    h += "<tr><td class=\"id\"><a href=\"#item-" + r.id + "\">" + r.id + "</a></td><td class=\"title\">" +
         m("item." + r.id) + " <span class=\"note\">(" + m(r.direct ? "label.direct" : "label.supporting") +
         ")</span></td><td class=\"lv\">" + level_badge(r.level) + "</td><td class=\"facts\">" +
         html_escape(rule_text(lang, r)) + "</td></tr>\n";
  h += "</tbody></table>\n";
  if (in.fleet.empty()) {
    h += "<p class=\"note\">" + m("label.periodic_review") + colon + html_escape(review_sentence(in.review, lang)) +
         "<br>" + m("label.live_monitoring") + colon + html_escape(monitoring_sentence(in.review, lang));
    if (const std::string why = review_shortfall(in.review, lang); !why.empty())
      h += "<br>" + m("label.review_shortfall") + colon + html_escape(why);
    h += "</p></section>\n";
  } else {
    // A fleet: the weakest sensor decides levels 4 and 5; each sensor's evidence, named.
    h += "<div id=\"fleet-review\"><p class=\"note\">" + filled("fleet.weakest", {{"sensor", in.weakest}}) + "</p>\n<h3>" +
         m("fleet.review") + "</h3>\n<table class=\"review\"><thead><tr><th>" + m("label.sensor") + "</th><th>" +
         m("label.periodic_review") + "</th><th>" + m("label.live_monitoring") + "</th><th>" +
         m("label.review_shortfall") + "</th></tr></thead><tbody>\n";
    for (const auto& sr : in.fleet)
      h += "<tr><td>" + html_escape(sr.sensor) + "</td><td>" + html_escape(review_sentence(sr.review, lang)) +
           "</td><td>" + html_escape(monitoring_sentence(sr.review, lang)) + "</td><td>" +
           html_escape(review_shortfall(sr.review, lang)) + "</td></tr>\n";
    h += "</tbody></table></div></section>\n";
  }

  // The open findings that matter most: by severity (then CVSS), at most two of
  // a type, so that one noisy type does not hide the others.
  std::vector<const Finding*> open;
  if (in.findings != nullptr)
    for (const auto& f : *in.findings)
      if (!f.acknowledged) open.push_back(&f);
  std::stable_sort(open.begin(), open.end(), [](const Finding* a, const Finding* b) {
    if (severity_rank(a->severity) != severity_rank(b->severity))
      return severity_rank(a->severity) < severity_rank(b->severity);
    if (a->vuln.cvss != b->vuln.cvss) return a->vuln.cvss > b->vuln.cvss;
    return a->id < b->id;
  });
  std::map<std::string, std::size_t> of_type, shown_of_type;
  for (const Finding* f : open) ++of_type[f->type];
  std::vector<const Finding*> top;
  for (const Finding* f : open) {
    if (top.size() >= kHtmlTopFindings) break;
    if (shown_of_type[f->type] >= 2) continue;
    ++shown_of_type[f->type];
    top.push_back(f);
  }
  // Fewer types than places: the next of the same types, in rank order.
  for (const Finding* f : open) {
    if (top.size() >= kHtmlTopFindings) break;
    if (std::find(top.begin(), top.end(), f) != top.end()) continue;
    ++shown_of_type[f->type];
    top.push_back(f);
  }
  std::stable_sort(top.begin(), top.end(), [&](const Finding* a, const Finding* b) {
    return std::find(open.begin(), open.end(), a) < std::find(open.begin(), open.end(), b);
  });
  h += "<section id=\"top-findings\"><h2>" + m("report.top_findings") + "</h2>\n";
  if (top.empty()) {
    h += "<p>" + m("report.no_open_findings") + "</p>";
  } else {
    h += "<p class=\"note\">" +
         filled("report.top_findings_note", {{"shown", std::to_string(top.size())}, {"open", std::to_string(open.size())}}) +
         "</p>\n<table class=\"top\"><thead><tr><th>#</th><th>" + m("col.severity") + "</th><th>" + m("col.type") + "</th><th>" +
         m("col.item") + "</th><th>" + m("report.device") + "</th><th>" + m("col.evidence") + "</th></tr></thead><tbody>\n";
    std::map<std::string, std::size_t> last_of_type;
    for (std::size_t i = 0; i < top.size(); ++i) last_of_type[top[i]->type] = i;
    for (std::size_t i = 0; i < top.size(); ++i) {
      const Finding& f = *top[i];
      const std::size_t more = of_type[f.type] - shown_of_type[f.type];
      h += "<tr><td class=\"num\">" + std::to_string(i + 1) + "</td><td class=\"sev-" + html_escape(f.severity) + "\">" +
           severity(f.severity) + "</td><td>" + html_escape(std::string(finding_type_name(f.type, lang_code(lang)))) +
           (more > 0 && last_of_type[f.type] == i
                ? " <span class=\"note\">" + filled("report.same_type", {{"n", std::to_string(more)}}) + "</span>"
                : std::string()) +
           "</td><td>" + html_escape(f.item) + "</td><td>" + device(f.asset) + "</td><td>" +
           html_escape(evidence_text(f, lang_code(lang), in.time_zone)) +
           "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n";

  // What changed since the baseline.
  h += "<section id=\"changes\"><h2>" + m("report.changes") + "</h2>\n";
  if (!in.changes && !in.fleet.empty()) {
    h += "<p class=\"note\">" + filled("fleet.no_baseline", {{"since", local(in.new_since_us)}}) + "</p>";
  } else if (!in.changes) {
    h += "<p class=\"note\">" + m("report.no_baseline") + "</p>";
  } else {
    const auto& ch = *in.changes;
    h += "<p>" + m("label.baseline") + colon + html_escape(basis_text(ch.basis, lang)) + "</p>\n<table class=\"meta\"><tr>";
    for (const auto& [key, n] : std::initializer_list<std::pair<string_view, std::uint64_t>>{
             {"report.new_assets", ch.new_assets},
             {"report.vanished_assets", ch.vanished_assets},
             {"report.changed_assets", ch.changed_assets},
             {"report.new_links", ch.new_links},
             {"report.vanished_links", ch.vanished_links},
             {"report.capture_drops", ch.capture_drops}})
      h += "<th>" + m(key) + "</th><td class=\"num\">" + std::to_string(n) + "</td>";
    h += "</tr></table>\n";
    if (!ch.new_devices.empty()) {
      h += "<p>" + m("report.new_assets") + colon;
      for (std::size_t i = 0; i < ch.new_devices.size(); ++i)
        h += (i ? comma : std::string()) + (assets.count(ch.new_devices[i].first) != 0 ? device(ch.new_devices[i].first)
                                                                          : html_escape(ch.new_devices[i].second));
      if (ch.new_assets > ch.new_devices.size())
        h += " <span class=\"more\">" +
             filled("report.more", {{"n", std::to_string(ch.new_assets - ch.new_devices.size())}}) + "</span>";
      h += "</p>\n";
    }
  }
  h += "</section>\n";

  // The zones: their diagram, else a compact table.
  h += "<section id=\"zones\"><h2>" + m("report.zones") + "</h2><div class=\"diagram\">";
  const std::string zsafe = inline_svg(zone_svg);
  if (!zsafe.empty()) {
    h += zsafe;
  } else {
    std::map<std::string, std::string> cluster_of;
    for (const auto& n : c.topology.nodes) cluster_of[n.id] = n.cluster;
    std::map<std::string, std::uint64_t> out_flows;
    for (const auto& e : c.topology.edges)
      if (cluster_of[e.from] != cluster_of[e.to]) ++out_flows[cluster_of[e.from]];
    h += "<table class=\"meta\"><thead><tr><th>" + m("report.zone") + "</th><th>" + m("report.purdue") + "</th><th>" +
         m("label.assets") + "</th><th>" + m("report.cross_flows") + "</th></tr></thead><tbody>\n";
    // As many rows as the diagram would have nodes: the opening stays short.
    const auto& cls = c.topology.clusters;
    for (std::size_t i = 0; i < cls.size() && i < kHtmlMaxDiagramZones; ++i)
      h += "<tr><td>" + html_escape(cls[i].name) + "</td><td class=\"num\">" +
           (cls[i].level ? std::to_string(*cls[i].level) : "-") + "</td><td class=\"num\">" +
           std::to_string(cls[i].nodes.size()) + "</td><td class=\"num\">" + std::to_string(out_flows[cls[i].id]) +
           "</td></tr>\n";
    h += "</tbody></table>";
    if (cls.size() > kHtmlMaxDiagramZones)
      h += "<p class=\"more\">" + filled("report.more", {{"n", std::to_string(cls.size() - kHtmlMaxDiagramZones)}}) +
           "</p>";
  }
  h += "</div></section>\n</div>\n";

  // --- the appendix: evidence grouped by item and kind -----------------------------
  h += "<div class=\"appendix\" id=\"appendix\">\n<section id=\"items\"><h2>" + m("report.appendix") + " A" + gap +
       m("section.items") + "</h2>\n";
  for (const auto& r : c.items) {
    h += "<section class=\"item\" id=\"item-" + r.id + "\"><div class=\"item-head\"><h3>" + r.id + gap +
         level_badge(r.level) + "</h3>\n<p class=\"note\">" + m("item." + r.id) + "</p>\n<p>" +
         html_escape(rule_text(lang, r)) + "</p></div>\n";
    if (!r.counts.empty()) {
      h += "<p class=\"counts\">";
      bool first = true;
      for (const auto& [k, v] : r.counts) {
        h += std::string(first ? "" : " · ") + (has_msg("count." + k) ? m("count." + k) : html_escape(k)) + " <b>" +
             std::to_string(v) + "</b>";
        first = false;
      }
      h += "</p>\n";
    }
    // Groups of one kind, in the order the kinds first appear.
    std::vector<std::string> kinds;
    std::map<std::string, std::vector<const EvidenceLine*>> by_kind;
    for (const auto& e : r.evidence) {
      auto& g = by_kind[e.kind];
      if (g.empty()) kinds.push_back(e.kind);
      g.push_back(&e);
    }
    for (const auto& k : kinds) {
      const auto& g = by_kind[k];
      h += "<h4>" + filled("report.group", {{"kind", std::string(msg(lang, "ev." + k))}, {"n", std::to_string(g.size())}}) +
           "</h4>\n<table class=\"evidence\" data-kind=\"" + html_escape(k) + "\"><tbody>\n";
      for (std::size_t i = 0; i < g.size() && i < kHtmlGroupLines; ++i)
        h += "<tr><td>" +
             (g[i]->list_line != 0 ? filled("report.list_line", {{"n", std::to_string(g[i]->list_line)}})
              : g[i]->ref.empty() ? std::string("-")
                                  : device_of_ref(g[i]->ref)) +
             "</td><td>" +
             html_escape(line_text(*g[i], lang, in.time_zone)) + "</td></tr>\n";
      h += "</tbody></table>\n";
      if (g.size() > kHtmlGroupLines)
        h += "<p class=\"more\">" + filled("report.more", {{"n", std::to_string(g.size() - kHtmlGroupLines)}}) + "</p>\n";
    }
    h += "</section>\n";
  }
  h += "</section>\n";

  // Open findings, grouped by type.
  h += "<section id=\"findings\"><h2>" + m("report.appendix") + " B" + gap + m("section.findings") + "</h2>\n";
  {
    std::vector<std::string> types;
    std::map<std::string, std::vector<const Finding*>> by_type;
    for (const Finding* f : open) {
      auto& g = by_type[f->type];
      if (g.empty()) types.push_back(f->type);
      g.push_back(f);
    }
    if (types.empty()) h += "<p>" + m("report.no_open_findings") + "</p>\n";
    for (const auto& t : types) {
      const auto& g = by_type[t];
      h += "<h4>" +
           filled("report.group", {{"kind", std::string(finding_type_name(t, lang_code(lang)))}, {"n", std::to_string(g.size())}}) +
           "</h4>\n<table><thead><tr><th>" +
           m("col.item") + "</th><th>" + m("col.severity") + "</th><th>" + m("report.device") + "</th><th>" +
           m("col.ip") + "</th><th>" + m("col.evidence") + "</th></tr></thead><tbody>\n";
      for (std::size_t i = 0; i < g.size() && i < kHtmlGroupLines; ++i)
        h += "<tr><td>" + html_escape(g[i]->item) + "</td><td class=\"sev-" + html_escape(g[i]->severity) + "\">" +
             severity(g[i]->severity) + "</td><td>" + device(g[i]->asset) + "</td><td>" + html_escape(g[i]->ip) +
             "</td><td>" + html_escape(evidence_text(*g[i], lang_code(lang), in.time_zone)) + "</td></tr>\n";
      h += "</tbody></table>\n";
      if (g.size() > kHtmlGroupLines)
        h += "<p class=\"more\">" + filled("report.more", {{"n", std::to_string(g.size() - kHtmlGroupLines)}}) + "</p>\n";
    }
  }
  h += "</section>\n";

  // The ledger.
  h += "<section id=\"ledger\"><h2>" + m("report.appendix") + " C" + gap + m("section.ledger") +
       "</h2><table class=\"ledger\"><thead><tr>";
  // Location and owner come from the approved list (asset_json's approved_entry).
  for (string_view col : {"col.name", "col.mac", "col.ip", "col.vendor", "col.product", "col.revision", "col.serial",
                          "col.location", "col.owner", "col.class", "col.protocols", "col.last_seen"})
    h += "<th>" + m(col) + "</th>";
  h += "</tr></thead><tbody>\n";
  const AssetLinks by_asset(*in.ledger);
  std::size_t rows = 0;
  for (const auto& a : in.ledger->assets()) {
    if (rows++ >= kHtmlLedgerRows) continue;
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
    const auto e = j.find("approved_entry");
    auto listed = [&](const char* k) {
      return e != j.end() && (*e)[k].is_string() ? html_escape((*e)[k].get<std::string>()) : std::string();
    };
    h += "<tr><td>" + device(a.id) + "</td>";
    for (const char* k : {"mac", "ips", "vendor", "product", "revision", "serial"}) h += "<td>" + cell(k) + "</td>";
    h += "<td>" + listed("location") + "</td><td>" + listed("owner") + "</td>";
    for (const char* k : {"class", "protocols", "last_seen"}) {
      // The class by its name in the report's language; the code stays as the tooltip.
      if (std::string_view(k) == "class" && j[k].is_string())
        h += "<td title=\"" + cell(k) + "\">" + html_escape(std::string(msg(lang, "class." + j[k].get<std::string>()))) +
             "</td>";
      else
        h += "<td>" + cell(k) + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table>\n";
  if (rows > kHtmlLedgerRows)
    h += "<p class=\"more\">" + filled("report.ledger_more", {{"n", std::to_string(rows - kHtmlLedgerRows)}}) + "</p>\n";
  h += "</section>\n";

  // The whole plant's diagram, when it is small enough to read on paper.
  h += "<section id=\"topology\"><h2>" + m("report.appendix") + " D" + gap + m("section.topology") +
       "</h2><div class=\"diagram full\">";
  if (!checklist_embeds_diagram(c)) {
    h += "<p class=\"note\">" + filled("report.diagram_too_large", {{"n", std::to_string(c.topology.nodes.size())}}) +
         "</p>";
  } else {
    const std::string safe = inline_svg(svg);
    h += safe.empty() ? "<p class=\"note\">" + m("topology.unavailable") + "</p>" : safe;
  }
  h += "</div></section>\n</div>\n</body></html>\n";
  return h;
}

std::string line_text(const EvidenceLine& e, Lang lang, std::string_view zone) {
  if (e.values.empty()) return e.text;
  const nlohmann::json values = nlohmann::json::from_msgpack(e.values);
  return render_evidence(values["kind"].get<std::string>(), values, lang_code(lang), zone);
}

}  // namespace mieruka::inventory
