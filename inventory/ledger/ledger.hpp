// The equipment ledger, in memory: assets and edges with counters and facts.
// Fed by the packet loop (sensor/pipeline) on the hot path, persisted by Store at
// a flush interval, read back by Store::load for the CLI and the next run.
//
// Keys: an asset is a MAC (a station on the wire), or an IP for a host seen only
// behind a router (its frames carry the router's MAC), or a parent asset plus a
// route for a device behind it (CIP backplane module "1/3", Modbus unit "unit:3").
// Asset ids are derived from the key (stable across runs and sensors).
// Edges are (from asset, to asset, protocol, port, vlan), from the side that
// opened the conversation to the side that serves it.
//
// Hot path: once an asset or edge exists, station/resolve/child/sent/add_fact/
// add_protocol/edge/count_edge/add_op allocate nothing (maps keyed by integers
// and by the 64-bit id hash; no id string is built per packet).
//
// Who holds an address: an IPv4/IPv6 address belongs to the station that holds
// it on its own segment, and to that station's asset everywhere else. The
// evidence, strongest first: a binding (ARP sender, DHCP ACK, an address a
// device announces for itself: LLDP, CDP, DCP, ListIdentity), frames the MAC
// sent from the address, and frames addressed to the MAC for it. A router's
// MAC carries traffic for every address behind it, so a weaker claim gives way
// to a stronger one by another MAC, and the MAC that keeps carrying traffic
// for addresses other stations hold is a router. A routed conversation is
// thereby an edge between its real endpoints; the router is on the path only.
//
// Routers: a MAC that carries traffic for two addresses other stations hold, or
// that is seen with IPv4 addresses in >= 3 /24 subnets, or with both private
// and public IPv4 addresses, or with more than 8 IPs of which fewer than half
// are bound (arp/dhcp), or that owns an IPv4 by ARP/DHCP and carries traffic
// for a non-link-local IPv4 in another /16 it never claimed, is a router: it
// gets fact class_hint=router (source ip_routing), keeps only the addresses it
// holds by binding, and loses the role facts and application protocols that
// conversations through it had lent it. An address only ever seen through a
// router (the internet, unmirrored subnets) gets an IP-keyed asset; when the
// station holding it shows itself later, that asset is merged into the
// station's (counters, facts, protocols, edges) and its stored row removed.
//
// Merging leaves the merged record in place, emptied, with merged_into set,
// until compact() drops it (indices move: holders of indices remap them, as
// after shed()). Resolution never returns a merged asset; epoch() changes
// whenever an address changed hands, a router was found or assets merged, so
// holders of resolved indices (flows) know to resolve again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "dissectors/net.hpp"
#include "dissectors/observation.hpp"

