// SPAN duplicate detection: see dedup.hpp for what counts as the same packet.
#include "sensor/capture/dedup.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "dissectors/short_bytes.hpp"

namespace mieruka::sensor {

namespace {

// Two independent multiply-xorshift lanes, fed a word each per step so the
// multiplications overlap, folded by the MurmurHash3 finaliser.
class Hasher {
 public:
  void two(std::uint64_t x, std::uint64_t y) noexcept {
    a_ = (a_ ^ x) * 0x9e3779b97f4a7c15ULL;
    b_ = (b_ ^ y) * 0xbf58476d1ce4e5b9ULL;
    a_ ^= a_ >> 29;
    b_ ^= b_ >> 31;
  }
  // 16 bytes per step, the last 1-15 as two words (zero-padded). The caller
  // mixes the length in, with the fixed fields: a tail step costs as much as a
  // full one, and most payloads hashed here are exactly 64 bytes.
  void bytes(Bytes b) noexcept {
    const std::size_t n = b.size();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      std::uint64_t w[2];
      std::memcpy(w, b.data() + i, 16);
      two(w[0], w[1]);
    }
    if (i == n) return;
    const TwoWords t = short_words(b.data() + i, n - i);
    two(t.w0, t.w1);
  }

  [[nodiscard]] std::uint64_t done() const noexcept {  // MurmurHash3 finaliser
    std::uint64_t k = a_ ^ (b_ * 0xd6e8feb86659fd93ULL);
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ (k >> 33);
  }

 private:
  std::uint64_t a_ = 0x452821e638d01377ULL;
  std::uint64_t b_ = 0x13198a2e03707344ULL;
};

[[nodiscard]] std::size_t pow2_ceil(std::size_t n) noexcept {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

DuplicateFilter::DuplicateFilter(DedupConfig config) : config_(config) {
  const std::size_t n = pow2_ceil(std::max(config_.entries, kWays));
  config_.entries = n;
  config_.window_us = std::clamp<std::int64_t>(config_.window_us, 0, kMaxWindowUs);
  storage_ = std::make_unique<Entry[]>(n + kWays);
  const auto addr = reinterpret_cast<std::uintptr_t>(storage_.get());
  const std::uintptr_t line = kWays * sizeof(Entry);
  table_ = storage_.get() + ((line - addr % line) % line) / sizeof(Entry);
  next_way_ = std::make_unique<std::uint8_t[]>(n / kWays);
  mask_ = n - 1;
}

std::uint64_t DuplicateFilter::fingerprint(const dissectors::DecodedPacket& p) noexcept {
  using dissectors::L3;
  using dissectors::L4;
  Hasher h;
  if (p.l3 == L3::ipv4 || p.l3 == L3::ipv6) {
    const Bytes payload = p.payload.first(std::min(p.payload.size(), kPayloadBytes));
    // The fixed fields in two words, with the hashed payload's length (<= 64).
    const std::uint64_t ip = (std::uint64_t{p.ip_id} << 48) | (std::uint64_t{p.ip_total_len} << 32) |
                             (std::uint64_t{p.ip_proto} << 24) | (std::uint64_t{static_cast<std::uint8_t>(p.l4)} << 16) |
                             (std::uint64_t{p.tcp_flags} << 8) | (p.fragment ? 2U : 0U) | 1U;
    const std::uint64_t l4 = (std::uint64_t{p.src_port} << 48) | (std::uint64_t{p.dst_port} << 32) |
                             (std::uint64_t{payload.size()} << 16) | (std::uint64_t{p.icmp_type} << 8) | p.icmp_code;
    const IpAddr& s = p.src_ip;
    const IpAddr& d = p.dst_ip;
    if (s.family == 4 && d.family == 4) {
      h.two((std::uint64_t{s.v4_value()} << 32) | d.v4_value(), ip);
    } else {
      h.two(s.word(0) ^ s.family, s.word(1));
      h.two(d.word(0) ^ (std::uint64_t{d.family} << 8), d.word(1));
      h.two(ip, 6);
    }
    h.two(l4, (std::uint64_t{p.seq} << 32) | p.ack);
    h.bytes(payload);
    if (p.fragment) {
      // Equal-sized fragments of one datagram share id and length; their data
      // differs. The tail of the IP packet is data (no TTL or checksum there).
      const std::size_t n = std::min(p.l2_payload.size(), kPayloadBytes);
      h.two(n, 0);
      h.bytes(p.l2_payload.last(n));
    }
    return h.done();
  }
  h.two(std::uint64_t{2} << 56 | p.src_mac.to_u64(), p.dst_mac.to_u64());
  h.two((std::uint64_t{p.ethertype} << 48) | (std::uint64_t{p.llc} << 40) | (std::uint64_t{p.llc_dsap} << 32) |
            (std::uint64_t{p.llc_ssap} << 24) | p.snap_pid,
        (std::uint64_t{p.l2_payload.size()} << 32) | p.snap_oui);
  h.bytes(p.l2_payload);
  return h.done();
}

bool DuplicateFilter::is_duplicate(std::uint64_t fp, std::int64_t ts_us) noexcept {
  ++checked_;
  const auto tag = static_cast<std::uint32_t>(fp >> 32) | 1U;
  const auto now = static_cast<std::uint32_t>(ts_us);
  const std::size_t set_index = set_of(fp);
  Entry* set = table_ + set_index * kWays;
  for (std::size_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    if (e.tag != tag) continue;
    // Signed distance in time: merged files may step back a little.
    const auto d = static_cast<std::int32_t>(now - e.ts_us);
    const std::uint32_t age = d < 0 ? 0U - static_cast<std::uint32_t>(d) : static_cast<std::uint32_t>(d);
    if (age <= static_cast<std::uint32_t>(config_.window_us)) {
      ++duplicates_;
      return true;
    }
    e.ts_us = now;  // the same content long ago (a retransmission): remember this one
    return false;
  }
  // New content: it replaces the set's oldest entry. Packets arrive in time
  // order, so first in, first out is oldest first (and needs no search).
  std::uint8_t& next = next_way_[set_index];
  set[next] = Entry{tag, now};
  next = static_cast<std::uint8_t>((next + 1) % kWays);
  return false;
}

}  // namespace mieruka::sensor
