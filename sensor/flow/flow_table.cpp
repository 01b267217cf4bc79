// The flow table: see flow_table.hpp for the layout.
#include "sensor/flow/flow_table.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace mieruka::sensor {

namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

[[nodiscard]] constexpr std::uint64_t fmix64(std::uint64_t k) noexcept {  // MurmurHash3 finaliser
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  return k ^ (k >> 33);
}

[[nodiscard]] std::uint64_t ip_words(std::uint64_t h, const IpAddr& a) noexcept {
  std::uint64_t w[2];
  std::memcpy(w, a.b.data(), sizeof w);
  return mix(mix(h, w[0]), w[1]);
}

[[nodiscard]] constexpr std::size_t pow2_ceil(std::size_t n) noexcept {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Largest table we index with 32-bit slots and ids.
constexpr std::size_t kMaxFlowsCap = std::size_t{1} << 28;

}  // namespace

namespace {

[[nodiscard]] std::uint64_t hash_parts(const IpAddr& a, const IpAddr& b, std::uint16_t port0, std::uint16_t port1,
                                       std::uint8_t proto, std::uint16_t vlan) noexcept {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  if (a.family == 4 && b.family == 4) {
    h = mix(h, (std::uint64_t{a.v4_value()} << 32) | b.v4_value());  // both in one word
  } else {
    h = ip_words(h, a);
    h = ip_words(h, b);
  }
  h = mix(h, (std::uint64_t{port0} << 48) | (std::uint64_t{port1} << 32) | (std::uint64_t{vlan} << 16) |
                 (std::uint64_t{proto} << 8) | a.family);
  return fmix64(h);
}

}  // namespace

FlowKeyParts locate_key(const dissectors::DecodedPacket& p, bool vlan_in_key) noexcept {
  using dissectors::L4;
  const bool ports = p.l4 == L4::tcp || p.l4 == L4::udp;
  const std::uint16_t sport = ports ? p.src_port : 0;
  const std::uint16_t dport = ports ? p.dst_port : 0;
  const bool swap = p.dst_ip < p.src_ip || (p.dst_ip == p.src_ip && dport < sport);
  FlowKeyParts k;
  k.ip[0] = swap ? &p.dst_ip : &p.src_ip;
  k.ip[1] = swap ? &p.src_ip : &p.dst_ip;
  k.port[0] = swap ? dport : sport;
  k.port[1] = swap ? sport : dport;
  k.proto = p.ip_proto;
  // The innermost tag names the segment (the outer one of a QinQ pair is the carrier's).
  if (vlan_in_key && p.vlan_count > 0) k.vlan = p.vlans[p.vlan_count > 1 ? 1 : 0];
  k.side = swap ? 1 : 0;
  k.h32 = static_cast<std::uint32_t>(hash_parts(*k.ip[0], *k.ip[1], k.port[0], k.port[1], k.proto, k.vlan));
  return k;
}

FlowKeyParts key_parts(const FlowKey& key) noexcept {
  FlowKeyParts k;
  k.ip[0] = &key.ip[0];
  k.ip[1] = &key.ip[1];
  k.port[0] = key.port[0];
  k.port[1] = key.port[1];
  k.proto = key.proto;
  k.vlan = key.vlan;
  k.h32 = static_cast<std::uint32_t>(hash_flow_key(key));
  return k;
}

FlowKey FlowKeyParts::key() const noexcept {
  FlowKey k;
  k.ip[0] = *ip[0];
  k.ip[1] = *ip[1];
  k.port[0] = port[0];
  k.port[1] = port[1];
  k.proto = proto;
  k.vlan = vlan;
  return k;
}

FlowKey make_flow_key(const dissectors::DecodedPacket& p, bool vlan_in_key, std::uint8_t& side) noexcept {
  const FlowKeyParts k = locate_key(p, vlan_in_key);
  side = k.side;
  return k.key();
}

std::uint64_t hash_flow_key(const FlowKey& k) noexcept {
  return hash_parts(k.ip[0], k.ip[1], k.port[0], k.port[1], k.proto, k.vlan);
}