namespace mieruka::inventory {

using AssetIndex = std::uint32_t;
using EdgeIndex = std::uint32_t;
inline constexpr AssetIndex kNoAsset = 0xffffffffU;
inline constexpr EdgeIndex kNoEdge = 0xffffffffU;

// Caps (a hostile or chatty network must not grow one asset without bound).
inline constexpr std::size_t kMaxFactsPerAsset = 256;   // further new facts are dropped
inline constexpr std::size_t kMaxFactValueBytes = 1024; // longer values are truncated
inline constexpr std::size_t kMaxIpsPerAsset = 64;      // further IPs are not recorded
inline constexpr std::size_t kMaxOpsPerEdge = 128;      // further new ops are dropped

struct FactRecord {
  std::string field, value, source;
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t count = 0;
};

struct IpRecord {
  IpAddr ip;
  std::int64_t first_us = 0, last_us = 0;
  // "ip" (seen sending from it), "ip_dst" (frames for it addressed to this MAC),
  // else the binding's source: "arp", "dhcp", "lldp", ...
  std::string source;
};

// How a frame ties an address to a MAC (see "Who holds an address" above).
enum class IpEvidence : std::uint8_t { addressed, sent };

// One sensor's view of an asset of a fleet ledger (see inventory/ledger/fleet.hpp):
// when that sensor saw it, how many frames it saw it send, and the addresses
// and VLANs it saw it with.
struct Sighting {
  std::string sensor, site;
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t packets_sent = 0;
  std::vector<IpAddr> ips;            // sorted, unique
  std::vector<std::uint16_t> vlans;   // sorted, unique
};

// Field order: the packet path's fields first, so that the MAC check, sent()'s
// counters and times and add_fact's facts share the record's first cache lines.
struct Asset {
  std::optional<MacAddr> mac;      // null for IP-keyed and routed assets
  bool router = false;             // a MAC seen with many IPs in several subnets
  bool dirty = true;               // changed since the last flush
  // Where add_fact looks first: the last fact it matched, then the one after it.
  // Dissectors repeat the same facts in the same order message after message, so
  // one of the two is almost always it (not stored, not compared).
  std::uint16_t fact_hint = 0;
  // Set when merge folded this asset into another: the record is empty and
  // only waits for compact(). Readers of a compacted ledger never see one.
  AssetIndex merged_into = kNoAsset;
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t packets_sent = 0, bytes_sent = 0;
  std::vector<std::uint16_t> vlans;   // sorted, unique
  std::vector<FactRecord> facts;
  std::string id;                  // stable id (hex), see Ledger::id_for_*
  std::optional<IpAddr> key_ip;    // set for IP-keyed assets
  std::string parent_id;           // for a device behind another asset
  std::string route;               // "1/3", "unit:3"
  std::vector<IpRecord> ips;
  std::vector<std::string> protocols; // sorted, unique
  // Per sensor, in sensor order, on the assets of a fleet ledger (merge_fleet);
  // empty in a sensor's own ledger. Not stored by Store.
  std::vector<Sighting> sightings;
};

struct EdgeOp {
  // Compared and counted per packet: first. The names follow.
  std::uint32_t code = 0;
  bool is_write = false, is_control = false;
  bool has_range = false;
  std::uint64_t count = 0, errors = 0;
  std::uint32_t range_lo = 0, range_hi = 0;  // inclusive, union of ranges touched
  std::int64_t first_us = 0, last_us = 0;
  std::string protocol, name;
};

// Field order as Asset's: count_edge() and add_op() touch the front.
struct Edge {
  // Set when relabel_edge merged this edge into another: the edge is empty and
  // only kept so EdgeIndex values stay valid (later counts go to the target).
  // Readers skip it; the store deletes its row.
  EdgeIndex merged_into = kNoEdge;
  bool dirty = true;
  std::uint16_t port = 0;         // server port (0 for ether/icmp)
  std::uint16_t vlan = 0;         // 0 = untagged
  std::uint64_t packets = 0, bytes = 0;
  std::int64_t first_us = 0, last_us = 0;
  std::vector<EdgeOp> ops;
  std::string id;                 // stable id from the key
  std::string from_id, to_id;     // asset ids
  std::string protocol;           // "modbus", "enip", "tcp", "udp", ...
  std::string transport;          // "tcp", "udp", "ether", "icmp"
};

class Ledger {
 public:
  explicit Ledger(std::string sensor_name = "");

