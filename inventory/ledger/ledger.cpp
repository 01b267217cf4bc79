// The in-memory equipment ledger (see ledger.hpp for keys, router handling and
// the hot-path contract). Lookups on the hot path use integer keys: MAC and IP
// values, the 64-bit id hash (an id is that hash in hex), and the interned
// (from, to, protocol, port, vlan) edge key; strings are only built when a
// record is created.
#include "inventory/ledger/ledger.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <utility>

#include "dissectors/registry.hpp"
#include "dissectors/short_bytes.hpp"
#include "inventory/ledger/oui.hpp"

namespace mieruka::inventory {
namespace {

// 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): byte-wise, so the
// ids do not depend on platform or endianness.
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

struct Fnv {
  std::uint64_t h = kFnvOffset;
  Fnv& add(std::string_view s) noexcept {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= kFnvPrime;
    }
    return *this;
  }
};

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The value of an id of 16 hex digits (every id we make).
std::optional<std::uint64_t> hex_id_value(std::string_view id) noexcept {
  if (id.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : id) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

// The hash an id stands for: its value when it is 16 hex digits, else the
// FNV-1a of the text (ids from elsewhere, kept working).
std::uint64_t id_hash(std::string_view id) noexcept {
  if (const auto v = hex_id_value(id)) return *v;
  return Fnv{}.add(id).h;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::uint64_t mix64(std::uint64_t x) noexcept {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Cuts at kMaxFactValueBytes, backing off so a UTF-8 sequence is not split.
std::string_view truncate_value(std::string_view v) noexcept {
  if (v.size() <= kMaxFactValueBytes) return v;
  std::size_t cut = kMaxFactValueBytes;
  for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xc0U) == 0x80U; ++back) --cut;
  return v.substr(0, cut);
}

bool usable_ip(const IpAddr& ip) noexcept {
  return ip.valid() && !ip.is_unspecified() && !ip.is_multicast() && !ip.is_broadcast();
}

// How strongly a record ties an address to its asset: a binding (ARP, DHCP, an
// address the device announces for itself) 3, frames sent from it 2, frames
// addressed to the MAC for it 1.
int ip_strength(std::string_view source) noexcept {
  if (source == "ip_dst") return 1;
  if (source == "ip") return 2;
  return 3;
}

bool is_bound(const IpRecord& r) noexcept { return ip_strength(r.source) == 3; }

std::string_view evidence_source(IpEvidence how) noexcept { return how == IpEvidence::sent ? "ip" : "ip_dst"; }

// Protocols a station speaks on its own link (LLDP, CDP, ARP, DCP, 802.11):
// they stay with a router when the conversations routed through it are taken
// back by their endpoints.
bool link_layer_protocol(std::string_view p) noexcept {
  if (p == "arp") return true;
  for (const auto& e : dissectors::registry()) {
    if (e.name != p) continue;
    using dissectors::Transport;
    return e.transport == Transport::ether || e.transport == Transport::snap || e.transport == Transport::wlan_mgmt;
  }
  return false;
}

// Distinct IPv4 /24s among the addresses an asset was seen with but does not
// hold by binding (up to 3): a station sending from several subnets relays.
std::size_t unbound_spread(const Asset& a) noexcept {
  std::array<std::uint32_t, 3> nets{};
  std::size_t n = 0;
  for (const auto& r : a.ips) {
    if (is_bound(r) || !r.ip.is_v4()) continue;
    const std::uint32_t net = r.ip.v4_value() >> 8;
    if (n < nets.size() && std::find(nets.begin(), nets.begin() + n, net) == nets.begin() + n) nets[n++] = net;
  }
  return n;
}

const IpRecord* record_of(const Asset& a, const IpAddr& ip) noexcept {
  for (const auto& r : a.ips)
    if (r.ip == ip) return &r;
  return nullptr;
}

// Source priority: which source's value is shown when several disagree. A
// source named as a protocol takes its registry row's source_priority
// (dissectors/registry.cpp) when it has one; otherwise a pattern here, exact,
// "*suffix" or "prefix*", decides: the first match wins.
//   50  protocol identity: the device describing itself (Modbus 43/14, CIP
//       Identity, S7 SZL, OPC UA application description, PROFINET DCP, ...)
//   40  management protocols: configured on the device (LLDP, CDP, SNMP)
//   30  names and announcements: host names, service banners
//   20  inferred from addressing (IP seen, ARP binding, routing behaviour)
//   10  any source not listed here (a new dissector's facts beat the OUI)
//    5  the OUI registry (who made the network chip, not the device)
//    3  the TCP/IP stack fingerprint (a weak OS hint)
struct SourcePriority {
  std::string_view pattern;
  int priority;
};
constexpr SourcePriority kSourcePriorities[] = {
    {"*_identity", 50}, {"*_device_id", 50}, {"*_list_identity", 50}, {"*_type_name", 50},
    {"*_controller_data", 50}, {"*_szl", 50}, {"opcua_*", 50},
    {"cip_*", 50}, {"slmp_*", 50}, {"fins_*", 50}, {"s7_*", 50},
    {"kv_*", 50}, {"mewtocol_*", 50}, {"cclink_*", 50},
    {"tls", 30},
    {"ip_routing", 20}, {"ip", 20}, {"arp", 20},
    {"oui", 5},
    {"tcp_fingerprint", 3},  // a weak OS hint: never over anything else
    // The plant's approved list (a read-time overlay, inventory/policy): the
    // wire's own value is shown when there is one; the list's when there is none.
    {"approved_list", 1},
};
constexpr int kUnknownSourcePriority = 10;

bool matches(std::string_view pattern, std::string_view s) noexcept {
  if (!pattern.empty() && pattern.front() == '*') return s.ends_with(pattern.substr(1));
  if (!pattern.empty() && pattern.back() == '*') return s.starts_with(pattern.substr(0, pattern.size() - 1));
  return s == pattern;
}

// Union (hull) of register ranges; `count` 0 touches nothing.
void add_range(EdgeOp& o, std::uint32_t lo, std::uint32_t hi) noexcept {
  if (!o.has_range) {
    o.has_range = true;
    o.range_lo = lo;
    o.range_hi = hi;
    return;
  }
  o.range_lo = std::min(o.range_lo, lo);
  o.range_hi = std::max(o.range_hi, hi);
}

void widen(std::int64_t& first, std::int64_t& last, std::int64_t f, std::int64_t l) noexcept {
  first = std::min(first, f);
  last = std::max(last, l);
}

}  // namespace

std::size_t Ledger::EdgeKeyHash::operator()(const EdgeKey& k) const noexcept {
  const std::uint64_t a = (std::uint64_t{k.from} << 32) | k.to;
  const std::uint64_t b = (std::uint64_t{k.protocol} << 32) | (std::uint64_t{k.port} << 16) | k.vlan;
  return static_cast<std::size_t>(mix64(a ^ mix64(b)));
}

Ledger::Ledger(std::string sensor_name) : sensor_name_(std::move(sensor_name)) {}

// --- ids ---------------------------------------------------------------------

std::string Ledger::id_for_mac(const MacAddr& mac) { return hex16(Fnv{}.add("mac:").add(mac.to_string()).h); }

std::string Ledger::id_for_ip(const IpAddr& ip) { return hex16(Fnv{}.add("ip:").add(ip.to_string()).h); }

std::string Ledger::id_for_child(std::string_view parent_id, std::string_view route) {
  return hex16(Fnv{}.add(parent_id).add("/").add(route).h);
}

std::string Ledger::id_for_edge(std::string_view from, std::string_view to, std::string_view protocol,
                                std::uint16_t port, std::uint16_t vlan) {
  const std::string p = std::to_string(port), v = std::to_string(vlan);
  return hex16(Fnv{}.add(from).add("|").add(to).add("|").add(protocol).add("|").add(p).add("|").add(v).h);
}

// --- assets --------------------------------------------------------------------

void Ledger::touch(Asset& a, std::int64_t ts_us) noexcept {
  widen(a.first_us, a.last_us, ts_us, ts_us);
  a.dirty = true;
}

AssetIndex Ledger::new_asset(Asset a) {
  const auto idx = static_cast<AssetIndex>(assets_.size());
  by_id_[id_hash(a.id)] = idx;
  if (!hex_id_value(a.id)) text_id_hashes_.insert(id_hash(a.id));
  a.dirty = true;
  assets_.push_back(std::move(a));
  return idx;
}

AssetIndex Ledger::station(const MacAddr& mac, std::int64_t ts_us) {
  if (!mac.is_unicast()) return kNoAsset;
  if (const auto it = by_mac_.find(mac); it != by_mac_.end()) {
    touch(assets_[it->second], ts_us);
    return it->second;
  }
  Asset a;
  a.id = id_for_mac(mac);
  a.mac = mac;
  a.first_us = a.last_us = ts_us;
  const AssetIndex idx = new_asset(std::move(a));
  by_mac_.emplace(mac, idx);
  if (const auto v = oui::vendor(mac)) add_fact(idx, field::vendor, *v, "oui", ts_us);
  return idx;
}

AssetIndex Ledger::ip_asset(const IpAddr& ip, std::int64_t ts_us) {
  if (const auto it = by_ip_.find(ip); it != by_ip_.end()) {
    Asset& a = assets_[it->second];
    touch(a, ts_us);
    for (auto& r : a.ips) {
      if (r.ip == ip) widen(r.first_us, r.last_us, ts_us, ts_us);
    }
    return it->second;
  }
  Asset a;
  a.id = id_for_ip(ip);
  a.key_ip = ip;
  a.first_us = a.last_us = ts_us;
  a.ips.push_back(IpRecord{ip, ts_us, ts_us, "ip"});
  const AssetIndex idx = new_asset(std::move(a));
  by_ip_.emplace(ip, idx);
  return idx;
}

bool Ledger::note_ip(AssetIndex idx, const IpAddr& ip, std::string_view source, std::int64_t ts_us) {
  Asset& a = assets_[idx];
  for (auto& r : a.ips) {
    if (r.ip != ip) continue;
    widen(r.first_us, r.last_us, ts_us, ts_us);
    if (ip_strength(source) > ip_strength(r.source)) {
      r.source = source;  // e.g. seen sending, now bound by arp/dhcp: authoritative
      a.dirty = true;
    }
    return false;
  }
  if (a.ips.size() >= kMaxIpsPerAsset) return false;
  a.ips.push_back(IpRecord{ip, ts_us, ts_us, std::string(source)});
  a.dirty = true;
  return true;
}

void Ledger::check_router(AssetIndex idx, std::int64_t ts_us) {
  {
    const Asset& a = assets_[idx];
    if (a.router || !a.mac) return;
    std::array<std::uint32_t, 3> nets{};  // distinct IPv4 /24s, up to 3
    std::size_t n_nets = 0, bound = 0;
    bool priv = false, pub = false;
    for (const auto& r : a.ips) {
      if (is_bound(r)) ++bound;
      if (!r.ip.is_v4()) continue;
      (r.ip.is_private() ? priv : pub) = true;
      const std::uint32_t net = r.ip.v4_value() >> 8;
      if (n_nets < nets.size() && std::find(nets.begin(), nets.begin() + n_nets, net) == nets.begin() + n_nets)
        nets[n_nets++] = net;
    }
    const bool many_unbound = a.ips.size() > 8 && bound * 2 < a.ips.size();
    // A station that owns an address by ARP/DHCP and also carries traffic for an
    // address in another /16 that it never claimed is forwarding for someone: a
    // router with a host behind it (even a single one). Link-local addresses are
    // a host's own autoconfiguration, not routed traffic.
    bool foreign = false;
    for (const auto& own : a.ips) {
      if (!is_bound(own) || !own.ip.is_v4()) continue;
      for (const auto& r : a.ips)
        if (!is_bound(r) && r.ip.is_v4() && !r.ip.is_link_local() && (r.ip.v4_value() >> 16) != (own.ip.v4_value() >> 16))
          foreign = true;
    }
    if (n_nets < 3 && !(priv && pub) && !many_unbound && !foreign) return;
  }
  make_router(idx, ts_us);
}

void Ledger::make_router(AssetIndex idx, std::int64_t ts_us) {
  if (assets_[idx].router) return;
  assets_[idx].router = true;
  assets_[idx].dirty = true;
  first_relay_.erase(idx);
  add_fact(idx, field::class_hint, "router", "ip_routing", ts_us);
  Asset& r = assets_[idx];
  // What conversations through it lent it: their endpoints' roles and
  // application protocols. Its own link-layer protocols and identity stay.
  std::erase_if(r.facts, [](const FactRecord& f) { return f.field == field::role && !link_layer_protocol(f.source); });
  r.fact_hint = 0;
  std::erase_if(r.protocols, [](const std::string& p) { return !link_layer_protocol(p); });
  // The addresses it does not hold by binding belong to stations behind it:
  // to the station that holds one, else to an IP-keyed asset of its own.
  auto& ips = r.ips;
  const auto own_end = std::stable_partition(ips.begin(), ips.end(), is_bound);
  std::vector<IpRecord> moved(std::make_move_iterator(own_end), std::make_move_iterator(ips.end()));
  ips.erase(own_end, ips.end());
  for (const auto& m : moved) {
    if (const auto h = holder_.find(m.ip); h != holder_.end() && h->second == idx) holder_.erase(h);
    if (holder_.count(m.ip) != 0) continue;
    const AssetIndex host = ip_asset(m.ip, m.last_us);
    Asset& h = assets_[host];
    widen(h.first_us, h.last_us, m.first_us, m.last_us);
    for (auto& hr : h.ips) {
      if (hr.ip == m.ip) widen(hr.first_us, hr.last_us, m.first_us, m.last_us);
    }
  }
  ++epoch_;
}

void Ledger::drop_ip(AssetIndex idx, const IpAddr& ip) {
  auto& ips = assets_[idx].ips;
  const auto n = ips.size();
  std::erase_if(ips, [&](const IpRecord& r) { return r.ip == ip; });
  if (ips.size() != n) assets_[idx].dirty = true;
  if (const auto h = holder_.find(ip); h != holder_.end() && h->second == idx) holder_.erase(h);
}

void Ledger::note_relay(AssetIndex relay, const IpAddr& ip, std::int64_t ts_us) {
  if (relay >= assets_.size() || assets_[relay].router || !assets_[relay].mac) return;
  const auto [it, fresh] = first_relay_.try_emplace(relay, ip);
  if (fresh || it->second == ip) return;
  make_router(relay, ts_us);
}

AssetIndex Ledger::ip_endpoint(const IpAddr& ip, std::int64_t ts_us) {
  if (const auto h = holder_.find(ip); h != holder_.end()) {
    Asset& a = assets_[h->second];
    touch(a, ts_us);
    for (auto& r : a.ips)
      if (r.ip == ip) widen(r.first_us, r.last_us, ts_us, ts_us);
    return h->second;
  }
  return ip_asset(ip, ts_us);
}

AssetIndex Ledger::claim(AssetIndex m, const IpAddr& ip, std::string_view source, std::int64_t ts_us) {
  const int strength = ip_strength(source);
  if (assets_[m].router) {
    // A router holds an address only by binding; the rest is traffic it carries.
    if (strength < 3) {
      if (record_of(assets_[m], ip) != nullptr) {
        note_ip(m, ip, source, ts_us);
        return m;
      }
      return ip_endpoint(ip, ts_us);
    }
  }
  // Frames addressed to a MAC for an address already seen only through a
  // router prove nothing about who holds it: the MAC is the next hop.
  if (strength == 1 && holder_.count(ip) == 0)
    if (const auto it = by_ip_.find(ip); it != by_ip_.end()) {
      note_relay(m, ip, ts_us);
      return ip_endpoint(ip, ts_us);
    }
  if (const auto h = holder_.find(ip); h != holder_.end() && h->second != m) {
    const AssetIndex o = h->second;
    const IpRecord* held = record_of(assets_[o], ip);
    const int o_strength = held != nullptr ? ip_strength(held->source) : 0;
    bool take = strength > o_strength || (strength == 3 && o_strength == 3);  // a newer binding wins
    // Both sent from it: the MAC that sends from more subnets is the relay.
    if (!take && strength == 2 && o_strength == 2) take = unbound_spread(assets_[o]) > unbound_spread(assets_[m]);
    if (!take) {
      note_relay(m, ip, ts_us);
      return ip_endpoint(ip, ts_us);
    }
    drop_ip(o, ip);
    if (!(strength == 3 && o_strength == 3)) note_relay(o, ip, ts_us);
    ++epoch_;
  }
  if (!note_ip(m, ip, source, ts_us) && record_of(assets_[m], ip) == nullptr) return m;  // at the address cap
  holder_[ip] = m;
  // The station shows itself holding an address first seen only through a
  // router: one device, one asset.
  if (strength >= 2)
    if (const auto it = by_ip_.find(ip); it != by_ip_.end() && it->second != m) merge(it->second, m);
  check_router(m, ts_us);
  if (assets_[m].router && record_of(assets_[m], ip) == nullptr) return ip_endpoint(ip, ts_us);
  return m;
}

AssetIndex Ledger::resolve(const std::optional<MacAddr>& mac, const IpAddr& ip, std::int64_t ts_us, IpEvidence how) {
  const bool ip_ok = usable_ip(ip);
  // A zeroed MAC carries no identity (e.g. converted loopback captures).
  if (!mac || mac->is_zero()) return ip_ok ? ip_endpoint(ip, ts_us) : kNoAsset;
  const AssetIndex m = station(*mac, ts_us);  // kNoAsset for a group address
  if (m == kNoAsset || !ip_ok) return m;
  // The common case, a known host again: it holds the address already, by
  // evidence at least as strong as this frame's.
  if (const auto h = holder_.find(ip); h != holder_.end() && h->second == m) {
    for (auto& r : assets_[m].ips) {
      if (r.ip != ip || ip_strength(r.source) < ip_strength(evidence_source(how))) continue;
      widen(r.first_us, r.last_us, ts_us, ts_us);
      return m;
    }
  }
  return claim(m, ip, evidence_source(how), ts_us);
}

AssetIndex Ledger::child(AssetIndex parent, std::string_view route, std::int64_t ts_us) {
  if (parent >= assets_.size()) return kNoAsset;
  if (route.empty()) {
    touch(assets_[parent], ts_us);
    return parent;
  }
  const std::uint64_t h = Fnv{}.add(assets_[parent].id).add("/").add(route).h;
  if (const auto it = by_id_.find(h); it != by_id_.end()) {
    touch(assets_[it->second], ts_us);
    return it->second;
  }
  Asset a;
  a.id = hex16(h);
  a.parent_id = assets_[parent].id;
  a.route = std::string(route);
  a.first_us = a.last_us = ts_us;
  return new_asset(std::move(a));
}

void Ledger::sent(AssetIndex idx, std::uint32_t bytes, std::uint16_t vlan, std::int64_t ts_us) {
  if (idx >= assets_.size()) return;
  Asset& a = assets_[idx];
  ++a.packets_sent;
  a.bytes_sent += bytes;
  if (vlan != 0) {
    const auto it = std::lower_bound(a.vlans.begin(), a.vlans.end(), vlan);
    if (it == a.vlans.end() || *it != vlan) a.vlans.insert(it, vlan);
  }
  touch(a, ts_us);
}

void Ledger::bind_ip(AssetIndex idx, const IpAddr& ip, std::string_view source, std::int64_t ts_us) {
  if (idx >= assets_.size() || !usable_ip(ip)) return;
  if (source.empty()) source = "ip";
  if (!assets_[idx].mac) {  // an IP-keyed asset or a device behind another: a record, no station
    note_ip(idx, ip, source, ts_us);
    return;
  }
  (void)claim(idx, ip, source, ts_us);
}

void Ledger::add_protocol(AssetIndex idx, std::string_view protocol) {
  if (idx >= assets_.size() || protocol.empty()) return;
  auto& p = assets_[idx].protocols;
  const auto it = std::lower_bound(p.begin(), p.end(), protocol,
                                   [](const std::string& x, std::string_view y) { return std::string_view(x) < y; });
  if (it != p.end() && *it == protocol) return;
  p.insert(it, std::string(protocol));
  assets_[idx].dirty = true;
}

void Ledger::add_fact(AssetIndex idx, std::string_view field, std::string_view value, std::string_view source,
                      std::int64_t ts_us) {
  if (idx >= assets_.size()) return;
  Asset& a = assets_[idx];
  value = truncate_value(value);
  const auto same = [&](const FactRecord& f) {
    return equal_text(f.field, field) && equal_text(f.source, source) && equal_text(f.value, value);
  };
  const auto hit = [&](FactRecord& f, std::size_t i) {
    ++f.count;
    widen(f.first_us, f.last_us, ts_us, ts_us);
    a.dirty = true;
    a.fact_hint = static_cast<std::uint16_t>(i);
  };
  // The same fact again (a role per request), else the next in sequence (an
  // identity stated field by field), else a scan.
  for (std::size_t i : {std::size_t{a.fact_hint}, std::size_t{a.fact_hint} + 1}) {
    if (i < a.facts.size() && same(a.facts[i])) {
      hit(a.facts[i], i);
      return;
    }
  }
  for (std::size_t i = 0; i < a.facts.size(); ++i) {
    if (same(a.facts[i])) {
      hit(a.facts[i], i);
      return;
    }
  }
  if (a.facts.size() >= kMaxFactsPerAsset) {
    ++facts_dropped_;
    return;
  }
  a.facts.push_back(FactRecord{std::string(field), std::string(value), std::string(source), ts_us, ts_us, 1});
  a.dirty = true;
}

// --- edges -----------------------------------------------------------------------

std::uint32_t Ledger::intern_protocol(std::string_view protocol) {
  if (const auto it = protocol_ids_.find(protocol); it != protocol_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(protocol_names_.size());
  protocol_names_.emplace_back(protocol);
  protocol_ids_.emplace(std::string(protocol), id);
  return id;
}

EdgeIndex Ledger::live_edge(EdgeIndex e) const noexcept {
  // A relabel chain is acyclic (a merge target is always live); the bound
  // only guards against a corrupted merged_into.
  for (std::size_t hops = 0; e < edges_.size() && hops <= edges_.size(); ++hops) {
    if (edges_[e].merged_into == kNoEdge) return e;
    e = edges_[e].merged_into;
  }
  return kNoEdge;
}

EdgeIndex Ledger::edge(AssetIndex from, AssetIndex to, std::string_view protocol, std::string_view transport,
                       std::uint16_t port, std::uint16_t vlan, std::int64_t ts_us) {
  if (from >= assets_.size() || to >= assets_.size()) return kNoEdge;
  const EdgeKey key{from, to, intern_protocol(protocol), port, vlan};
  if (const auto it = edge_by_key_.find(key); it != edge_by_key_.end()) {
    Edge& e = edges_[it->second];
    if (e.merged_into != kNoEdge) {  // relabelled away earlier: a new conversation
      e.merged_into = kNoEdge;
      e.first_us = e.last_us = ts_us;
    }
    widen(e.first_us, e.last_us, ts_us, ts_us);
    e.dirty = true;
    return it->second;
  }
  Edge e;
  e.from_id = assets_[from].id;
  e.to_id = assets_[to].id;
  e.id = id_for_edge(e.from_id, e.to_id, protocol, port, vlan);
  e.protocol = std::string(protocol);
  e.transport = std::string(transport);
  e.port = port;
  e.vlan = vlan;
  e.first_us = e.last_us = ts_us;
  const auto idx = static_cast<EdgeIndex>(edges_.size());
  edge_by_id_[id_hash(e.id)] = idx;
  edge_by_key_.emplace(key, idx);
  edges_.push_back(std::move(e));
  edge_keys_.push_back(key);
  return idx;
}

void Ledger::count_edge(EdgeIndex idx, std::uint32_t bytes, std::int64_t ts_us) {
  idx = live_edge(idx);
  if (idx == kNoEdge) return;
  Edge& e = edges_[idx];
  ++e.packets;
  e.bytes += bytes;
  widen(e.first_us, e.last_us, ts_us, ts_us);
  e.dirty = true;
}

bool Ledger::add_op(EdgeIndex idx, const Operation& op, std::int64_t ts_us) {
  idx = live_edge(idx);
  if (idx == kNoEdge) return true;
  Edge& e = edges_[idx];
  EdgeOp* o = nullptr;
  for (auto& x : e.ops) {
    if (x.code == op.code && equal_text(x.name, op.name) && equal_text(x.protocol, op.protocol)) {
      o = &x;
      break;
    }
  }
  const bool fresh = o == nullptr;
  if (fresh) {
    if (e.ops.size() >= kMaxOpsPerEdge) {
      ++ops_dropped_;
      return true;
    }
    EdgeOp n;
    n.protocol = std::string(op.protocol);
    n.name = std::string(op.name);
    n.code = op.code;
    n.first_us = n.last_us = ts_us;
    e.ops.push_back(std::move(n));
    o = &e.ops.back();
  }
  ++o->count;
  if (op.is_error) ++o->errors;
  o->is_write = o->is_write || op.is_write;
  o->is_control = o->is_control || op.is_control;
  if (op.is_range && op.range_count > 0) {
    const std::uint64_t hi = std::uint64_t{op.range_start} + op.range_count - 1;
    add_range(*o, op.range_start, static_cast<std::uint32_t>(std::min<std::uint64_t>(hi, 0xffffffffULL)));
  }
  widen(o->first_us, o->last_us, ts_us, ts_us);
  e.dirty = true;
  return fresh;
}

EdgeIndex Ledger::relabel_edge(EdgeIndex idx, std::string_view protocol) {
  idx = live_edge(idx);
  if (idx == kNoEdge) return kNoEdge;
  const EdgeKey& k = edge_keys_[idx];
  return rekey_edge(idx, k.from, k.to, protocol);
}

EdgeIndex Ledger::move_edge(EdgeIndex idx, AssetIndex old_from, AssetIndex old_to, AssetIndex from, AssetIndex to) {
  idx = live_edge(idx);
  if (idx == kNoEdge || from >= assets_.size() || to >= assets_.size()) return kNoEdge;
  EdgeKey k = edge_keys_[idx];
  if (k.from == from && k.to == to) return idx;
  if (k.from != old_from || k.to != old_to) {
    k.from = from;
    k.to = to;
    const auto it = edge_by_key_.find(k);
    return it == edge_by_key_.end() || edges_[it->second].merged_into != kNoEdge ? kNoEdge : it->second;
  }
  return rekey_edge(idx, from, to, protocol_names_[k.protocol]);
}

// The edge `idx` under a new key: merged into the edge that has that key
// (reviving a tombstone), or moved to a new one; `idx` becomes a tombstone.
EdgeIndex Ledger::rekey_edge(EdgeIndex idx, AssetIndex from, AssetIndex to, std::string_view protocol) {
  EdgeKey key = edge_keys_[idx];
  const std::uint32_t pid = intern_protocol(protocol);
  if (key.protocol == pid && key.from == from && key.to == to) return idx;
  key.protocol = pid;
  key.from = from;
  key.to = to;

  EdgeIndex target = kNoEdge;
  if (const auto it = edge_by_key_.find(key); it != edge_by_key_.end()) {
    target = it->second;
    Edge& t = edges_[target];
    if (t.merged_into != kNoEdge) {  // revive a tombstone as the target
      t.merged_into = kNoEdge;
      t.first_us = edges_[idx].first_us;
      t.last_us = edges_[idx].last_us;
    }
  } else {
    const Edge& src = edges_[idx];
    Edge t;
    t.from_id = assets_[from].id;
    t.to_id = assets_[to].id;
    t.id = id_for_edge(t.from_id, t.to_id, protocol, src.port, src.vlan);
    t.protocol = std::string(protocol);
    t.transport = src.transport;
    t.port = src.port;
    t.vlan = src.vlan;
    t.first_us = src.first_us;
    t.last_us = src.last_us;
    target = static_cast<EdgeIndex>(edges_.size());
    edge_by_id_[id_hash(t.id)] = target;
    edge_by_key_.emplace(key, target);
    edges_.push_back(std::move(t));
    edge_keys_.push_back(key);
  }

  Edge& src = edges_[idx];
  Edge& t = edges_[target];
  ops_dropped_ += fold_edge(t, src);
  t.dirty = true;
  src.packets = src.bytes = 0;
  src.ops.clear();
  src.merged_into = target;
  src.dirty = true;
  return target;
}

// --- merging ---------------------------------------------------------------------

std::size_t Ledger::fold_edge(Edge& t, Edge& src) {
  std::size_t dropped = 0;
  t.packets += src.packets;
  t.bytes += src.bytes;
  widen(t.first_us, t.last_us, src.first_us, src.last_us);
  for (auto& so : src.ops) {
    auto it = std::find_if(t.ops.begin(), t.ops.end(), [&](const EdgeOp& x) {
      return x.code == so.code && x.name == so.name && x.protocol == so.protocol;
    });
    if (it == t.ops.end()) {
      if (t.ops.size() >= kMaxOpsPerEdge) {
        ++dropped;
        continue;
      }
      t.ops.push_back(std::move(so));
      continue;
    }
    it->count += so.count;
    it->errors += so.errors;
    it->is_write = it->is_write || so.is_write;
    it->is_control = it->is_control || so.is_control;
    if (so.has_range) add_range(*it, so.range_lo, so.range_hi);
    widen(it->first_us, it->last_us, so.first_us, so.last_us);
  }
  return dropped;
}

std::size_t Ledger::fold_asset(Asset& t, Asset& f) {
  std::size_t dropped = 0;
  t.packets_sent += f.packets_sent;
  t.bytes_sent += f.bytes_sent;
  widen(t.first_us, t.last_us, f.first_us, f.last_us);
  for (const auto v : f.vlans) {
    const auto it = std::lower_bound(t.vlans.begin(), t.vlans.end(), v);
    if (it == t.vlans.end() || *it != v) t.vlans.insert(it, v);
  }
  for (auto& ff : f.facts) {
    auto it = std::find_if(t.facts.begin(), t.facts.end(), [&](const FactRecord& x) {
      return x.field == ff.field && x.value == ff.value && x.source == ff.source;
    });
    if (it != t.facts.end()) {
      it->count += ff.count;
      widen(it->first_us, it->last_us, ff.first_us, ff.last_us);
    } else if (t.facts.size() < kMaxFactsPerAsset) {
      t.facts.push_back(std::move(ff));
    } else {
      ++dropped;
    }
  }
  for (auto& p : f.protocols) {
    const auto it = std::lower_bound(t.protocols.begin(), t.protocols.end(), p);
    if (it == t.protocols.end() || *it != p) t.protocols.insert(it, std::move(p));
  }
  for (auto& r : f.ips) {
    auto it = std::find_if(t.ips.begin(), t.ips.end(), [&](const IpRecord& x) { return x.ip == r.ip; });
    if (it == t.ips.end()) {
      if (t.ips.size() < kMaxIpsPerAsset) t.ips.push_back(std::move(r));
      continue;
    }
    widen(it->first_us, it->last_us, r.first_us, r.last_us);
    if (ip_strength(r.source) > ip_strength(it->source)) it->source = std::move(r.source);
  }
  return dropped;
}

int Ledger::address_strength(std::string_view source) noexcept { return ip_strength(source); }

void Ledger::merge(AssetIndex from, AssetIndex into) {
  if (from == into || from >= assets_.size() || into >= assets_.size()) return;
  if (assets_[from].merged_into != kNoAsset) return;
  facts_dropped_ += fold_asset(assets_[into], assets_[from]);
  assets_[into].dirty = true;
  // Devices behind it are behind the merged asset now (their ids stay: they
  // are the stored keys of what was seen behind it).
  const std::string& from_id = assets_[from].id;
  for (auto& a : assets_) {
    if (!a.parent_id.empty() && a.parent_id == from_id) {
      a.parent_id = assets_[into].id;
      a.dirty = true;
    }
  }
  const std::size_t n_edges = edges_.size();
  for (EdgeIndex e = 0; e < n_edges; ++e) {
    if (edges_[e].merged_into != kNoEdge) continue;
    const EdgeKey k = edge_keys_[e];
    if (k.from != from && k.to != from) continue;
    (void)rekey_edge(e, k.from == from ? into : k.from, k.to == from ? into : k.to, protocol_names_[k.protocol]);
  }
  Asset& f = assets_[from];
  if (f.key_ip)
    if (const auto it = by_ip_.find(*f.key_ip); it != by_ip_.end() && it->second == from) by_ip_.erase(it);
  if (f.mac)
    if (const auto it = by_mac_.find(*f.mac); it != by_mac_.end() && it->second == from) by_mac_.erase(it);
  if (const auto it = by_id_.find(id_hash(f.id)); it != by_id_.end() && it->second == from) by_id_.erase(it);
  if (f.mac) {  // only IP-keyed assets are merged today; a station would hold addresses
    for (auto it = holder_.begin(); it != holder_.end();) {
      if (it->second == from) it = holder_.erase(it);
      else ++it;
    }
  }
  first_relay_.erase(from);
  removed_ids_.push_back(f.id);
  Asset empty;
  empty.id = std::move(f.id);
  empty.merged_into = into;
  empty.dirty = false;
  f = std::move(empty);
  ++merged_pending_;
  ++assets_merged_;
  ++epoch_;
}

std::size_t Ledger::compact(std::vector<AssetIndex>* remap) {
  if (merged_pending_ == 0) return 0;
  std::vector<bool> gone(assets_.size(), false);
  std::size_t n = 0;
  for (std::size_t i = 0; i < assets_.size(); ++i) {
    if (assets_[i].merged_into == kNoAsset) continue;
    gone[i] = true;
    ++n;
  }
  drop_assets(gone, remap);
  merged_pending_ = 0;
  return n;
}

// --- reading -------------------------------------------------------------------

AssetIndex Ledger::index_of(std::string_view id) const {
  const auto v = hex_id_value(id);
  const std::uint64_t h = v ? *v : Fnv{}.add(id).h;
  const auto it = by_id_.find(h);
  if (it == by_id_.end()) return kNoAsset;
  // Two ids of 16 hex digits with one value are one id (up to case): the
  // asset's record need not be read, unless an id of another form has that hash.
  if (v && (text_id_hashes_.empty() || !text_id_hashes_.contains(h))) return it->second;
  return iequal(assets_[it->second].id, id) ? it->second : kNoAsset;
}

AssetIndex Ledger::index_of(const Asset& a) const {
  if (!assets_.empty() && &a >= assets_.data() && &a < assets_.data() + assets_.size())
    return static_cast<AssetIndex>(&a - assets_.data());
  return index_of(a.id);
}

const Asset* Ledger::find(std::string_view key) const {
  if (const AssetIndex i = index_of(key); i != kNoAsset) return &assets_[i];
  if (const auto mac = MacAddr::parse(key)) {
    const auto it = by_mac_.find(*mac);
    return it == by_mac_.end() ? nullptr : &assets_[it->second];
  }
  const auto ip = IpAddr::parse(key);
  if (!ip) return nullptr;
  for (const auto& a : assets_) {
    if (a.merged_into != kNoAsset) continue;
    if (a.key_ip == *ip) return &a;
    for (const auto& r : a.ips) {
      if (r.ip == *ip) return &a;
    }
  }
  return nullptr;
}

int Ledger::source_priority(std::string_view source) noexcept {
  if (const auto* info = dissectors::protocol_info(source); info != nullptr && info->source_priority != 0)
    return info->source_priority;
  for (const auto& p : kSourcePriorities) {
    if (matches(p.pattern, source)) return p.priority;
  }
  return kUnknownSourcePriority;
}

const FactRecord* Ledger::best(const Asset& a, std::string_view field) {
  const FactRecord* best = nullptr;
  int best_priority = 0;
  for (const auto& f : a.facts) {
    if (f.field != field) continue;
    const int p = source_priority(f.source);
    if (best == nullptr || p > best_priority || (p == best_priority && f.last_us > best->last_us)) {
      best = &f;
      best_priority = p;
    }
  }
  return best;
}

// --- one machine, several cards ---------------------------------------------------

std::string Ledger::announced_host_name(const Asset& a) {
  static constexpr std::array<std::string_view, 6> kGeneric = {"localhost", "raspberrypi", "android", "iphone",
                                                               "workgroup", "(none)"};
  const FactRecord* named = nullptr;
  for (const auto& f : a.facts) {
    if (f.field != field::hostname) continue;
    const dissectors::ProtocolInfo* source = dissectors::protocol_info(f.source);
    if (source == nullptr || !source->announces_host_name) continue;
    if (named == nullptr || f.count > named->count) named = &f;
  }
  if (named == nullptr) return {};
  std::string n = named->value.substr(0, named->value.find('.'));
  for (auto& ch : n)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  while (!n.empty() && (n.back() == ' ' || n.back() == '\0')) n.pop_back();
  if (n.empty() || std::find(kGeneric.begin(), kGeneric.end(), n) != kGeneric.end()) return {};
  return n;
}

std::vector<std::vector<AssetIndex>> Ledger::same_host_groups() const {
  std::unordered_map<std::string, std::vector<AssetIndex>> by_name;
  for (AssetIndex i = 0; i < assets_.size(); ++i) {
    const Asset& a = assets_[i];
    if (!a.mac || a.router || a.merged_into != kNoAsset) continue;
    if (std::string n = announced_host_name(a); !n.empty()) by_name[n].push_back(i);
  }
  const auto text = [](const Asset& a, std::string_view field, std::string_view source) -> const std::string* {
    for (const auto& f : a.facts)
      if (f.field == field && (source.empty() || f.source == source)) return &f.value;
    return nullptr;
  };
  const auto one_machine = [&](const Asset& x, const Asset& y) {
    const std::uint64_t xm = x.mac->to_u64(), ym = y.mac->to_u64();
    if ((xm >> 24) == (ym >> 24) && (xm > ym ? xm - ym : ym - xm) <= 0xff) return true;
    const std::string* xs = text(x, "tcp_fingerprint", "tcp_fingerprint");
    const std::string* ys = text(y, "tcp_fingerprint", "tcp_fingerprint");
    const std::string* xv = text(x, field::vendor, "oui");
    const std::string* yv = text(y, field::vendor, "oui");
    return xs != nullptr && ys != nullptr && *xs == *ys && xv != nullptr && yv != nullptr && *xv == *yv;
  };
  std::vector<std::vector<AssetIndex>> groups;
  for (auto& [name, members] : by_name) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end(),
              [this](AssetIndex x, AssetIndex y) { return *assets_[x].mac < *assets_[y].mac; });
    std::vector<bool> taken(members.size(), false);
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (taken[i]) continue;
      std::vector<AssetIndex> g{members[i]};
      for (std::size_t j = i + 1; j < members.size(); ++j) {
        if (taken[j] || !one_machine(assets_[members[i]], assets_[members[j]])) continue;
        taken[j] = true;
        g.push_back(members[j]);
      }
      if (g.size() > 1) groups.push_back(std::move(g));
    }
  }
  std::sort(groups.begin(), groups.end(),
            [this](const auto& x, const auto& y) { return *assets_[x.front()].mac < *assets_[y.front()].mac; });
  return groups;
}

