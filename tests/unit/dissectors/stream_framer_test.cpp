// Stream framer tests: a small length-prefixed protocol (magic 0xAB, a 16-bit
// big-endian total length, cap 32 bytes) and CR-ended lines, fed as byte vectors:
// frames split at every byte boundary, several frames in one segment, lengths
// that overflow or pass the cap, gaps, and empty input.
#include "dissectors/stream_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace mieruka::dissectors {
namespace {

using Vec = std::vector<std::uint8_t>;

Bytes bv(const Vec& v) { return {reinterpret_cast<const std::byte*>(v.data()), v.size()}; }

class RecordingSink final : public Sink {
 public:
  std::vector<std::string> events;  // "A name", "V name" in order
  void fact(const Fact&) noexcept override {}
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view c) noexcept override { events.push_back("A " + std::string(c)); }
  void violation(std::string_view c) noexcept override { events.push_back("V " + std::string(c)); }
  [[nodiscard]] int count(std::string_view e) const {
    return static_cast<int>(std::count(events.begin(), events.end(), std::string(e)));
  }
};

constexpr std::size_t kCap = 32;
constexpr LengthFraming kSpec{.max_frame = kCap,
                              .probe_bytes = 1,
                              .gap = "t.gap",
                              .resync = "t.resync",
                              .truncated = "t.truncated",
                              .over_cap = "t.over_cap"};

// A message: magic, total length (header included), then `body` bytes.
Vec msg(std::uint8_t fill, std::size_t body) {
  const std::size_t total = 3 + body;
  Vec v(total, fill);
  v[0] = 0xAB;
  v[1] = static_cast<std::uint8_t>(total >> 8);
  v[2] = static_cast<std::uint8_t>(total & 0xFF);
  return v;
}

Vec cat(std::initializer_list<Vec> parts) {
  Vec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// What a length above the cap means to the toy protocol.
enum class Over : std::uint8_t { lose_sync, pass_over, claim };

struct Toy {
  Over over = Over::lose_sync;
  std::vector<Vec> frames;

  [[nodiscard]] static std::size_t declared(Bytes v) noexcept {
    return (std::to_integer<std::size_t>(v[1]) << 8) | std::to_integer<std::size_t>(v[2]);
  }
  Resync resync(Direction, Bytes v) noexcept {
    if (std::to_integer<std::uint8_t>(v[0]) != 0xAB) return Resync::no;
    if (v.size() < 3) return Resync::need_more;
    const std::size_t n = declared(v);
    return n >= 3 && n <= kCap ? Resync::yes : Resync::no;
  }
  FrameSize measure(Direction, Bytes v) noexcept {
    if (v.size() < 3) return FrameSize::more();
    if (std::to_integer<std::uint8_t>(v[0]) != 0xAB) return FrameSize::bad("t.bad_magic", true);
    const std::size_t n = declared(v);
    if (n == 0xFFFF) return FrameSize::whole(std::numeric_limits<std::size_t>::max());  // an overflowing length
    if (n < 3) return FrameSize::bad("t.bad_length", true);
    if (n > kCap) {
      switch (over) {
        case Over::lose_sync: return FrameSize::bad("t.length_over_cap", false);
        case Over::pass_over: return FrameSize::skip(n, "t.length_over_cap");
        case Over::claim: return FrameSize::whole(n);  // trusts the framer's cap
      }
    }
    return FrameSize::whole(n);
  }
  void on_frame(Direction, Bytes f, Sink&) noexcept {
    frames.emplace_back(reinterpret_cast<const std::uint8_t*>(f.data()),
                        reinterpret_cast<const std::uint8_t*>(f.data()) + f.size());
  }
};

constexpr Direction kUp = Direction::to_server;
constexpr Direction kDown = Direction::to_client;

TEST(LengthFramer, TwoFramesInOneSegmentAreBothDelivered) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec a = msg(1, 4), b = msg(2, 0);
  f.on_data(kUp, bv(cat({a, b})), t, sink);
  ASSERT_EQ(t.frames.size(), 2U);
  EXPECT_EQ(t.frames[0], a);
  EXPECT_EQ(t.frames[1], b);
  EXPECT_EQ(f.buffered_bytes(), 0U);
  EXPECT_TRUE(sink.events.empty());
}