  // --- hot path -------------------------------------------------------------
  // The asset for a station MAC (created on first sight).
  AssetIndex station(const MacAddr& mac, std::int64_t ts_us);
  // The asset a packet's endpoint belongs to: the asset of the station that
  // holds `ip` (see "Who holds an address"), else the MAC's asset, which then
  // holds `ip` by `how`; when `mac` is a router's (or absent, e.g. raw IP
  // captures) and no station holds `ip`, the IP-keyed asset for `ip`.
  // `ip` may be invalid (non-IP frames). Returns kNoAsset for multicast/broadcast.
  AssetIndex resolve(const std::optional<MacAddr>& mac, const IpAddr& ip, std::int64_t ts_us,
                     IpEvidence how = IpEvidence::sent);
  // A device behind `parent` at `route`.
  AssetIndex child(AssetIndex parent, std::string_view route, std::int64_t ts_us);
  // Counts a frame sent by `a` (bytes on the wire) and the VLAN it carried (0 none).
  void sent(AssetIndex a, std::uint32_t bytes, std::uint16_t vlan, std::int64_t ts_us);
  // Records that `a` holds `ip` by `source` ("arp", "dhcp", ...): authoritative
  // bindings that also tell the router logic which IPs are the router's own.
  void bind_ip(AssetIndex a, const IpAddr& ip, std::string_view source, std::int64_t ts_us);
  // Changes whenever an address changed hands, a router was found or assets
  // merged: indices resolved before may name the wrong asset now.
  [[nodiscard]] std::uint32_t epoch() const noexcept { return epoch_; }
  // Moves a conversation's edge from endpoints (old_from, old_to) onto (from,
  // to) (a routed flow first charged to the router): counters and operations
  // join the edge with the new key, the old one becomes a tombstone as after
  // relabel_edge. Returns the edge now carrying the conversation; when the edge
  // no longer joins old_from and old_to (another flow moved it), the edge with
  // the new key if there is one, else kNoEdge.
  EdgeIndex move_edge(EdgeIndex e, AssetIndex old_from, AssetIndex old_to, AssetIndex from, AssetIndex to);
  void add_protocol(AssetIndex a, std::string_view protocol);
  void add_fact(AssetIndex a, std::string_view field, std::string_view value, std::string_view source,
                std::int64_t ts_us);
  EdgeIndex edge(AssetIndex from, AssetIndex to, std::string_view protocol, std::string_view transport,
                 std::uint16_t port, std::uint16_t vlan, std::int64_t ts_us);
  void count_edge(EdgeIndex e, std::uint32_t bytes, std::int64_t ts_us);
  // Relabels an edge's protocol once a dissector identified it (e.g. "tcp" -> "modbus").
  // Returns the edge now carrying that key (merging into an existing one if needed).
  // The old edge becomes an empty tombstone (merged_into) whose index keeps
  // forwarding counts; edge() with the old key revives it as a fresh edge.
  EdgeIndex relabel_edge(EdgeIndex e, std::string_view protocol);
  // Counts an operation on the edge. False when an entry for it was already
  // there (the operation is not news); true when it is: a new entry, or none
  // because the edge is gone or already holds kMaxOpsPerEdge kinds.
  bool add_op(EdgeIndex e, const Operation& op, std::int64_t ts_us);

  // --- reading ---------------------------------------------------------------
  [[nodiscard]] const std::vector<Asset>& assets() const noexcept { return assets_; }
  // Start loading the first cache line of an asset or edge (where sent() and
  // count_edge() write), so that the packet path's misses on the two overlap;
  // nothing for an index out of range.
  void prefetch_asset(AssetIndex idx) const noexcept {
    if (idx < assets_.size()) __builtin_prefetch(&assets_[idx]);
  }
  void prefetch_edge(EdgeIndex idx) const noexcept {
    if (idx < edges_.size()) __builtin_prefetch(&edges_[idx]);
  }
  [[nodiscard]] const std::vector<Edge>& edges() const noexcept { return edges_; }
  [[nodiscard]] std::vector<Asset>& assets_mut() noexcept { return assets_; }
  [[nodiscard]] std::vector<Edge>& edges_mut() noexcept { return edges_; }
  [[nodiscard]] const Asset* find(std::string_view id_or_mac_or_ip) const;
  [[nodiscard]] AssetIndex index_of(std::string_view id) const;
  // The index of `a` when it is one of assets() (no id lookup), else index_of(a.id).
  [[nodiscard]] AssetIndex index_of(const Asset& a) const;
  // An edge's endpoints as asset indices, kept with the edge (the index_of of its
  // from_id and to_id when it was made or loaded); kNoAsset for an id no asset
  // carried then, or an index out of range.
  [[nodiscard]] std::pair<AssetIndex, AssetIndex> ends(EdgeIndex e) const noexcept {
    if (e >= edge_keys_.size()) return {kNoAsset, kNoAsset};
    return {edge_keys_[e].from, edge_keys_[e].to};
  }
  // The value shown for `field`: the fact with the best source priority, ties to the
  // most recently seen. Null when no fact exists.
  [[nodiscard]] static const FactRecord* best(const Asset& a, std::string_view field);
  // Source priority (higher wins): protocol identity > LLDP/SNMP/CDP > names > OUI.
  // See kSourcePriorities in ledger.cpp; a source not listed there ranks just
  // above "oui".
  [[nodiscard]] static int source_priority(std::string_view source) noexcept;
  // How strongly an address record's source ties the address to its asset: a
  // binding (arp, dhcp, an address the device announces) 3, frames sent from
  // it ("ip") 2, frames addressed to the MAC for it ("ip_dst") 1.
  [[nodiscard]] static int address_strength(std::string_view source) noexcept;
  // Facts dropped at the kMaxFactsPerAsset cap, ops at kMaxOpsPerEdge (diagnostics).
  [[nodiscard]] std::uint64_t facts_dropped() const noexcept { return facts_dropped_; }
  [[nodiscard]] std::uint64_t ops_dropped() const noexcept { return ops_dropped_; }

