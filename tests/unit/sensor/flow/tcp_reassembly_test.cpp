// TcpStream: in-order, out-of-order, retransmission and overlap policies, gaps,
// sequence wraparound, the per-direction window, the global budget, SYN and
// mid-stream starts, peer ACKs, and every split/order of a small stream.
#include "sensor/flow/tcp_reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dissectors/packet.hpp"

namespace mieruka::sensor {
namespace {

namespace tf = dissectors::tcp_flag;

// Records the stream as text: bytes as they are, a gap of n as "[gap n]".
class Recorder : public StreamConsumer {
 public:
  void on_bytes(std::span<const std::byte> b) noexcept override {
    text.append(reinterpret_cast<const char*>(b.data()), b.size());
    bytes += b.size();
  }
  void on_gap(std::size_t lost) noexcept override {
    text += "[gap " + std::to_string(lost) + "]";
    gap_bytes += lost;
  }
  std::string text;
  std::size_t bytes = 0, gap_bytes = 0;
};

std::span<const std::byte> B(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

struct Fixture {
  ReassemblyBudget budget;
  TcpStream s{budget};
  Recorder r;
  void seg(std::uint32_t seq, const std::string& data, std::uint8_t flags = tf::ack | tf::psh) {
    s.on_segment(seq, B(data), flags, r);
  }
};

TEST(TcpStream, InOrderAfterSyn) {
  Fixture f;
  f.s.on_segment(1000, {}, tf::syn, f.r);  // ISN 1000: data starts at 1001
  EXPECT_TRUE(f.s.syn_seen());
  f.seg(1001, "hello");
  f.seg(1006, " world");
  EXPECT_EQ(f.r.text, "hello world");
  EXPECT_EQ(f.s.counters().delivered_bytes, 11U);
  EXPECT_EQ(f.s.counters().out_of_order, 0U);
  EXPECT_EQ(f.s.next_seq(), 1012U);
  EXPECT_EQ(f.budget.used(), 0U);  // nothing out of order: no ring
}

TEST(TcpStream, MidStreamFirstSegmentStarts) {
  Fixture f;
  f.seg(5000, "abc");
  f.seg(5003, "def");
  EXPECT_FALSE(f.s.syn_seen());
  EXPECT_EQ(f.r.text, "abcdef");
}

TEST(TcpStream, EmptySegmentDoesNotStartTheStream) {
  // Seen in ITI__EIP-SoftwareUpload.pcap: the first segment of a direction is a
  // keep-alive ACK at snd.nxt - 1; starting there made a false 1-byte gap.
  Fixture f;
  f.s.on_segment(2144115960U, {}, tf::ack, f.r);
  EXPECT_FALSE(f.s.started());
  f.s.on_peer_ack(100, f.r);  // ignored before the start
  f.seg(2144115961U, "data");
  EXPECT_EQ(f.r.text, "data");
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, KeepAliveByteBeforeStartIsNotData) {
  // ITI__Sample_File_MMS_and_GOOSE.pcap frames 42-44: the peer ACKs 1345486137,
  // then a keep-alive probe carries one old byte at 1345486136.
  Fixture f;
  f.s.on_peer_ack(1345486137U, f.r);
  f.seg(1345486136U, std::string(1, '\0'));
  EXPECT_EQ(f.r.text, "");
  EXPECT_EQ(f.s.counters().retransmitted_bytes, 1U);
  f.seg(1345486137U, "MMS");
  EXPECT_EQ(f.r.text, "MMS");
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, RetransmittedSynKeepsTheIsn) {
  Fixture f;
  f.s.on_segment(1000, {}, tf::syn, f.r);
  f.s.on_segment(1000, {}, tf::syn, f.r);
  f.seg(1001, "x");
  EXPECT_EQ(f.r.text, "x");
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, OutOfOrderIsBufferedThenDelivered) {
  Fixture f;
  f.s.on_segment(0, {}, tf::syn, f.r);
  f.seg(6, "world");
  EXPECT_EQ(f.r.text, "");
  EXPECT_EQ(f.s.buffered(), 5U);
  EXPECT_EQ(f.s.counters().out_of_order, 1U);
  EXPECT_GT(f.budget.used(), 0U);
  f.seg(1, "hello");
  EXPECT_EQ(f.r.text, "helloworld");
  EXPECT_EQ(f.s.buffered(), 0U);
  EXPECT_EQ(f.budget.used(), 0U);  // ring freed when the hole closed
}

TEST(TcpStream, RetransmissionIsDroppedAndCounted) {
  Fixture f;
  f.seg(1, "hello");
  f.seg(1, "hello");
  f.seg(3, "ll");  // inside delivered bytes
  EXPECT_EQ(f.r.text, "hello");
  EXPECT_EQ(f.s.counters().retransmitted_bytes, 7U);
  f.seg(4, "lo!!");  // head retransmitted, tail new
  EXPECT_EQ(f.r.text, "hello!!");
  EXPECT_EQ(f.s.counters().retransmitted_bytes, 9U);
}

TEST(TcpStream, PartialOverlapSameBytesIsNotDiffering) {
  Fixture f;
  f.seg(1, "ab");
  f.seg(5, "efgh");  // buffered
  f.seg(3, "cdef");  // overlaps "ef" with the same bytes
  EXPECT_EQ(f.r.text, "abcdefgh");
  EXPECT_EQ(f.s.counters().retransmitted_bytes, 2U);
  EXPECT_EQ(f.s.counters().overlaps_differing, 0U);
}

TEST(TcpStream, PartialOverlapDifferingKeepsFirstCopyAndCounts) {
  // In-order segment over buffered bytes.
  {
    Fixture f;
    f.seg(1, "ab");
    f.seg(5, "efgh");
    f.seg(3, "cdXY");  // "XY" contradicts the buffered "ef"
    EXPECT_EQ(f.r.text, "abcdefgh");
    EXPECT_EQ(f.s.counters().overlaps_differing, 1U);
    EXPECT_EQ(f.s.counters().retransmitted_bytes, 2U);
  }
  // Out-of-order segment over buffered bytes.
  {
    Fixture f;
    f.seg(1, "ab");
    f.seg(6, "fg");
    f.seg(5, "eFGh");  // "FG" contradicts "fg"; 'e' and 'h' are new
    f.seg(3, "cd");
    EXPECT_EQ(f.r.text, "abcdefgh");
    EXPECT_EQ(f.s.counters().overlaps_differing, 1U);
    EXPECT_EQ(f.s.counters().retransmitted_bytes, 2U);
  }
  // A segment covering two buffered pieces and the bytes between them.
  {
    Fixture f;
    f.seg(1, "a");
    f.seg(3, "c");
    f.seg(5, "e");
    f.seg(3, "cDe");  // 'D' fills the hole; 'c' and 'e' already there
    EXPECT_EQ(f.r.text, "a");
    f.seg(2, "b");
    EXPECT_EQ(f.r.text, "abcDe");
    EXPECT_EQ(f.s.counters().overlaps_differing, 0U);
  }
}

TEST(TcpStream, HoleThenFlushDeliversGapThenLaterBytes) {
  Fixture f;
  f.seg(1, "abc");
  f.seg(10, "xyz");
  EXPECT_EQ(f.r.text, "abc");
  f.s.flush(f.r);
  EXPECT_EQ(f.r.text, "abc[gap 6]xyz");
  EXPECT_EQ(f.s.counters().gaps, 1U);
  EXPECT_EQ(f.s.counters().gap_bytes, 6U);
  EXPECT_EQ(f.s.buffered(), 0U);
  f.seg(13, "123");  // the stream goes on after a flush
  EXPECT_EQ(f.r.text, "abc[gap 6]xyz123");
  f.seg(8, "??");  // the missing bytes, too late: counted as retransmitted
  EXPECT_EQ(f.r.text, "abc[gap 6]xyz123");
  EXPECT_EQ(f.budget.used(), 0U);
}

TEST(TcpStream, SequenceWrapsAround) {
  Fixture f;
  f.s.on_segment(0xfffffffcU, {}, tf::syn, f.r);  // data starts at 0xfffffffd
  f.seg(0x00000001U, "ef");                        // after the wrap, ahead of a hole
  f.seg(0xffffffffU, "cd");                        // straddles 2^32
  EXPECT_EQ(f.r.text, "");
  f.seg(0xfffffffdU, "ab");
  EXPECT_EQ(f.r.text, "abcdef");
  EXPECT_EQ(f.s.next_seq(), 3U);
  f.seg(0xfffffffeU, "bc");  // before the wrap: a retransmission, not 4 GB ahead
  EXPECT_EQ(f.r.text, "abcdef");
  EXPECT_EQ(f.s.counters().retransmitted_bytes, 2U);
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, RingIndexWrapsWithSequence) {
  // The ring cell is seq mod cap: buffered bytes straddling a multiple of the
  // ring size (and 2^32) must come back intact.
  Fixture f;
  const std::uint32_t isn = 0xffffffffU - 4096U - 10U;
  f.s.on_segment(isn, {}, tf::syn, f.r);
  std::string all;
  for (int i = 0; i < 9000; ++i) all += static_cast<char>('a' + i % 26);
  f.seg(isn + 1 + 100, all.substr(100));  // one big out-of-order piece across the wrap
  f.seg(isn + 1, all.substr(0, 100));
  EXPECT_EQ(f.r.text, all);
}

TEST(TcpStream, PerDirectionCapForcesGap) {
  ReassemblyBudget budget(ReassemblyBudget::kDefaultCapBytes, ReassemblyLimits{4096});
  TcpStream s(budget);
  Recorder r;
  s.on_segment(0, {}, tf::syn, r);
  s.on_segment(101, B(std::string(100, 'b')), tf::ack, r);   // hole [1,101), buffered [101,201)
  EXPECT_EQ(s.buffered(), 100U);
  s.on_segment(5001, B(std::string(10, 'z')), tf::ack, r);  // ends 5010 bytes ahead > 4096
  // The hole is given up, the buffered bytes delivered, and the segment is still
  // beyond the window from there, so the next hole goes too: never a stall.
  EXPECT_EQ(r.text, "[gap 100]" + std::string(100, 'b') + "[gap 4800]" + std::string(10, 'z'));
  EXPECT_EQ(s.counters().limit_gaps, 2U);
  EXPECT_EQ(s.buffered(), 0U);
  EXPECT_EQ(budget.used(), 0U);
  // The window itself is respected: 4096 bytes ahead fit, the ring grew to it.
  s.on_segment(5011 + 96, B(std::string(4000, 'q')), tf::ack, r);
  EXPECT_EQ(s.buffered(), 4000U);
  EXPECT_LE(s.memory_bytes(), 4096U + 1024U);
}

TEST(TcpStream, TooManyHolesForcesGapOnOldest) {
  Fixture f;
  f.seg(0, "S");
  // Disjoint one-byte pieces at 2, 4, 6, ...: kMaxIntervals of them fit.
  for (std::uint32_t i = 0; i < TcpStream::kMaxIntervals; ++i) f.seg(2 + 2 * i, "x");
  EXPECT_EQ(f.s.counters().limit_gaps, 0U);
  EXPECT_EQ(f.s.buffered(), TcpStream::kMaxIntervals);
  f.seg(2 + 2 * TcpStream::kMaxIntervals, "y");  // one more hole than we track
  EXPECT_EQ(f.s.counters().limit_gaps, 1U);
  EXPECT_EQ(f.r.text, "S[gap 1]x");
  f.s.flush(f.r);
  EXPECT_EQ(f.s.buffered(), 0U);
  EXPECT_EQ(f.s.counters().gaps, TcpStream::kMaxIntervals + 1);
}

TEST(TcpStream, GlobalBudgetExhaustedGapsInsteadOfBuffering) {
  ReassemblyBudget budget(8 * 1024);  // room for one small ring
  TcpStream a(budget), b(budget);
  Recorder ra, rb;
  a.on_segment(1, B("a1"), tf::ack, ra);
  a.on_segment(10, B("a2"), tf::ack, ra);  // a holds a ring
  EXPECT_EQ(a.buffered(), 2U);
  const std::size_t used = budget.used();
  EXPECT_GT(used, 0U);
  b.on_segment(1, B("b1"), tf::ack, rb);
  b.on_segment(10, B("b2"), tf::ack, rb);  // no room left for b: gap now
  EXPECT_EQ(rb.text, "b1[gap 7]b2");
  EXPECT_EQ(b.counters().limit_gaps, 1U);
  EXPECT_GE(budget.refused(), 1U);
  EXPECT_EQ(budget.used(), used);
  a.flush(ra);
  EXPECT_EQ(budget.used(), 0U);
  EXPECT_LE(budget.peak(), budget.cap());
}

TEST(TcpStream, WithoutBudgetEveryHoleIsAGap) {
  TcpStream s;
  Recorder r;
  s.on_segment(1, B("ab"), tf::ack, r);
  s.on_segment(5, B("ef"), tf::ack, r);
  EXPECT_EQ(r.text, "ab[gap 2]ef");
}

TEST(TcpStream, PeerAckBeyondHoleDeclaresGap) {
  Fixture f;
  f.seg(1, "ab");
  f.seg(5, "ef");
  EXPECT_EQ(f.r.text, "ab");
  f.s.on_peer_ack(7, f.r);  // the peer got everything: bytes 3-4 were missed by the capture
  EXPECT_EQ(f.r.text, "ab[gap 2]ef");
  EXPECT_EQ(f.s.buffered(), 0U);
}

TEST(TcpStream, PeerAckInsideHoleGapsOnlyTheAckedPart) {
  Fixture f;
  f.seg(1, "ab");
  f.seg(7, "gh");
  f.s.on_peer_ack(5, f.r);  // bytes 3-4 acked and never seen; 5-6 may still come
  EXPECT_EQ(f.r.text, "ab[gap 2]");
  f.seg(5, "ef");
  EXPECT_EQ(f.r.text, "ab[gap 2]efgh");
}

TEST(TcpStream, AckSeenBeforeItsDataIsNotAGap) {
  // A mirror can show the peer's ACK before the segment it acknowledges.
  Fixture f;
  f.seg(1, "ab");
  f.s.on_peer_ack(5, f.r);
  f.seg(3, "cd");
  f.s.flush(f.r);
  EXPECT_EQ(f.r.text, "abcd");
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, AckBeyondEverythingIsAGapAtFlush) {
  Fixture f;
  f.seg(1, "ab");
  f.s.on_peer_ack(10, f.r);
  EXPECT_EQ(f.r.text, "ab");
  f.s.flush(f.r);
  EXPECT_EQ(f.r.text, "ab[gap 7]");
}

TEST(TcpStream, AckOfFinIsNotAGap) {
  Fixture f;
  f.s.on_segment(0, {}, tf::syn, f.r);
  f.seg(1, "ab", tf::ack | tf::fin);
  f.s.on_peer_ack(4, f.r);  // acknowledges the FIN's sequence number
  f.s.flush(f.r);
  EXPECT_EQ(f.r.text, "ab");
  EXPECT_TRUE(f.s.fin_seen());
  EXPECT_EQ(f.s.counters().gaps, 0U);
}

TEST(TcpStream, HugeJumpIsOneGapNotAStall) {
  Fixture f;
  f.seg(1, "ab");
  f.seg(1 + 0x40000000U, "zz");  // 1 GiB ahead
  EXPECT_EQ(f.r.text, "ab[gap 1073741822]zz");
  EXPECT_EQ(f.budget.used(), 0U);
}

TEST(TcpStream, RingGrowsAndKeepsBytes) {
  Fixture f;
  f.s.on_segment(0, {}, tf::syn, f.r);
  std::string all;
  for (int i = 0; i < 20000; ++i) all += static_cast<char>('A' + i % 23);
  for (std::size_t off = 1000; off < all.size(); off += 1000) f.seg(1 + static_cast<std::uint32_t>(off), all.substr(off, 1000));
  EXPECT_EQ(f.s.buffered(), all.size() - 1000);
  EXPECT_GE(f.s.memory_bytes(), 32768U);
  f.seg(1, all.substr(0, 1000));
  EXPECT_EQ(f.r.text, all);
  EXPECT_EQ(f.budget.used(), 0U);
}

TEST(TcpStream, ResetAndMoveReleaseBudget) {
  ReassemblyBudget budget;
  Recorder r;
  {
    TcpStream s(budget);
    s.on_segment(1, B("a"), 0, r);
    s.on_segment(5, B("e"), 0, r);
    TcpStream moved(std::move(s));
    EXPECT_EQ(moved.buffered(), 1U);
    EXPECT_EQ(s.buffered(), 0U);  // NOLINT: moved-from is empty by contract
    TcpStream other(budget);
    other = std::move(moved);
    EXPECT_GT(budget.used(), 0U);
    other.reset(&budget);
    EXPECT_EQ(budget.used(), 0U);
    other.on_segment(1, B("a"), 0, r);
    other.on_segment(5, B("e"), 0, r);
  }
  EXPECT_EQ(budget.used(), 0U);  // destructor frees
}

// Every pair of split points of a 24-byte stream, the three pieces in every
// order, some repeated: always the same bytes, no gap, nothing left buffered.
TEST(TcpStream, EverySplitAndOrderDeliversIdenticalBytes) {
  const std::string msg = "0123456789abcdefghijklmn";
  const std::uint32_t isn = 0xfffffff0U;  // crosses 2^32 mid-message
  for (std::size_t i = 1; i < msg.size(); ++i) {
    for (std::size_t j = i; j < msg.size(); ++j) {
      std::vector<std::pair<std::size_t, std::size_t>> pieces{{0, i}, {i, j - i}, {j, msg.size() - j}};
      std::vector<int> order{0, 1, 2};
      do {
        ReassemblyBudget budget;
        TcpStream s(budget);
        Recorder r;
        s.on_segment(isn, {}, tf::syn, r);
        for (int k : order) {
          const auto [at, len] = pieces[static_cast<std::size_t>(k)];
          s.on_segment(isn + 1 + static_cast<std::uint32_t>(at), B(msg.substr(at, len)), tf::ack, r);
          if (k == 1) s.on_segment(isn + 1 + static_cast<std::uint32_t>(at), B(msg.substr(at, len)), tf::ack, r);
        }
        ASSERT_EQ(r.text, msg) << "split " << i << "," << j << " order " << order[0] << order[1] << order[2];
        ASSERT_EQ(s.buffered(), 0U);
        ASSERT_EQ(budget.used(), 0U);
      } while (std::next_permutation(order.begin(), order.end()));
    }
  }
}

// Random segmentation, reordering, duplication and overlap of a 64 KiB stream
// (fixed seed): the bytes come out identical and without gaps.
TEST(TcpStream, RandomReorderingAndOverlapDeliverIdenticalBytes) {
  std::mt19937 rng(12345);
  std::string msg(65536, '\0');
  for (auto& c : msg) c = static_cast<char>('a' + rng() % 26);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::pair<std::size_t, std::size_t>> segs;
    for (std::size_t at = 0; at < msg.size();) {
      const std::size_t len = std::min<std::size_t>(1 + rng() % 1460, msg.size() - at);
      segs.emplace_back(at, len);
      if (rng() % 5 == 0) {  // an overlapping copy of a neighbouring range
        const std::size_t b = at > 300 ? at - rng() % 300 : 0;
        segs.emplace_back(b, std::min<std::size_t>(len + 600, msg.size() - b));
      }
      at += len;
    }
    // Local reordering, as a mirror shows it: shuffle within windows of 8.
    for (std::size_t w = 0; w < segs.size(); w += 8)
      std::shuffle(segs.begin() + static_cast<long>(w), segs.begin() + static_cast<long>(std::min(w + 8, segs.size())), rng);
    ReassemblyBudget budget;
    TcpStream s(budget);
    Recorder r;
    const std::uint32_t isn = static_cast<std::uint32_t>(rng());
    s.on_segment(isn, {}, tf::syn, r);
    for (auto [at, len] : segs) s.on_segment(isn + 1 + static_cast<std::uint32_t>(at), B(msg.substr(at, len)), tf::ack, r);
    ASSERT_EQ(s.counters().gaps, 0U);
    ASSERT_GT(s.counters().out_of_order, 0U);
    ASSERT_GT(s.counters().retransmitted_bytes, 0U);
    ASSERT_EQ(r.text.size(), msg.size());
    ASSERT_TRUE(r.text == msg) << "round " << round;
    ASSERT_EQ(s.counters().overlaps_differing, 0U);
    ASSERT_EQ(budget.used(), 0U);
  }
}

}  // namespace
}  // namespace mieruka::sensor