FlowTable::FlowTable(FlowLimits limits, ReassemblyBudget& budget) : limits_(limits), budget_(budget) {
  if (limits_.max_flows == 0) limits_.max_flows = 1;
  if (limits_.max_flows > kMaxFlowsCap) limits_.max_flows = kMaxFlowsCap;
  max_slots_ = pow2_ceil(limits_.max_flows * 2);
  const std::size_t slots = std::min(max_slots_, kInitialSlots);
  index_.assign(slots, kEmpty);
  mask_ = slots - 1;
  slabs_.reserve((limits_.max_flows + kSlabFlows - 1) / kSlabFlows);
}

FlowTable::~FlowTable() {
  // Free the streams' buffers while the budget they were reserved from is alive.
  drain([](Flow&) {});
}

std::int64_t FlowTable::timeout(std::uint8_t list) const noexcept {
  switch (list) {
    case kTcpOpen: return limits_.tcp_idle_us;
    case kTcpClosed: return limits_.tcp_closed_us;
    default: return limits_.udp_idle_us;
  }
}

std::uint32_t FlowTable::probe(const FlowKeyParts& key) noexcept {
  for (std::uint64_t i = key.h32 & mask_;; i = (i + 1) & mask_) {
    const std::uint64_t e = index_[i];
    if (e == kEmpty) return kNoIndex;
    if (static_cast<std::uint32_t>(e >> 32) != key.h32) continue;
    const auto id = static_cast<std::uint32_t>(e);
    if (key.matches(at(id).key)) return id;
  }
}

// Doubles the index while it would pass half full and is below its largest
// size (2 x max_flows): a small index stays in cache where a sensor sees few
// flows. A failed allocation keeps the current index (lookup then evicts
// before the index fills).
void FlowTable::grow_index() noexcept {
  if (index_.size() >= max_slots_) return;
  std::vector<std::uint64_t> bigger;
  try {
    bigger.assign(index_.size() * 2, kEmpty);
  } catch (const std::bad_alloc&) {
    ++counters_.alloc_failures;
    return;
  }
  index_.swap(bigger);
  mask_ = index_.size() - 1;
  for (std::uint64_t e : bigger)
    if (e != kEmpty) index_insert(static_cast<std::uint32_t>(e >> 32), static_cast<std::uint32_t>(e));
}

void FlowTable::index_insert(std::uint32_t h32, std::uint32_t id) noexcept {
  std::uint64_t i = h32 & mask_;
  while (index_[i] != kEmpty) i = (i + 1) & mask_;
  index_[i] = (std::uint64_t{h32} << 32) | id;
}

// Linear probing deletion by backward shift (Knuth vol. 3, 6.4 Algorithm R):
// later entries of the cluster move up so no probe sequence is cut.
void FlowTable::index_erase(std::uint32_t id) noexcept {
  const std::uint32_t h32 = static_cast<std::uint32_t>(hash_flow_key(at(id).key));
  std::uint64_t i = h32 & mask_;
  while (index_[i] != kEmpty && static_cast<std::uint32_t>(index_[i]) != id) i = (i + 1) & mask_;
  if (index_[i] == kEmpty) return;  // not indexed: nothing to do
  index_[i] = kEmpty;
  for (std::uint64_t j = (i + 1) & mask_; index_[j] != kEmpty; j = (j + 1) & mask_) {
    const std::uint64_t home = (index_[j] >> 32) & mask_;
    // Move j into the hole at i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    index_[i] = index_[j];
    index_[j] = kEmpty;
    i = j;
  }
}

void FlowTable::link_tail(Flow& f, std::uint8_t list, std::int64_t now_us) noexcept {
  Ends& e = lists_[list];
  f.list_ = list;
  f.placed_us_ = now_us;
  f.prev_ = e.tail;
  f.next_ = kNoIndex;
  if (e.tail != kNoIndex) {
    at(e.tail).next_ = f.id_;
  } else {
    e.head = f.id_;
  }
  e.tail = f.id_;
}

void FlowTable::unlink(Flow& f) noexcept {
  Ends& e = lists_[f.list_];
  if (f.prev_ != kNoIndex) {
    at(f.prev_).next_ = f.next_;
  } else {
    e.head = f.next_;
  }
  if (f.next_ != kNoIndex) {
    at(f.next_).prev_ = f.prev_;
  } else {
    e.tail = f.prev_;
  }
  f.prev_ = f.next_ = kNoIndex;
}

