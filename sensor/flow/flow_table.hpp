// The sensor's flow table: one Flow per TCP/UDP/other-IP conversation, keyed by
// the normalised 5-tuple (+ VLAN when asked), each owning its two TcpStreams.
//
// Layout: an open-addressing index (linear probing, backward-shift deletion, no
// tombstones) of 64-bit entries {hash32, flow id} kept at most half full: it
// starts at kInitialSlots and doubles with the live flows up to 2 x max_flows; Flows live in slabs of
// kSlabFlows allocated the first time the live count reaches them (so a sensor
// seeing 2,000 flows does not pay for 262,144) and are reused through a free
// list: no allocation per packet, and lookup never allocates once the slabs
// that the high-water mark needs exist.
// Idle tracking: three intrusive lists (open TCP, closed TCP, UDP/other), each
// in the order flows were placed on it. A packet does not move its flow (that
// would touch two neighbours' cache lines per packet); expiry looks at a list's
// head instead: idle past the timeout, it ends; active since it was placed, it
// is placed again at the tail; placed within the timeout, so is everything
// behind it, and the walk stops. Each flow is re-placed at most once per
// timeout, so expiry stays O(1) per flow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dissectors/net.hpp"
#include "dissectors/packet.hpp"
#include "dissectors/registry.hpp"
#include "sensor/flow/tcp_reassembly.hpp"

namespace mieruka::sensor {

// Normalised: (ip[0], port[0]) <= (ip[1], port[1]). Ports are 0 for protocols
// without them. vlan is 0 unless FlowLimits::vlan_in_key.
struct FlowKey {
  IpAddr ip[2]{};
  std::uint16_t port[2]{};
  std::uint8_t proto = 0;
  std::uint16_t vlan = 0;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// A flow key by parts, its addresses pointing into a packet or a FlowKey, with
// its hash. The packet path works on this instead of a FlowKey copied out of
// the packet: a copy is stored with wide moves at odd offsets (IpAddr is 17
// bytes) and read back at once by the hash and the key compare with loads that
// span several of those stores, which the CPU cannot forward (perf annotate:
// most of the lookup's time). Built by locate_key(); valid while what it points
// into is.
struct FlowKeyParts {
  const IpAddr* ip[2]{};
  std::uint16_t port[2]{};
  std::uint8_t proto = 0;
  std::uint16_t vlan = 0;
  std::uint8_t side = 0;  // the key side that sent the packet
  std::uint32_t h32 = 0;  // low half of hash_flow_key()
  [[nodiscard]] FlowKey key() const noexcept;
  [[nodiscard]] bool matches(const FlowKey& k) const noexcept {
    return k.port[0] == port[0] && k.port[1] == port[1] && k.proto == proto && k.vlan == vlan &&
           k.ip[0] == *ip[0] && k.ip[1] == *ip[1];
  }
};

// The key of `p` (an IPv4/IPv6 packet) and which key side sent it.
[[nodiscard]] FlowKeyParts locate_key(const dissectors::DecodedPacket& p, bool vlan_in_key) noexcept;
[[nodiscard]] FlowKeyParts key_parts(const FlowKey& k) noexcept;
[[nodiscard]] FlowKey make_flow_key(const dissectors::DecodedPacket& p, bool vlan_in_key,
                                    std::uint8_t& side) noexcept;
[[nodiscard]] std::uint64_t hash_flow_key(const FlowKey& k) noexcept;

inline constexpr std::uint32_t kNoIndex = 0xffffffff;

// Laid out for the packet path: the fields every packet reads or writes (key,
// flags, the pipeline's slots, counters) come first, in the first three cache
// lines of a 64-byte aligned Flow; the streams, which only TCP payload touches,
// and the expiry bookkeeping follow.
struct alignas(64) Flow {
  FlowKey key{};
  // Key side (0/1) of the client: the SYN sender, else the side that did not send
  // a SYN-ACK, else the first sender; the pipeline corrects it when it knows the
  // server port.
  std::uint8_t client = 0;
  bool syn_seen = false;
  bool fin_seen[2]{};
  bool rst_seen = false;

  // Slots the pipeline owns.
  bool probed[2]{};
  // The dissector parsed a valid message (its first fact or operation), or
  // found bytes its protocol forbids first; see Sink in observation.hpp.
  bool confirmed : 1 = false;
  bool violated : 1 = false;
  // Whether a key side's asset was resolved from a packet it sent (its source
  // MAC and address), not only from packets addressed to it.
  bool resolved_as_sender0 : 1 = false;
  bool resolved_as_sender1 : 1 = false;
  [[nodiscard]] bool resolved_as_sender(std::uint8_t side) const noexcept {
    return side == 0 ? resolved_as_sender0 : resolved_as_sender1;
  }
  void set_resolved_as_sender(std::uint8_t side) noexcept {
    if (side == 0) resolved_as_sender0 = true;
    else resolved_as_sender1 = true;
  }

