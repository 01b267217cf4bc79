// FileSource reads classic pcap 2.4 records itself (block reads, no stdio) and
// leaves pcapng and older layouts to libpcap. Every case here is checked against
// libpcap's own reading of the same file, plus the values the file was built with.
#include "sensor/capture/capture_source.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/pcap_compare.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;

struct Record {
  std::uint32_t sec = 0, frac = 0, caplen = 0, len = 0;
  std::vector<std::uint8_t> data;
};

struct FileSpec {
  bool big_endian = false;
  bool nanos = false;
  std::uint16_t major = 2, minor = 4;
  std::uint32_t snaplen = 65535;
  std::uint32_t linktype = 1;  // Ethernet
};

class PcapFile {
 public:
  explicit PcapFile(FileSpec spec) : spec_(spec) {
    u32(spec.nanos ? 0xa1b23c4dU : 0xa1b2c3d4U);  // magic, in the file's byte order
    u16(spec.major);
    u16(spec.minor);
    u32(0);  // thiszone
    u32(0);  // sigfigs
    u32(spec.snaplen);
    u32(spec.linktype);
  }
  PcapFile& add(const Record& r) {
    u32(r.sec);
    u32(r.frac);
    u32(r.caplen);
    u32(r.len);
    bytes_.insert(bytes_.end(), r.data.begin(), r.data.end());
    return *this;
  }
  // A record whose data is `n` bytes of a pattern (caplen = len = n).
  PcapFile& frame(std::uint32_t sec, std::uint32_t frac, std::uint32_t n) {
    Record r{sec, frac, n, n, {}};
    for (std::uint32_t i = 0; i < n; ++i) r.data.push_back(static_cast<std::uint8_t>(i * 7 + sec));
    return add(r);
  }
  PcapFile& cut(std::size_t drop) {
    bytes_.resize(bytes_.size() - drop);
    return *this;
  }
  std::string write(const std::string& name) const {
    const std::string path = (fs::path(::testing::TempDir()) / name).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes_.data()),
                                                 static_cast<std::streamsize>(bytes_.size()));
    return path;
  }

 private:
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes_.push_back(static_cast<std::uint8_t>(spec_.big_endian ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
  void u16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i)
      bytes_.push_back(static_cast<std::uint8_t>(spec_.big_endian ? v >> (8 - 8 * i) : v >> (8 * i)));
  }
  FileSpec spec_;
  std::vector<std::uint8_t> bytes_;
};

// pcapng (draft-ietf-opsawg-pcapng): a section header, one Ethernet interface
// (microsecond times), then enhanced packet blocks; little-endian.
class PcapngFile {
 public:
  PcapngFile() {
    block(0x0A0D0D0AU, {0x1A2B3C4DU, 0x00000001U, 0xFFFFFFFFU, 0xFFFFFFFFU});  // magic, v1.0, length unknown
    block(1, {0x00000001U, 65535});                                           // LINKTYPE_ETHERNET, snaplen
  }
  PcapngFile& packet(std::uint64_t ts_us, std::uint32_t n) {
    starts_.push_back(bytes_.size());
    std::vector<std::uint32_t> body = {0, static_cast<std::uint32_t>(ts_us >> 32), static_cast<std::uint32_t>(ts_us), n,
                                       n};
    std::vector<std::uint8_t> data(n);
    for (std::uint32_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 13 + ts_us);
    data.resize((n + 3) / 4 * 4);
    for (std::size_t i = 0; i < data.size(); i += 4)
      body.push_back(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | static_cast<std::uint32_t>(data[i + 3]) << 24);
    block(6, body);
    return *this;
  }
  // Overwrites the 32-bit word at byte `at` of packet block `k`.
  PcapngFile& poke(std::size_t k, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_[starts_[k] + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    return *this;
  }
  [[nodiscard]] std::size_t start_of(std::size_t k) const { return starts_[k]; }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  PcapngFile& cut(std::size_t drop) {
    bytes_.resize(bytes_.size() - drop);
    return *this;
  }
  std::string write(const std::string& name) const {
    const std::string path = (fs::path(::testing::TempDir()) / name).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes_.data()),
                                                 static_cast<std::streamsize>(bytes_.size()));
    return path;
  }

 private:
  void word(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void block(std::uint32_t type, const std::vector<std::uint32_t>& body) {
    const auto len = static_cast<std::uint32_t>(12 + 4 * body.size());
    word(type);
    word(len);
    for (auto w : body) word(w);
    word(len);
  }
  std::vector<std::uint8_t> bytes_;
  std::vector<std::size_t> starts_;
};

// A record with its bytes copied: RawPacket::data is only valid until the next
// call to next() (and not after the source is gone).
struct ReadPacket {
  dissectors::LinkType link{};
  std::int64_t ts_us = 0;
  std::uint32_t wire_len = 0;
  std::vector<std::byte> data;
};