Flow* FlowTable::allocate() noexcept {
  if (free_ != kNoIndex) {
    Flow& f = at(free_);
    free_ = f.next_;
    return &f;
  }
  if (high_water_ >= limits_.max_flows) return nullptr;
  if (high_water_ % kSlabFlows == 0) {
    std::unique_ptr<Flow[]> slab(new (std::nothrow) Flow[kSlabFlows]);
    if (!slab) {
      ++counters_.alloc_failures;
      return nullptr;
    }
    slabs_.push_back(std::move(slab));  // capacity reserved in the constructor: no throw
  }
  Flow& f = at(high_water_);
  f.id_ = high_water_++;
  return &f;
}

// Chooses the least valuable flow: the closed one placed first; else, among the
// kEvictScan placed first on each open list, the one idle longest without a
// dissector or payload; else the one idle longest of those scanned.
Flow* FlowTable::evict_one() noexcept {
  Flow* victim = nullptr;
  if (lists_[kTcpClosed].head != kNoIndex) {
    victim = &at(lists_[kTcpClosed].head);
  } else {
    Flow* oldest = nullptr;
    for (std::uint8_t l : {kTcpOpen, kOther}) {
      std::size_t seen = 0;
      for (std::uint32_t id = lists_[l].head; id != kNoIndex && seen < kEvictScan; ++seen) {
        Flow& f = at(id);
        id = f.next_;
        if (oldest == nullptr || f.last_us < oldest->last_us) oldest = &f;
        if (!f.valuable() && (victim == nullptr || f.last_us < victim->last_us)) victim = &f;
      }
    }
    if (victim == nullptr) victim = oldest;
  }
  if (victim == nullptr) return nullptr;
  ++counters_.evicted;
  if (victim->valuable()) ++counters_.evicted_valuable;
  end(*victim, FlowEnd::evicted);
  remove(*victim);
  return allocate();
}

void FlowTable::end(Flow& f, FlowEnd why) noexcept {
  if (handler_ != nullptr) handler_->on_flow_end(f, why);
}

void FlowTable::init(Flow& f, const FlowKey& key, std::int64_t now_us) noexcept {
  f.key = key;
  f.client = 0;
  f.mac[0] = f.mac[1] = MacAddr{};
  f.first_us = f.last_us = now_us;
  for (int s = 0; s < 2; ++s) {
    f.packets[s] = f.bytes[s] = f.payload_bytes[s] = 0;
    f.fin_seen[s] = false;
    f.stream[s].reset(&budget_);
    f.probed[s] = false;
    f.asset[s] = kNoIndex;
  }
  f.syn_seen = f.rst_seen = false;
  f.confirmed = f.violated = false;
  f.dissector = nullptr;
  f.parser.reset();
  f.edge = kNoIndex;
  f.user_tag = 0;
  f.epoch = 0;
  f.resolved_as_sender0 = f.resolved_as_sender1 = false;
}

void FlowTable::account(Flow& f, const dissectors::DecodedPacket& p, std::uint8_t side, std::int64_t now_us,
                        bool created) noexcept {
  namespace tf = dissectors::tcp_flag;
  ++f.packets[side];
  f.bytes[side] += p.wire_len != 0 ? p.wire_len : p.cap_len;
  f.payload_bytes[side] += p.payload.size();
  if (p.has_l2) f.mac[side] = p.src_mac;
  if (now_us > f.last_us) f.last_us = now_us;
  if (created) f.client = side;
  if (p.l4 == dissectors::L4::tcp) {
    const std::uint8_t fl = p.tcp_flags;
    if ((fl & tf::syn) != 0 && (fl & tf::ack) == 0) {
      f.syn_seen = true;
      f.client = side;
    } else if ((fl & tf::syn) != 0 && !f.syn_seen) {
      f.client = static_cast<std::uint8_t>(side ^ 1);  // a SYN-ACK comes from the server
    }
    if ((fl & tf::fin) != 0) f.fin_seen[side] = true;
    if ((fl & tf::rst) != 0) f.rst_seen = true;
  }
  const std::uint8_t list = p.l4 != dissectors::L4::tcp ? kOther : (f.closed() ? kTcpClosed : kTcpOpen);
  if (created) {
    link_tail(f, list, now_us);
  } else if (f.list_ != list) {  // opened or closed: its timeout changes
    unlink(f);
    link_tail(f, list, now_us);
  }
}

