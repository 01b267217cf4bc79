// Per-direction TCP reassembly for a passive sensor (RFC 9293 §3.4 sequence
// numbers, compared modulo 2^32 as in §3.4's "=<" arithmetic).
//
// A TcpStream turns the segments one sender sent, as a SPAN port shows them
// (lost, duplicated, reordered, starting mid-connection), into in-order bytes
// and explicit gaps for a StreamConsumer. Policies:
//   - ISN: from a SYN (data starts at seq+1); without one, the first segment
//     with data starts the stream (mid-stream captures are the norm on a
//     mirror; an empty segment may be a keep-alive at snd.nxt - 1).
//   - Retransmissions and overlaps: the first copy wins. Bytes before the
//     delivery point are counted as retransmitted; overlaps with buffered
//     bytes are compared and a differing copy is counted (an evasion or a
//     broken stack, never delivered).
//   - Out-of-order data waits in a ring (one per stream, allocated on the first
//     hole and freed when the hole closes, grown by doubling), bounded by
//     ReassemblyLimits::per_direction_bytes and by the ReassemblyBudget shared
//     by all streams. When a bound is hit, the oldest hole is declared a gap
//     (on_gap) and delivery continues after it: a gap never stalls a stream.
//   - A peer ACK beyond a hole proves the hole's bytes were sent and missed by
//     the capture: the hole becomes a gap at once. An ACK beyond everything we
//     saw only becomes a gap at flush (a mirror may show the ACK before the
//     data it acknowledges).
// No allocation per segment: only when a hole opens or the ring grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace mieruka::sensor {

// Receives one direction's bytes in order. on_gap(n): n bytes of the stream
// will never arrive; the next on_bytes continues after them.
class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;
  virtual void on_bytes(std::span<const std::byte> bytes) noexcept = 0;
  virtual void on_gap(std::size_t lost) noexcept = 0;
};

struct ReassemblyLimits {
  // Out-of-order window per direction: bytes beyond the delivery point we are
  // willing to hold. Also the largest ring a stream allocates.
  std::size_t per_direction_bytes = 256 * 1024;
};

// Global byte counter shared by every stream of a sensor. Streams reserve the
// memory they allocate for out-of-order data (ring + bookkeeping) and release
// it when they free it. Single-threaded, like the packet loop.
class ReassemblyBudget {
 public:
  static constexpr std::size_t kDefaultCapBytes = 64 * 1024 * 1024;

  explicit ReassemblyBudget(std::size_t cap_bytes = kDefaultCapBytes, ReassemblyLimits limits = {}) noexcept
      : cap_(cap_bytes), limits_(limits) {}
  ReassemblyBudget(const ReassemblyBudget&) = delete;
  ReassemblyBudget& operator=(const ReassemblyBudget&) = delete;

  // True and counted when n more bytes fit under the cap; false (and counted
  // as refused) otherwise.
  [[nodiscard]] bool try_reserve(std::size_t n) noexcept;
  void release(std::size_t n) noexcept;

  [[nodiscard]] std::size_t cap() const noexcept { return cap_; }
  [[nodiscard]] std::size_t used() const noexcept { return used_; }
  [[nodiscard]] std::size_t peak() const noexcept { return peak_; }
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
  [[nodiscard]] const ReassemblyLimits& limits() const noexcept { return limits_; }

 private:
  std::size_t cap_;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  std::uint64_t refused_ = 0;
  ReassemblyLimits limits_;
};

struct StreamCounters {
  std::uint64_t delivered_bytes = 0;
  std::uint64_t retransmitted_bytes = 0;  // bytes we already had (delivered or buffered)
  std::uint64_t gap_bytes = 0;
  std::uint32_t gaps = 0;
  std::uint32_t overlaps_differing = 0;   // segments whose overlap with buffered bytes differed
  std::uint32_t out_of_order = 0;         // segments that arrived ahead of a hole
  std::uint32_t limit_gaps = 0;           // gaps forced by the window, slot or budget limits
};

class TcpStream {
 public:
  // Most holes a stream tracks at once; one more forces the oldest to a gap.
  static constexpr std::size_t kMaxIntervals = 32;
  // Smallest ring allocated for out-of-order bytes.
  static constexpr std::size_t kMinRingBytes = 4096;

  // A stream without a budget never buffers: every hole is a gap at once.
  TcpStream() noexcept = default;
  explicit TcpStream(ReassemblyBudget& budget) noexcept : budget_(&budget) {}
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  TcpStream(TcpStream&& other) noexcept;
  TcpStream& operator=(TcpStream&& other) noexcept;

  // Back to a fresh stream using `budget` (or none); frees any buffer.
  void reset(ReassemblyBudget* budget) noexcept;

  // Feeds one segment of this direction: `seq` from the TCP header, `payload`
  // clipped to what was captured, `flags` the TCP flag byte (tcp_flag::*).
  void on_segment(std::uint32_t seq, std::span<const std::byte> payload, std::uint8_t flags,
                  StreamConsumer& out) noexcept;
  // The other direction's acknowledgement number (only when its ACK flag is set).
  void on_peer_ack(std::uint32_t ack, StreamConsumer& out) noexcept;
  // At FIN/RST/expiry: delivers what is buffered, declaring each hole and any
  // acknowledged-but-unseen tail as a gap. The stream stays usable afterwards.
  void flush(StreamConsumer& out) noexcept;

  [[nodiscard]] bool started() const noexcept { return started_; }
  [[nodiscard]] bool syn_seen() const noexcept { return syn_seen_; }
  [[nodiscard]] bool fin_seen() const noexcept { return fin_seen_; }
  // Sequence number of the next byte to deliver (valid once started()).
  [[nodiscard]] std::uint32_t next_seq() const noexcept { return next_seq_; }
  // Out-of-order payload bytes held.
  [[nodiscard]] std::size_t buffered() const noexcept;
  // Heap bytes held (ring + bookkeeping), as reserved from the budget.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  [[nodiscard]] const StreamCounters& counters() const noexcept { return counters_; }

 private:
  struct Ooo;

  void deliver_from_ring(StreamConsumer& out) noexcept;
  void skip_first_hole(std::uint32_t until, StreamConsumer& out) noexcept;
  void gap(std::uint32_t n, StreamConsumer& out) noexcept;
  [[nodiscard]] bool ensure_ring(std::uint32_t end_off) noexcept;
  void insert(std::uint32_t off, std::span<const std::byte> data) noexcept;
  void free_ooo() noexcept;
  [[nodiscard]] std::uint32_t window() const noexcept;

  ReassemblyBudget* budget_ = nullptr;
  Ooo* ooo_ = nullptr;  // owned; null while nothing is out of order
  std::uint32_t next_seq_ = 0;
  std::uint32_t acked_ = 0;    // highest peer ACK seen beyond next_seq_ (valid when has_ack_)
  std::uint32_t fin_seq_ = 0;  // sequence number of our FIN (valid when fin_seen_)
  bool started_ = false;
  bool syn_seen_ = false;
  bool fin_seen_ = false;
  bool has_ack_ = false;
  StreamCounters counters_{};
};

}  // namespace mieruka::sensor
