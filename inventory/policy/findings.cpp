// The finding engine (see findings.hpp for the table of types and severities).
// The lists below (OT classes, OT vendors) are data: extend them here. What a
// protocol is comes from its registry row (dissectors/registry.cpp), what a
// port-only service is from service_ports.cpp.
#include "inventory/policy/findings.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "dissectors/registry.hpp"
#include "dissectors/wlan_mgmt.hpp"
#include "inventory/policy/classify.hpp"
#include "inventory/policy/evidence.hpp"
#include "inventory/policy/remote_services.hpp"
#include "inventory/policy/service_ports.hpp"

namespace mieruka::inventory {
namespace {

using std::string_view;

struct TypeRow {
  string_view type, item, severity;
};
// The documented severity table (findings.hpp).
constexpr std::array<TypeRow, 10> kSeverities = {{
    {"unapproved", "2-6", "medium"},
    {"hidden", "2-6", "high"},
    {"wireless", "2-7", "high"},
    {"cross_zone", "3-5", "high"},
    {"remote_access", "3-6", "high"},
    {"internet", "2-3", "medium"},
    {"insecure", "3-7", "medium"},
    {"new_writer", "3-7", "high"},
    {"control", "3-7", "high"},
    {"vulnerable", "3-2", "high"},
}};
// A vulnerable finding is high from this CVSS v3 base score up, medium below
// (and without a score).
constexpr double kVulnerableHighCvss = 9.0;

constexpr std::array<string_view, 12> kOtClasses = {
    "plc",           "io_adapter", "io_module",  "drive",        "meter",           "field_device",
    "hmi",           "scada_server", "historian", "opcua_server", "protocol_gateway", "engineering_workstation"};
// OUI registry names of industrial equipment makers (matched as a prefix of the
// registry's organisation name, ASCII case-insensitive).
constexpr std::array<string_view, 30> kOtVendors = {
    "Rockwell", "Allen-Bradley", "Siemens", "Schneider", "Mitsubishi Electric", "OMRON", "KEYENCE",
    "Phoenix Contact", "Beckhoff", "WAGO", "Yokogawa", "Hilscher", "Moxa", "Panasonic Industrial", "FANUC",
    "YASKAWA", "Hirschmann", "B&R", "Pilz", "Bosch Rexroth", "Festo", "Turck", "Balluff", "ifm electronic",
    "Pepperl", "ABB", "Honeywell", "Emerson", "Fuji Electric", "JTEKT"};
template <std::size_t N>
bool in(const std::array<string_view, N>& list, string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool ot_protocol(string_view protocol) {
  const dissectors::ProtocolInfo* p = dissectors::protocol_info(protocol);
  return p != nullptr && p->ot;
}

// 802.11 itself: every station seen transmitting on the air speaks it.
bool on_air(string_view protocol) { return protocol == dissectors::wlan_mgmt::kProtocol; }

// What an edge is, for the remote-access, mail and cleartext uses: its confirmed
// protocol, or for a tcp/udp edge the service its port is registered for. The
// port is the point of those findings (tcp/3389 reaching a public address is a
// remote-access path whatever it carried), but it proves no protocol, and the
// evidence says "port".
struct EdgeService {
  string_view name;
  bool by_port = false;
};

EdgeService edge_service(const Edge& e) {
  const string_view registered = port_service(e);
  if (!registered.empty()) return {registered, true};
  return {e.protocol, false};
}

bool istarts_with(string_view s, string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto lc = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lc(s[i]) != lc(p[i])) return false;
  }
  return true;
}

std::uint64_t fnv1a(string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

bool is_public(const IpAddr& ip) {
  return ip.valid() && !ip.is_private() && !ip.is_multicast() && !ip.is_broadcast() && !ip.is_unspecified() &&
         !ip.is_link_local();
}

// An asset that stands for a host outside the plant: IP-keyed with a public address.
bool is_external(const Asset& a) {
  if (a.key_ip) return is_public(*a.key_ip);
  if (a.mac || a.ips.empty()) return false;
  return std::all_of(a.ips.begin(), a.ips.end(), [](const IpRecord& r) { return is_public(r.ip); });
}

std::string first_ip(const Asset& a) {
  if (a.key_ip) return a.key_ip->to_string();
  return a.ips.empty() ? std::string() : a.ips.front().ip.to_string();
}

std::string label(const Asset& a) {
  if (a.mac) return a.mac->to_string();
  std::string ip = first_ip(a);
  if (!ip.empty()) return ip;
  return a.parent_id + "/" + a.route;
}

std::string when(std::int64_t us) { return format_time_us(us); }

struct Context {
  const Ledger& ledger;
  const FindingsPolicy& policy;
  std::vector<std::string> cls;  // by asset index: the class, classified once
  std::vector<Finding> out;
  const AssetLinks* links = nullptr;  // the ledger's, built once (classify.hpp)
  // By asset index: the live edges to it, in ledger order (built once: a scan of
  // every edge per asset is quadratic at plant scale).
  std::vector<std::vector<const Edge*>> inbound;

  // By the ledger's own id index (a string-keyed map here was a fifth of
  // `mieruka findings` at 100,000 assets).
  const Asset* asset(const std::string& id) const {
    const AssetIndex i = ledger.index_of(id);
    return i == kNoAsset ? nullptr : &ledger.assets()[i];
  }
  const std::string& klass(const Asset& a) const { return cls.at(ledger.index_of(a)); }
  bool approved(const Asset& a) const {
    return (policy.approved != nullptr && policy.approved->match(a) != nullptr) || allowed_ap(a);
  }
  // An access point on the wireless allow-list is listed equipment: plants keep
  // their radios' BSSIDs there (2-7), and the approved list need not repeat them.
  bool allowed_ap(const Asset& a) const {
    if (policy.wireless == nullptr || !a.mac) return false;
    const WirelessEntry* w = policy.wireless->match(*a.mac);
    return w != nullptr && (w->role == "ap" || (w->role.empty() && klass(a) == "wireless_ap"));
  }

  // `kind` and `values`: the evidence (evidence.hpp); its English rendering is the evidence text.
  void add(string_view type, const Asset& a, string_view key, string_view kind, nlohmann::json values,
           std::string material, std::int64_t first, std::int64_t last, string_view severity = {}) {
    Finding f;
    f.type = std::string(type);
    f.asset = a.id;
    f.mac = a.mac ? a.mac->to_string() : std::string();
    f.ip = first_ip(a);
    if (policy.approved != nullptr)
      if (const ApprovedEntry* e = policy.approved->match(a)) f.plant_name = e->name;
    f.item = std::string(item_of(type));
    f.severity = std::string(severity.empty() ? severity_of(type) : severity);
    f.id = finding_id(type, a.id, key);
    f.evidence = render_evidence(kind, values, "en");
    f.evidence_kind = std::string(kind);
    f.set_evidence_values(std::move(values));
    f.material = std::move(material);
    f.first_us = first;
    f.last_us = last;
    out.push_back(std::move(f));
  }
};

// Why an asset counts as OT equipment as evidence (an "ot." kind), or null
// when it does not.
nlohmann::json ot_why(const Context& c, const Asset& a) {
  for (const auto& p : a.protocols)
    if (ot_protocol(p)) return {{"kind", "ot.speaks"}, {"protocol", p}};
  const std::string& k = c.klass(a);
  if (in(kOtClasses, k)) return {{"kind", "ot.classed"}, {"class", k}};
  if (const FactRecord* v = Ledger::best(a, "vendor"))
    for (string_view ven : kOtVendors)
      if (istarts_with(v->value, ven)) return {{"kind", "ot.made_by"}, {"vendor", v->value}, {"source", v->source}};
  return nullptr;
}

// The same in English (what acknowledgements' material was made of), or "".
std::string ot_reason(const Context& c, const Asset& a) {
  const nlohmann::json why = ot_why(c, a);
  return why.is_null() ? std::string() : render_evidence(why["kind"].get<std::string>(), why, "en");
}

std::string protocols_text(const Asset& a) {
  std::string s;
  for (const auto& p : a.protocols) s += (s.empty() ? "" : ",") + p;
  return s.empty() ? "-" : s;
}

nlohmann::json served_summary(const Context& c, const Asset& a) {
  std::map<std::string, std::uint64_t> in_pk;
  for (const Edge* e : c.inbound.at(c.ledger.index_of(a))) in_pk[e->protocol + "/" + std::to_string(e->port)] += e->packets;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [k, n] : in_pk) out.push_back({{"kind", "served"}, {"service", k}, {"packets", n}});
  return out;
}

// "reaches <service>" when the device looked up or opened TLS to a remote-access
// or device-cloud service (remote_services.cpp): unlisted, that makes it hidden
// equipment, not merely an unapproved host.
// As evidence values: {service, name}, or null.
nlohmann::json remote_reason(const Asset& a) {
  for (const auto& f : a.facts) {
    if (f.field != "dns_query" && f.field != "tls_client_sni") continue;
    if (const auto s = remote_service(f.value)) return {{"service", std::string(s->service)}, {"name", f.value}};
  }
  return nullptr;
}

// A radio 802.11 shows (a transmitter, a beacon's BSSID) that is not on the
// wireless allow-list: check_wireless flags it.
bool unlisted_radio(const Context& c, const Asset& a) {
  const std::string& k = c.klass(a);
  const bool wlan = std::any_of(a.protocols.begin(), a.protocols.end(), [](const std::string& p) { return on_air(p); });
  if (!a.mac || (k != "wireless_ap" && k != "wireless_station" && !wlan)) return false;
  return c.policy.wireless == nullptr || c.policy.wireless->match(*a.mac) == nullptr;
}

// Known only over the air: every protocol it was seen with is 802.11 itself.
bool only_on_air(const Asset& a) {
  return !a.protocols.empty() &&
         std::all_of(a.protocols.begin(), a.protocols.end(), [](const std::string& p) { return on_air(p); });
}

void check_approval(Context& c, const Asset& a) {
  if (c.policy.approved == nullptr || c.approved(a) || is_external(a)) return;
  if (!a.parent_id.empty()) return;  // children: see check_indirect
  // A rogue radio seen only on the air has one finding, the wireless one (2-7):
  // nothing of it reached the wired network the approved list is about.
  if (only_on_air(a) && unlisted_radio(c, a)) return;
  const nlohmann::json ot = ot_why(c, a);
  const nlohmann::json remote = ot.is_null() ? remote_reason(a) : nlohmann::json();
  nlohmann::json ev = {{"device", label(a)},
                       {"class", c.klass(a)},
                       {"list", c.policy.approved->path},
                       {"protocols", protocols_text(a)},
                       {"served", served_summary(c, a)}};
  if (const FactRecord* v = Ledger::best(a, "vendor")) ev["vendor"] = v->value;
  if (!ot.is_null()) {
    ev["ot"] = ot;
    const std::string why = ot_reason(c, a);
    c.add("hidden", a, "ot", "hidden_ot", std::move(ev), "ot:" + why, a.first_us, a.last_us);
    c.out.back().unlisted = true;
    return;
  }
  if (!remote.is_null()) {
    ev["service"] = remote["service"];
    ev["name"] = remote["name"];
    // The material as it always was: "reaches <service> (<name>)".
    const std::string why =
        fmt::format("reaches {} ({})", remote["service"].get<std::string>(), remote["name"].get<std::string>());
    c.add("hidden", a, "ot", "hidden_remote", std::move(ev), "ot:" + why, a.first_us, a.last_us);
    c.out.back().unlisted = true;
    return;
  }
  c.add("unapproved", a, "", "unapproved", std::move(ev), "unapproved", a.first_us, a.last_us);
  c.out.back().unlisted = true;
}

// Returns true when it flagged `a` (then check_approval need not).
bool check_indirect(Context& c, const Asset& a) {
  if (c.approved(a)) return false;
  if (!a.parent_id.empty()) {
    const Asset* p = c.asset(a.parent_id);
    const std::string parent = p ? label(*p) : a.parent_id;
    c.add("hidden", a, "route:" + a.route, "hidden_behind",
          {{"parent", parent}, {"route", a.route}, {"class", c.klass(a)}}, "behind:" + a.parent_id + "/" + a.route, a.first_us, a.last_us, "medium");
    c.out.back().unlisted = true;
    return true;
  }
  if (a.packets_sent != 0 || is_external(a)) return false;
  std::uint64_t packets = 0;
  std::set<std::string> from;
  for (const Edge* e : c.inbound.at(c.ledger.index_of(a))) {
    packets += e->packets;
    if (const Asset* s = c.asset(e->from_id)) from.insert(label(*s) + " " + e->protocol);
  }
  if (packets == 0) return false;
  nlohmann::json ev = {{"device", label(a)}, {"packets", packets}, {"from", from}};
  // One finding per device: the OT reason, when there is one, joins the evidence
  // and raises the severity.
  const nlohmann::json why = ot_why(c, a);
  if (!why.is_null()) ev["ot"] = why;
  c.add("hidden", a, "silent", "hidden_silent", std::move(ev), "silent", a.first_us, a.last_us,
        why.is_null() ? "medium" : "high");
  c.out.back().unlisted = true;
  return true;
}

void check_wireless(Context& c, const Asset& a) {
  if (!unlisted_radio(c, a)) return;
  const std::string& k = c.klass(a);
  nlohmann::json ev = {
      {"radio", {{"kind", k == "wireless_ap" ? "radio.ap" : "radio.station"}}},
      {"mac", a.mac->to_string()},
      {"list", {{"kind", c.policy.wireless ? "allow_list.unlisted" : "allow_list.none"}}}};
  if (const FactRecord* s = Ledger::best(a, "ssid")) ev["ssid"] = s->value;
  if (const FactRecord* s = Ledger::best(a, "wlan_probe_ssid")) ev["probe_ssid"] = s->value;
  c.add("wireless", a, "", "wireless", std::move(ev), "wireless:" + k, a.first_us, a.last_us);
}

// The zone of one end of a conversation is the endpoint's own (the VLANs its
// station sends on, else its addresses against the zones' subnets), not the
// VLAN of the copy the mirror saw: a routed packet is copied on the sender's
// VLAN and again on the receiver's. An endpoint in several zones (a router, a
// bridging host) is narrowed to the zones of the VLAN the edge was seen on.
std::vector<std::string> endpoint_zones(const ZonePolicy& z, const Asset& a, std::uint16_t vlan) {
  std::vector<std::string> own = z.zones_of(a);
  if (own.size() <= 1) return own;
  std::vector<std::string> narrowed;
  for (const auto& n : z.zones_of(a, vlan))
    if (std::find(own.begin(), own.end(), n) != own.end()) narrowed.push_back(n);
  return narrowed.empty() ? own : narrowed;
}

// One host with a network card in two zones: two stations announcing the same
// host name from different zones. It bridges the zones whatever the firewall
// between them allows (3-5).
void check_dual_homed(Context& c, const ZonePolicy& z) {
  const auto& assets = c.ledger.assets();
  std::vector<std::vector<AssetIndex>> groups;
  if (c.policy.host_groups == nullptr) {
    groups = c.ledger.same_host_groups();
  } else {
    // A part's: the whole ledger's groups, of the devices the part holds.
    for (const auto& ids : *c.policy.host_groups) {
      std::vector<AssetIndex> g;
      for (const auto& id : ids)
        if (const AssetIndex i = c.ledger.index_of(id); i != kNoAsset) g.push_back(i);
      if (g.size() > 1) groups.push_back(std::move(g));
    }
  }
  for (const auto& g : groups) {
    for (std::size_t i = 0; i < g.size(); ++i) {
      for (std::size_t j = i + 1; j < g.size(); ++j) {
        const Asset& x = assets[g[i]];
        const Asset& y = assets[g[j]];
        const auto xz = z.zones_of(x), yz = z.zones_of(y);
        if (xz.empty() || yz.empty()) continue;
        bool shared = false;
        for (const auto& n : xz) shared = shared || std::find(yz.begin(), yz.end(), n) != yz.end();
        if (shared) continue;
        const FactRecord* name = Ledger::best(x, field::hostname);
        c.add("cross_zone", x, "dual:" + y.id, "cross_zone_dual",
              {{"host", name != nullptr ? name->value : Ledger::announced_host_name(x)},
               {"zone_a", xz.front()},
               {"device_a", label(x)},
               {"zone_b", yz.front()},
               {"device_b", label(y)}},
              "dual:" + xz.front() + "|" + yz.front() + ":" + y.id, std::min(x.first_us, y.first_us),
              std::max(x.last_us, y.last_us));
      }
    }
  }
}

void check_zones(Context& c) {
  const ZonePolicy* z = c.policy.zones;
  if (z == nullptr || z->zones.empty()) return;
  for (const auto& a : c.ledger.assets()) {
    // A router has an interface in every zone it routes for: that is its job.
    if (a.router || c.klass(a) == "router") continue;
    const auto zs = z->zones_of(a);
    if (zs.size() < 2) continue;
    std::string list;
    for (const auto& n : zs) list += (list.empty() ? "" : ", ") + n;
    c.add("cross_zone", a, "multi:" + list, "cross_zone_multi", {{"device", label(a)}, {"zones", zs}},
          "multi:" + list, a.first_us, a.last_us, "medium");
  }
  check_dual_homed(c, *z);
  for (const auto& e : c.ledger.edges()) {
    if (e.merged_into != kNoEdge || e.packets == 0) continue;
    const Asset* from = c.asset(e.from_id);
    const Asset* to = c.asset(e.to_id);
    if (from == nullptr || to == nullptr) continue;
    // From the initiator's zone to the responder's.
    const auto fz = endpoint_zones(*z, *from, e.vlan), tz = endpoint_zones(*z, *to, e.vlan);
    if (fz.empty() || tz.empty()) continue;
    bool ok = false;
    for (const auto& f : fz)
      for (const auto& t : tz) ok = ok || z->allows(f, t, e.protocol);
    if (ok) continue;
    c.add("cross_zone", *from, "edge:" + e.to_id + "|" + e.protocol + "|" + std::to_string(e.port),
          "cross_zone_edge",
          {{"from", label(*from)},
           {"from_zone", fz.front()},
           {"to", label(*to)},
           {"to_zone", tz.front()},
           {"protocol", e.protocol},
           {"port", e.port},
           {"packets", e.packets}},
          fz.front() + ">" + tz.front() + ":" + e.protocol, e.first_us, e.last_us);
  }
}

// A client's writes of one operation to one server: new_writer is judged per
// (client, server, protocol, operation name), over every edge and op entry that
// carries it (several ports or VLANs; codes that share a name, as KV host link
// WR and WRS both write_dm), so it is one finding dated by the first write.
struct Writes {
  const Asset* from = nullptr;
  const Asset* to = nullptr;
  std::string key;  // "<to>|<protocol>|<name>": the finding's key within the client
  std::string protocol, name;
  std::int64_t conversation_first_us = 0;  // the earliest edge that carries the writes
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t count = 0;
};

// `writes` is keyed by client id and the finding's key.
void check_new_writers(Context& c, const std::map<std::string, Writes>& writes) {
  for (const auto& entry : writes) {
    const Writes& w = entry.second;
    const std::string& key = w.key;
    if (w.first_us - w.conversation_first_us <= c.policy.learning_period_us) continue;
    c.add("new_writer", *w.from, "write:" + key, "new_writer",
          {{"protocol", w.protocol},
           {"operation", w.name},
           {"server", label(*w.to)},
           {"first", when(w.first_us)},
           {"delay_s", fmt::format("{:.0f}", static_cast<double>(w.first_us - w.conversation_first_us) / 1e6)},
           {"conversation_first", when(w.conversation_first_us)},
           {"count", w.count}},
          "write:" + key, w.first_us, w.last_us);
  }
}

void check_edges(Context& c) {
  std::map<std::string, Writes> writes;  // by client id and finding key
  for (const auto& e : c.ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;
    const Asset* from = c.asset(e.from_id);
    const Asset* to = c.asset(e.to_id);
    if (from == nullptr || to == nullptr) continue;
    const bool ext_from = is_external(*from), ext_to = is_external(*to);
    const Asset& inside = ext_from ? *to : *from;
    const Asset& outside = ext_from ? *from : *to;
    const std::string dir = ext_from ? "from" : "to";
    const EdgeService svc = edge_service(e);
    const auto port = [&] { return port_values(e.transport, e.port, svc.name); };
    const std::uint8_t uses = service_uses(svc.name);
    if ((uses & kRemoteAccess) != 0 && (ext_from || ext_to)) {
      const char* kind = svc.by_port ? (ext_from ? "remote_port_in" : "remote_port_out")
                                     : (ext_from ? "remote_proto_in" : "remote_proto_out");
      nlohmann::json ev = {{"outside", label(outside)}, {"inside", label(inside)},  {"packets", e.packets},
                           {"first", when(e.first_us)}, {"last", when(e.last_us)}};
      if (svc.by_port) {
        ev["port"] = port();
      } else {
        ev["protocol"] = e.protocol;
        ev["port"] = e.port;
      }
      c.add("remote_access", inside, "remote:" + outside.id + "|" + std::string(svc.name), kind, std::move(ev),
            "remote:" + std::string(svc.name) + ":" + outside.id, e.first_us, e.last_us);
    } else if ((uses & kMail) != 0 && !ext_from) {
      c.add("internet", *from, "mail:" + e.to_id, svc.by_port ? "mail_port" : "mail_proto",
            svc.by_port ? nlohmann::json{{"port", port()}, {"server", label(*to)}, {"packets", e.packets}}
                        : nlohmann::json{{"protocol", e.protocol},
                                         {"port", e.port},
                                         {"server", label(*to)},
                                         {"packets", e.packets}},
            "mail:" + e.to_id, e.first_us, e.last_us);
    } else if (ext_to && !ext_from && !ot_reason(c, *from).empty()) {
      c.add("internet", *from, "net:" + e.to_id + "|" + e.protocol, "internet_public",
            {{"ot", ot_why(c, *from)},
             {"protocol", e.protocol},
             {"port", e.port},
             {"server", label(*to)},
             {"packets", e.packets}},
            "net:" + e.protocol + ":" + e.to_id, e.first_us, e.last_us);
    }
    if ((uses & kCleartextLogin) != 0) {
      c.add("insecure", *to, "cleartext:" + std::string(svc.name), svc.by_port ? "cleartext_port" : "cleartext_proto",
            svc.by_port ? nlohmann::json{{"port", port()}, {"client", label(*from)}}
                        : nlohmann::json{{"protocol", e.protocol}, {"port", e.port}, {"client", label(*from)}},
            "cleartext:" + std::string(svc.name), e.first_us, e.last_us);
    }
    for (const auto& op : e.ops) {
      const std::string key = e.to_id + "|" + op.protocol + "|" + op.name;
      if (op.is_control) {
        c.add("control", *from, "control:" + key, "control",
              {{"protocol", op.protocol},
               {"operation", op.name},
               {"code", op.code},
               {"server", label(*to)},
               {"count", op.count},
               {"first", when(op.first_us)},
               {"last", when(op.last_us)}},
              "control:" + key, op.first_us, op.last_us);
      }
      if (!op.is_write) continue;
      auto [it, fresh] = writes.try_emplace(e.from_id + "|" + key);
      Writes& w = it->second;
      if (fresh) w = Writes{from, to, key, op.protocol, op.name, e.first_us, op.first_us, op.last_us, 0};
      w.conversation_first_us = std::min(w.conversation_first_us, e.first_us);
      w.first_us = std::min(w.first_us, op.first_us);
      w.last_us = std::max(w.last_us, op.last_us);
      w.count += op.count;
    }
  }
  check_new_writers(c, writes);
}

void check_security_facts(Context& c, const Asset& a) {
  for (const auto& f : a.facts) {
    if (f.field != "security") continue;
    c.add("insecure", a, "security:" + f.value, "security_fact",
          {{"fact", f.value},
           {"source", f.source},
           {"count", f.count},
           {"first", when(f.first_us)},
           {"last", when(f.last_us)}},
          "security:" + f.value, f.first_us, f.last_us);
  }
}

void check_remote_gateway(Context& c, const Asset& a) {
  if (c.klass(a) != "remote_access_gateway" || c.approved(a)) return;
  const Classification k = classify(c.ledger, a, *c.links);
  // The class rule's reason as evidence, rendered in the reader's language.
  nlohmann::json why = k.reason_values.empty() ? nlohmann::json{{"kind", "ot.classed"}, {"class", "remote_access_gateway"}}
                                               : k.reason_values.front();
  c.add("remote_access", a, "gateway", "remote_gateway", {{"device", label(a)}, {"why", std::move(why)}}, "gateway",
        a.first_us, a.last_us);
  c.out.back().unlisted = true;
}

// Names a device looked up (DNS) or opened TLS to that belong to remote-access
// brokers, remote-support tools, tunnels or device clouds (remote_services.cpp):
// one finding per device and service, whether or not the connection itself
// crossed the mirror port.
void check_remote_names(Context& c, const Asset& a) {
  if (is_external(a)) return;
  std::map<std::string, std::vector<const FactRecord*>> by_service;
  for (const auto& f : a.facts) {
    if (f.field != "dns_query" && f.field != "tls_client_sni") continue;
    if (const auto s = remote_service(f.value)) {
      auto& v = by_service[std::string(s->service) + "|" + std::string(s->kind)];
      if (v.size() < 4) v.push_back(&f);
    }
  }
  for (const auto& [key, facts] : by_service) {
    const std::string service = key.substr(0, key.find('|'));
    const std::string kind = key.substr(key.find('|') + 1);
    nlohmann::json names = nlohmann::json::array();
    std::int64_t first = facts.front()->first_us, last = facts.front()->last_us;
    for (const auto* f : facts) {
      names.push_back(
          {{"kind", f->field == "dns_query" ? "lookup.dns" : "lookup.tls"}, {"name", f->value}, {"count", f->count}});
      first = std::min(first, f->first_us);
      last = std::max(last, f->last_us);
    }
    c.add("remote_access", a, "service:" + service, "remote_service",
          {{"device", label(a)}, {"class", c.klass(a)}, {"service", service}, {"service_kind", kind}, {"names", names}},
          "service:" + service, first, last);
  }
}

// A name that only resolves inside the plant: single-label, mDNS, reverse
// lookups, and the suffixes reserved or customary for private networks.
bool local_name(std::string_view n) {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  if (n.find('.') == std::string_view::npos) return true;
  static constexpr std::array<string_view, 8> kLocal = {".local", ".lan", ".home.arpa", ".internal", ".in-addr.arpa",
                                                        ".ip6.arpa", ".localdomain", ".intranet"};
  for (string_view suffix : kLocal) {
    if (n.size() < suffix.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < suffix.size() && same; ++i) {
      char ch = n[n.size() - suffix.size() + i];
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      same = ch == suffix[i];
    }
    if (same) return true;
  }
  return false;
}

// OT equipment that asks DNS for public names intends to reach the internet
// (2-3), even when the connection itself is not on the mirrored ports.
void check_public_lookups(Context& c, const Asset& a) {
  if (is_external(a)) return;
  const nlohmann::json ot = ot_why(c, a);
  if (ot.is_null()) return;
  std::vector<const FactRecord*> names;
  std::size_t total = 0;
  for (const auto& f : a.facts) {
    if (f.field != "dns_query" || local_name(f.value) || remote_service(f.value)) continue;
    ++total;
    if (names.size() < 5) names.push_back(&f);
  }
  if (names.empty()) return;
  nlohmann::json list = nlohmann::json::array();
  std::int64_t first = names.front()->first_us, last = names.front()->last_us;
  for (const auto* f : names) {
    list.push_back({{"kind", "dns_name"}, {"name", f->value}, {"count", f->count}});
    first = std::min(first, f->first_us);
    last = std::max(last, f->last_us);
  }
  nlohmann::json ev = {{"ot", ot}, {"names", std::move(list)}};
  if (total > names.size()) ev["more"] = total - names.size();
  c.add("internet", a, "dns", "public_dns", std::move(ev), "dns", first, last);
}

// --- vulnerable ------------------------------------------------------------

// How far a remediation state has come: the finding shows the least advanced
// of its CVEs' states (a CVE without a stored state is not remediated).
int state_rank(string_view s) {
  if (s == "in_progress") return 1;
  if (s == "compensated") return 2;
  if (s == "remediated" || s == "not_affected") return 3;
  return 0;
}

bool has_non_ascii(string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; });
}