 private:
  friend class FlowTable;
  std::uint8_t list_ = 0;
  bool live_ = false;

 public:
  std::uint32_t edge = kNoIndex;
  std::uint32_t asset[2]{kNoIndex, kNoIndex};
  // The ledger's epoch when asset[] was resolved: when it moved on (an address
  // changed hands, a router was found), the pipeline resolves the sides again.
  std::uint32_t epoch = 0;
  // Second line: what account() writes per packet, and the dissector.
  const dissectors::DissectorEntry* dissector = nullptr;
  std::int64_t last_us = 0;
  std::uint64_t packets[2]{}, bytes[2]{};  // bytes: wire length of the frames
  std::uint64_t payload_bytes[2]{};        // L4 payload bytes seen (before reassembly)

  MacAddr mac[2]{};  // latest source MAC of each key side
  std::unique_ptr<dissectors::StreamParser> parser;
  std::int64_t first_us = 0;
  std::uint64_t user_tag = 0;  // the pipeline's

 private:
  std::uint32_t id_ = kNoIndex;
  std::uint32_t prev_ = kNoIndex, next_ = kNoIndex;  // idle list links, or free-list link
  std::int64_t placed_us_ = 0;                       // when it was put at its list's tail

 public:
  TcpStream stream[2];  // by key side

  [[nodiscard]] bool closed() const noexcept { return rst_seen || (fin_seen[0] && fin_seen[1]); }
  // A flow we would rather keep under pressure: it has a dissector or carried payload.
  [[nodiscard]] bool valuable() const noexcept {
    return dissector != nullptr || payload_bytes[0] != 0 || payload_bytes[1] != 0;
  }
  [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
};

struct FlowLimits {
  std::size_t max_flows = 262144;
  std::int64_t tcp_idle_us = 300'000'000;
  std::int64_t tcp_closed_us = 10'000'000;  // after RST or FIN both ways
  std::int64_t udp_idle_us = 120'000'000;   // UDP and other IP protocols
  // Off by default: a routed conversation mirrored on two VLANs shows each
  // direction first on a different VLAN (the duplicate filter keeps the first
  // copy), so VLAN in the key would split it into two one-sided flows. Turn on
  // where VLANs reuse address space.
  bool vlan_in_key = false;
};

enum class FlowEnd : std::uint8_t {
  idle,     // expire(): idle past its timeout
  evicted,  // the table was full
  reused,   // a new SYN on a closed flow's 4-tuple: the old connection ends here
};

// Told about every flow the table ends on its own (eviction, port reuse, and
// expire() without a callback) before it is cleared.
class FlowEndHandler {
 public:
  virtual ~FlowEndHandler() = default;
  virtual void on_flow_end(Flow& flow, FlowEnd why) noexcept = 0;
};

struct FlowTableCounters {
  std::uint64_t created = 0;
  std::uint64_t expired = 0;
  std::uint64_t evicted = 0;
  std::uint64_t evicted_valuable = 0;  // evictions that had to take a flow with a dissector or payload
  std::uint64_t reused = 0;
  std::uint64_t alloc_failures = 0;    // a slab could not be allocated (then we evict)
  std::uint64_t not_ip = 0;            // lookup() refused a non-IP packet
};

class FlowTable {
 public:
  static constexpr std::size_t kSlabFlows = 1024;
  static constexpr std::size_t kInitialSlots = 4096;  // index slots before the first growth
  // Flows looked at from each list head when choosing an eviction victim.
  static constexpr std::size_t kEvictScan = 16;

  FlowTable(FlowLimits limits, ReassemblyBudget& budget);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  void set_end_handler(FlowEndHandler* handler) noexcept { handler_ = handler; }

  // Finds or creates the flow of an IPv4/IPv6 packet (TCP, UDP or other) and
  // accounts the packet (packets, bytes, MACs, flags, last_us, client side).
  // `side` is the key side that sent it. Null for non-IP packets. Never null for
  // IP: when full, the least valuable flow is evicted (FlowEndHandler told).
  // TCP segments are not fed to the streams here: the pipeline does that.
  [[nodiscard]] Flow* lookup(const dissectors::DecodedPacket& p, std::int64_t now_us, std::uint8_t& side,
                             bool& created) noexcept;