  // Stations that are one machine with several network cards: the same host
  // name announced for itself (NetBIOS, DHCP, mDNS, LLMNR), folded to lower
  // case without its domain, from MACs that are neighbours (one maker's
  // consecutive addresses, as on a board's two ports) or that show the same
  // maker and the same TCP/IP stack. A name many machines share out of the box
  // ("localhost", "raspberrypi") joins nothing. Groups of two or more, each
  // sorted by MAC, in MAC order.
  [[nodiscard]] std::vector<std::vector<AssetIndex>> same_host_groups() const;
  // The folded host name same_host_groups() compares, or "" when `a` has none.
  [[nodiscard]] static std::string announced_host_name(const Asset& a);
  // States every group of same_host_groups() as facts `same_host` = the other
  // station's MAC (source "host_name") on each member.
  void link_same_hosts(std::int64_t ts_us);

  // --- memory budget (inventory/ledger/ledger_memory.cpp) ------------------------------
  // Approximate heap bytes held: records, their strings and vectors, and the
  // index maps. O(assets + edges): call it every many packets, not per packet.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  // Reserves room for this many assets and edges up front, so the record vectors
  // never reallocate (a reallocation holds old and new copies at once: under a
  // MAC flood that spike alone broke the budget). Untouched capacity is address
  // space, not resident memory, and is not counted by memory_bytes().
  void reserve(std::size_t assets, std::size_t edges);
  // Bytes of the record vectors that are in use (resident), for a cheap check.
  [[nodiscard]] std::size_t record_bytes() const noexcept {
    return assets_.size() * sizeof(Asset) + edges_.size() * sizeof(Edge) + edge_keys_.size() * sizeof(EdgeKey);
  }
  // Their capacity, in bytes (address space, mostly untouched).
  [[nodiscard]] std::size_t reserved_bytes() const noexcept {
    return assets_.capacity() * sizeof(Asset) + edges_.capacity() * sizeof(Edge) +
           edge_keys_.capacity() * sizeof(EdgeKey);
  }
  // Sheds the least valuable assets until memory_bytes() <= target_bytes or
  // nothing sheddable is left. Kept always: an endpoint of a conversation (an
  // edge with a protocol a dissector confirmed, an operation, or more than
  // kWeakEdgePackets packets), a fact from
  // a source other than the OUI registry, a router, a parent or child. Shed
  // first: one-packet assets; then the fewest packets, least recently seen
  // first. The weak edges of a shed asset are shed with it (a flood of spoofed
  // senders, one datagram each to a real server, would otherwise keep them all).
  // Asset and edge indices change: when `remap` / `edge_remap` are given,
  // (*remap)[old index] is the new index or kNoAsset, (*edge_remap)[old] the new
  // edge index or kNoEdge (an empty edge_remap: edges did not move). Holders of
  // indices (flows) must apply them. Shed records stay in the store if they were
  // flushed. Returns how many assets it shed. The pages the shed records
  // occupied at the end of the record vectors are given back to the kernel
  // (their capacity, as address space, stays).
  static constexpr std::uint64_t kWeakEdgePackets = 2;
  std::size_t shed(std::size_t target_bytes, std::vector<AssetIndex>* remap = nullptr,
                   std::vector<EdgeIndex>* edge_remap = nullptr);
  [[nodiscard]] std::uint64_t assets_shed() const noexcept { return assets_shed_; }
  [[nodiscard]] std::uint64_t edges_shed() const noexcept { return edges_shed_; }
  // Drops the records merge() emptied. Asset indices change as in shed().
  // Returns how many were dropped.
  std::size_t compact(std::vector<AssetIndex>* remap = nullptr);
  [[nodiscard]] std::size_t merged_pending() const noexcept { return merged_pending_; }
  // Ids of assets merged into others since the last clear_dirty(): the store
  // deletes their rows (their edges are tombstones and go with them).
  [[nodiscard]] const std::vector<std::string>& removed_ids() const noexcept { return removed_ids_; }
  [[nodiscard]] std::uint64_t assets_merged() const noexcept { return assets_merged_; }