bool lists(const std::vector<std::string>& ids, const std::set<std::string>& products) {
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return products.count(id) != 0; });
}

// The CSAF remediation categories, each a "remediation." kind of the catalog.
constexpr std::array<string_view, 7> kRemediationCategories = {
    "vendor_fix", "mitigation", "workaround", "no_fix_planned", "none_available", "fix_planned", "optional_patch"};

// The vendor's remediation for these products: a fix before a mitigation or a
// workaround, in Japanese when the advisory gives one. Sets `e.remediation`
// (the text as the finding's JSON gives it) and `e.remediation_values` (the
// same as evidence: its category named in the reader's language, the vendor's
// own words as they are).
void remediation_for(AdvisoryEvidence& e, const std::vector<const advisories::Vulnerability*>& vulns,
                            const std::set<std::string>& products) {
  const advisories::Remediation* best = nullptr;
  auto rank = [](const advisories::Remediation& r) {
    int k = r.category == "vendor_fix" ? 3 : r.category == "mitigation" ? 2 : r.category == "workaround" ? 1 : 0;
    return k * 2 + (has_non_ascii(r.details) ? 1 : 0);
  };
  for (const auto* v : vulns)
    for (const auto& r : v->remediations) {
      if (!r.product_ids.empty() && !lists(r.product_ids, products)) continue;
      if (r.details.empty() && r.url.empty()) continue;
      if (best == nullptr || rank(r) > rank(*best)) best = &r;
    }
  if (best == nullptr) return;
  std::string text = best->details;
  if (!best->url.empty()) text += (best->details.empty() ? "" : " ") + best->url;
  e.remediation = best->category.empty() ? text : best->category + ": " + text;
  if (best->category.empty() || in(kRemediationCategories, best->category))
    e.remediation_values = best->category.empty() ? nlohmann::json(text)
                                                  : nlohmann::json{{"kind", "remediation." + best->category},
                                                                   {"text", text}};
}

