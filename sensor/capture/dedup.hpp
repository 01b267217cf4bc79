// SPAN duplicate detection. A mirror port often shows one frame twice: once on
// ingress and once on egress, or once per VLAN when a router forwards it (then
// the MACs, the VLAN tag, the TTL and the IP checksum differ). A duplicate is a
// packet whose invariant content matches one seen less than `window_us` ago:
//   IP: addresses, ip_id, protocol, total length, L4 ports, TCP seq/ack/flags,
//       ICMP type/code, the first 64 payload bytes (and for fragments the last
//       64 bytes of the IP packet, so equal-sized fragments stay apart);
//       never MACs, VLAN tags, TTL/hop limit or checksums.
//   Not IP: the frame's exact content apart from VLAN tags (which ingress and
//       egress copies add or strip): MACs, EtherType/LLC/SNAP and L2 payload.
// A real TCP retransmission carries the same seq but comes one RTO (>= 200 ms)
// later, well past the window, so it is not flagged.
// Memory is fixed: an 8-way set-associative table of {tag, time} entries, one
// 64-byte cache line per set (a packet costs one line), replaced first in, first out. The set comes from the
// low bits of a 64-bit fingerprint and the 32-bit tag from its high half; times
// are kept as 32-bit microseconds (the window is at most kMaxWindowUs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dissectors/packet.hpp"

namespace mieruka::sensor {

struct DedupConfig {
  std::int64_t window_us = 5000;  // clamped to 0..kMaxWindowUs
  std::size_t entries = 16384;    // rounded up to a power of two (>= kWays)
};

class DuplicateFilter {
 public:
  static constexpr std::size_t kWays = 8;
  static constexpr std::int64_t kMaxWindowUs = std::int64_t{1} << 30;  // ~18 minutes
  static constexpr std::size_t kPayloadBytes = 64;

  explicit DuplicateFilter(DedupConfig config = {});

  // True when `p` repeats a packet seen within the window (and counts it);
  // otherwise remembers it and returns false.
  [[nodiscard]] bool is_duplicate(const dissectors::DecodedPacket& p, std::int64_t ts_us) noexcept {
    return is_duplicate(fingerprint(p), ts_us);
  }
  // The same for a fingerprint already computed. prefetch() first, and other
  // work between, hides the wait for the table line (a cache miss: the table
  // is 128 KiB by default).
  void prefetch(std::uint64_t fp) const noexcept { __builtin_prefetch(table_ + set_of(fp) * kWays); }
  [[nodiscard]] bool is_duplicate(std::uint64_t fp, std::int64_t ts_us) noexcept;

  // The content hash used above (exposed for tests and for the pipeline's stats).
  [[nodiscard]] static std::uint64_t fingerprint(const dissectors::DecodedPacket& p) noexcept;

  [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
  [[nodiscard]] std::uint64_t checked() const noexcept { return checked_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return sizeof(*this) + (mask_ + 1 + kWays) * sizeof(Entry) + (mask_ + 1) / kWays;
  }
  [[nodiscard]] const DedupConfig& config() const noexcept { return config_; }

 private:
  struct Entry {
    std::uint32_t tag = 0;    // 0 = free (real tags have the low bit set)
    std::uint32_t ts_us = 0;  // packet time, microseconds mod 2^32
  };
  [[nodiscard]] std::size_t set_of(std::uint64_t fp) const noexcept { return (fp & mask_) / kWays; }

  DedupConfig config_;
  std::unique_ptr<Entry[]> storage_;  // kWays spare entries to align the sets
  Entry* table_ = nullptr;            // 64-byte aligned
  std::unique_ptr<std::uint8_t[]> next_way_;  // per set: the way the next new entry takes
  std::size_t mask_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t checked_ = 0;
};

}  // namespace mieruka::sensor
