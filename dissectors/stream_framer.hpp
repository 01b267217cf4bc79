// The framing of the stream (TCP) dissectors: turning the reassembled bytes of
// one direction into whole messages, whatever the segment boundaries, and
// finding the messages again after a gap or after bytes that are not the
// protocol. A stream dissector keeps only its message parsing; one of these
// framers, a member of its StreamParser, does the buffering, the draining of
// several messages from one segment, the resynchronisation and the counters
// that go with them.
//
// Two variants:
//   LengthFramer — binary protocols whose header says how long the message is
//     (Modbus MBAP, FINS/TCP, SLMP 3E/4E, TPKT, EtherNet/IP encapsulation,
//     OPC UA TCP chunks). The dissector's `measure`
//     reads the front of the stream and says: need more bytes, a whole message
//     of N bytes, not a header (lose sync), a message above the cap (skip it
//     unbuffered), or bytes to drop in step.
//   LineFramer — text protocols whose messages end with a delimiter (KV host
//     link, MEWTOCOL-COM: CR), with a cap on a line's length.
//
// Both keep a per-direction buffer that grows with the bytes that arrive, never
// past the protocol's named cap, and is never sized from a length read off the wire.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"

namespace mieruka::dissectors {

// --- length-prefixed ------------------------------------------------------------

// What a protocol's `measure` makes of the bytes at the front of the stream.
struct FrameSize {
  enum class Kind : std::uint8_t {
    need_more,  // too few bytes to tell
    frame,      // a whole message of `size` bytes starts here
    invalid,    // not a valid header: count `counter`, lose sync, step one byte on
    oversize,   // a valid header of a message above the cap: count `counter` and
                // pass over its `size` bytes without buffering them, staying in step
    rest,       // a message with no length of its own: all the bytes at hand
    drop,       // count `counter` and drop `size` bytes (all of the front handed
                // to measure at the most), staying in step
  };
  Kind kind = Kind::need_more;
  std::size_t size = 0;
  std::string_view counter{};  // static storage
  bool violation = false;      // for invalid: the bytes are not this protocol (Sink::violation)

  [[nodiscard]] static constexpr FrameSize more() noexcept { return {}; }
  [[nodiscard]] static constexpr FrameSize whole(std::size_t n) noexcept { return {Kind::frame, n, {}, false}; }
  [[nodiscard]] static constexpr FrameSize to_end() noexcept { return {Kind::rest, 0, {}, false}; }
  [[nodiscard]] static constexpr FrameSize bad(std::string_view counter, bool violation) noexcept {
    return {Kind::invalid, 0, counter, violation};
  }
  [[nodiscard]] static constexpr FrameSize skip(std::size_t n, std::string_view counter) noexcept {
    return {Kind::oversize, n, counter, false};
  }
  [[nodiscard]] static constexpr FrameSize discard(std::size_t n, std::string_view counter) noexcept {
    return {Kind::drop, n, counter, false};
  }
};

// Whether a header the resynchronisation probes is trusted.
enum class Resync : std::uint8_t { no, yes, need_more };

// A protocol's framing constants.
struct LengthFraming {
  // The largest message buffered, header included: a `frame` above it counts
  // `over_cap` and loses sync.
  std::size_t max_frame = 0;
  // How many bytes the resynchronisation probe needs before it can say no: while
  // out of sync, the last probe_bytes - 1 bytes are kept for the next segment.
  std::size_t probe_bytes = 1;
  std::string_view gap{};        // counted at every gap
  std::string_view resync{};     // counted when sync lost by a gap or a bad header is found again
  std::string_view truncated{};  // counted at the end of a direction with part of a message held
  std::string_view over_cap{};   // a `frame` longer than max_frame
  // A gap that falls inside a message whose length is known (one being buffered
  // or passed over) skips the rest of that message and stays in step, for a
  // framing whose headers are trusted to say where the next message starts.
  // Otherwise a gap always loses sync.
  bool gap_in_body_keeps_step = false;
};

// The Handler (the dissector's stream parser) provides:
//   FrameSize measure(Direction dir, Bytes front) noexcept;
//   Resync resync(Direction dir, Bytes front) noexcept;   // front is non-empty
//   void on_frame(Direction dir, Bytes message, Sink& sink) noexcept;
// `on_frame` gets the same bytes `measure` just measured, the first `size` of them
// (all of them for `rest`).
//
// At the start of a direction headers are trusted. After a gap or an invalid
// header they are not: each offset is probed with `resync` until one is trusted
// (need_more keeps the candidate and waits), and the bytes before it are dropped.
class LengthFramer {
 public:
  explicit constexpr LengthFramer(const LengthFraming& spec) noexcept : spec_(&spec) {}