// A vulnerable finding's evidence values (kind "vulnerable" of the catalog,
// evidence.hpp), from what it says about its advisory.
nlohmann::json vulnerable_values(const AdvisoryEvidence& e) {
  nlohmann::json evidence = {{"advisory", e.advisory},
                             {"title", e.title},
                             {"cves", e.cves},
                             {"why", e.why_values.is_null() ? nlohmann::json(e.why) : e.why_values}};
  if (e.cvss >= 0) {
    evidence["cvss"] = fmt::format("{:.1f}", e.cvss);
    evidence["cvss_vector"] = e.cvss_vector;
  }
  if (e.confidence == "confirmed" || e.confidence == "possible")
    evidence["confidence"] = {{"kind", "confidence." + e.confidence}};
  else
    evidence["confidence"] = e.confidence;
  evidence["published"] = e.published;
  evidence["remediation"] = e.remediation_values.is_null() ? nlohmann::json(e.remediation) : e.remediation_values;
  if (!e.state.empty() && e.state != "open") {
    if (is_remediation_state(e.state))
      evidence["state"] = {{"kind", "state." + e.state}};
    else
      evidence["state"] = e.state;
  }
  return evidence;
}

// The remediation rule (findings.hpp apply_remediation); `state_of(cve)` is the
// stored state of that CVE of this finding's asset and advisory, or null.
template <typename StateOf>
void set_remediation_state(Finding& f, StateOf&& state_of) {
  int rank = 4;
  const RemediationState* latest = nullptr;
  std::string least;
  for (const auto& k : f.vuln.cves) {
    const RemediationState* st = state_of(k);
    const std::string_view s = st == nullptr ? string_view("not_remediated") : string_view(st->state);
    if (st != nullptr && (latest == nullptr || st->when_us >= latest->when_us)) latest = st;
    if (state_rank(s) < rank || (state_rank(s) == 3 && s == "remediated")) {
      rank = state_rank(s);
      least = std::string(s);
    }
  }
  f.vuln.state = rank == 0 || rank == 4 ? "open" : least;
  f.comment = rank > 0 && rank < 4 && latest != nullptr ? latest->comment : std::string();  // the state's comment
  f.acknowledged = rank == 3;  // remediated or not affected: kept, quiet
  f.set_evidence_values(vulnerable_values(f.vuln));
  f.evidence = render_evidence(f.evidence_kind, f.evidence_values(), "en");
}