TEST(LengthFramer, FramesSplitAtEveryByteBoundary) {
  const Vec a = msg(1, 5), b = msg(2, kCap - 3), c = msg(3, 0);
  const Vec stream = cat({a, b, c});
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      LengthFramer f{kSpec};
      Toy t;
      RecordingSink sink;
      f.on_data(kUp, bv(Vec(stream.begin(), stream.begin() + i)), t, sink);
      f.on_data(kUp, bv(Vec(stream.begin() + i, stream.begin() + j)), t, sink);
      f.on_data(kUp, bv(Vec(stream.begin() + j, stream.end())), t, sink);
      ASSERT_EQ(t.frames.size(), 3U) << "split at " << i << "," << j;
      EXPECT_EQ(t.frames[0], a);
      EXPECT_EQ(t.frames[1], b);
      EXPECT_EQ(t.frames[2], c);
      EXPECT_EQ(f.buffered_bytes(), 0U);
      EXPECT_TRUE(sink.events.empty());
    }
  }
}

TEST(LengthFramer, ByteAtATimeHoldsAtMostOneFrame) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec stream = cat({msg(1, kCap - 3), msg(2, 7), msg(3, kCap - 3)});
  for (std::uint8_t x : stream) {
    f.on_data(kUp, bv(Vec{x}), t, sink);
    EXPECT_LT(f.buffered_bytes(), kCap);
  }
  EXPECT_EQ(t.frames.size(), 3U);
  EXPECT_EQ(f.buffered_bytes(), 0U);
}

TEST(LengthFramer, DirectionsAreFramedApart) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec a = msg(1, 6), b = msg(2, 6);
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 4)), t, sink);
  f.on_data(kDown, bv(Vec(b.begin(), b.begin() + 5)), t, sink);
  EXPECT_EQ(f.buffered_bytes(), 9U);
  f.on_data(kUp, bv(Vec(a.begin() + 4, a.end())), t, sink);
  f.on_data(kDown, bv(Vec(b.begin() + 5, b.end())), t, sink);
  ASSERT_EQ(t.frames.size(), 2U);
  EXPECT_EQ(t.frames[0], a);
  EXPECT_EQ(t.frames[1], b);
}

TEST(LengthFramer, ZeroLengthInputChangesNothing) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  f.on_data(kUp, Bytes{}, t, sink);
  const Vec a = msg(1, 2);
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 2)), t, sink);
  f.on_data(kUp, Bytes{}, t, sink);
  EXPECT_EQ(f.buffered_bytes(), 2U);
  f.on_data(kUp, bv(Vec(a.begin() + 2, a.end())), t, sink);
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], a);
  EXPECT_TRUE(sink.events.empty());
}

TEST(LengthFramer, AnOverflowingLengthIsCountedAndNeverBuffered) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec good = msg(4, 3);
  f.on_data(kUp, bv(cat({{0xAB, 0xFF, 0xFF, 9, 9}, good})), t, sink);
  EXPECT_EQ(sink.count("A t.over_cap"), 1);
  EXPECT_EQ(sink.count("A t.resync"), 1);
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], good);
  EXPECT_EQ(f.buffered_bytes(), 0U);
}

TEST(LengthFramer, ALengthAboveTheProtocolsMaximumLosesSync) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec good = msg(5, 2);
  const Vec over = {0xAB, 0x00, static_cast<std::uint8_t>(kCap + 1), 1, 2, 3};
  f.on_data(kUp, bv(cat({over, good})), t, sink);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.length_over_cap", "A t.resync"}));
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], good);
}

TEST(LengthFramer, ALengthAboveTheCapThatTheProtocolTrustsIsStillRefused) {
  LengthFramer f{kSpec};
  Toy t;
  t.over = Over::claim;
  RecordingSink sink;
  const Vec over = {0xAB, 0x00, static_cast<std::uint8_t>(kCap + 1)};
  f.on_data(kUp, bv(over), t, sink);
  f.on_data(kUp, bv(Vec(kCap, 0xAB)), t, sink);  // would complete the claimed frame
  EXPECT_TRUE(t.frames.empty());
  EXPECT_EQ(sink.count("A t.over_cap"), 1);
  EXPECT_LE(f.buffered_bytes(), kCap);
}