  template <class Handler>
  void on_data(Direction dir, Bytes data, Handler& h, Sink& sink) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    while (!data.empty()) {
      if (s.skip > 0) {
        const std::size_t n = std::min(s.skip, data.size());
        s.skip -= n;
        data = data.subspan(n);
        continue;
      }
      if (s.buf.empty()) {
        // Straight out of the segment: most messages arrive whole.
        const std::size_t n = step(dir, s, data, h, sink);
        if (n > 0) {
          data = data.subspan(n);
          continue;
        }
        // What is left is shorter than one message (or than a probe): hold it.
        const std::size_t keep = std::min(data.size(), spec_->max_frame);
        if (!hold(s, data.first(keep))) return;
        data = data.subspan(keep);
        continue;
      }
      const std::size_t room = spec_->max_frame - s.buf.size();
      const std::size_t take = std::min(data.size(), room);
      if (!hold(s, data.first(take))) return;
      data = data.subspan(take);
      drain(dir, s, h, sink);
    }
  }

  // A hole of `lost` bytes in `dir`: what is held is dropped. With `resync`
  // false the protocol's next bytes start a message (framing that carries no
  // length to lose); with gap_in_body_keeps_step a hole that ends inside the
  // message being buffered or passed over keeps the framing in step.
  void on_gap(Direction dir, std::size_t lost, Sink& sink, bool resync = true) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    sink.anomaly(spec_->gap);
    std::size_t left = 0;  // bytes of the current message not yet seen
    if (s.skip > 0) left = s.skip;
    else if (!s.buf.empty() && s.pending > s.buf.size()) left = s.pending - s.buf.size();
    s.buf.clear();
    s.skip = 0;
    s.pending = 0;
    if (spec_->gap_in_body_keeps_step && s.synced && left > 0 && lost <= left) {
      s.skip = left - lost;
      return;
    }
    if (resync) lose(s);
  }

  void on_eof(Direction dir, Sink& sink) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    if (!s.buf.empty() && s.synced) sink.anomaly(spec_->truncated);
    std::vector<std::byte>().swap(s.buf);  // the direction is over: give its memory back
    s.pending = 0;
  }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return sides_[0].buf.size() + sides_[1].buf.size(); }

 private:
  struct Side {
    std::vector<std::byte> buf;  // part of one message, at most max_frame bytes
    std::size_t skip = 0;        // bytes of an over-cap message still to pass over
    std::size_t pending = 0;     // the measured size of the message the buffer starts, 0 if not known
    bool synced = true;          // headers trusted
    bool lost = false;           // sync was lost: count the resync when found again
  };

  static void lose(Side& s) noexcept {
    s.synced = false;
    s.lost = true;
  }

  // Appends to the held bytes, within max_frame. The buffer grows with the bytes
  // that arrive (doubling, never past max_frame), not with a length read off the
  // wire. An allocation that fails drops what is held and the sync, as a gap would.
  bool hold(Side& s, Bytes more) noexcept {
    try {
      const std::size_t need = s.buf.size() + more.size();
      if (need > s.buf.capacity())
        s.buf.reserve(std::min(std::max({need, 2 * s.buf.capacity(), std::size_t{64}}), spec_->max_frame));
      s.buf.insert(s.buf.end(), more.begin(), more.end());
      return true;
    } catch (...) {
      s.buf.clear();
      lose(s);
      return false;
    }
  }

  // Frames as many messages as the buffer holds, then keeps the rest at its front.
  template <class Handler>
  void drain(Direction dir, Side& s, Handler& h, Sink& sink) noexcept {
    std::size_t off = 0;
    while (off < s.buf.size()) {
      const std::size_t n = step(dir, s, Bytes(s.buf.data() + off, s.buf.size() - off), h, sink);
      if (n == 0) break;
      off += n;
      if (s.skip > 0) {  // an over-cap message: drop what is held of it, pass over the rest
        const std::size_t held = std::min(s.skip, s.buf.size() - off);
        off += held;
        s.skip -= held;
      }
    }
    s.buf.erase(s.buf.begin(), s.buf.begin() + static_cast<std::ptrdiff_t>(off));
    // A full buffer always holds a whole message or enough bytes to probe; should
    // it not, drop it rather than stop consuming.
    if (s.buf.size() >= spec_->max_frame) {
      s.buf.clear();
      lose(s);
    }
  }

  // Consumes one message (or bytes dropped while out of sync) from the front of
  // `v`; returns the bytes consumed, 0 when more are needed.
  template <class Handler>
  [[gnu::always_inline]] std::size_t step(Direction dir, Side& s, Bytes v, Handler& h, Sink& sink) noexcept {
    s.pending = 0;
    if (!s.synced) {
      const std::size_t probe = spec_->probe_bytes;
      std::size_t i = 0;
      Resync c = Resync::no;
      for (; i + probe <= v.size(); ++i) {
        c = h.resync(dir, v.subspan(i));
        if (c != Resync::no) break;
      }
      // No header starts before the last probe - 1 bytes: drop what cannot start one.
      if (c == Resync::no) return v.size() >= probe ? v.size() - (probe - 1) : 0;
      if (c == Resync::need_more) return i;  // keep the candidate, wait for its end
      s.synced = true;
      if (s.lost) sink.anomaly(spec_->resync);
      s.lost = false;
      if (i > 0) return i;
    }
    const FrameSize f = h.measure(dir, v);
    switch (f.kind) {
      case FrameSize::Kind::need_more: return 0;
      case FrameSize::Kind::frame:
        if (f.size == 0 || f.size > spec_->max_frame) {
          sink.anomaly(spec_->over_cap);
          lose(s);
          return 1;
        }
        if (v.size() < f.size) {
          s.pending = f.size;
          return 0;
        }
        h.on_frame(dir, v.first(f.size), sink);
        return f.size;
      case FrameSize::Kind::rest:
        h.on_frame(dir, v, sink);
        return v.size();
      case FrameSize::Kind::invalid:
        if (f.violation) sink.violation(f.counter);
        else sink.anomaly(f.counter);
        lose(s);
        return 1;
      case FrameSize::Kind::oversize: {
        sink.anomaly(f.counter);
        const std::size_t total = std::max<std::size_t>(f.size, 1);
        if (v.size() >= total) return total;
        s.skip = total - v.size();
        return v.size();
      }
      case FrameSize::Kind::drop:
        sink.anomaly(f.counter);
        return std::clamp<std::size_t>(f.size, 1, v.size());
    }
    return 1;
  }

  const LengthFraming* spec_;
  std::array<Side, 2> sides_{};
};