void check_vulnerable(Context& c) {
  const FindingsPolicy& p = c.policy;
  if (p.advisories == nullptr || p.advisories->empty()) return;
  std::vector<advisories::DeviceIdentity> devices;
  for (const auto& a : c.ledger.assets()) {
    advisories::DeviceIdentity d = advisories::identity_of(a);
    if (!d.vendor_key.empty()) devices.push_back(std::move(d));
  }
  const std::vector<advisories::Match> matches = advisories::match(devices, *p.advisories);
  std::map<string_view, const advisories::Advisory*> docs;
  for (const auto& d : *p.advisories) docs.emplace(d.id, &d);
  std::map<std::tuple<string_view, string_view, string_view>, const RemediationState*> states;
  if (p.remediation != nullptr)
    for (const auto& r : *p.remediation) states[{r.asset_id, r.advisory_id, r.cve}] = &r;

  // One finding per asset and advisory: the products it matched, the best confidence.
  struct Pair {
    std::set<std::string> products;
    advisories::Confidence confidence = advisories::Confidence::possible;
    std::string why;
    nlohmann::json why_values;
  };
  std::map<std::pair<std::string, std::string>, Pair> pairs;
  for (const auto& m : matches) {
    Pair& x = pairs[{m.asset_id, m.advisory_id}];
    const bool better = x.products.empty() || m.confidence > x.confidence;
    x.products.insert(m.product_id);
    if (better) {
      x.confidence = m.confidence;
      x.why = m.why;
      x.why_values = m.why_values;
    }
  }
  for (const auto& [key, x] : pairs) {
    const Asset* a = c.asset(key.first);
    auto doc_it = docs.find(key.second);
    if (a == nullptr || doc_it == docs.end()) continue;
    const advisories::Advisory& doc = *doc_it->second;
    std::vector<const advisories::Vulnerability*> vulns;
    for (const auto& v : doc.vulnerabilities)
      if (lists(v.known_affected, x.products)) vulns.push_back(&v);
    if (vulns.empty()) continue;  // the products are named, but no vulnerability lists them as affected

    AdvisoryEvidence e;
    e.advisory = doc.id;
    e.title = doc.title;
    e.confidence = std::string(advisories::to_string(x.confidence));
    e.why = x.why;
    e.why_values = x.why_values;
    e.published = doc.initial_release;
    for (const auto* v : vulns) {
      const std::string k = remediation_key(*v);
      if (std::find(e.cves.begin(), e.cves.end(), k) == e.cves.end()) e.cves.push_back(k);
      if (v->cvss_base > e.cvss) {
        e.cvss = v->cvss_base;
        e.cvss_vector = v->cvss_vector;
      }
    }
    remediation_for(e, vulns, x.products);
    std::string cves;
    for (const auto& k : e.cves) cves += (cves.empty() ? "" : ",") + k;
    const std::string material = fmt::format("{}|{}|{}", doc.id, e.confidence, cves);

    std::int64_t first = a->first_us;
    if (p.advisory_imported_us != nullptr)
      if (auto it = p.advisory_imported_us->find(doc.id); it != p.advisory_imported_us->end())
        first = std::max(first, it->second);
    const bool high = e.cvss >= kVulnerableHighCvss;
    c.add("vulnerable", *a, doc.id, "vulnerable", vulnerable_values(e), material, first, a->last_us,
          high ? "high" : "medium");
    Finding& f = c.out.back();
    f.vuln = std::move(e);
    set_remediation_state(f, [&](const std::string& cve) -> const RemediationState* {
      auto st = states.find({a->id, doc.id, cve});
      return st == states.end() ? nullptr : st->second;
    });
  }
}

}  // namespace

