// Device classification (see classify.hpp). The rules below run in order; each
// reads the Features gathered once per asset and, when it matches, writes the
// reason shown in "class_reasons". Evidence that supports any class (vendor,
// product, LLDP/SNMP description, web server, OS hint) is appended after it.
#include "inventory/policy/classify.hpp"

#include "inventory/policy/policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <span>
#include <string_view>

#include "dissectors/registry.hpp"
#include "dissectors/wlan_mgmt.hpp"
#include "inventory/policy/evidence.hpp"
#include "inventory/policy/service_ports.hpp"

namespace mieruka::inventory {
namespace {

using std::string_view;

// Remote-maintenance box makers (matched as whole words in vendor/product/name/description).
constexpr std::array<string_view, 9> kRemoteAccessVendors = {
    "eWON", "Tosibox", "Secomea", "INSYS", "Teltonika", "Sierra Wireless", "Digi International", "Digi", "MB connect"};
constexpr std::array<string_view, 4> kCameraVendors = {"Axis", "Hikvision", "Dahua", "Bosch Security"};
constexpr std::array<string_view, 6> kDriveWords = {"drive", "servo", "inverter", "PowerFlex", "SINAMICS", "Motor Starter"};
constexpr std::array<string_view, 5> kMeterWords = {"power meter", "energy meter", "PowerLogic", "SENTRON PAC",
                                                    "Circuit Breaker"};

using dissectors::Ends;
using dissectors::HintMeaning;
using dissectors::ProtocolInfo;

// What a protocol says about its ends (its registry row), none for a name
// without a row ("tcp/554", a port-only service).
Ends ends_of(string_view protocol) noexcept {
  const ProtocolInfo* p = dissectors::protocol_info(protocol);
  return p != nullptr ? p->ends : Ends::none;
}
bool controller_protocol(string_view protocol) noexcept { return ends_of(protocol) == Ends::controller; }

HintMeaning hints_of(string_view source) noexcept {
  const ProtocolInfo* p = dissectors::protocol_info(source);
  return p != nullptr ? p->hints : HintMeaning::identity;
}

bool listed(std::span<const string_view> names, string_view name) noexcept {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Programming or control: the is_control operations of an industrial protocol
// (program download, RUN/STOP, online edits, forcing, file transfer) but those
// a SCADA master sends too, and the reads only engineering software makes
// (program uploads, programming sessions), as the protocol's row lists them.
bool engineering_op(const EdgeOp& op) noexcept {
  const ProtocolInfo* p = dissectors::protocol_info(op.protocol);
  if (p == nullptr) return op.is_control;
  return (op.is_control && !listed(p->routine_controls, op.name)) || listed(p->engineering_reads, op.name);
}

// Opening it marks an IT host: a dissected protocol's row says so, a port-only
// service its ServiceUse.
bool it_client_service(string_view name) noexcept {
  const ProtocolInfo* p = dissectors::protocol_info(name);
  return (p != nullptr && p->it_client) || (service_uses(name) & kItClient) != 0;
}
bool it_server_service(string_view name) noexcept { return (service_uses(name) & kItServer) != 0; }

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool alnum(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool icontains(string_view hay, string_view needle) noexcept {
  if (needle.empty() || hay.size() < needle.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < needle.size() && eq; ++k) eq = lower(hay[i + k]) == lower(needle[k]);
    if (eq) return true;
  }
  return false;
}

// Case-insensitive whole-word match ("Digi" does not match "Digital").
bool has_word(string_view hay, string_view word) noexcept {
  if (word.empty() || hay.size() < word.size()) return false;
  for (std::size_t i = 0; i + word.size() <= hay.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < word.size() && eq; ++k) eq = lower(hay[i + k]) == lower(word[k]);
    if (!eq) continue;
    if ((i == 0 || !alnum(hay[i - 1])) && (i + word.size() == hay.size() || !alnum(hay[i + word.size()]))) return true;
  }
  return false;
}

template <std::size_t N>
bool in(const std::array<string_view, N>& set, string_view s) noexcept {
  return std::find(set.begin(), set.end(), s) != set.end();
}

struct Fact {
  std::string value, source;
  [[nodiscard]] bool empty() const noexcept { return value.empty(); }
};

struct Served {
  std::uint16_t port = 0;
  std::set<std::string> clients;
};

// A tcp/udp edge no dissector confirmed, by the service its port is registered
// for (service_ports.hpp). A port proves no protocol: rules that read these
// judge by port and say so ("tcp port 1194 (registered for openvpn)").
struct ByPort {
  std::string transport;
  std::uint16_t port = 0;
  std::set<std::string> peers;
  [[nodiscard]] nlohmann::json why(string_view service) const { return port_values(transport, port, service); }
};

struct Features {
  const Asset* a = nullptr;
  Fact class_hint, device_type, description, product, vendor, name, http_server, http_realm, os, model;
  std::set<std::string> roles, services;
  // Keyed by confirmed protocol, or "tcp/554" for an edge none confirmed.
  std::map<std::string, Served> served;                   // protocol -> port, client ids
  std::map<std::string, std::set<std::string>> opened;    // protocol -> server ids
  std::map<std::string, std::uint16_t> opened_port;       // protocol -> first port
  std::map<std::string, ByPort> served_by_port, opened_by_port;  // registered service -> port, peers
  std::string control_op;                                 // "s7comm/plc_stop" when any engineering op was sent
  nlohmann::json cpu_reason;  // the CPU's own statement that it is one (a "why." kind and its values)
  std::string cpu_source;
  std::size_t unit_children = 0, route_children = 0;
  std::set<std::string> industrial_targets;               // ids of servers of industrial protocols
  std::string first_target_id;