void Ledger::link_same_hosts(std::int64_t ts_us) {
  for (const auto& g : same_host_groups()) {
    for (const AssetIndex a : g) {
      for (const AssetIndex b : g) {
        if (a == b) continue;
        const std::string other = assets_[b].mac->to_string();
        const bool known = std::any_of(assets_[a].facts.begin(), assets_[a].facts.end(), [&](const FactRecord& f) {
          return f.field == "same_host" && f.value == other;
        });
        if (!known) add_fact(a, "same_host", other, "host_name", ts_us);
      }
    }
  }
}

// --- store ---------------------------------------------------------------------

void Ledger::reserve_loaded(std::size_t assets, std::size_t edges) {
  assets_.reserve(assets_.size() + assets);
  edges_.reserve(edges_.size() + edges);
  edge_keys_.reserve(edge_keys_.size() + edges);
  by_id_.reserve(by_id_.size() + assets);
  by_mac_.reserve(by_mac_.size() + assets);
  edge_by_id_.reserve(edge_by_id_.size() + edges);
  edge_by_key_.reserve(edge_by_key_.size() + edges);
}

void Ledger::load_asset(Asset a) {
  a.dirty = false;
  const std::uint64_t h = id_hash(a.id);
  if (!hex_id_value(a.id)) text_id_hashes_.insert(h);
  // One probe of the id map, whether the asset is new (the usual case) or not.
  const auto [it, fresh] = by_id_.try_emplace(h, static_cast<AssetIndex>(assets_.size()));
  const AssetIndex idx = it->second;
  if (!fresh) assets_[idx] = std::move(a);
  else assets_.push_back(std::move(a));
  const Asset& s = assets_[idx];
  if (s.mac) {
    by_mac_[*s.mac] = idx;
    for (const auto& r : s.ips) {
      if (!s.router || is_bound(r)) {
        auto [it, fresh] = holder_.try_emplace(r.ip, idx);
        if (!fresh && it->second != idx) {
          const IpRecord* held = record_of(assets_[it->second], r.ip);
          if (held == nullptr || ip_strength(held->source) < ip_strength(r.source)) it->second = idx;
        }
      }
    }
  } else if (s.key_ip && s.parent_id.empty()) {
    by_ip_[*s.key_ip] = idx;
  }
}