bool is_ot_protocol(std::string_view protocol) noexcept { return ot_protocol(protocol); }
bool is_ot_class(std::string_view device_class) noexcept { return in(kOtClasses, device_class); }
bool is_remote_access(const Edge& e) noexcept { return (service_uses(edge_service(e).name) & kRemoteAccess) != 0; }
bool is_cleartext_login(const Edge& e) noexcept {
  return (service_uses(edge_service(e).name) & kCleartextLogin) != 0;
}
bool is_public_ip(const IpAddr& ip) noexcept { return is_public(ip); }
bool is_external_asset(const Asset& a) { return is_external(a); }
std::string asset_label(const Asset& a) { return label(a); }

bool is_remediation_state(std::string_view s) noexcept {
  return std::find(std::begin(kRemediationStates), std::end(kRemediationStates), s) != std::end(kRemediationStates);
}

std::string remediation_key(const advisories::Vulnerability& v) {
  if (!v.cve.empty()) return v.cve;
  return v.ids.empty() ? std::string("-") : v.ids.front();
}

std::string_view severity_of(std::string_view type) noexcept {
  for (const auto& r : kSeverities)
    if (r.type == type) return r.severity;
  return "medium";
}

std::string_view item_of(std::string_view type) noexcept {
  for (const auto& r : kSeverities)
    if (r.type == type) return r.item;
  return "";
}

