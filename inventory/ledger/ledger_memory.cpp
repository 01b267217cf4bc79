// The ledger's memory budget: what it holds (memory_bytes) and what it gives up
// first when the sensor is over budget (shed), e.g. under a MAC flood of
// one-packet stations. Kept apart from ledger.cpp: nothing here runs per packet.
//
// Accounting is an estimate of heap bytes: sizeof each record, the capacity of
// its vectors, the heap part of each string (longer than the 15-byte small
// string buffer of libstdc++), about 48 bytes per hash map node and 8 per bucket.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {
namespace {

constexpr std::size_t kMapNodeBytes = 48;
constexpr std::size_t kBucketBytes = 8;

std::size_t str_bytes(const std::string& s) noexcept {
  return s.capacity() > 15 ? ((s.capacity() + 1 + 8 + 15) & ~std::size_t{15}) : 0;
}

std::size_t asset_bytes(const Asset& a) noexcept {
  std::size_t n = sizeof(Asset) + str_bytes(a.id) + str_bytes(a.parent_id) + str_bytes(a.route);
  n += a.ips.capacity() * sizeof(IpRecord) + a.vlans.capacity() * sizeof(std::uint16_t) +
       a.protocols.capacity() * sizeof(std::string) + a.facts.capacity() * sizeof(FactRecord);
  for (const auto& r : a.ips) n += str_bytes(r.source);
  for (const auto& p : a.protocols) n += str_bytes(p);
  for (const auto& f : a.facts) n += str_bytes(f.field) + str_bytes(f.value) + str_bytes(f.source);
  n += a.sightings.capacity() * sizeof(Sighting);
  for (const auto& g : a.sightings)
    n += str_bytes(g.sensor) + str_bytes(g.site) + g.ips.capacity() * sizeof(IpAddr) +
         g.vlans.capacity() * sizeof(std::uint16_t);
  return n + 2 * kMapNodeBytes;  // by_id_ and by_mac_ or by_ip_
}

std::size_t edge_bytes(const Edge& e) noexcept {
  std::size_t n = sizeof(Edge) + str_bytes(e.id) + str_bytes(e.from_id) + str_bytes(e.to_id) +
                  str_bytes(e.protocol) + str_bytes(e.transport) + e.ops.capacity() * sizeof(EdgeOp);
  for (const auto& o : e.ops) n += str_bytes(o.protocol) + str_bytes(o.name);
  return n + 2 * kMapNodeBytes;  // edge_by_id_ and edge_by_key_
}

template <class Map>
std::size_t buckets(const Map& m) noexcept {
  return m.bucket_count() * kBucketBytes;
}

// The whole pages between a vector's end and its capacity hold no objects:
// MADV_DONTNEED makes them address space again (zero-filled when next
// touched), so the resident set falls with the records shed. Without it the
// pages stay resident and count against the budget as if still used.
template <class T>
void release_tail(std::vector<T>& v) noexcept {
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0 || v.capacity() == v.size()) return;
  const auto p = static_cast<std::uintptr_t>(page);
  const auto from = (reinterpret_cast<std::uintptr_t>(v.data() + v.size()) + p - 1) & ~(p - 1);
  const auto to = reinterpret_cast<std::uintptr_t>(v.data() + v.capacity()) & ~(p - 1);
  if (to > from) (void)::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
}

}  // namespace

std::size_t Ledger::memory_bytes() const noexcept {
  std::size_t n = sizeof(*this);
  for (const auto& a : assets_) n += asset_bytes(a);
  n += edge_keys_.capacity() * sizeof(EdgeKey);
  for (const auto& e : edges_) n += edge_bytes(e);
  n += buckets(by_mac_) + buckets(by_ip_) + buckets(by_id_) + buckets(edge_by_id_) + buckets(edge_by_key_);
  n += buckets(holder_) + holder_.size() * kMapNodeBytes + buckets(first_relay_) + first_relay_.size() * kMapNodeBytes;
  n += buckets(protocol_ids_) + protocol_ids_.size() * kMapNodeBytes * 2;
  return n;
}

