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
// Memory is fixed: a 4-way set-associative table of {hash, time} entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dissectors/packet.hpp"

namespace mieruka::sensor {

struct DedupConfig {
  std::int64_t window_us = 5000;
  std::size_t entries = 16384;  // rounded up to a power of two (>= 4)
};

class DuplicateFilter {
 public:
  static constexpr std::size_t kWays = 4;
  static constexpr std::size_t kPayloadBytes = 64;

  explicit DuplicateFilter(DedupConfig config = {});

  // True when `p` repeats a packet seen within the window (and counts it);
  // otherwise remembers it and returns false.
  [[nodiscard]] bool is_duplicate(const dissectors::DecodedPacket& p, std::int64_t ts_us) noexcept;

  // The content hash used above (exposed for tests and for the pipeline's stats).
  [[nodiscard]] static std::uint64_t fingerprint(const dissectors::DecodedPacket& p) noexcept;

  [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
  [[nodiscard]] std::uint64_t checked() const noexcept { return checked_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return sizeof(*this) + (mask_ + 1) * sizeof(Entry); }
  [[nodiscard]] const DedupConfig& config() const noexcept { return config_; }

 private:
  struct Entry {
    std::uint64_t hash = 0;  // 0 = free (a real fingerprint of 0 is mapped to 1)
    std::int64_t ts_us = 0;
  };
  DedupConfig config_;
  std::unique_ptr<Entry[]> table_;
  std::size_t mask_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t checked_ = 0;
};

}  // namespace mieruka::sensor