TEST(LengthFramer, AnOverCapMessageIsPassedOverAcrossSegments) {
  const std::size_t total = 100;
  Vec over = {0xAB, 0x00, static_cast<std::uint8_t>(total)};
  over.resize(total, 0xAB);  // its body looks like headers: none may be trusted
  const Vec good = msg(6, 1);
  const Vec stream = cat({over, good});
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    LengthFramer f{kSpec};
    Toy t;
    t.over = Over::pass_over;
    RecordingSink sink;
    f.on_data(kUp, bv(Vec(stream.begin(), stream.begin() + i)), t, sink);
    EXPECT_LE(f.buffered_bytes(), kCap);
    f.on_data(kUp, bv(Vec(stream.begin() + i, stream.end())), t, sink);
    ASSERT_EQ(t.frames.size(), 1U) << "split at " << i;
    EXPECT_EQ(t.frames[0], good);
    EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.length_over_cap"}));
  }
}

TEST(LengthFramer, GarbageIsAViolationAndTheNextHeaderResynchronises) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec good = msg(7, 4);
  f.on_data(kUp, bv(cat({{0x01, 0x02, 0x03, 0x04}, good})), t, sink);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"V t.bad_magic", "A t.resync"}));
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], good);
}

TEST(LengthFramer, AGapDropsThePartialFrameAndResynchronises) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec a = msg(1, 10), b = msg(2, 3);
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 6)), t, sink);
  f.on_gap(kUp, 3, sink);
  EXPECT_EQ(f.buffered_bytes(), 0U);
  // The rest of the lost frame, then a whole one: only the whole one is trusted.
  f.on_data(kUp, bv(cat({Vec(a.begin() + 9, a.end()), b})), t, sink);
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], b);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap", "A t.resync"}));
}

// With gap_in_body_keeps_step, a hole that ends inside the message being held
// or passed over drops the rest of it and the next header is trusted, wherever
// the segments before the hole were split.
TEST(LengthFramer, AGapInsideAKnownLengthKeepsStepWhenTheFramingSaysSo) {
  LengthFraming spec = kSpec;
  spec.gap_in_body_keeps_step = true;
  const Vec a = msg(1, 10), b = msg(2, 3);  // a: 13 bytes; the hole is bytes 6..8
  for (std::size_t i = 0; i <= 6; ++i) {
    LengthFramer f{spec};
    Toy t;
    RecordingSink sink;
    f.on_data(kUp, bv(Vec(a.begin(), a.begin() + i)), t, sink);
    f.on_data(kUp, bv(Vec(a.begin() + i, a.begin() + 6)), t, sink);
    f.on_gap(kUp, 3, sink);
    EXPECT_EQ(f.buffered_bytes(), 0U);
    f.on_data(kUp, bv(cat({Vec(a.begin() + 9, a.end()), b})), t, sink);
    ASSERT_EQ(t.frames.size(), 1U) << "split at " << i;
    EXPECT_EQ(t.frames[0], b);
    EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap"})) << "split at " << i;
  }
}

TEST(LengthFramer, AGapPastTheEndOfTheKnownLengthLosesSync) {
  LengthFraming spec = kSpec;
  spec.gap_in_body_keeps_step = true;
  const Vec a = msg(1, 10), b = msg(2, 3), c = msg(3, 4);
  LengthFramer f{spec};
  Toy t;
  RecordingSink sink;
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 6)), t, sink);
  f.on_gap(kUp, 8, sink);  // 7 bytes of a were left: the hole reaches into b
  f.on_data(kUp, bv(cat({Vec(b.begin() + 1, b.end()), c})), t, sink);
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], c);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap", "A t.resync"}));
}

TEST(LengthFramer, AGapAtAMessageBoundaryLosesSync) {
  LengthFraming spec = kSpec;
  spec.gap_in_body_keeps_step = true;
  const Vec a = msg(1, 2), b = msg(2, 3);
  LengthFramer f{spec};
  Toy t;
  RecordingSink sink;
  f.on_data(kUp, bv(a), t, sink);
  f.on_gap(kUp, 1, sink);  // nothing was pending: the hole's length says nothing
  f.on_data(kUp, bv(cat({Vec{0x42}, b})), t, sink);
  ASSERT_EQ(t.frames.size(), 2U);
  EXPECT_EQ(t.frames[1], b);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap", "A t.resync"}));
}