  [[nodiscard]] bool serves(string_view p) const { return served.count(std::string(p)) != 0; }
  [[nodiscard]] bool opens(string_view p) const { return opened.count(std::string(p)) != 0; }
  [[nodiscard]] bool has_role(string_view r) const { return roles.count(std::string(r)) != 0; }
  // Every identity text in one place, for keyword rules.
  [[nodiscard]] std::array<const std::string*, 6> texts() const {
    return {&vendor.value, &product.value, &name.value, &description.value, &model.value, &http_server.value};
  }
};

Fact best(const Asset& a, string_view field) {
  const FactRecord* r = Ledger::best(a, field);
  if (r == nullptr) return {};
  return {r->value, r->source};
}

// A product, model or order number that names a controller's CPU: Siemens
// "CPU 1516-3 PN/DP", "CPU-1200", "CPU315-2 PN/DP"; Omron "CJ2M-CPU31";
// Mitsubishi "R04ENCPU", "Q03UDECPU"; a SIMATIC CPU's order number "6ES7 516-...",
// "6ES7 214-..." (6ES7 x1y with x 2-5: S7-1200/300/400/1500 and ET 200SP CPUs;
// 6ES7 521, 6ES7 155 and the like are I/O and interface modules).
bool names_cpu(string_view v) noexcept {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() > 3 && v.starts_with("CPU") && (v[3] == ' ' || v[3] == '-' || digit(v[3]))) return true;
  if (const auto at = v.find("-CPU"); at != string_view::npos && at + 4 < v.size() && digit(v[at + 4])) return true;
  if (v.size() > 3 && v.ends_with("CPU") && std::any_of(v.begin(), v.end() - 3, digit)) return true;
  if (!v.starts_with("6ES7")) return false;
  string_view rest = v.substr(4);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest.size() >= 2 && rest[0] >= '2' && rest[0] <= '5' && rest[1] == '1';
}

// A CPU's own statement of what it is: a "plc" class hint from a controller's
// identity (S7 SZL, SLMP type name, FINS controller data, a system description
// row; not PROFINET DCP, whose role bits say what a station does on the bus), a
// CIP device type PLC, or a product/model/order number that names a CPU. The
// best class hint first, so the source shown is the one the ledger ranks highest.
void stated_cpu(const Asset& a, Features& f) {
  auto from_hint = [&](const FactRecord& r) {
    if (r.field != field::class_hint || r.value != "plc" || hints_of(r.source) == HintMeaning::bus_role) return false;
    f.cpu_reason = {{"kind", "why.says_class"}, {"class", "plc"}, {"source", r.source}};
    f.cpu_source = r.source;
    return true;
  };
  if (const FactRecord* best_hint = Ledger::best(a, field::class_hint); best_hint != nullptr && from_hint(*best_hint))
    return;
  for (const FactRecord& r : a.facts)
    if (from_hint(r)) return;
  if (icontains(f.device_type.value, "Programmable Logic Controller")) {  // CIP Identity device type 0x0E
    f.cpu_reason = {{"kind", "why.device_type"}, {"type", f.device_type.value}, {"source", f.device_type.source}};
    f.cpu_source = f.device_type.source;
    return;
  }
  for (const FactRecord& r : a.facts) {
    if (r.field != field::product && r.field != field::model && r.field != field::product_code) continue;
    if (!names_cpu(r.value)) continue;
    f.cpu_reason = {{"kind", "why.names_cpu"}, {"field", r.field}, {"value", r.value}, {"source", r.source}};
    f.cpu_source = r.source;
    return;
  }
}

// `links` null: scan every edge and asset (one asset classified).
Features gather(const Ledger& ledger, const Asset& a, const AssetLinks* links) {
  Features f;
  f.a = &a;
  f.class_hint = best(a, field::class_hint);
  f.device_type = best(a, field::device_type);
  f.description = best(a, field::description);
  f.product = best(a, field::product);
  f.vendor = best(a, field::vendor);
  f.name = best(a, field::name);
  // The approved list's name (a read-time overlay) is the plant's word, not the
  // device's: no class is read from it.
  if (f.name.source == kApprovedSource) f.name = {};
  f.model = best(a, field::model);
  f.http_server = best(a, "http_server");
  f.http_realm = best(a, "http_realm");
  f.os = best(a, field::os);
  for (const FactRecord& r : a.facts) {
    if (r.field == field::role) f.roles.insert(r.value);
    if (r.field == field::service) f.services.insert(r.value);
  }
  stated_cpu(a, f);
  auto visit = [&](const Edge& e) {
    const bool confirmed = e.protocol != e.transport;
    const std::string key = confirmed ? e.protocol : e.protocol + "/" + std::to_string(e.port);
    const string_view registered = port_service(e);
    if (e.to_id == a.id) {
      Served& s = f.served[key];
      if (s.port == 0) s.port = e.port;
      s.clients.insert(e.from_id);
      if (!registered.empty()) {
        auto [it, added] = f.served_by_port.try_emplace(std::string(registered), ByPort{e.transport, e.port, {}});
        it->second.peers.insert(e.from_id);
      }
    }
    if (e.from_id != a.id) return;
    f.opened[key].insert(e.to_id);
    f.opened_port.emplace(key, e.port);
    if (!registered.empty()) {
      auto [it, added] = f.opened_by_port.try_emplace(std::string(registered), ByPort{e.transport, e.port, {}});
      it->second.peers.insert(e.to_id);
    }
    const Ends ends = ends_of(e.protocol);
    if (ends == Ends::controller || ends == Ends::cyclic_io) {
      if (f.industrial_targets.empty()) f.first_target_id = e.to_id;
      f.industrial_targets.insert(e.to_id);
    }
    if (ends != Ends::controller) return;  // a PROFINET controller names its devices by DCP Set
    for (const EdgeOp& op : e.ops)
      if (engineering_op(op) && f.control_op.empty()) f.control_op = op.protocol + "/" + op.name;
  };
  auto child = [&](const Asset& c) {
    if (c.route.starts_with("unit:")) ++f.unit_children;
    else ++f.route_children;
  };
  const AssetIndex self = links != nullptr ? ledger.index_of(a) : kNoAsset;
  if (self == kNoAsset) {
    for (const Edge& e : ledger.edges())
      if (e.merged_into == kNoEdge && (e.to_id == a.id || e.from_id == a.id)) visit(e);
    for (const Asset& c : ledger.assets())
      if (c.parent_id == a.id) child(c);
    return f;
  }
  for (const EdgeIndex e : links->edges_of(self)) visit(ledger.edges()[e]);
  for (const AssetIndex c : links->children_of(self)) child(ledger.assets()[c]);
  return f;
}

std::string peer_text(const Ledger& ledger, const std::string& id) {
  const AssetIndex i = ledger.index_of(id);
  if (i == kNoAsset) return id;
  const Asset& p = ledger.assets()[i];
  if (p.key_ip) return p.key_ip->to_string();
  if (!p.ips.empty()) return p.ips.front().ip.to_string();
  if (p.mac) return p.mac->to_string();
  return id;
}

std::string_view source_label(const std::string& s) {
  const ProtocolInfo* p = dissectors::protocol_info(s);
  return p != nullptr && !p->label.empty() ? p->label : std::string_view(s);
}

// --- rules -------------------------------------------------------------------------

// A rule's reason is evidence: a "why." kind of the catalog (evidence.cpp) and
// its values, rendered in the reader's language.
using Why = nlohmann::json;
using MatchFn = bool (*)(const Ledger&, const Features&, Why& reason);

// What decided a rule: a single fact's source, or the rule table itself.
enum class Decided : std::uint8_t { by_rules, by_class_hint, by_device_type, by_cpu_identity };

struct Rule {
  string_view device_class;
  MatchFn match;
  Decided decided = Decided::by_rules;
};

bool infra_hint(const Features& f, string_view cls, Why& reason) {
  if (f.class_hint.value != cls) return false;
  // LLDP/CDP capabilities, or (for access points) 802.11 beacons.
  const HintMeaning hints = hints_of(f.class_hint.source);
  const bool beacons = cls == "wireless_ap" && hints == HintMeaning::beacons;
  if (hints != HintMeaning::capabilities && !beacons) return false;
  reason = beacons ? Why{{"kind", "why.beacons"}}
                   : Why{{"kind", "why.capabilities"}, {"source", source_label(f.class_hint.source)}, {"class", cls}};
  return true;
}

bool r_stated_cpu(const Ledger&, const Features& f, Why& r) {
  if (f.cpu_reason.is_null()) return false;
  r = f.cpu_reason;
  return true;
}

bool r_switch(const Ledger&, const Features& f, Why& r) { return infra_hint(f, "switch", r); }
bool r_wireless_ap(const Ledger&, const Features& f, Why& r) { return infra_hint(f, "wireless_ap", r); }

bool r_router(const Ledger&, const Features& f, Why& r) {
  if (f.a->router) {
    r = {{"kind", "why.routing"}};
    return true;
  }
  return infra_hint(f, "router", r);
}

bool r_remote_vendor(const Ledger&, const Features& f, Why& r) {
  for (const std::string* t : f.texts()) {
    for (string_view v : kRemoteAccessVendors) {
      if (!has_word(*t, v)) continue;
      r = {{"kind", "why.remote_maker"}, {"text", *t}};
      return true;
    }
  }
  return false;
}

bool device_type_is(const Features& f, std::initializer_list<string_view> words, Why& r) {
  for (string_view w : words) {
    if (!icontains(f.device_type.value, w)) continue;
    r = {{"kind", "why.device_type"}, {"type", f.device_type.value}, {"source", f.device_type.source}};
    return true;
  }
  return false;
}

bool r_dt_drive(const Ledger&, const Features& f, Why& r) {
  return device_type_is(f, {"Drive", "Servo", "Motor Starter", "Soft Start"}, r);
}
bool r_dt_hmi(const Ledger&, const Features& f, Why& r) {
  return device_type_is(f, {"Human-Machine Interface"}, r);
}
bool r_dt_adapter(const Ledger&, const Features& f, Why& r) {
  if (!f.a->parent_id.empty()) return false;
  bool io_target = false;
  for (const ProtocolInfo& p : dissectors::protocols())
    if (p.ends == Ends::cyclic_io)
      io_target = io_target || f.serves(p.name) || (!p.server_role.empty() && f.has_role(p.server_role));
  if (!io_target) return false;
  if (!device_type_is(f, {"Communications Adapter", "Generic Device"}, r)) return false;
  r["kind"] = "why.device_type_io";
  return true;
}

bool keyword(const Features& f, string_view what, const auto& words, Why& r) {
  for (const std::string* t : f.texts()) {
    for (string_view w : words) {
      if (!icontains(*t, w)) continue;
      r = {{"kind", what}, {"text", *t}};
      return true;
    }
  }
  if (device_type_is(f, {"Circuit Breaker"}, r) && what == "why.meter_word") return true;
  return false;
}

bool r_meter(const Ledger&, const Features& f, Why& r) { return keyword(f, "why.meter_word", kMeterWords, r); }
bool r_drive_words(const Ledger&, const Features& f, Why& r) {
  // Only for devices that serve an industrial protocol: "drive" in a PC's name means nothing.
  bool serves_ics = false;
  for (const auto& [p, s] : f.served) serves_ics = serves_ics || controller_protocol(p);
  return serves_ics && keyword(f, "why.drive_word", kDriveWords, r);
}

bool r_class_hint(const Ledger&, const Features& f, Why& r) {
  static constexpr std::array<string_view, 6> kProtocolHints = {"plc", "protocol_gateway", "hmi", "io_adapter",
                                                                "drive", "meter"};
  if (!in(kProtocolHints, f.class_hint.value)) return false;
  r = {{"kind", "why.says_class"}, {"class", f.class_hint.value}, {"source", f.class_hint.source}};
  return true;
}

bool r_child_io_module(const Ledger& l, const Features& f, Why& r) {
  if (f.a->parent_id.empty() || f.a->route.starts_with("unit:")) return false;
  r = {{"kind", "why.cip_module"}, {"route", f.a->route}, {"parent", peer_text(l, f.a->parent_id)}};
  return true;
}

bool r_child_field_device(const Ledger& l, const Features& f, Why& r) {
  if (f.a->parent_id.empty()) return false;
  r = {{"kind", "why.modbus_unit"}, {"route", f.a->route}, {"parent", peer_text(l, f.a->parent_id)}};
  return true;
}

bool r_modbus_gateway(const Ledger&, const Features& f, Why& r) {
  if (f.unit_children < 2) return false;
  r = {{"kind", "why.modbus_gateway"}, {"count", f.unit_children}};
  return true;
}

bool r_serves_industrial(const Ledger&, const Features& f, Why& r) {
  for (const auto& [p, s] : f.served) {
    if (!controller_protocol(p)) continue;
    r = {{"kind", "why.answers"}, {"protocol", p}, {"port", s.port}};
    return true;
  }
  for (const ProtocolInfo& p : dissectors::protocols()) {
    if (p.ends != Ends::controller || p.server_role.empty() || !f.has_role(p.server_role)) continue;
    r = {{"kind", "why.role"}, {"role", p.server_role}};
    return true;
  }
  return false;
}

bool r_engineering(const Ledger& l, const Features& f, Why& r) {
  if (f.control_op.empty() || f.industrial_targets.empty()) return false;
  r = {{"kind", "why.engineering"}, {"operation", f.control_op}, {"peer", peer_text(l, f.first_target_id)}};
  return true;
}

// Opens a data-access protocol (OPC UA) or carries its client role.
bool collects_data(const Features& f) {
  for (const ProtocolInfo& p : dissectors::protocols()) {
    if (p.ends != Ends::data_access) continue;
    if (f.opens(p.name) || (!p.client_role.empty() && f.has_role(p.client_role))) return true;
  }
  return false;
}

bool r_historian(const Ledger&, const Features& f, Why& r) {
  for (const std::string* t : f.texts()) {
    if (!icontains(*t, "historian")) continue;
    r = {{"kind", "why.historian_name"}, {"text", *t}};
    return true;
  }
  if (!collects_data(f) && f.industrial_targets.empty()) return false;
  for (const auto& [p, s] : f.served) {
    if ((service_uses(p) & kDatabase) == 0) continue;
    r = {{"kind", "why.historian"}, {"service", p}, {"port", s.port}};
    return true;
  }
  for (const auto& [p, b] : f.served_by_port) {
    if ((service_uses(p) & kDatabase) == 0) continue;
    r = {{"kind", "why.historian_port"}, {"service", b.why(p)}};
    return true;
  }
  return false;
}

constexpr std::size_t kScadaTargets = 3;

bool r_scada(const Ledger&, const Features& f, Why& r) {
  if (f.industrial_targets.size() < kScadaTargets) return false;
  r = {{"kind", "why.scada"}, {"count", f.industrial_targets.size()}};
  return true;
}

bool r_hmi(const Ledger& l, const Features& f, Why& r) {
  if (f.industrial_targets.empty()) return false;
  std::string protos;
  for (const auto& [p, ids] : f.opened) {
    if (!controller_protocol(p)) continue;
    if (!protos.empty()) protos += "/";
    protos += p;
  }
  r = {{"kind", "why.hmi"},
       {"protocols", protos},
       {"count", f.industrial_targets.size()},
       {"peer", peer_text(l, f.first_target_id)}};
  return true;
}

bool r_camera(const Ledger&, const Features& f, Why& r) {
  if (f.serves("rtsp")) {
    r = {{"kind", "why.serves"}, {"service", "rtsp"}};
    return true;
  }
  for (const auto& [p, s] : f.served) {
    if (s.port != 554) continue;
    r = {{"kind", "why.serves"}, {"service", "rtsp"}, {"port", 554}};
    return true;
  }
  for (const std::string* t : {&f.vendor.value, &f.http_server.value}) {
    for (string_view v : kCameraVendors) {
      if (!has_word(*t, v)) continue;
      r = {{"kind", "why.camera_maker"}, {"text", *t}};
      return true;
    }
  }
  return false;
}

bool r_printer(const Ledger&, const Features& f, Why& r) {
  for (const auto& [p, s] : f.served) {
    if (s.port != 631 && s.port != 9100 && s.port != 515 && p != "ipp") continue;
    r = {{"kind", "why.printing"}, {"port", s.port}};
    return true;
  }
  for (const std::string& s : f.services) {
    if (!icontains(s, "_ipp") && !icontains(s, "_printer") && !icontains(s, "_pdl-datastream")) continue;
    r = {{"kind", "why.printing_service"}, {"service", s}};
    return true;
  }
  return false;
}

bool r_opcua_server(const Ledger&, const Features& f, Why& r) {
  for (const ProtocolInfo& p : dissectors::protocols()) {
    if (p.ends != Ends::data_access || !f.serves(p.name)) continue;
    r = {{"kind", "why.serves_on"}, {"service", p.name}, {"port", f.served.at(std::string(p.name)).port}};
    return true;
  }
  for (const ProtocolInfo& p : dissectors::protocols()) {
    if (p.ends != Ends::data_access || p.server_role.empty() || !f.has_role(p.server_role)) continue;
    r = {{"kind", "why.role"}, {"role", p.server_role}};
    return true;
  }
  return false;
}

bool r_opcua_client(const Ledger&, const Features& f, Why& r) {
  if (!collects_data(f)) return false;
  r = {{"kind", "why.opcua_client"}};
  return true;
}

bool tunnel(string_view service) noexcept { return (service_uses(service) & kTunnel) != 0; }

bool r_remote_ports(const Ledger&, const Features& f, Why& r) {
  for (const auto& [p, s] : f.served) {
    if (!tunnel(p)) continue;
    r = {{"kind", "why.tunnel_serves"}, {"service", p}, {"port", s.port}};
    return true;
  }
  for (const auto& [p, ids] : f.opened) {
    if (!tunnel(p)) continue;
    r = {{"kind", "why.tunnel_opens"}, {"service", p}, {"count", ids.size()}};
    return true;
  }
  for (const auto& [p, b] : f.served_by_port) {
    if (!tunnel(p)) continue;
    r = {{"kind", "why.tunnel_serves_port"}, {"service", b.why(p)}};
    return true;
  }
  for (const auto& [p, b] : f.opened_by_port) {
    if (!tunnel(p)) continue;
    r = {{"kind", "why.tunnel_opens_port"}, {"service", b.why(p)}, {"count", b.peers.size()}};
    return true;
  }
  return false;
}

bool r_wireless_station(const Ledger&, const Features& f, Why& r) {
  const auto& protocols = f.a->protocols;
  if (std::find(protocols.begin(), protocols.end(), dissectors::wlan_mgmt::kProtocol) == protocols.end()) return false;
  r = {{"kind", "why.wireless"}};
  return true;
}

bool r_it_host(const Ledger&, const Features& f, Why& r) {
  if (icontains(f.os.value, "windows") || icontains(f.os.value, "linux")) {
    r = {{"kind", "why.os"}, {"os", f.os.value}, {"source", f.os.source}};
    return true;
  }
  for (const auto& [p, ids] : f.opened) {
    if (!it_client_service(p)) continue;
    r = {{"kind", "why.it_client"}, {"service", p}};
    return true;
  }
  for (const auto& [p, s] : f.served) {
    if (!it_server_service(p)) continue;
    r = {{"kind", "why.serves"}, {"service", p}};
    return true;
  }
  for (const auto& [p, b] : f.opened_by_port) {
    if (!it_client_service(p)) continue;
    r = {{"kind", "why.it_client"}, {"service", b.why(p)}};
    return true;
  }
  for (const auto& [p, b] : f.served_by_port) {
    if (!it_server_service(p)) continue;
    r = {{"kind", "why.serves"}, {"service", b.why(p)}};
    return true;
  }
  return false;
}

// Priority order: a CPU's own identity, infrastructure, explicit identity (device
// type, protocol class hints), position (behind a parent), what it serves, what it
// opens, then weaker signals. The first match wins. A CPU comes first: its LLDP
// capabilities say "bridge" for its built-in switch ports, it may forward between
// its interfaces, and its PROFINET role may be IO device (an I-device); none of
// that makes it less of a PLC than its own identity says.
constexpr Rule kRules[] = {
    {"plc", &r_stated_cpu, Decided::by_cpu_identity},
    {"switch", &r_switch, Decided::by_class_hint},
    {"wireless_ap", &r_wireless_ap, Decided::by_class_hint},
    // A cellular/VPN box routes, and says so in LLDP: what it is for is remote
    // access, the class the checklist asks about. Its maker's switches stay switches.
    {"remote_access_gateway", &r_remote_vendor},
    {"router", &r_router},
    {"drive", &r_dt_drive, Decided::by_device_type},
    {"hmi", &r_dt_hmi, Decided::by_device_type},
    {"io_adapter", &r_dt_adapter, Decided::by_device_type},
    {"meter", &r_meter},
    {"io_module", &r_child_io_module},
    {"field_device", &r_child_field_device},
    {"protocol_gateway", &r_modbus_gateway},
    {"", &r_class_hint, Decided::by_class_hint},  // class named by the hint itself
    {"drive", &r_drive_words},
    {"plc", &r_serves_industrial},
    {"engineering_workstation", &r_engineering},
    {"historian", &r_historian},
    {"scada_server", &r_scada},
    {"hmi", &r_hmi},
    {"camera", &r_camera},
    {"printer", &r_printer},
    {"remote_access_gateway", &r_remote_ports},
    {"opcua_server", &r_opcua_server},
    {"opcua_client", &r_opcua_client},
    {"wireless_station", &r_wireless_station},
    {"it_host", &r_it_host},
};

void add_evidence(const Features& f, std::vector<Why>& out) {
  if (!f.vendor.empty()) out.push_back({{"kind", "why.vendor"}, {"vendor", f.vendor.value}, {"source", f.vendor.source}});
  if (!f.product.empty())
    out.push_back({{"kind", "why.product"}, {"product", f.product.value}, {"source", f.product.source}});
  if (!f.description.empty())
    out.push_back({{"kind", "why.says"}, {"source", source_label(f.description.source)}, {"text", f.description.value}});
  if (!f.http_server.empty()) out.push_back({{"kind", "why.web_server"}, {"server", f.http_server.value}});
  if (!f.http_realm.empty()) out.push_back({{"kind", "why.web_realm"}, {"realm", f.http_realm.value}});
  if (!f.os.empty()) out.push_back({{"kind", "why.os_fact"}, {"os", f.os.value}, {"source", f.os.source}});
  if (f.opens("smb") || f.opens("rdp")) out.push_back({{"kind", "why.also_it"}});
  else if (f.opened_by_port.count("smb") != 0 || f.opened_by_port.count("rdp") != 0)
    out.push_back({{"kind", "why.also_it_ports"}});
}

}  // namespace