std::string finding_id(std::string_view type, std::string_view asset, std::string_view key) {
  return fmt::format("f-{:016x}", fnv1a(std::string(type) + "|" + std::string(asset) + "|" + std::string(key)));
}

std::string material_hash(std::string_view material) { return fmt::format("{:016x}", fnv1a(material)); }

namespace {

// compute_findings of the devices `own` (null: all of them).
std::vector<Finding> findings_of(const Ledger& ledger, const FindingsPolicy& policy,
                                 const std::unordered_set<std::string>* own) {
  Context c{ledger, policy, {}, {}, nullptr, {}};
  c.inbound.resize(ledger.assets().size());
  for (const auto& e : ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;
    const AssetIndex to = ledger.index_of(e.to_id);
    if (to != kNoAsset) c.inbound[to].push_back(&e);
  }
  const AssetLinks links(ledger);
  c.links = &links;
  // Classified once; in a part, only its own devices (the others' findings are not kept).
  c.cls.reserve(ledger.assets().size());
  for (const auto& a : ledger.assets())
    c.cls.push_back(own == nullptr || own->count(a.id) != 0 ? classify(ledger, a, links).device_class : "unknown");
  for (const auto& a : ledger.assets()) {
    if (own != nullptr && own->count(a.id) == 0) continue;  // its findings are not kept
    // A device seen only through others is hidden, not merely unapproved.
    if (!check_indirect(c, a)) check_approval(c, a);
    check_wireless(c, a);
    check_security_facts(c, a);
    check_remote_gateway(c, a);
    check_remote_names(c, a);
    check_public_lookups(c, a);
  }
  check_zones(c);
  check_edges(c);
  check_vulnerable(c);
  // One finding per id (several edges can yield the same key): keep the widest times.
  std::map<std::string, std::size_t> seen;
  std::vector<Finding> out;
  for (auto& f : c.out) {
    if (own != nullptr && own->count(f.asset) == 0) continue;
    auto it = seen.find(f.id);
    if (it == seen.end()) {
      seen.emplace(f.id, out.size());
      out.push_back(std::move(f));
      continue;
    }
    Finding& g = out[it->second];
    g.first_us = std::min(g.first_us, f.first_us);
    g.last_us = std::max(g.last_us, f.last_us);
  }
  sort_findings(out);
  return out;
}

}  // namespace