TEST(LengthFramer, AGapInsideAMessageBeingPassedOverKeepsStep) {
  LengthFraming spec = kSpec;
  spec.gap_in_body_keeps_step = true;
  const std::size_t total = 100;
  Vec over = {0xAB, 0x00, static_cast<std::uint8_t>(total)};
  over.resize(total, 0x42);
  const Vec good = msg(6, 1);
  for (const std::size_t lost : {std::size_t{1}, std::size_t{60}}) {
    LengthFramer f{spec};
    Toy t;
    t.over = Over::pass_over;
    RecordingSink sink;
    f.on_data(kUp, bv(Vec(over.begin(), over.begin() + 40)), t, sink);
    f.on_gap(kUp, lost, sink);
    f.on_data(kUp, bv(cat({Vec(over.begin() + 40 + static_cast<std::ptrdiff_t>(lost), over.end()), good})), t, sink);
    ASSERT_EQ(t.frames.size(), 1U) << "lost " << lost;
    EXPECT_EQ(t.frames[0], good);
    EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.length_over_cap", "A t.gap"}));
  }
}

TEST(LengthFramer, WithoutTheSettingAGapInsideAKnownLengthLosesSync) {
  const Vec a = msg(1, 10), b = msg(2, 3);
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 6)), t, sink);
  f.on_gap(kUp, 3, sink);
  f.on_data(kUp, bv(cat({Vec(a.begin() + 9, a.end()), b})), t, sink);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap", "A t.resync"}));
}

TEST(LengthFramer, AGapWithoutResyncTrustsTheNextBytes) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  f.on_data(kUp, bv(Vec{0xAB, 0x00}), t, sink);
  f.on_gap(kUp, 3, sink, false);
  f.on_data(kUp, bv(Vec{0x01, 0xAB, 0x00}), t, sink);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.gap", "V t.bad_magic"}));
}

TEST(LengthFramer, OutOfSyncTheTailShorterThanAProbeIsKept) {
  LengthFraming spec = kSpec;
  spec.probe_bytes = 3;
  LengthFramer f{spec};
  Toy t;
  RecordingSink sink;
  f.on_gap(kUp, 3, sink);
  f.on_data(kUp, bv(Vec{0x10, 0x11, 0x12, 0x13, 0xAB, 0x00}), t, sink);
  EXPECT_EQ(f.buffered_bytes(), 2U);  // the candidate's first two bytes
  f.on_data(kUp, bv(Vec{0x05, 0x42, 0x42}), t, sink);
  ASSERT_EQ(t.frames.size(), 1U);
  EXPECT_EQ(t.frames[0], (Vec{0xAB, 0x00, 0x05, 0x42, 0x42}));
}

TEST(LengthFramer, EndOfStreamInsideAFrameIsCountedOnlyWhenInSync) {
  LengthFramer f{kSpec};
  Toy t;
  RecordingSink sink;
  const Vec a = msg(1, 10);
  f.on_data(kUp, bv(Vec(a.begin(), a.begin() + 5)), t, sink);
  f.on_eof(kUp, sink);
  EXPECT_EQ(sink.count("A t.truncated"), 1);
  EXPECT_EQ(f.buffered_bytes(), 0U);
  f.on_gap(kDown, 3, sink);
  f.on_data(kDown, bv(Vec{0xAB}), t, sink);  // a candidate waiting for its length
  f.on_eof(kDown, sink);
  EXPECT_EQ(sink.count("A t.truncated"), 1);
}

struct Ender {
  bool rest = false;
  std::vector<Vec> frames;
  static Resync resync(Direction, Bytes) noexcept { return Resync::yes; }
  FrameSize measure(Direction, Bytes v) noexcept {
    if (std::to_integer<std::uint8_t>(v[0]) == 0xEE) return FrameSize::discard(v.size(), "t.dropped");
    return rest ? FrameSize::to_end() : FrameSize::more();
  }
  void on_frame(Direction, Bytes f, Sink&) noexcept {
    frames.emplace_back(reinterpret_cast<const std::uint8_t*>(f.data()),
                        reinterpret_cast<const std::uint8_t*>(f.data()) + f.size());
  }
};