  // Stable ids: 16 lower-case hex digits of the 64-bit FNV-1a hash of the key
  // "mac:<aa:bb:..>", "ip:<ip>", "<parent_id>/<route>", and for edges
  // "<from>|<to>|<protocol>|<port>|<vlan>" (decimal port and vlan).
  [[nodiscard]] static std::string id_for_mac(const MacAddr& mac);
  [[nodiscard]] static std::string id_for_ip(const IpAddr& ip);
  [[nodiscard]] static std::string id_for_child(std::string_view parent_id, std::string_view route);
  [[nodiscard]] static std::string id_for_edge(std::string_view from, std::string_view to, std::string_view protocol,
                                               std::uint16_t port, std::uint16_t vlan);

  // What merge() does to the two records when it folds asset `from` into
  // `into`: packets and bytes summed, first/last widened, VLANs and protocols
  // united, facts united by (field, value, source) with counts summed and
  // times widened, addresses united (a stronger source replaces a weaker one).
  // Caps as on the packet path; returns how many facts the cap dropped.
  // Identity (id, MAC, key, parent, route, router) and sightings are left to
  // the caller. `from` is left in a valid but unspecified state.
  static std::size_t fold_asset(Asset& into, Asset& from);
  // What relabel_edge and merge() do to an edge's counters when they join two
  // edges: packets and bytes summed, first/last widened, operations united by
  // (code, name, protocol) with counts summed and ranges widened. Returns how
  // many operations kMaxOpsPerEdge dropped. `from`'s ops are moved from.
  static std::size_t fold_edge(Edge& into, Edge& from);

  // Inserts records read from the store (no dirty marks). Used by Store::load.
  void load_asset(Asset a);
  void load_edge(Edge e);
  // load_edge for each of `edges` (moved from), after their assets: the ids
  // are looked up in a flat table made for the load (two lookups per edge in
  // the node-based id map were a tenth of loading 100,000 assets).
  void load_edges(std::vector<Edge>& edges);
  // Sizes the index maps for this many more assets and edges before a load
  // (growing them one insert at a time rehashed each several times).
  void reserve_loaded(std::size_t assets, std::size_t edges);
  void clear_dirty() noexcept;
  // Forgets removed_ids() only (the store deleted them; some records may still
  // be dirty after a flush stored in parts).
  void clear_removed() noexcept { removed_ids_.clear(); }

  [[nodiscard]] const std::string& sensor_name() const noexcept { return sensor_name_; }