std::vector<ReadPacket> read_all(const std::string& path, FileSource::FileInfo* info = nullptr) {
  std::string error;
  auto src = FileSource::open({path}, error);
  EXPECT_TRUE(src) << error;
  std::vector<ReadPacket> out;
  if (!src) return out;
  RawPacket p;
  while (src->next(p)) out.push_back({p.link, p.ts_us, p.wire_len, {p.data.begin(), p.data.end()}});
  if (info != nullptr) *info = src->files()[0];
  return out;
}

TEST(FileSource, MicrosecondLittleEndianRecordsAsWritten) {
  const auto path = PcapFile({}).frame(100, 5, 60).frame(100, 999999, 1514).frame(101, 0, 42).write("us_le.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  const auto pk = read_all(path, &info);
  ASSERT_EQ(pk.size(), 3u);
  EXPECT_EQ(pk[0].ts_us, 100'000'005);
  EXPECT_EQ(pk[1].ts_us, 100'999'999);
  EXPECT_EQ(pk[1].wire_len, 1514u);
  EXPECT_EQ(pk[1].data.size(), 1514u);
  EXPECT_EQ(std::to_integer<int>(pk[1].data[1]), (1 * 7 + 100) & 0xff);
  EXPECT_EQ(pk[2].link, dissectors::LinkType::ethernet);
  EXPECT_FALSE(info.truncated);
  EXPECT_EQ(info.packets, 3u);
}

TEST(FileSource, NanosecondBigEndianScaledToMicroseconds) {
  const auto path = PcapFile({.big_endian = true, .nanos = true}).frame(7, 123456789, 64).write("ns_be.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  const auto pk = read_all(path);
  ASSERT_EQ(pk.size(), 1u);
  EXPECT_EQ(pk[0].ts_us, 7'123'456);
}

// libpcap 1.10 reads the time fields as signed in the host's byte order (the
// default PcapFile here: little-endian, as on x86) but
// unsigned when it swaps them: the reader must give the same values.
TEST(FileSource, TimeFieldsPastInt32AgreeWithLibpcap) {
  const auto native = PcapFile({}).frame(0xffffffffU, 0x9cfc8652U, 60).frame(0x80000000U, 5, 60).write("ts_native.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(native), "");
  EXPECT_EQ(read_all(native)[0].ts_us, -1'000'000 - 1'661'172'142);
  const auto swapped =
      PcapFile({.big_endian = true, .nanos = true}).frame(0xffffffffU, 123456789, 42).write("ts_swapped.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(swapped), "");
  EXPECT_EQ(read_all(swapped)[0].ts_us, 4'294'967'295'123'456);
}

TEST(FileSource, FileCutMidHeaderKeepsEveryWholeRecord) {
  const auto path = PcapFile({}).frame(1, 0, 60).frame(2, 0, 60).frame(3, 0, 60).cut(60 + 6).write("cut_hdr.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  EXPECT_EQ(read_all(path, &info).size(), 2u);
  EXPECT_TRUE(info.truncated);
  EXPECT_NE(info.warning.find("mid-record after 2 packets"), std::string::npos) << info.warning;
}

TEST(FileSource, FileCutMidDataKeepsEveryWholeRecord) {
  const auto path = PcapFile({}).frame(1, 0, 60).frame(2, 0, 600).cut(100).write("cut_data.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  EXPECT_EQ(read_all(path, &info).size(), 1u);
  EXPECT_TRUE(info.truncated);
}

TEST(FileSource, HeaderOnlyFileIsEmptyNotTruncated) {
  const auto path = PcapFile({}).write("empty.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  EXPECT_TRUE(read_all(path, &info).empty());
  EXPECT_FALSE(info.truncated);
}

TEST(FileSource, RecordAboveTheMaximumIsCorruptAndSkipped) {
  Record huge{5, 0, 300000, 300000, std::vector<std::uint8_t>(300000, 0xab)};
  const auto path = PcapFile({}).frame(1, 0, 60).add(huge).frame(9, 0, 60).write("huge.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  EXPECT_EQ(read_all(path, &info).size(), 2u);
  EXPECT_FALSE(info.truncated);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(info.skipped_bytes, 16u + 300000u);
}

// A header with caplen 0xFFFFFFF0 and junk after it, in the middle of a file:
// reported with its offset, and every record after it read (libpcap stops there).
TEST(FileSource, HugeCaplenMidFileIsReportedAndTheRestRead) {
  PcapFile f({});
  for (std::uint32_t i = 0; i < 10; ++i) f.frame(1000 + i, i, 60 + i);
  const std::size_t bad = 24 + 10 * 16 + (60 * 10 + 45);
  f.add({1010, 0, 0xFFFFFFF0U, 0xFFFFFFF0U, std::vector<std::uint8_t>(37, 0xff)});
  for (std::uint32_t i = 0; i < 4553; ++i) f.frame(1011 + i / 100, i % 1000, 60 + i % 200);
  const auto path = f.write("huge_caplen_mid.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  const auto pk = read_all(path, &info);
  EXPECT_EQ(pk.size(), 10u + 4553u);
  EXPECT_FALSE(info.truncated);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(info.skipped_bytes, 16u + 37u);
  ASSERT_EQ(info.corruptions.size(), 1u);
  EXPECT_NE(info.corruptions[0].find("corrupt record at offset " + std::to_string(bad)), std::string::npos)
      << info.corruptions[0];
  EXPECT_EQ(info.read_to, fs::file_size(path));
}

// A corrupt header with nothing trustworthy after it: the rest is skipped, and said so.
TEST(FileSource, CorruptTailIsSkippedAndReported) {
  PcapFile f({});
  f.frame(1, 0, 60).add({2, 0, 0xFFFFFFF0U, 60, std::vector<std::uint8_t>(500, 0xff)});
  const auto path = f.write("corrupt_tail.pcap");
  FileSource::FileInfo info;
  EXPECT_EQ(read_all(path, &info).size(), 1u);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(info.skipped_bytes, 516u);
  EXPECT_EQ(info.read_to, fs::file_size(path));
}

TEST(FileSource, RecordAboveTheSnapshotLengthAgreesWithLibpcap) {
  Record over{5, 0, 200, 200, std::vector<std::uint8_t>(200, 0x11)};
  const auto path = PcapFile({.snaplen = 128}).frame(1, 0, 60).add(over).frame(9, 0, 60).write("oversnap.pcap");
  std::uint64_t n = 0;
  EXPECT_EQ(testing::compare_with_libpcap(path, &n), "");
  EXPECT_GE(n, 1u);
}

TEST(FileSource, CaplenAboveWireLengthAgreesWithLibpcap) {
  Record odd{5, 0, 100, 60, std::vector<std::uint8_t>(100, 0x22)};
  const auto path = PcapFile({}).add(odd).write("caplen_gt_len.pcap");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
}

TEST(FileSource, OlderLayoutIsLeftToLibpcap) {
  const auto path = PcapFile({.minor = 3}).frame(1, 0, 60).frame(2, 0, 70).write("v23.pcap");
  std::uint64_t n = 0;
  EXPECT_EQ(testing::compare_with_libpcap(path, &n), "");
  EXPECT_EQ(n, 2u);
}

TEST(FileSource, RecordsAcrossBlockBoundaries) {
  // ~5 MiB of records of odd sizes: several refills, records straddling each edge.
  PcapFile f({});
  std::uint32_t sizes[] = {1514, 60, 9000, 333, 65535, 1};
  for (std::uint32_t i = 0; i < 600; ++i) f.frame(1000 + i, i, sizes[i % 6]);
  const auto path = f.write("blocks.pcap");
  std::uint64_t n = 0;
  EXPECT_EQ(testing::compare_with_libpcap(path, &n), "");
  EXPECT_EQ(n, 600u);
}

TEST(FileSource, TwoFilesMergeInTimeOrder) {
  const auto a = PcapFile({}).frame(1, 0, 60).frame(3, 0, 60).write("merge_a.pcap");
  const auto b = PcapFile({.big_endian = true}).frame(2, 0, 60).frame(4, 0, 60).write("merge_b.pcap");
  std::string error;
  auto src = FileSource::open({a, b}, error);
  ASSERT_TRUE(src) << error;
  std::vector<std::int64_t> ts;
  std::vector<std::size_t> from;
  RawPacket p;
  while (src->next(p)) {
    ts.push_back(p.ts_us / 1000000);
    from.push_back(p.source_index);
  }
  EXPECT_EQ(ts, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(from, (std::vector<std::size_t>{0, 1, 0, 1}));
}

// Every public capture (pcap and pcapng) and every capture the project ships
// reads the same through FileSource as through libpcap.
TEST(FileSource, EveryBundledAndPublicCaptureAgreesWithLibpcap) {
  std::size_t files = 0;
  for (const char* dir : {MIERUKA_SHARED_PCAPS, MIERUKA_SOURCE_DIR "/pcaps"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const auto ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".pcap" && ext != ".pcapng" && ext != ".cap")) continue;
      ++files;
      EXPECT_EQ(testing::compare_with_libpcap(e.path().string()), "") << e.path();
    }
  }
  EXPECT_GT(files, 10u);
}

// A pcapng block whose leading length is 0xFFFFFFF0: libpcap stops; FileSource
// reports the block's offset and goes on at the next block whose two lengths agree.
TEST(FileSource, PcapngBlockWithHugeLengthIsSkipped) {
  PcapngFile f;
  for (std::uint32_t i = 0; i < 50; ++i) f.packet(1'700'000'000'000'000ULL + i * 1000, 60 + i);
  f.poke(20, 4, 0xFFFFFFF0U);
  const auto path = f.write("huge_block.pcapng");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  const auto pk = read_all(path, &info);
  ASSERT_EQ(pk.size(), 49u);
  EXPECT_EQ(pk[20].ts_us, 1'700'000'000'000'000LL + 21 * 1000);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(info.skipped_bytes, f.start_of(21) - f.start_of(20));
  ASSERT_EQ(info.corruptions.size(), 1u);
  EXPECT_NE(info.corruptions[0].find("offset " + std::to_string(f.start_of(20))), std::string::npos)
      << info.corruptions[0];
  EXPECT_EQ(info.read_to, fs::file_size(path));
}

// A packet block whose own lengths agree but whose captured length (0xFFFFFFF0)
// is more than the block holds: that block alone is skipped.
TEST(FileSource, PcapngPacketWithHugeCaplenIsSkipped) {
  PcapngFile f;
  for (std::uint32_t i = 0; i < 30; ++i) f.packet(1'700'000'000'000'000ULL + i * 1000, 60);
  f.poke(10, 20, 0xFFFFFFF0U);
  const auto path = f.write("huge_caplen.pcapng");
  EXPECT_EQ(testing::compare_with_libpcap(path), "");
  FileSource::FileInfo info;
  EXPECT_EQ(read_all(path, &info).size(), 29u);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(info.skipped_bytes, f.start_of(11) - f.start_of(10));
}

// Garbage over the middle of a pcapng file (a disk error, a bad copy): the
// blocks it hit are skipped, the rest read.
TEST(FileSource, PcapngGarbageMidFileIsSkipped) {
  PcapngFile f;
  for (std::uint32_t i = 0; i < 40; ++i) f.packet(1'700'000'000'000'000ULL + i * 1000, 100);
  for (std::size_t at = 8; at < 300; at += 4) f.poke(10, at, 0xdeadbeefU);  // blocks 10 to 12 (128 bytes each)
  const auto path = f.write("garbage.pcapng");
  FileSource::FileInfo info;
  const auto pk = read_all(path, &info);
  EXPECT_EQ(info.corrupt_records, 1u);
  EXPECT_EQ(pk.size(), 40u - 3u);
}

// A capture still being written: read what is there, then the same file grown
// from the offset the first read stopped at; every packet is read once.
TEST(FileSource, GrowingPcapContinuesAtTheLastWholeRecord) {
  PcapFile whole({});
  for (std::uint32_t i = 0; i < 20; ++i) whole.frame(100 + i, i, 60 + i);
  PcapFile part = whole;
  part.cut(30);  // the last record half written
  const auto path = part.write("growing.pcap");
  FileSource::FileInfo first;
  EXPECT_EQ(read_all(path, &first).size(), 19u);
  EXPECT_TRUE(first.truncated);
  (void)whole.frame(200, 0, 70).write("growing.pcap");
  std::string error;
  auto src = FileSource::open({path}, {first.read_to}, error);
  ASSERT_TRUE(src) << error;
  std::vector<std::int64_t> ts;
  RawPacket p;
  while (src->next(p)) ts.push_back(p.ts_us);
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0], 119'000'019);
  EXPECT_EQ(ts[1], 200'000'000);
  EXPECT_EQ(src->files()[0].read_to, fs::file_size(path));
}

TEST(FileSource, GrowingPcapngContinuesAtTheLastWholeBlock) {
  PcapngFile f;
  for (std::uint32_t i = 0; i < 20; ++i) f.packet(1'700'000'000'000'000ULL + i, 60);
  PcapngFile part = f;
  part.cut(10);
  const auto path = part.write("growing.pcapng");
  FileSource::FileInfo first;
  EXPECT_EQ(read_all(path, &first).size(), 19u);
  EXPECT_EQ(first.read_to, f.start_of(19));
  (void)f.packet(1'700'000'000'000'100ULL, 80).write("growing.pcapng");
  std::string error;
  auto src = FileSource::open({path}, {first.read_to}, error);
  ASSERT_TRUE(src) << error;
  std::vector<std::int64_t> ts;
  RawPacket p;
  while (src->next(p)) ts.push_back(p.ts_us);
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0], 1'700'000'000'000'019LL);
  EXPECT_EQ(ts[1], 1'700'000'000'000'100LL);
  EXPECT_EQ(src->files()[0].read_to, fs::file_size(path));
}

}  // namespace
}  // namespace mieruka::sensor
