// Fuzz target for the stream framers (dissectors/stream_framer.hpp). The first
// three bytes set up a small protocol: byte 0 the cap (1..256: max_frame and
// max_line), byte 1 the resync probe's size (bits 0-2) and what a length above
// the cap means (bits 3-4: lose sync, pass over, a frame the framer must refuse,
// a message to the end of the bytes at hand), byte 2 the header's magic byte and
// the line delimiter. Its header is magic, a 16-bit big-endian total length. The
// rest is split into chunks (fuzz_buffer.hpp; flag bit 0 = direction); a chunk
// whose flag has bit 7 set is preceded by a gap, bit 6 a gap the protocol does
// not resynchronise after. The framers' promises are checked, not only run:
// every frame is the size measured, no buffer passes its cap.
#include <cstddef>
#include <cstdint>

#include "dissectors/stream_framer.hpp"
#include "fuzz/fuzz_buffer.hpp"

namespace {

using namespace mieruka;
using dissectors::Direction;
using dissectors::FrameSize;
using dissectors::Resync;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Toy {
  std::size_t cap = 1;
  std::uint8_t magic = 0;
  std::uint8_t over = 0;
  std::size_t expect = 0;  // the size the last `frame` measure gave (0 = to the end)

  [[nodiscard]] static std::size_t declared(Bytes v) noexcept {
    return (std::to_integer<std::size_t>(v[1]) << 8) | std::to_integer<std::size_t>(v[2]);
  }
  Resync resync(Direction, Bytes v) noexcept {
    check(!v.empty());
    if (std::to_integer<std::uint8_t>(v[0]) != magic) return Resync::no;
    if (v.size() < 3) return Resync::need_more;
    const std::size_t n = declared(v);
    return n >= 3 && n <= cap ? Resync::yes : Resync::no;
  }
  FrameSize measure(Direction, Bytes v) noexcept {
    check(!v.empty());
    if (v.size() < 3) return FrameSize::more();
    if (std::to_integer<std::uint8_t>(v[0]) != magic) return FrameSize::bad("fuzz.bad_magic", true);
    const std::size_t n = declared(v);
    if (n < 3) return FrameSize::discard(n, "fuzz.short");
    expect = n;
    if (n <= cap) return FrameSize::whole(n);
    switch (over & 3) {
      case 0: return FrameSize::bad("fuzz.over_cap", false);
      case 1: return FrameSize::skip(n, "fuzz.over_cap");
      case 2: return FrameSize::whole(n);  // the framer refuses it
      default: expect = 0; return FrameSize::to_end();
    }
  }
  void on_frame(Direction, Bytes f, Sink&) noexcept {
    check(!f.empty());
    check(expect == 0 || f.size() == expect);
    check(expect == 0 || f.size() <= cap);
    volatile std::uint8_t sum = 0;
    for (std::byte b : f) sum = static_cast<std::uint8_t>(sum + std::to_integer<std::uint8_t>(b));
  }
};

struct Liner {
  std::size_t cap = 1;
  char end = '\r';
  void on_line(Direction, std::string_view line, Sink&) noexcept {
    check(line.size() <= cap);
    check(line.find(end) == std::string_view::npos);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  dissectors::LengthFraming spec{.max_frame = 1 + static_cast<std::size_t>(data[0]),
                                 .probe_bytes = 1 + static_cast<std::size_t>(data[1] & 7),
                                 .gap = "fuzz.gap",
                                 .resync = "fuzz.resync",
                                 .truncated = "fuzz.truncated",
                                 .over_cap = "fuzz.framer_over_cap",
                                 .gap_in_body_keeps_step = (data[1] & 0x80) != 0};
  dissectors::LineFraming lines{.max_line = spec.max_frame,
                                .end = static_cast<char>(data[2]),
                                .gap = "fuzz.gap",
                                .over_cap = "fuzz.line_over_cap",
                                .truncated = "fuzz.truncated"};
  Toy toy{spec.max_frame, data[2], static_cast<std::uint8_t>(data[1] >> 3), 0};
  Liner liner{lines.max_line, lines.end};
  dissectors::LengthFramer framer{spec};
  dissectors::LineFramer line_framer{lines};
  NullSink sink;
  for (const auto& chunk : fuzz::split_chunks(data + 3, size - 3)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    const auto flag = chunk.size > 0 ? std::to_integer<std::uint8_t>(chunk.bytes()[0]) : 0;
    const std::size_t lost = flag & 0x3F;
    if ((flag & 0x80) != 0) {
      framer.on_gap(dir, lost, sink);
      line_framer.on_gap(dir, sink);
    } else if ((flag & 0x40) != 0) {
      framer.on_gap(dir, lost, sink, false);
    }
    framer.on_data(dir, chunk.bytes(), toy, sink);
    line_framer.on_data(dir, chunk.bytes(), liner, sink);
    check(framer.buffered_bytes() <= 2 * spec.max_frame);
    check(line_framer.buffered_bytes() <= 2 * lines.max_line);
  }
  framer.on_eof(Direction::to_server, sink);
  framer.on_eof(Direction::to_client, sink);
  line_framer.on_eof(Direction::to_server, sink);
  line_framer.on_eof(Direction::to_client, sink);
  check(framer.buffered_bytes() == 0 && line_framer.buffered_bytes() == 0);
  return 0;
}