// --- delimiter-framed -----------------------------------------------------------

// A text protocol's framing constants.
struct LineFraming {
  std::size_t max_line = 0;      // the longest line kept, delimiter excluded
  char end = '\r';               // ends a line; LFs at the start of a line are dropped (CR LF)
  std::string_view gap{};        // counted at every gap
  std::string_view over_cap{};   // a line longer than max_line (dropped up to its end)
  std::string_view truncated{};  // the end of a direction in the middle of a line
};

// The Handler provides:
//   void on_line(Direction dir, std::string_view line, Sink& sink) noexcept;
// called with every whole line (empty ones too), delimiter excluded. Whether the
// line's bytes are valid is the protocol's to say.
class LineFramer {
 public:
  explicit constexpr LineFramer(const LineFraming& spec) noexcept : spec_(&spec) {}

  template <class Handler>
  void on_data(Direction dir, Bytes data, Handler& h, Sink& sink) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    std::string_view in = as_chars(data);
    while (!in.empty()) {
      const std::size_t end = in.find(spec_->end);
      std::string_view part = in.substr(0, end);
      in = end == std::string_view::npos ? std::string_view{} : in.substr(end + 1);
      if (!s.discard) {
        if (s.line.empty()) part.remove_prefix(std::min(part.find_first_not_of('\n'), part.size()));
        if (part.size() > spec_->max_line - s.line.size()) {
          sink.anomaly(spec_->over_cap);
          s.discard = true;
          s.line.clear();
        } else if (!append(s, part)) {
          s.discard = true;
        }
      }
      if (end == std::string_view::npos) return;
      const bool skip = s.discard;
      s.discard = false;
      if (!skip) h.on_line(dir, std::string_view(s.line), sink);
      s.line.clear();
    }
  }

  // A hole in `dir`: the partial line is dropped, and so is everything up to the
  // next delimiter (a line's start is not known).
  void on_gap(Direction dir, Sink& sink) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    s.line.clear();
    s.discard = true;
    sink.anomaly(spec_->gap);
  }

  void on_eof(Direction dir, Sink& sink) noexcept {
    Side& s = sides_[static_cast<std::size_t>(dir)];
    if (!s.line.empty() && !s.discard) sink.anomaly(spec_->truncated);
    s.line.clear();
  }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return sides_[0].line.size() + sides_[1].line.size(); }

 private:
  struct Side {
    std::string line;      // the current line, at most max_line bytes
    bool discard = false;  // dropping up to the next delimiter
  };

  static bool append(Side& s, std::string_view part) noexcept {
    try {
      s.line.append(part);
      return true;
    } catch (...) {
      s.line.clear();
      return false;
    }
  }

  const LineFraming* spec_;
  std::array<Side, 2> sides_{};
};

}  // namespace mieruka::dissectors