void Ledger::reserve(std::size_t assets, std::size_t edges) {
  assets_.reserve(assets);
  edges_.reserve(edges);
  edge_keys_.reserve(edges);
}

std::size_t Ledger::shed(std::size_t target_bytes, std::vector<AssetIndex>* remap, std::vector<EdgeIndex>* edge_remap) {
  std::size_t mem = memory_bytes();
  if (mem <= target_bytes) return 0;
  const std::size_t n = assets_.size();
  const std::size_t ne = edges_.size();

  // A weak edge (a packet or two of bare TCP, UDP or IP: no protocol a
  // dissector confirmed, no operation) does not make its endpoints a
  // conversation worth keeping: a spoofed sender's one datagram to a server is
  // one. An edge a merged one points at stays (its tombstone forwards to it).
  std::vector<bool> weak(ne, false);
  for (std::size_t e = 0; e < ne; ++e) {
    const Edge& ed = edges_[e];
    weak[e] = ed.merged_into == kNoEdge && ed.packets <= kWeakEdgePackets && ed.ops.empty() &&
              ed.protocol == ed.transport;
  }
  for (std::size_t e = 0; e < ne; ++e)
    if (const EdgeIndex t = edges_[e].merged_into; t != kNoEdge && t < ne) weak[t] = false;

  // What must stay: endpoints of real conversations, identities, routers,
  // parents and children.
  std::vector<bool> keep(n, false);
  std::vector<std::size_t> weak_bytes(n, 0);  // each weak edge charged to one endpoint
  for (std::size_t e = 0; e < ne; ++e) {
    if (edges_[e].merged_into != kNoEdge) continue;
    const auto& k = edge_keys_[e];
    if (!weak[e]) {
      if (k.from < n) keep[k.from] = true;
      if (k.to < n) keep[k.to] = true;
    } else if (k.from < n) {
      weak_bytes[k.from] += edge_bytes(edges_[e]);
    }
  }
  std::vector<bool> gone(n, false);
  for (AssetIndex i = 0; i < n; ++i) {
    const Asset& a = assets_[i];
    if (a.merged_into != kNoAsset) {  // merged away: nothing left to keep
      keep[i] = false;
      gone[i] = true;
      continue;
    }
    if (a.router || !a.route.empty()) keep[i] = true;
    if (!a.parent_id.empty()) {
      keep[i] = true;
      if (const AssetIndex p = index_of(a.parent_id); p != kNoAsset) keep[p] = true;
    }
    for (const auto& f : a.facts)
      if (f.source != "oui") {
        keep[i] = true;
        break;
      }
  }
  std::vector<AssetIndex> order;
  for (AssetIndex i = 0; i < n; ++i)
    if (!keep[i] && !gone[i]) order.push_back(i);
  std::sort(order.begin(), order.end(), [this](AssetIndex x, AssetIndex y) {
    const Asset& a = assets_[x];
    const Asset& b = assets_[y];
    const bool a_one = a.packets_sent <= 1, b_one = b.packets_sent <= 1;
    if (a_one != b_one) return a_one;
    if (a.packets_sent != b.packets_sent) return a.packets_sent < b.packets_sent;
    return a.last_us < b.last_us;
  });
  std::size_t shed_count = 0;
  for (const AssetIndex i : order) {
    if (mem <= target_bytes) break;
    const std::size_t b = asset_bytes(assets_[i]) + weak_bytes[i];
    mem = mem > b ? mem - b : 0;
    gone[i] = true;
    ++shed_count;
  }
  if (shed_count == 0 && merged_pending_ == 0) return 0;
  // The weak edges of what goes, go with it (before the assets: their keys
  // still hold the old asset indices).
  std::vector<bool> edge_gone(ne, false);
  std::size_t edges_dropped = 0;
  for (std::size_t e = 0; e < ne; ++e) {
    if (!weak[e]) continue;
    const auto& k = edge_keys_[e];
    if ((k.from < n && gone[k.from]) || (k.to < n && gone[k.to])) {
      edge_gone[e] = true;
      ++edges_dropped;
    }
  }
  if (edges_dropped != 0) drop_edges(edge_gone, edge_remap);
  else if (edge_remap != nullptr) edge_remap->clear();
  drop_assets(gone, remap);
  merged_pending_ = 0;
  assets_shed_ += shed_count;
  edges_shed_ += edges_dropped;
  return shed_count;
}