std::vector<Finding> compute_findings(const Ledger& ledger, const FindingsPolicy& policy) {
  return findings_of(ledger, policy, nullptr);
}

std::vector<Finding> compute_findings(const Ledger& part, const FindingsPolicy& policy,
                                      const std::unordered_set<std::string>& own) {
  return findings_of(part, policy, &own);
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.type != b.type) return a.type < b.type;
    return a.id < b.id;
  });
}

void apply_acks(std::vector<Finding>& findings, const std::vector<Ack>& acks) {
  // By id, in the order given (a later acknowledgement's comment wins): a
  // console's bulk acknowledgement of thousands must not cost findings x acks.
  std::unordered_map<string_view, std::vector<const Ack*>> by_id;
  for (const auto& a : acks) by_id[a.id].push_back(&a);
  for (auto& f : findings) {
    const auto it = by_id.find(f.id);
    if (it == by_id.end()) continue;
    const std::string h = material_hash(f.material);
    for (const Ack* a : it->second) {
      if (a->material_hash != h) continue;
      f.acknowledged = true;
      f.comment = a->comment;
    }
  }
}

void apply_remediation(Finding& f, const std::vector<RemediationState>& states) {
  if (f.type != "vulnerable") return;
  set_remediation_state(f, [&](const std::string& cve) -> const RemediationState* {
    // The last row stored for a key wins, as in compute_findings' index.
    const RemediationState* found = nullptr;
    for (const auto& r : states)
      if (r.asset_id == f.asset && r.advisory_id == f.vuln.advisory && r.cve == cve) found = &r;
    return found;
  });
}

