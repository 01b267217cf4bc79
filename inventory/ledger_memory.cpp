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

#include "inventory/ledger.hpp"

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

std::size_t Ledger::shed(std::size_t target_bytes, std::vector<AssetIndex>* remap) {
  std::size_t mem = memory_bytes();
  if (mem <= target_bytes) return 0;
  const std::size_t n = assets_.size();

  // What must stay: conversation endpoints, identities, routers, parents and children.
  std::vector<bool> keep(n, false);
  for (std::size_t e = 0; e < edge_keys_.size(); ++e) {
    if (edges_[e].merged_into != kNoEdge) continue;
    const auto& k = edge_keys_[e];
    if (k.from < n) keep[k.from] = true;
    if (k.to < n) keep[k.to] = true;
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
    const std::size_t b = asset_bytes(assets_[i]);
    mem = mem > b ? mem - b : 0;
    gone[i] = true;
    ++shed_count;
  }
  if (shed_count == 0 && merged_pending_ == 0) return 0;
  drop_assets(gone, remap);
  merged_pending_ = 0;
  assets_shed_ += shed_count;
  return shed_count;
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
  decltype(edge_by_key_) rekeyed;
  rekeyed.reserve(edge_by_key_.size());
  for (const auto& [k, e] : edge_by_key_) {
    EdgeKey nk = k;
    nk.from = moved(k.from);
    nk.to = moved(k.to);
    if (nk.from == kNoAsset || nk.to == kNoAsset) continue;
    rekeyed.emplace(nk, e);
  }
  edge_by_key_.swap(rekeyed);
  ++epoch_;
}

}  // namespace mieruka::inventory