void Ledger::load_edge(Edge e) {
  const AssetIndex from = index_of(e.from_id), to = index_of(e.to_id);
  load_edge(std::move(e), from, to);
}

void Ledger::load_edges(std::vector<Edge>& edges) {
  // Open addressing, linear probing, at most half full: by_id_'s entries.
  unsigned bits = 4;
  while ((std::size_t{1} << bits) < by_id_.size() * 2 + 2) ++bits;
  const std::size_t mask = (std::size_t{1} << bits) - 1;
  const auto slot_of = [&](std::uint64_t h) {
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
  };
  std::vector<std::pair<std::uint64_t, AssetIndex>> table(mask + 1, {0, kNoAsset});
  for (const auto& [h, idx] : by_id_) {
    std::size_t p = slot_of(h);
    while (table[p].second != kNoAsset) p = (p + 1) & mask;
    table[p] = {h, idx};
  }
  // index_of with the table for by_id_.
  const auto lookup = [&](std::string_view id) -> AssetIndex {
    const auto v = hex_id_value(id);
    const std::uint64_t h = v ? *v : Fnv{}.add(id).h;
    for (std::size_t p = slot_of(h);; p = (p + 1) & mask) {
      if (table[p].second == kNoAsset) return kNoAsset;
      if (table[p].first != h) continue;
      const AssetIndex i = table[p].second;
      if (v && (text_id_hashes_.empty() || !text_id_hashes_.contains(h))) return i;
      return iequal(assets_[i].id, id) ? i : kNoAsset;
    }
  };
  for (Edge& e : edges) {
    const AssetIndex from = lookup(e.from_id), to = lookup(e.to_id);
    load_edge(std::move(e), from, to);
  }
}

void Ledger::load_edge(Edge e, AssetIndex from, AssetIndex to) {
  e.dirty = false;
  e.merged_into = kNoEdge;  // tombstones are not stored
  const EdgeKey key{from, to, intern_protocol(e.protocol), e.port, e.vlan};
  // One probe of the id map, whether the edge is new (the usual case) or not.
  const auto [it, fresh] = edge_by_id_.try_emplace(id_hash(e.id), static_cast<EdgeIndex>(edges_.size()));
  const EdgeIndex idx = it->second;
  if (!fresh) {
    edges_[idx] = std::move(e);
    edge_keys_[idx] = key;
  } else {
    edges_.push_back(std::move(e));
    edge_keys_.push_back(key);
  }
  // An edge whose assets were not loaded keeps its data but gets no key.
  if (key.from != kNoAsset && key.to != kNoAsset) edge_by_key_[key] = idx;
}

void Ledger::clear_dirty() noexcept {
  removed_ids_.clear();
  for (auto& a : assets_) a.dirty = false;
  for (auto& e : edges_) e.dirty = false;
}

}  // namespace mieruka::inventory