  // The same in steps, so that the memory a lookup waits for is on its way
  // while the caller does other work (the pipeline computes the packet's
  // duplicate fingerprint meanwhile): locate() makes the key and hash and
  // prefetches the index slot; prefetch_flow() reads that slot and prefetches
  // the flow it names; lookup(located, ...) is lookup() above. Nothing may
  // change the table between locate() and lookup(located, ...).
  [[nodiscard]] FlowKeyParts locate(const dissectors::DecodedPacket& p) noexcept;
  void prefetch_flow(const FlowKeyParts& loc) const noexcept;
  [[nodiscard]] Flow* lookup(const FlowKeyParts& loc, const dissectors::DecodedPacket& p, std::int64_t now_us,
                             bool& created) noexcept;
  // The live flow with this key, or null; no accounting.
  [[nodiscard]] Flow* find(const FlowKey& key) noexcept;

  // Removes flows idle past their protocol's timeout, calling on_expire(Flow&)
  // before each removal. Call about once a second of packet time.
  template <class F>
  void expire(std::int64_t now_us, F&& on_expire);
  // Same, telling the FlowEndHandler (if any) with FlowEnd::idle.
  void expire(std::int64_t now_us) noexcept;

  // Calls f(Flow&) on every live flow (f must not remove flows).
  template <class F>
  void for_each(F&& f);
  // Calls f(Flow&) on every live flow, then removes them all (shutdown).
  template <class F>
  void drain(F&& f);
  // Removes one flow without any callback (its parser and streams are freed).
  void remove(Flow& flow) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return live_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return limits_.max_flows; }
  [[nodiscard]] const FlowTableCounters& counters() const noexcept { return counters_; }
  // Index + allocated slabs + this object; reassembly buffers are in the
  // ReassemblyBudget, parsers' buffers with the parsers.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  [[nodiscard]] const FlowLimits& limits() const noexcept { return limits_; }

 private:
  enum List : std::uint8_t { kTcpOpen = 0, kTcpClosed = 1, kOther = 2, kLists = 3 };
  struct Ends {
    std::uint32_t head = kNoIndex, tail = kNoIndex;
  };

  [[nodiscard]] Flow& at(std::uint32_t id) noexcept { return slabs_[id / kSlabFlows][id % kSlabFlows]; }
  [[nodiscard]] const Flow& at(std::uint32_t id) const noexcept { return slabs_[id / kSlabFlows][id % kSlabFlows]; }
  [[nodiscard]] std::int64_t timeout(std::uint8_t list) const noexcept;
  [[nodiscard]] std::uint32_t probe(const FlowKeyParts& key) noexcept;  // flow id or kNoIndex
  [[nodiscard]] Flow* allocate() noexcept;
  [[nodiscard]] Flow* evict_one() noexcept;
  void index_insert(std::uint32_t h32, std::uint32_t id) noexcept;
  void grow_index() noexcept;
  void index_erase(std::uint32_t id) noexcept;
  void link_tail(Flow& f, std::uint8_t list, std::int64_t now_us) noexcept;
  void unlink(Flow& f) noexcept;
  void init(Flow& f, const FlowKey& key, std::int64_t now_us) noexcept;
  void account(Flow& f, const dissectors::DecodedPacket& p, std::uint8_t side, std::int64_t now_us,
               bool created) noexcept;
  void end(Flow& f, FlowEnd why) noexcept;

  FlowLimits limits_;
  ReassemblyBudget& budget_;
  FlowEndHandler* handler_ = nullptr;
  std::vector<std::uint64_t> index_;  // (hash32 << 32) | id, or kEmpty
  std::uint64_t mask_ = 0;
  std::size_t max_slots_ = 0;  // the index's largest size
  std::vector<std::unique_ptr<Flow[]>> slabs_;
  std::uint32_t high_water_ = 0;  // ids ever handed out
  std::uint32_t free_ = kNoIndex;
  std::size_t live_ = 0;
  Ends lists_[kLists];
  FlowTableCounters counters_;
};

template <class F>
void FlowTable::expire(std::int64_t now_us, F&& on_expire) {
  for (std::uint8_t l = 0; l < kLists; ++l) {
    const std::int64_t limit = timeout(l);
    while (lists_[l].head != kNoIndex) {
      Flow& f = at(lists_[l].head);
      if (now_us - f.last_us > limit) {
        on_expire(f);
        ++counters_.expired;
        remove(f);
        continue;
      }
      if (now_us - f.placed_us_ <= limit) break;  // it and all behind it were placed recently
      unlink(f);                                  // active since placed: to the tail
      link_tail(f, l, now_us);
    }
  }
}

template <class F>
void FlowTable::for_each(F&& f) {
  for (const auto& ends : lists_) {
    for (std::uint32_t id = ends.head; id != kNoIndex;) {
      Flow& flow = at(id);
      id = flow.next_;
      f(flow);
    }
  }
}

template <class F>
void FlowTable::drain(F&& f) {
  for (auto& ends : lists_) {
    while (ends.head != kNoIndex) {
      Flow& flow = at(ends.head);
      f(flow);
      remove(flow);
    }
  }
}

}  // namespace mieruka::sensor