std::optional<int> purdue_level_of(std::string_view c) noexcept {
  static constexpr std::pair<string_view, int> kLevels[] = {
      {"field_device", 0}, {"io_module", 0},        {"drive", 0},
      {"meter", 0},        {"plc", 1},              {"io_adapter", 1},
      {"protocol_gateway", 1}, {"hmi", 2},          {"scada_server", 2},
      {"engineering_workstation", 2}, {"opcua_server", 2}, {"historian", 3},
      {"opcua_client", 3}, {"it_host", 4},          {"printer", 4},
  };
  for (const auto& [cls, level] : kLevels)
    if (cls == c) return level;
  return std::nullopt;
}

AssetLinks::AssetLinks(const Ledger& ledger) {
  const auto& assets = ledger.assets();
  const auto& edges = ledger.edges();
  const std::size_t n = assets.size();
  // Endpoints as the ledger keeps them (no id lookups); an id no asset
  // carries joins nothing.
  std::vector<std::pair<AssetIndex, AssetIndex>> ends(edges.size(), {kNoAsset, kNoAsset});
  std::vector<AssetIndex> parent(n, kNoAsset);
  edge_start_.assign(n + 1, 0);
  child_start_.assign(n + 1, 0);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const Edge& e = edges[i];
    if (e.merged_into != kNoEdge) continue;
    ends[i] = ledger.ends(static_cast<EdgeIndex>(i));
    if (ends[i].first >= n) ends[i].first = kNoAsset;
    if (ends[i].second >= n) ends[i].second = kNoAsset;
    if (ends[i].first != kNoAsset) ++edge_start_[ends[i].first + 1];
    if (ends[i].second != kNoAsset && ends[i].second != ends[i].first) ++edge_start_[ends[i].second + 1];
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (assets[i].parent_id.empty()) continue;
    parent[i] = ledger.index_of(assets[i].parent_id);
    if (parent[i] != kNoAsset) ++child_start_[parent[i] + 1];
  }
  for (std::size_t i = 0; i < n; ++i) {
    edge_start_[i + 1] += edge_start_[i];
    child_start_[i + 1] += child_start_[i];
  }
  edges_.resize(edge_start_[n]);
  children_.resize(child_start_[n]);
  std::vector<std::uint32_t> next(edge_start_.begin(), edge_start_.end() - 1);
  for (std::size_t i = 0; i < edges.size(); ++i) {  // ascending: each row keeps the ledger's order
    const auto [from, to] = ends[i];
    if (from != kNoAsset) edges_[next[from]++] = static_cast<EdgeIndex>(i);
    if (to != kNoAsset && to != from) edges_[next[to]++] = static_cast<EdgeIndex>(i);
  }
  next.assign(child_start_.begin(), child_start_.end() - 1);
  for (std::size_t i = 0; i < n; ++i)
    if (parent[i] != kNoAsset) children_[next[parent[i]]++] = static_cast<AssetIndex>(i);
}

