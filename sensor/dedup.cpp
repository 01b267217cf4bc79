// SPAN duplicate detection: see dedup.hpp for what counts as the same packet.
#include "sensor/dedup.hpp"

#include <algorithm>
#include <cstring>

namespace mieruka::sensor {

namespace {

class Hasher {
 public:
  void u64(std::uint64_t v) noexcept {
    h_ = (h_ ^ v) * 0x9e3779b97f4a7c15ULL;
    h_ ^= h_ >> 29;
  }
  void bytes(Bytes b) noexcept {
    u64(b.size());
    while (b.size() >= 8) {
      std::uint64_t w;
      std::memcpy(&w, b.data(), 8);
      u64(w);
      b = b.subspan(8);
    }
    std::uint64_t w = 0;
    if (!b.empty()) std::memcpy(&w, b.data(), b.size());
    u64(w);
  }
  void ip(const IpAddr& a) noexcept {
    std::uint64_t w[2];
    std::memcpy(w, a.b.data(), sizeof w);
    u64(a.family);
    u64(w[0]);
    u64(w[1]);
  }
  [[nodiscard]] std::uint64_t done() const noexcept {  // MurmurHash3 finaliser
    std::uint64_t k = h_;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ (k >> 33);
  }

 private:
  std::uint64_t h_ = 0x452821e638d01377ULL;
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
  table_ = std::make_unique<Entry[]>(n);
  mask_ = n - 1;
}

std::uint64_t DuplicateFilter::fingerprint(const dissectors::DecodedPacket& p) noexcept {
  using dissectors::L3;
  using dissectors::L4;
  Hasher h;
  if (p.l3 == L3::ipv4 || p.l3 == L3::ipv6) {
    h.u64(1);
    h.ip(p.src_ip);
    h.ip(p.dst_ip);
    h.u64((std::uint64_t{p.ip_id} << 32) | (std::uint64_t{p.ip_total_len} << 8) | p.ip_proto);
    h.u64((std::uint64_t{p.src_port} << 48) | (std::uint64_t{p.dst_port} << 32) |
          (std::uint64_t{static_cast<std::uint8_t>(p.l4)} << 24) | (std::uint64_t{p.icmp_type} << 16) |
          (std::uint64_t{p.icmp_code} << 8) | p.tcp_flags);
    h.u64((std::uint64_t{p.seq} << 32) | p.ack);
    h.bytes(p.payload.first(std::min(p.payload.size(), kPayloadBytes)));
    if (p.fragment) {
      // Equal-sized fragments of one datagram share id and length; their data
      // differs. The tail of the IP packet is data (no TTL or checksum there).
      const std::size_t n = std::min(p.l2_payload.size(), kPayloadBytes);
      h.bytes(p.l2_payload.last(n));
    }
    return h.done();
  }
  h.u64(2);
  h.u64(p.src_mac.to_u64());
  h.u64(p.dst_mac.to_u64());
  h.u64((std::uint64_t{p.ethertype} << 48) | (std::uint64_t{p.llc} << 40) | (std::uint64_t{p.llc_dsap} << 32) |
        (std::uint64_t{p.llc_ssap} << 24) | p.snap_pid);
  h.u64(p.snap_oui);
  h.bytes(p.l2_payload);
  return h.done();
}

bool DuplicateFilter::is_duplicate(const dissectors::DecodedPacket& p, std::int64_t ts_us) noexcept {
  ++checked_;
  std::uint64_t fp = fingerprint(p);
  if (fp == 0) fp = 1;
  Entry* set = &table_[fp & mask_ & ~(kWays - 1)];
  Entry* replace = nullptr;
  for (std::size_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    if (e.hash == fp) {
      const std::int64_t dt = ts_us >= e.ts_us ? ts_us - e.ts_us : e.ts_us - ts_us;
      if (dt <= config_.window_us) {
        ++duplicates_;
        return true;
      }
      replace = &e;  // the same content long ago (a retransmission): take its place
      break;
    }
    // Otherwise replace a free way, else the oldest.
    if (replace == nullptr || (replace->hash != 0 && (e.hash == 0 || e.ts_us < replace->ts_us))) replace = &e;
  }
  replace->hash = fp;
  replace->ts_us = ts_us;
  return false;
}

}  // namespace mieruka::sensor