void Ledger::drop_edges(const std::vector<bool>& gone, std::vector<EdgeIndex>* remap) {
  const std::size_t n = edges_.size();
  std::vector<EdgeIndex> local;
  std::vector<EdgeIndex>& to = remap != nullptr ? *remap : local;
  to.assign(n, kNoEdge);
  EdgeIndex next = 0;
  for (EdgeIndex i = 0; i < n; ++i) {
    if (i < gone.size() && gone[i]) continue;
    to[i] = next;
    if (next != i) {
      edges_[next] = std::move(edges_[i]);
      edge_keys_[next] = edge_keys_[i];
    }
    ++next;
  }
  edges_.resize(next);
  edge_keys_.resize(next);
  release_tail(edges_);
  release_tail(edge_keys_);
  // Tombstones point only at kept edges (shed() keeps every target).
  for (auto& e : edges_)
    if (e.merged_into != kNoEdge && e.merged_into < n) e.merged_into = to[e.merged_into];
  auto follow = [&to, n](auto& map) {
    for (auto it = map.begin(); it != map.end();) {
      const EdgeIndex v = it->second < n ? to[it->second] : it->second;
      if (v == kNoEdge) {
        it = map.erase(it);
        continue;
      }
      it->second = v;
      ++it;
    }
  };
  follow(edge_by_id_);
  follow(edge_by_key_);
}

void Ledger::drop_assets(const std::vector<bool>& gone, std::vector<AssetIndex>* remap) {
  const std::size_t n = assets_.size();
  // Compact: survivors move down in order; every index map follows.
  std::vector<AssetIndex> local;
  std::vector<AssetIndex>& to = remap != nullptr ? *remap : local;
  to.assign(n, kNoAsset);
  AssetIndex next = 0;
  for (AssetIndex i = 0; i < n; ++i) {
    if (i < gone.size() && gone[i]) continue;
    to[i] = next;
    if (next != i) assets_[next] = std::move(assets_[i]);
    ++next;
  }
  auto follow = [&to, n](auto& map) {
    for (auto it = map.begin(); it != map.end();) {
      const AssetIndex v = it->second < n ? to[it->second] : it->second;
      if (v == kNoAsset) {
        it = map.erase(it);
        continue;
      }
      it->second = v;
      ++it;
    }
  };
  follow(by_mac_);
  follow(by_ip_);
  follow(by_id_);
  follow(holder_);
  for (auto& a : assets_)
    if (a.merged_into != kNoAsset && a.merged_into < n) a.merged_into = to[a.merged_into];
  decltype(first_relay_) relays;
  for (const auto& [a, ip] : first_relay_)
    if (a < n && to[a] != kNoAsset) relays.emplace(to[a], ip);
  first_relay_.swap(relays);
  // The capacity stays: shrinking would copy every survivor (old and new blocks
  // resident at once, the very spike the budget is about) and the next growth
  // would copy them again.
  assets_.resize(next);
  release_tail(assets_);
  // Live edges' endpoints are all kept, but their indices moved; a tombstone
  // whose endpoint went keeps no key.
  auto moved = [&to, n](AssetIndex i) { return i < n ? to[i] : i; };
  for (auto& k : edge_keys_) {
    k.from = moved(k.from);
    k.to = moved(k.to);
  }
  // Re-keyed in place, node by node: a second map would hold every key twice
  // at the moment the budget is tightest.
  std::vector<decltype(edge_by_key_)::node_type> nodes;
  nodes.reserve(edge_by_key_.size());
  while (!edge_by_key_.empty()) nodes.push_back(edge_by_key_.extract(edge_by_key_.begin()));
  for (auto& node : nodes) {
    EdgeKey& k = node.key();
    k.from = moved(k.from);
    k.to = moved(k.to);
    if (k.from == kNoAsset || k.to == kNoAsset) continue;  // freed with the node handle
    edge_by_key_.insert(std::move(node));
  }
  ++epoch_;
}

}  // namespace mieruka::inventory