 private:
  // Integer edge key: no strings on the hot path.
  struct EdgeKey {
    AssetIndex from = kNoAsset, to = kNoAsset;
    std::uint32_t protocol = 0;  // interned, see intern_protocol
    std::uint16_t port = 0, vlan = 0;
    friend bool operator==(const EdgeKey&, const EdgeKey&) = default;
  };
  struct EdgeKeyHash {
    std::size_t operator()(const EdgeKey& k) const noexcept;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  AssetIndex new_asset(Asset a);
  AssetIndex ip_asset(const IpAddr& ip, std::int64_t ts_us);
  // The asset for `ip` seen without its own station: the station that holds it,
  // else the IP-keyed asset.
  AssetIndex ip_endpoint(const IpAddr& ip, std::int64_t ts_us);
  // Adds or refreshes `ip` on asset `a` (a stronger source replaces a weaker
  // one) and makes `a` the address's holder; returns true when the record is new.
  bool note_ip(AssetIndex a, const IpAddr& ip, std::string_view source, std::int64_t ts_us);
  // `a` claims `ip` with evidence of strength `strength` (see ip_strength):
  // settles who holds it, takes it from a weaker holder, and merges the
  // address's IP-keyed asset into `a`. Returns the asset the endpoint is.
  AssetIndex claim(AssetIndex a, const IpAddr& ip, std::string_view source, std::int64_t ts_us);
  // `relay` carried traffic for `ip`, which another station holds.
  void note_relay(AssetIndex relay, const IpAddr& ip, std::int64_t ts_us);
  void check_router(AssetIndex a, std::int64_t ts_us);
  void make_router(AssetIndex a, std::int64_t ts_us);
  // Removes `ip` from `a`'s records (it belongs to someone else).
  void drop_ip(AssetIndex a, const IpAddr& ip);
  void merge(AssetIndex from, AssetIndex into);
  EdgeIndex rekey_edge(EdgeIndex e, AssetIndex from, AssetIndex to, std::string_view protocol);
  // Removes the assets marked in `gone`, moving the rest down (see shed()).
  void drop_assets(const std::vector<bool>& gone, std::vector<AssetIndex>* remap);
  // Removes the edges marked in `gone`, moving the rest down (see shed()).
  void drop_edges(const std::vector<bool>& gone, std::vector<EdgeIndex>* remap);
  std::uint32_t intern_protocol(std::string_view protocol);
  EdgeIndex live_edge(EdgeIndex e) const noexcept;  // follows merged_into
  void load_edge(Edge e, AssetIndex from, AssetIndex to);
  static void touch(Asset& a, std::int64_t ts_us) noexcept;

  std::string sensor_name_;
  std::vector<Asset> assets_;
  std::vector<Edge> edges_;
  std::vector<EdgeKey> edge_keys_;                     // parallel to edges_
  std::unordered_map<MacAddr, AssetIndex> by_mac_;
  std::unordered_map<IpAddr, AssetIndex> by_ip_;       // IP-keyed assets only
  std::unordered_map<IpAddr, AssetIndex> holder_;      // address -> the MAC asset holding it
  // A MAC not yet known as a router -> the first address another station holds
  // that it carried traffic for (a second one makes it a router).
  std::unordered_map<AssetIndex, IpAddr> first_relay_;
  std::unordered_map<std::uint64_t, AssetIndex> by_id_;  // id hash (the id's value)
  // The hashes of asset ids that are not 16 hex digits (FNV of the text): only
  // for these can a 16-hex-digit id share its hash with another id, so only
  // these make index_of compare the text. Never shrinks (a stale entry only
  // costs that comparison).
  std::unordered_set<std::uint64_t> text_id_hashes_;
  std::unordered_map<std::uint64_t, EdgeIndex> edge_by_id_;
  std::unordered_map<EdgeKey, EdgeIndex, EdgeKeyHash> edge_by_key_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> protocol_ids_;
  std::vector<std::string> protocol_names_;
  std::uint64_t facts_dropped_ = 0, ops_dropped_ = 0;
  std::uint64_t assets_shed_ = 0;  // by shed()
  std::uint64_t edges_shed_ = 0;   // by shed(), with their assets
  std::uint64_t assets_merged_ = 0;
  std::size_t merged_pending_ = 0;  // merged records not yet compacted
  std::vector<std::string> removed_ids_;
  std::uint32_t epoch_ = 0;
};

}  // namespace mieruka::inventory