std::span<const EdgeIndex> AssetLinks::edges_of(AssetIndex a) const noexcept {
  if (a + std::size_t{1} >= edge_start_.size()) return {};
  return std::span<const EdgeIndex>(edges_).subspan(edge_start_[a], edge_start_[a + 1] - edge_start_[a]);
}

std::span<const AssetIndex> AssetLinks::children_of(AssetIndex a) const noexcept {
  if (a + std::size_t{1} >= child_start_.size()) return {};
  return std::span<const AssetIndex>(children_).subspan(child_start_[a], child_start_[a + 1] - child_start_[a]);
}

namespace {

Classification classify_with(const Ledger& ledger, const Asset& asset, const AssetLinks* links) {
  Classification out;
  const Features f = gather(ledger, asset, links);
  for (const Rule& rule : kRules) {
    Why reason;
    if (!rule.match(ledger, f, reason)) continue;
    out.device_class = rule.device_class.empty() ? f.class_hint.value : std::string(rule.device_class);
    out.reason_values.push_back(std::move(reason));
    out.source = rule.decided == Decided::by_class_hint     ? f.class_hint.source
                 : rule.decided == Decided::by_device_type  ? f.device_type.source
                 : rule.decided == Decided::by_cpu_identity ? f.cpu_source
                                                            : "classify";
    break;
  }
  if (out.device_class.empty()) out.device_class = "unknown";
  out.purdue_level = purdue_level_of(out.device_class);
  add_evidence(f, out.reason_values);
  out.reasons.reserve(out.reason_values.size());
  for (const Why& r : out.reason_values) out.reasons.push_back(render_evidence(r["kind"].get<std::string>(), r, "en"));
  return out;
}

}  // namespace

Classification classify(const Ledger& ledger, const Asset& asset, const AssetLinks& links) {
  return classify_with(ledger, asset, &links);
}

Classification classify(const Ledger& ledger, const Asset& asset) { return classify_with(ledger, asset, nullptr); }

}  // namespace mieruka::inventory
