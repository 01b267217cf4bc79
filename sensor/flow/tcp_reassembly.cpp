// Per-direction TCP reassembly: see tcp_reassembly.hpp for the policies.
//
// Layout of the out-of-order store: one ring of `cap` bytes (a power of two)
// where the byte with sequence number s lives at ring[s mod cap], plus a sorted
// list of at most kMaxIntervals disjoint, non-adjacent intervals of buffered
// bytes. Every buffered byte lies within (next_seq_, next_seq_ + window], and
// window <= cap, so two buffered bytes never share a ring cell. Invariant: the
// first interval starts strictly after next_seq_ (anything contiguous has
// already been delivered).
#include "sensor/flow/tcp_reassembly.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

#include "dissectors/packet.hpp"

namespace mieruka::sensor {

namespace {

// A single segment larger than this cannot come off the wire (IP caps at 64 KiB,
// offload captures at a few hundred KiB); it is clipped so offsets stay small.
constexpr std::size_t kMaxSegmentBytes = std::size_t{1} << 30;

// Signed distance a - b on the sequence circle (RFC 9293 §3.4).
[[nodiscard]] constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b);
}

[[nodiscard]] constexpr std::size_t pow2_ceil(std::size_t n) noexcept {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

bool ReassemblyBudget::try_reserve(std::size_t n) noexcept {
  if (n > cap_ - used_) {
    ++refused_;
    return false;
  }
  used_ += n;
  peak_ = std::max(peak_, used_);
  return true;
}

void ReassemblyBudget::release(std::size_t n) noexcept {
  assert(n <= used_);
  used_ -= std::min(n, used_);
}

struct TcpStream::Ooo {
  struct Interval {
    std::uint32_t begin;  // sequence number of the first byte
    std::uint32_t len;
  };
  Interval iv[kMaxIntervals];
  std::uint32_t n = 0;
  std::size_t cap = 0;   // ring bytes, a power of two
  std::size_t held = 0;  // sum of iv[].len
  std::unique_ptr<std::byte[]> ring;

  [[nodiscard]] std::size_t index(std::uint32_t seq) const noexcept { return seq & (cap - 1); }

  void write(std::uint32_t seq, std::span<const std::byte> src) noexcept {
    const std::size_t at = index(seq);
    const std::size_t first = std::min(src.size(), cap - at);
    std::memcpy(ring.get() + at, src.data(), first);
    if (first < src.size()) std::memcpy(ring.get(), src.data() + first, src.size() - first);
  }

  [[nodiscard]] bool equal(std::uint32_t seq, std::span<const std::byte> other) const noexcept {
    const std::size_t at = index(seq);
    const std::size_t first = std::min(other.size(), cap - at);
    if (std::memcmp(ring.get() + at, other.data(), first) != 0) return false;
    return first == other.size() || std::memcmp(ring.get(), other.data() + first, other.size() - first) == 0;
  }

  // The bytes [seq, seq+len) as at most two spans (the ring may wrap).
  template <class F>
  void read(std::uint32_t seq, std::size_t len, F&& f) const noexcept {
    const std::size_t at = index(seq);
    const std::size_t first = std::min(len, cap - at);
    f(std::span<const std::byte>(ring.get() + at, first));
    if (first < len) f(std::span<const std::byte>(ring.get(), len - first));
  }
};

TcpStream::~TcpStream() { free_ooo(); }

TcpStream::TcpStream(TcpStream&& other) noexcept
    : budget_(other.budget_),
      ooo_(other.ooo_),
      next_seq_(other.next_seq_),
      acked_(other.acked_),
      fin_seq_(other.fin_seq_),
      started_(other.started_),
      syn_seen_(other.syn_seen_),
      fin_seen_(other.fin_seen_),
      has_ack_(other.has_ack_),
      counters_(other.counters_) {
  other.ooo_ = nullptr;
}

TcpStream& TcpStream::operator=(TcpStream&& other) noexcept {
  if (this == &other) return *this;
  free_ooo();
  budget_ = other.budget_;
  ooo_ = other.ooo_;
  other.ooo_ = nullptr;
  next_seq_ = other.next_seq_;
  acked_ = other.acked_;
  fin_seq_ = other.fin_seq_;
  started_ = other.started_;
  syn_seen_ = other.syn_seen_;
  fin_seen_ = other.fin_seen_;
  has_ack_ = other.has_ack_;
  counters_ = other.counters_;
  return *this;
}

void TcpStream::reset(ReassemblyBudget* budget) noexcept {
  free_ooo();
  budget_ = budget;
  next_seq_ = acked_ = fin_seq_ = 0;
  started_ = syn_seen_ = fin_seen_ = has_ack_ = false;
  counters_ = {};
}

std::size_t TcpStream::buffered() const noexcept { return ooo_ != nullptr ? ooo_->held : 0; }

std::size_t TcpStream::memory_bytes() const noexcept { return ooo_ != nullptr ? sizeof(Ooo) + ooo_->cap : 0; }

std::uint32_t TcpStream::window() const noexcept {
  if (budget_ == nullptr) return 0;
  return static_cast<std::uint32_t>(std::min(budget_->limits().per_direction_bytes, kMaxSegmentBytes));
}

void TcpStream::free_ooo() noexcept {
  if (ooo_ == nullptr) return;
  if (budget_ != nullptr) budget_->release(sizeof(Ooo) + ooo_->cap);
  delete ooo_;
  ooo_ = nullptr;
}

void TcpStream::gap(std::uint32_t n, StreamConsumer& out) noexcept {
  if (n == 0) return;
  out.on_gap(n);
  ++counters_.gaps;
  counters_.gap_bytes += n;
  next_seq_ += n;
}

void TcpStream::deliver_from_ring(StreamConsumer& out) noexcept {
  while (ooo_ != nullptr && ooo_->n > 0 && ooo_->iv[0].begin == next_seq_) {
    const auto first = ooo_->iv[0];
    ooo_->read(first.begin, first.len, [&](std::span<const std::byte> b) { out.on_bytes(b); });
    next_seq_ += first.len;
    counters_.delivered_bytes += first.len;
    ooo_->held -= first.len;
    std::copy(ooo_->iv + 1, ooo_->iv + ooo_->n, ooo_->iv);
    --ooo_->n;
  }
  if (ooo_ != nullptr && ooo_->n == 0) free_ooo();
}

// Gives up on the bytes between next_seq_ and `until` (a gap), then delivers
// whatever buffered bytes became contiguous.
void TcpStream::skip_first_hole(std::uint32_t until, StreamConsumer& out) noexcept {
  gap(until - next_seq_, out);
  deliver_from_ring(out);
}

// Makes the ring large enough for bytes up to next_seq_ + end_off, reserving
// from the budget. False when the budget (or the allocator) refuses.
bool TcpStream::ensure_ring(std::uint32_t end_off) noexcept {
  const std::size_t max_cap = pow2_ceil(window());
  const std::size_t want = std::min(max_cap, std::max(kMinRingBytes, pow2_ceil(end_off)));
  if (ooo_ != nullptr && ooo_->cap >= end_off) return true;
  if (ooo_ == nullptr) {
    if (!budget_->try_reserve(sizeof(Ooo) + want)) return false;
    auto* o = new (std::nothrow) Ooo;
    std::byte* ring = o != nullptr ? new (std::nothrow) std::byte[want] : nullptr;
    if (ring == nullptr) {
      delete o;
      budget_->release(sizeof(Ooo) + want);
      return false;
    }
    o->ring.reset(ring);
    o->cap = want;
    ooo_ = o;
    return true;
  }
  // Grow: move every interval to its cell in the larger ring.
  if (!budget_->try_reserve(want - ooo_->cap)) return false;
  std::unique_ptr<std::byte[]> bigger(new (std::nothrow) std::byte[want]);
  if (!bigger) {
    budget_->release(want - ooo_->cap);
    return false;
  }
  Ooo grown;
  grown.cap = want;
  grown.ring = std::move(bigger);
  for (std::uint32_t i = 0; i < ooo_->n; ++i) {
    const auto iv = ooo_->iv[i];
    std::uint32_t seq = iv.begin;
    ooo_->read(iv.begin, iv.len, [&](std::span<const std::byte> b) {
      grown.write(seq, b);
      seq += static_cast<std::uint32_t>(b.size());
    });
  }
  ooo_->ring = std::move(grown.ring);
  ooo_->cap = want;
  return true;
}

// Stores data at next_seq_ + off (off > 0) where no earlier copy exists, counts
// overlaps with earlier copies, and merges the interval list. The caller has
// checked the window, the slot count and the ring size.
void TcpStream::insert(std::uint32_t off, std::span<const std::byte> data) noexcept {
  Ooo& o = *ooo_;
  const std::uint32_t end = off + static_cast<std::uint32_t>(data.size());
  bool differs = false;
  std::uint32_t pos = off;  // next offset of `data` not yet stored or compared
  Ooo::Interval merged[kMaxIntervals + 1];
  std::uint32_t m = 0;
  std::uint32_t new_begin = off, new_end = end;
  for (std::uint32_t i = 0; i < o.n; ++i) {
    const std::uint32_t b = o.iv[i].begin - next_seq_;
    const std::uint32_t e = b + o.iv[i].len;
    if (e < off || b > end) {  // neither overlapping nor adjacent: kept as is
      merged[m++] = o.iv[i];
      continue;
    }
    const std::uint32_t ov_b = std::max(b, off), ov_e = std::min(e, end);
    if (ov_b < ov_e) {
      if (pos < ov_b) o.write(next_seq_ + pos, data.subspan(pos - off, ov_b - pos));
      counters_.retransmitted_bytes += ov_e - ov_b;
      if (!o.equal(next_seq_ + ov_b, data.subspan(ov_b - off, ov_e - ov_b))) differs = true;
      pos = std::max(pos, ov_e);
    }
    new_begin = std::min(new_begin, b);
    new_end = std::max(new_end, e);
  }
  if (pos < end) o.write(next_seq_ + pos, data.subspan(pos - off));
  if (differs) ++counters_.overlaps_differing;

  // Put the merged interval in order among the kept ones.
  const Ooo::Interval fresh{next_seq_ + new_begin, new_end - new_begin};
  std::uint32_t at = 0;
  while (at < m && merged[at].begin - next_seq_ < new_begin) ++at;
  std::copy_backward(merged + at, merged + m, merged + m + 1);
  merged[at] = fresh;
  ++m;
  assert(m <= kMaxIntervals);
  std::size_t held = 0;
  for (std::uint32_t i = 0; i < m; ++i) {
    o.iv[i] = merged[i];
    held += merged[i].len;
  }
  o.n = m;
  o.held = held;
}

void TcpStream::on_segment(std::uint32_t seq, std::span<const std::byte> payload, std::uint8_t flags,
                           StreamConsumer& out) noexcept {
  namespace tf = dissectors::tcp_flag;
  if (payload.size() > kMaxSegmentBytes) payload = payload.first(kMaxSegmentBytes);
  const bool syn = (flags & tf::syn) != 0;
  const std::uint32_t data_seq = seq + (syn ? 1U : 0U);
  if (syn && !started_) {  // a SYN fixes the ISN; a retransmitted one changes nothing
    started_ = true;
    syn_seen_ = true;
    next_seq_ = data_seq;
    has_ack_ = false;
  }
  // Without a SYN, the first segment carrying data starts the stream. An empty
  // one does not: a keep-alive probe carries snd.nxt - 1 (RFC 9293 §3.8.4).
  if (!started_ && !payload.empty()) {
    started_ = true;
    next_seq_ = data_seq;
    // The peer already acknowledged up to acked_: bytes below it are old (the
    // byte of a keep-alive probe, a retransmission), as in
    // ITI__Sample_File_MMS_and_GOOSE.pcap frame 44.
    if (has_ack_ && seq_diff(acked_, data_seq) > 0) next_seq_ = acked_;
    has_ack_ = false;
  }
  if ((flags & tf::fin) != 0 && !fin_seen_) {
    fin_seen_ = true;
    fin_seq_ = data_seq + static_cast<std::uint32_t>(payload.size());
  }
  if (payload.empty()) return;

  std::int32_t rel = seq_diff(data_seq, next_seq_);
  if (rel > 0) ++counters_.out_of_order;
  for (;;) {
    if (rel < 0) {  // the head was already delivered or skipped: a retransmission
      const std::size_t behind = static_cast<std::size_t>(-static_cast<std::int64_t>(rel));
      if (behind >= payload.size()) {
        counters_.retransmitted_bytes += payload.size();
        return;
      }
      counters_.retransmitted_bytes += behind;
      payload = payload.subspan(behind);
      rel = 0;
    }
    if (rel == 0) break;

    const auto off = static_cast<std::uint32_t>(rel);
    const std::uint64_t end_off = std::uint64_t{off} + payload.size();
    bool fits = end_off <= window();
    if (fits && ooo_ != nullptr) {  // the merge must not need more slots than we have
      std::uint32_t touching = 0;
      for (std::uint32_t i = 0; i < ooo_->n; ++i) {
        const std::uint32_t b = ooo_->iv[i].begin - next_seq_;
        if (!(b + ooo_->iv[i].len < off || b > end_off)) ++touching;
      }
      fits = ooo_->n + 1 - touching <= kMaxIntervals;
    }
    if (fits) fits = ensure_ring(static_cast<std::uint32_t>(end_off));
    if (fits) {
      insert(off, payload);
      // A peer ACK beyond a hole means the capture missed those bytes.
      while (ooo_ != nullptr && has_ack_ && seq_diff(acked_, next_seq_) > 0) {
        const std::uint32_t hole_end = ooo_->iv[0].begin;
        if (seq_diff(acked_, hole_end) < 0) {
          gap(acked_ - next_seq_, out);
          break;
        }
        skip_first_hole(hole_end, out);
      }
      return;
    }
    // A limit is hit: give up the oldest hole and try again after it.
    std::uint32_t first_known = off;
    if (ooo_ != nullptr && ooo_->n > 0) first_known = std::min(first_known, ooo_->iv[0].begin - next_seq_);
    ++counters_.limit_gaps;
    skip_first_hole(next_seq_ + first_known, out);
    // `payload` still starts at data_seq: trimming (rel < 0) leaves the loop.
    rel = seq_diff(data_seq, next_seq_);
  }

  // In order: deliver directly, letting buffered copies win where they overlap.
  while (!payload.empty()) {
    if (ooo_ != nullptr && ooo_->n > 0) {
      const std::uint32_t f = ooo_->iv[0].begin - next_seq_;
      if (f < payload.size()) {
        out.on_bytes(payload.first(f));
        counters_.delivered_bytes += f;
        next_seq_ += f;
        payload = payload.subspan(f);
        const std::size_t ov = std::min<std::size_t>(ooo_->iv[0].len, payload.size());
        counters_.retransmitted_bytes += ov;
        if (!ooo_->equal(next_seq_, payload.first(ov))) ++counters_.overlaps_differing;
        payload = payload.subspan(ov);
        deliver_from_ring(out);
        continue;
      }
    }
    out.on_bytes(payload);
    counters_.delivered_bytes += payload.size();
    next_seq_ += static_cast<std::uint32_t>(payload.size());
    payload = {};
  }
  deliver_from_ring(out);  // the segment may have closed the first hole exactly
}

void TcpStream::on_peer_ack(std::uint32_t ack, StreamConsumer& out) noexcept {
  if (!started_) {  // remembered as where the stream stands when it starts
    acked_ = ack;
    has_ack_ = true;
    return;
  }
  // Our FIN takes one sequence number the peer acknowledges but we never deliver.
  if (fin_seen_ && seq_diff(ack, fin_seq_) > 0) ack = fin_seq_;
  if (seq_diff(ack, next_seq_) <= 0) {
    if (has_ack_ && seq_diff(acked_, next_seq_) <= 0) has_ack_ = false;
    return;
  }
  if (!has_ack_ || seq_diff(ack, acked_) > 0) {
    acked_ = ack;
    has_ack_ = true;
  }
  while (ooo_ != nullptr && seq_diff(acked_, next_seq_) > 0) {
    const std::uint32_t hole_end = ooo_->iv[0].begin;
    if (seq_diff(acked_, hole_end) < 0) {
      gap(acked_ - next_seq_, out);
      break;
    }
    skip_first_hole(hole_end, out);
  }
}

void TcpStream::flush(StreamConsumer& out) noexcept {
  while (ooo_ != nullptr && ooo_->n > 0) skip_first_hole(ooo_->iv[0].begin, out);
  free_ooo();
  if (has_ack_ && started_) {
    std::uint32_t a = acked_;
    if (fin_seen_ && seq_diff(a, fin_seq_) > 0) a = fin_seq_;
    if (seq_diff(a, next_seq_) > 0) gap(a - next_seq_, out);
  }
  has_ack_ = false;
}

}  // namespace mieruka::sensor
