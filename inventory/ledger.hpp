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
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dissectors/net.hpp"
#include "dissectors/observation.hpp"

namespace mieruka::inventory {

using AssetIndex = std::uint32_t;
using EdgeIndex = std::uint32_t;
inline constexpr AssetIndex kNoAsset = 0xffffffffU;

struct FactRecord {
  std::string field, value, source;
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t count = 0;
};

struct IpRecord {
  IpAddr ip;
  std::int64_t first_us = 0, last_us = 0;
  std::string source;  // "ip" (seen sending), "arp", "dhcp", ...
};

struct Asset {
  std::string id;                  // stable id (hex), see Ledger::id_for_*
  std::optional<MacAddr> mac;      // null for IP-keyed and routed assets
  std::optional<IpAddr> key_ip;    // set for IP-keyed assets
  std::string parent_id;           // for a device behind another asset
  std::string route;               // "1/3", "unit:3"
  std::vector<IpRecord> ips;
  std::vector<std::uint16_t> vlans;   // sorted, unique
  std::vector<std::string> protocols; // sorted, unique
  std::vector<FactRecord> facts;
  std::int64_t first_us = 0, last_us = 0;
  std::uint64_t packets_sent = 0, bytes_sent = 0;
  bool router = false;             // a MAC seen with many IPs in several subnets
  bool dirty = true;               // changed since the last flush
};

struct EdgeOp {
  std::string protocol, name;
  std::uint32_t code = 0;
  std::uint64_t count = 0, errors = 0;
  bool is_write = false, is_control = false;
  bool has_range = false;
  std::uint32_t range_lo = 0, range_hi = 0;  // inclusive, union of ranges touched
  std::int64_t first_us = 0, last_us = 0;
};

struct Edge {
  std::string id;                 // stable id from the key
  std::string from_id, to_id;     // asset ids
  std::string protocol;           // "modbus", "enip", "tcp", "udp", ...
  std::string transport;          // "tcp", "udp", "ether", "icmp"
  std::uint16_t port = 0;         // server port (0 for ether/icmp)
  std::uint16_t vlan = 0;         // 0 = untagged
  std::uint64_t packets = 0, bytes = 0;
  std::int64_t first_us = 0, last_us = 0;
  std::vector<EdgeOp> ops;
  bool dirty = true;
};

class Ledger {
 public:
  explicit Ledger(std::string sensor_name = "");

  // --- hot path -------------------------------------------------------------
  // The asset for a station MAC (created on first sight).
  AssetIndex station(const MacAddr& mac, std::int64_t ts_us);
  // The asset a packet's endpoint belongs to: the MAC's asset, or, when `mac` is
  // a router's (or absent, e.g. raw IP captures) and `ip` is not the router's
  // own, the IP-keyed asset for `ip`. Binds ip to the MAC asset otherwise.
  // `ip` may be invalid (non-IP frames). Returns kNoAsset for multicast/broadcast.
  AssetIndex resolve(const std::optional<MacAddr>& mac, const IpAddr& ip, std::int64_t ts_us);
  // A device behind `parent` at `route`.
  AssetIndex child(AssetIndex parent, std::string_view route, std::int64_t ts_us);
  // Counts a frame sent by `a` (bytes on the wire) and the VLAN it carried (0 none).
  void sent(AssetIndex a, std::uint32_t bytes, std::uint16_t vlan, std::int64_t ts_us);
  // Records that `a` holds `ip` by `source` ("arp", "dhcp", ...): authoritative
  // bindings that also tell the router logic which IPs are the router's own.
  void bind_ip(AssetIndex a, const IpAddr& ip, std::string_view source, std::int64_t ts_us);
  void add_protocol(AssetIndex a, std::string_view protocol);
  void add_fact(AssetIndex a, std::string_view field, std::string_view value, std::string_view source,
                std::int64_t ts_us);
  EdgeIndex edge(AssetIndex from, AssetIndex to, std::string_view protocol, std::string_view transport,
                 std::uint16_t port, std::uint16_t vlan, std::int64_t ts_us);
  void count_edge(EdgeIndex e, std::uint32_t bytes, std::int64_t ts_us);
  // Relabels an edge's protocol once a dissector identified it (e.g. "tcp" -> "modbus").
  // Returns the edge now carrying that key (merging into an existing one if needed).
  EdgeIndex relabel_edge(EdgeIndex e, std::string_view protocol);
  void add_op(EdgeIndex e, const Operation& op, std::int64_t ts_us);

  // --- reading ---------------------------------------------------------------
  [[nodiscard]] const std::vector<Asset>& assets() const noexcept { return assets_; }
  [[nodiscard]] const std::vector<Edge>& edges() const noexcept { return edges_; }
  [[nodiscard]] std::vector<Asset>& assets_mut() noexcept { return assets_; }
  [[nodiscard]] std::vector<Edge>& edges_mut() noexcept { return edges_; }
  [[nodiscard]] const Asset* find(std::string_view id_or_mac_or_ip) const;
  [[nodiscard]] AssetIndex index_of(std::string_view id) const;
  // The value shown for `field`: the fact with the best source priority, ties to the
  // most recently seen. Null when no fact exists.
  [[nodiscard]] static const FactRecord* best(const Asset& a, std::string_view field);
  // Source priority (higher wins): protocol identity > LLDP/SNMP/CDP > names > OUI.
  [[nodiscard]] static int source_priority(std::string_view source) noexcept;

  // Stable ids.
  [[nodiscard]] static std::string id_for_mac(const MacAddr& mac);
  [[nodiscard]] static std::string id_for_ip(const IpAddr& ip);
  [[nodiscard]] static std::string id_for_child(std::string_view parent_id, std::string_view route);
  [[nodiscard]] static std::string id_for_edge(std::string_view from, std::string_view to, std::string_view protocol,
                                               std::uint16_t port, std::uint16_t vlan);

  // Inserts records read from the store (no dirty marks). Used by Store::load.
  void load_asset(Asset a);
  void load_edge(Edge e);
  void clear_dirty() noexcept;

  [[nodiscard]] const std::string& sensor_name() const noexcept { return sensor_name_; }

 private:
  std::string sensor_name_;
  std::vector<Asset> assets_;
  std::vector<Edge> edges_;
  std::unordered_map<MacAddr, AssetIndex> by_mac_;
  std::unordered_map<IpAddr, AssetIndex> by_ip_;       // IP-keyed assets only
  std::unordered_map<std::string, AssetIndex> by_id_;
  std::unordered_map<std::string, EdgeIndex> edge_by_id_;
};

}  // namespace mieruka::inventory