Flow* FlowTable::lookup(const dissectors::DecodedPacket& p, std::int64_t now_us, std::uint8_t& side,
                        bool& created) noexcept {
  created = false;
  side = 0;
  if (p.l3 != dissectors::L3::ipv4 && p.l3 != dissectors::L3::ipv6) {
    ++counters_.not_ip;
    return nullptr;
  }
  const FlowKeyParts loc = locate(p);
  side = loc.side;
  return lookup(loc, p, now_us, created);
}

FlowKeyParts FlowTable::locate(const dissectors::DecodedPacket& p) noexcept {
  const FlowKeyParts loc = locate_key(p, limits_.vlan_in_key);
  __builtin_prefetch(&index_[loc.h32 & mask_]);
  return loc;
}

// The first flow in the slot's cluster with the key's hash (nearly always the
// one probe() will compare): the flow's first line holds the key and the
// fields account() writes.
void FlowTable::prefetch_flow(const FlowKeyParts& loc) const noexcept {
  for (std::uint64_t i = loc.h32 & mask_;; i = (i + 1) & mask_) {
    const std::uint64_t e = index_[i];
    if (e == kEmpty) return;
    if (static_cast<std::uint32_t>(e >> 32) != loc.h32) continue;
    __builtin_prefetch(&at(static_cast<std::uint32_t>(e)));
    return;
  }
}

Flow* FlowTable::lookup(const FlowKeyParts& loc, const dissectors::DecodedPacket& p, std::int64_t now_us,
                        bool& created) noexcept {
  created = false;
  const std::uint32_t h32 = loc.h32;
  const std::uint8_t side = loc.side;
  if (const std::uint32_t id = probe(loc); id != kNoIndex) {
    Flow& f = at(id);
    namespace tf = dissectors::tcp_flag;
    const bool fresh_syn = p.l4 == dissectors::L4::tcp && (p.tcp_flags & (tf::syn | tf::ack)) == tf::syn;
    if (fresh_syn && f.closed()) {  // the 4-tuple is reused by a new connection
      end(f, FlowEnd::reused);
      ++counters_.reused;
      unlink(f);
      init(f, loc.key(), now_us);
      created = true;
    }
    account(f, p, side, now_us, created);
    return &f;
  }
  if ((live_ + 1) * 2 > index_.size()) grow_index();
  // An index that could not grow gets no fuller than 3/4: the oldest flow makes room.
  Flow* f = (live_ + 1) * 4 > index_.size() * 3 ? nullptr : allocate();
  if (f == nullptr) f = evict_one();
  if (f == nullptr) return nullptr;  // only when max_flows slabs cannot be allocated at all
  init(*f, loc.key(), now_us);
  f->live_ = true;
  index_insert(h32, f->id_);
  ++live_;
  ++counters_.created;
  created = true;
  account(*f, p, side, now_us, true);
  return f;
}

Flow* FlowTable::find(const FlowKey& key) noexcept {
  const std::uint32_t id = probe(key_parts(key));
  return id == kNoIndex ? nullptr : &at(id);
}

void FlowTable::expire(std::int64_t now_us) noexcept {
  expire(now_us, [this](Flow& f) { end(f, FlowEnd::idle); });
}

void FlowTable::remove(Flow& f) noexcept {
  if (!f.live_) return;
  unlink(f);
  index_erase(f.id_);
  f.live_ = false;
  f.parser.reset();
  f.dissector = nullptr;
  f.stream[0].reset(&budget_);
  f.stream[1].reset(&budget_);
  f.next_ = free_;
  free_ = f.id_;
  --live_;
}

std::size_t FlowTable::memory_bytes() const noexcept {
  return sizeof(*this) + index_.capacity() * sizeof(std::uint64_t) +
         slabs_.capacity() * sizeof(std::unique_ptr<Flow[]>) + slabs_.size() * kSlabFlows * sizeof(Flow);
}

}  // namespace mieruka::sensor