std::vector<HistoryEvent> finding_history(const Finding& f, const std::vector<Ack>& acks) {
  std::vector<HistoryEvent> out;
  out.push_back({"opened", f.first_us, {}, {}, f.evidence_kind, f.evidence_values()});
  const std::string now = material_hash(f.material);
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const Ack& a = acks[i];
    out.push_back({"acknowledged", a.when_us, a.who, a.comment, a.evidence_kind, a.evidence_values});
    const bool last = i + 1 == acks.size();
    if (a.material_hash == (last ? now : acks[i + 1].material_hash)) continue;
    if (last)
      out.push_back({"reopened", 0, {}, {}, f.evidence_kind, f.evidence_values()});
    else
      out.push_back({"reopened", 0, {}, {}, acks[i + 1].evidence_kind, acks[i + 1].evidence_values});
  }
  return out;
}

std::string evidence_text(const Finding& f, std::string_view lang, std::string_view zone) {
  if (f.evidence_kind.empty() || (lang != "ja" && lang != "en")) return f.evidence;
  if (lang == "en" && zone.empty()) return f.evidence;  // rendered from the same template when the finding was made
  return render_evidence(f.evidence_kind, f.evidence_values(), lang, zone);
}

std::string_view finding_state(const Finding& f) noexcept {
  if (f.type == "vulnerable" && !f.vuln.state.empty() && f.vuln.state != "open") return f.vuln.state;
  return f.acknowledged ? "acknowledged" : "open";
}

}  // namespace mieruka::inventory