TEST(LengthFramer, AMessageWithoutALengthIsWhatWasDelivered) {
  LengthFramer f{kSpec};
  Ender e;
  e.rest = true;
  RecordingSink sink;
  const Vec big(3 * kCap, 0x01);  // delivered whole: not buffered, so not capped
  f.on_data(kUp, bv(big), e, sink);
  f.on_data(kUp, bv(Vec{0xEE, 1, 2}), e, sink);
  ASSERT_EQ(e.frames.size(), 1U);
  EXPECT_EQ(e.frames[0], big);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A t.dropped"}));
  EXPECT_EQ(f.buffered_bytes(), 0U);
}

// --- lines ---------------------------------------------------------------------

constexpr LineFraming kLines{.max_line = 8, .gap = "l.gap", .over_cap = "l.over_cap", .truncated = "l.truncated"};

struct Liner {
  std::vector<std::string> lines;
  void on_line(Direction, std::string_view line, Sink&) noexcept { lines.emplace_back(line); }
};

Vec text(std::string_view s) { return {s.begin(), s.end()}; }

TEST(LineFramer, LinesSplitAtEveryByteBoundary) {
  const Vec stream = text("\n\nAB\r\nCDEFGHIJ\r\r\nK\n\rL");
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    LineFramer f{kLines};
    Liner l;
    RecordingSink sink;
    f.on_data(kUp, bv(Vec(stream.begin(), stream.begin() + i)), l, sink);
    f.on_data(kUp, bv(Vec(stream.begin() + i, stream.end())), l, sink);
    EXPECT_EQ(l.lines, (std::vector<std::string>{"AB", "CDEFGHIJ", "", "K\n"})) << "split at " << i;
    EXPECT_EQ(f.buffered_bytes(), 1U);
    EXPECT_TRUE(sink.events.empty());
    f.on_eof(kUp, sink);
    EXPECT_EQ(sink.events, (std::vector<std::string>{"A l.truncated"}));
  }
}

TEST(LineFramer, ALineOverTheCapIsCountedOnceAndDroppedToItsEnd) {
  LineFramer f{kLines};
  Liner l;
  RecordingSink sink;
  f.on_data(kUp, bv(text("123456789")), l, sink);
  f.on_data(kUp, bv(text("abcdefghijkl")), l, sink);
  EXPECT_EQ(f.buffered_bytes(), 0U);
  f.on_data(kUp, bv(text("mn\rOK\r")), l, sink);
  EXPECT_EQ(l.lines, (std::vector<std::string>{"OK"}));
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A l.over_cap"}));
}

TEST(LineFramer, TheCapIsTheLongestLineKeptWhereverTheSegmentsSplit) {
  const Vec stream = text("12345678\r123456789\rOK\r");
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    LineFramer f{kLines};
    Liner l;
    RecordingSink sink;
    f.on_data(kUp, bv(Vec(stream.begin(), stream.begin() + i)), l, sink);
    f.on_data(kUp, bv(Vec(stream.begin() + i, stream.end())), l, sink);
    EXPECT_EQ(l.lines, (std::vector<std::string>{"12345678", "OK"})) << "split at " << i;
    EXPECT_EQ(sink.events, (std::vector<std::string>{"A l.over_cap"}));
  }
}

TEST(LineFramer, AGapDropsUpToTheNextDelimiter) {
  LineFramer f{kLines};
  Liner l;
  RecordingSink sink;
  f.on_data(kUp, bv(text("AB")), l, sink);
  f.on_gap(kUp, sink);
  f.on_data(kUp, bv(text("CD\rEF\r")), l, sink);
  EXPECT_EQ(l.lines, (std::vector<std::string>{"EF"}));
  f.on_gap(kDown, sink);
  f.on_data(kDown, bv(text("GH")), l, sink);
  f.on_eof(kDown, sink);  // dropping, so nothing truncated
  EXPECT_EQ(sink.events, (std::vector<std::string>{"A l.gap", "A l.gap"}));
}

TEST(LineFramer, ZeroLengthInputChangesNothing) {
  LineFramer f{kLines};
  Liner l;
  RecordingSink sink;
  f.on_data(kUp, Bytes{}, l, sink);
  f.on_data(kUp, bv(text("A")), l, sink);
  f.on_data(kUp, Bytes{}, l, sink);
  f.on_data(kUp, bv(text("B\r")), l, sink);
  EXPECT_EQ(l.lines, (std::vector<std::string>{"AB"}));
  EXPECT_TRUE(sink.events.empty());
}

}  // namespace
}  // namespace mieruka::dissectors
