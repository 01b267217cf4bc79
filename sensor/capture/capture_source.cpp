// Capture sources over libpcap (see capture_source.hpp).
#include "sensor/capture/capture_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>

namespace mieruka::sensor {

using dissectors::LinkType;

std::optional<LinkType> link_type_from_dlt(int dlt) noexcept {
  switch (dlt) {
    case DLT_NULL: return LinkType::null_loopback;
    case DLT_EN10MB: return LinkType::ethernet;
    case 12:   // DLT_RAW on most systems
    case 14:   // DLT_RAW on OpenBSD
    case 101:  // LINKTYPE_RAW
      return LinkType::raw_ip;
    case 108: return LinkType::loop;
    case 113: return LinkType::linux_sll;
    case 105: return LinkType::ieee802_11;
    case 127: return LinkType::radiotap;
    case 228: return LinkType::ipv4;
    case 229: return LinkType::ipv6;
    case 276: return LinkType::linux_sll2;
    default: return std::nullopt;
  }
}

namespace {

// What a reader skipped: corrupt records, each reported once with its offset.
struct Damage {
  std::uint64_t skipped = 0, records = 0;
  std::vector<std::string> lines;
  bool changed = false;
  void add(std::string line, std::uint64_t bytes) {
    skipped += bytes;
    ++records;
    if (lines.size() < FileSource::kMaxReported) lines.push_back(std::move(line));
    changed = true;
  }
};

// Classic pcap (version 2.4, micro- or nanosecond, either byte order) read with
// block reads straight into one buffer: a record costs a header parse, where
// pcap_next_ex costs two stdio reads and a copy. libpcap still opens and checks
// every file (and reads pcapng and the older variants); this takes over the
// records of the common format and keeps libpcap's rules for them: a record
// larger than kMaxRecord is corrupt, one larger than the file's snapshot length
// is cut to it, and a file ending mid-record is truncated.
//
// Resynchronising: where libpcap gives up at a corrupt record, this goes on.
// Classic pcap has no framing (records are only chained by their lengths), so
// after a corrupt header it scans forward byte by byte, at most kResyncWindow
// bytes, for a header that could be a record: caplen within the snapshot length
// and the wire length, the wire length within kMaxRecord, the fraction of a
// second below one second, the time within a day of the last good record, and
// either the end of the file right after it or a next header that passes the
// same checks. Two chained plausible headers by chance in packet bytes are
// unlikely; a wrong guess costs a few bad records, which are reported too.
// When no header is found within the window the rest of the file is skipped.
class PcapRecords {
 public:
  static constexpr std::size_t kHeader = 24, kRecordHeader = 16;
  static constexpr std::uint32_t kMaxRecord = 262144;  // libpcap's MAXIMUM_SNAPLEN
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  static constexpr std::uint64_t kResyncWindow = std::uint64_t{64} << 20;
  static constexpr std::int64_t kMaxTimeJump = 86400;  // seconds

  // Recognises the file by its header; nullptr means "leave it to libpcap".
  // `start_at` > the header: continue at that offset (a whole record's start).
  static std::unique_ptr<PcapRecords> open(const std::string& path, std::uint64_t start_at, Damage* damage) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    std::unique_ptr<PcapRecords> r(new PcapRecords(fd));
    std::byte h[kHeader];
    if (!r->read_exact(h, kHeader)) return nullptr;
    const std::uint32_t magic = r->u32(h);
    if (magic == 0xa1b2c3d4U || magic == 0xa1b23c4dU) {
      r->swapped_ = false;
    } else if (magic == 0xd4c3b2a1U || magic == 0x4d3cb2a1U) {
      r->swapped_ = true;
    } else {
      return nullptr;
    }
    r->nanos_ = magic == 0xa1b23c4dU || magic == 0x4d3cb2a1U;
    if (r->u16(h + 4) != 2 || r->u16(h + 6) != 4) return nullptr;  // older layouts: libpcap's quirks apply
    const std::uint32_t snap = r->u32(h + 16);
    r->snapshot_ = snap == 0 || snap > kMaxRecord ? kMaxRecord : snap;
    r->buf_.reset(new (std::nothrow) std::byte[kBlock + 2 * kRecordHeader + kMaxRecord]);
    if (!r->buf_) return nullptr;
    r->damage_ = damage;
    r->base_ = kHeader;
    if (start_at > kHeader) {
      if (::lseek(r->fd_, static_cast<off_t>(start_at), SEEK_SET) < 0) return nullptr;
      r->base_ = start_at;
    }
    return r;
  }

  // The file offset of the next unread record.
  [[nodiscard]] std::uint64_t offset() const noexcept { return base_ + pos_; }

  ~PcapRecords() {
    if (fd_ >= 0) ::close(fd_);
  }
  PcapRecords(const PcapRecords&) = delete;
  PcapRecords& operator=(const PcapRecords&) = delete;

  enum class Next { packet, end, error };

  // The next record when it is already whole in the buffer (nearly every call):
  // a header parse and nothing else. False means "call next()".
  bool next_buffered(pcap_pkthdr& hdr, const u_char*& data) noexcept {
    const std::size_t avail = end_ - pos_;
    if (avail < kRecordHeader) return false;
    const std::byte* rh = buf_.get() + pos_;
    const std::uint32_t caplen = u32(rh + 8);
    if (caplen > kMaxRecord || avail - kRecordHeader < caplen) return false;
    set_header(rh, hdr);
    data = reinterpret_cast<const u_char*>(rh + kRecordHeader);
    pos_ += kRecordHeader + caplen;
    return true;
  }

  // The next record; on error `why` says what is wrong with the file.
  [[gnu::noinline]] Next next(pcap_pkthdr& hdr, const u_char*& data, std::string& why) {
    if (!fill(kRecordHeader)) {
      if (end_ == pos_ && !read_failed_) return Next::end;
      why = read_failed_ ? read_error_
                         : "truncated dump file; tried to read " + std::to_string(kRecordHeader) +
                               " header bytes, only got " + std::to_string(end_ - pos_);
      return Next::error;
    }
    std::uint32_t caplen = u32(buf_.get() + pos_ + 8);
    if (caplen > kMaxRecord) {
      if (!resync(caplen)) return read_failed_ ? (why = read_error_, Next::error) : Next::end;
      caplen = u32(buf_.get() + pos_ + 8);
    }
    if (!fill(kRecordHeader + caplen)) {
      why = read_failed_ ? read_error_
                         : "truncated dump file; tried to read " + std::to_string(caplen) +
                               " captured bytes, only got " + std::to_string(end_ - pos_ - kRecordHeader);
      return Next::error;
    }
    const std::byte* rh = buf_.get() + pos_;  // fill() may have moved the record
    set_header(rh, hdr);
    data = reinterpret_cast<const u_char*>(rh + kRecordHeader);
    pos_ += kRecordHeader + caplen;
    return Next::packet;
  }

 private:
  // The record header at `rh` as libpcap 1.10 reads it: signed 32-bit times in
  // the host's byte order, but its byte swap yields unsigned values (a swapped
  // file's time past 2038 stays positive, a native one's goes negative); a
  // record longer than the snapshot length is cut to it.
  void set_header(const std::byte* rh, pcap_pkthdr& hdr) noexcept {
    const std::int64_t sec = swapped_ ? std::int64_t{u32(rh)} : std::int64_t{static_cast<std::int32_t>(u32(rh))};
    const std::int64_t frac =
        swapped_ ? std::int64_t{u32(rh + 4)} : std::int64_t{static_cast<std::int32_t>(u32(rh + 4))};
    const std::uint32_t caplen = u32(rh + 8);
    hdr.ts.tv_sec = sec;
    hdr.ts.tv_usec = nanos_ ? frac / 1000 : frac;
    hdr.len = u32(rh + 12);
    hdr.caplen = caplen > snapshot_ ? snapshot_ : caplen;
    last_sec_ = u32(rh);
    seen_record_ = true;
  }

  explicit PcapRecords(int fd) : fd_(fd) {}

  // A header at `p` that could start a record (see "Resynchronising").
  [[nodiscard]] bool plausible(const std::byte* p) const noexcept {
    const std::uint32_t caplen = u32(p + 8), len = u32(p + 12), frac = u32(p + 4);
    if (caplen > snapshot_ || caplen > len || len > kMaxRecord) return false;
    if (frac >= (nanos_ ? 1'000'000'000U : 1'000'000U)) return false;
    if (!seen_record_) return true;
    const std::int64_t d = static_cast<std::int64_t>(u32(p)) - static_cast<std::int64_t>(last_sec_);
    return d <= kMaxTimeJump && d >= -kMaxTimeJump;
  }

  // Called at a header whose caplen no record can have: reports it and moves
  // pos_ to the next plausible record; false when none follows within the window
  // (the rest of the file is then skipped, and reported).
  bool resync(std::uint32_t caplen) {
    const std::uint64_t bad = offset();
    ++pos_;
    for (std::uint64_t scanned = 0; scanned < kResyncWindow; ++scanned, ++pos_) {
      fill(2 * kRecordHeader + kMaxRecord);  // as much as there is: false near the end is expected
      const std::size_t avail = end_ - pos_;
      if (avail < kRecordHeader) break;
      const std::byte* p = buf_.get() + pos_;
      if (!plausible(p)) continue;
      const std::size_t whole = kRecordHeader + u32(p + 8);
      const bool last = eof_ && avail == whole;
      if (!last && (avail < whole + kRecordHeader || !plausible(p + whole))) continue;
      damage_->add("corrupt record at offset " + std::to_string(bad) + " (captured length " + std::to_string(caplen) +
                       " > " + std::to_string(kMaxRecord) + "); " + std::to_string(offset() - bad) +
                       " bytes skipped to the next plausible record at offset " + std::to_string(offset()),
                   offset() - bad);
      return true;
    }
    struct stat st {};
    const std::uint64_t size = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : offset();
    const std::uint64_t lost = size > bad ? size - bad : 0;
    damage_->add("corrupt record at offset " + std::to_string(bad) + " (captured length " + std::to_string(caplen) +
                     " > " + std::to_string(kMaxRecord) + "); no plausible record follows within " +
                     std::to_string(kResyncWindow >> 20) + " MiB: the remaining " + std::to_string(lost) +
                     " bytes skipped",
                 lost);
    pos_ = end_ = 0;
    base_ = size > bad ? size : bad;  // offset(): read to the end
    eof_ = true;
    return false;
  }

  static std::uint32_t bswap(std::uint32_t v) noexcept { return __builtin_bswap32(v); }
  static std::uint16_t bswap(std::uint16_t v) noexcept { return __builtin_bswap16(v); }
  [[nodiscard]] std::uint32_t u32(const std::byte* p) const noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return swapped_ ? bswap(v) : v;
  }
  [[nodiscard]] std::uint16_t u16(const std::byte* p) const noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return swapped_ ? bswap(v) : v;
  }

  bool read_exact(std::byte* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, out + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }

  // Makes `n` bytes available at pos_ (n <= 2 * kRecordHeader + kMaxRecord),
  // moving the unread tail to the front and reading a block after it.
  bool fill(std::size_t n) {
    if (end_ - pos_ >= n) return true;
    if (eof_ || read_failed_) return false;
    const std::size_t left = end_ - pos_;
    if (left != 0 && pos_ != 0) std::memmove(buf_.get(), buf_.get() + pos_, left);
    base_ += pos_;
    pos_ = 0;
    end_ = left;
    const std::size_t cap = kBlock + 2 * kRecordHeader + kMaxRecord;
    while (end_ < n && !eof_) {
      const ssize_t r = ::read(fd_, buf_.get() + end_, cap - end_);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        read_failed_ = true;
        read_error_ = std::string("read error: ") + std::strerror(errno);
        return false;
      }
      if (r == 0) eof_ = true;
      end_ += static_cast<std::size_t>(r);
    }
    return end_ - pos_ >= n;
  }

  int fd_ = -1;
  bool swapped_ = false, nanos_ = false, eof_ = false, read_failed_ = false, seen_record_ = false;
  std::uint32_t snapshot_ = kMaxRecord, last_sec_ = 0;
  std::unique_ptr<std::byte[]> buf_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t base_ = 0;  // the file offset of buf_[0]
  Damage* damage_ = nullptr;
  std::string read_error_;
};

// pcapng framing (draft-ietf-opsawg-pcapng §3.1): every block starts with its
// type and total length and ends with the length again. libpcap reads the
// blocks; this only walks their frames, to continue a file from an offset and
// to resynchronise after a corrupt block. libpcap must see a section header and
// its interface descriptions before any packet, so a stream that starts
// mid-file is fed those blocks first (`prefix`), then the file from the offset.
class PcapngFrames {
 public:
  static constexpr std::uint32_t kShb = 0x0A0D0D0AU, kIdb = 1;
  static constexpr std::uint32_t kMaxBlock = 16U << 20;  // libpcap's largest block
  static constexpr std::size_t kMaxPrefix = 1U << 20;
  static constexpr std::uint64_t kResyncWindow = std::uint64_t{64} << 20;

  // The file is opened on first use (a resync, a continued read, a cut end):
  // a read of many whole files holds one descriptor each, libpcap's.
  PcapngFrames(std::string path, std::uint64_t size) : path_(std::move(path)), size_(size) {}
  ~PcapngFrames() {
    if (fd_ >= 0) ::close(fd_);
  }
  PcapngFrames(const PcapngFrames&) = delete;
  PcapngFrames& operator=(const PcapngFrames&) = delete;

  [[nodiscard]] static bool is_pcapng(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::uint32_t magic = 0;
    const bool yes = ::pread(fd, &magic, 4, 0) == 4 && magic == kShb;
    ::close(fd);
    return yes;
  }

  struct Block {
    std::uint32_t type = 0, length = 0;
  };
  // The block framed at `off`, when its two lengths agree and it fits the file.
  [[nodiscard]] std::optional<Block> block_at(std::uint64_t off) {
    std::uint32_t h[3];
    if (off + 12 > size_ || ::pread(fd(), h, 12, static_cast<off_t>(off)) != 12) return std::nullopt;
    // A section header carries its byte order (the magic 0x1A2B3C4D as written).
    const bool swapped = h[0] == kShb ? h[2] == 0x4D3C2B1AU : swapped_;
    auto get = [swapped](std::uint32_t v) { return swapped ? __builtin_bswap32(v) : v; };
    Block b{get(h[0]), get(h[1])};
    if (b.length < 12 || b.length % 4 != 0 || b.length > kMaxBlock || off + b.length > size_) return std::nullopt;
    std::uint32_t tail = 0;
    if (::pread(fd(), &tail, 4, static_cast<off_t>(off + b.length - 4)) != 4 || get(tail) != b.length)
      return std::nullopt;
    swapped_ = swapped;
    return b;
  }
  [[nodiscard]] static bool known(std::uint32_t type) noexcept {
    switch (type) {
      case kShb: case kIdb: case 2: case 3: case 4: case 5: case 6: case 9: case 10: case 0xBAD: case 0x40000BAD:
        return true;
      default:
        return false;
    }
  }
  [[nodiscard]] static bool is_packet(std::uint32_t type) noexcept { return type == 2 || type == 3 || type == 6; }

  // Walks whole blocks from `from`, keeping the section's header and interface
  // blocks in `prefix`. Stops before the block after `packets` packet blocks
  // (none: walk to the end) or at the first block that is not whole; returns
  // the offset where it stopped.
  std::uint64_t walk(std::uint64_t from, std::uint64_t packets = ~std::uint64_t{0},
                     std::uint64_t until = ~std::uint64_t{0}) {
    std::uint64_t off = from, seen = 0;
    while (off < size_ && off < until) {
      const auto b = block_at(off);
      if (!b) break;
      if (is_packet(b->type) && seen++ == packets) break;
      if (b->type == kShb) prefix.clear();
      if ((b->type == kShb || b->type == kIdb) && !keep(off, b->length)) break;
      off += b->length;
    }
    return off;
  }

  // The first block at or after `from` (4-byte steps, within kResyncWindow)
  // that is whole and of a known type, and that libpcap can read in this
  // section (a packet needs an interface); nullopt when none is found.
  std::optional<std::uint64_t> resync(std::uint64_t from) {
    constexpr std::size_t kChunk = 64 * 1024;
    std::vector<std::uint32_t> chunk(kChunk / 4);
    std::uint64_t chunk_at = 0, chunk_words = 0;
    for (std::uint64_t off = from; off + 12 <= size_ && off - from < kResyncWindow; off += 4) {
      // The type word from a buffered read: most offsets fail that test alone.
      if (chunk_words == 0 || off < chunk_at || off >= chunk_at + chunk_words * 4) {
        const ssize_t r = ::pread(fd(), chunk.data(), kChunk, static_cast<off_t>(off));
        if (r < 4) return std::nullopt;
        chunk_at = off;
        chunk_words = static_cast<std::uint64_t>(r) / 4;
      }
      const std::uint32_t word = chunk[(off - chunk_at) / 4];
      if (word != kShb && !known(get(word))) continue;
      const auto b = block_at(off);
      if (!b || !known(b->type)) continue;
      if (b->type != kShb && prefix.empty()) continue;
      if (is_packet(b->type) && !has_interface_) continue;
      return off;
    }
    return std::nullopt;
  }

  // A stdio stream of `prefix` then the file from `at`, for pcap_fopen_offline.
  FILE* stream_from(std::uint64_t at) {
    auto* c = new Cookie{at != 0 && !starts_section(at) ? prefix : std::vector<std::byte>{}, 0, ::dup(fd()), at};
    if (c->fd < 0) {
      delete c;
      return nullptr;
    }
    cookie_io_functions_t io{};
    io.read = [](void* v, char* buf, std::size_t n) -> ssize_t {
      auto* k = static_cast<Cookie*>(v);
      if (k->pos < k->prefix.size()) {
        const std::size_t m = std::min(n, k->prefix.size() - k->pos);
        std::memcpy(buf, k->prefix.data() + k->pos, m);
        k->pos += m;
        return static_cast<ssize_t>(m);
      }
      const ssize_t r = ::pread(k->fd, buf, n, static_cast<off_t>(k->off));
      if (r > 0) k->off += static_cast<std::uint64_t>(r);
      return r;
    };
    io.close = [](void* v) -> int {
      auto* k = static_cast<Cookie*>(v);
      ::close(k->fd);
      delete k;
      return 0;
    };
    FILE* f = ::fopencookie(c, "r", io);
    if (f == nullptr) io.close(c);
    return f;
  }

  std::vector<std::byte> prefix;

 private:
  struct Cookie {
    std::vector<std::byte> prefix;
    std::size_t pos;
    int fd;
    std::uint64_t off;
  };
  [[nodiscard]] std::uint32_t get(std::uint32_t v) const noexcept { return swapped_ ? __builtin_bswap32(v) : v; }
  bool starts_section(std::uint64_t at) {
    const auto b = block_at(at);
    return b && b->type == kShb;
  }
  bool keep(std::uint64_t off, std::uint32_t length) {
    if (prefix.size() + length > kMaxPrefix) return false;
    const std::size_t old = prefix.size();
    prefix.resize(old + length);
    if (::pread(fd(), prefix.data() + old, length, static_cast<off_t>(off)) != static_cast<ssize_t>(length)) {
      prefix.resize(old);
      return false;
    }
    has_interface_ = get(type_of(prefix.data() + old)) == kIdb;  // a section header starts with none
    return true;
  }
  static std::uint32_t type_of(const std::byte* p) noexcept {
    std::uint32_t t;
    std::memcpy(&t, p, 4);
    return t;
  }
  int fd() {
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    return fd_;  // -1 on failure: every pread then fails, and nothing is trusted
  }
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_;
  bool swapped_ = false, has_interface_ = false;
};

}  // namespace

struct FileSource::Reader {
  pcap_t* pcap = nullptr;                // libpcap reads the records: pcapng and older layouts
  std::unique_ptr<PcapRecords> records;  // or this reads them: classic pcap 2.4
  std::unique_ptr<PcapngFrames> frames;  // pcapng: where libpcap's stream starts, and resyncs
  std::uint64_t seg_start = 0;           // the file offset libpcap's current stream starts at
  std::uint64_t seg_packets = 0;         // packets libpcap handed out from there
  std::uint64_t resyncs = 0;
  bool gave_up = false;  // too many corrupt blocks: the rest was skipped
  Damage damage;
  LinkType link{};
  bool has_packet = false;
  bool done = false;
  pcap_pkthdr* hdr = nullptr;
  pcap_pkthdr own_hdr{};
  const u_char* data = nullptr;
  std::int64_t ts_us = 0;
  std::uint64_t bytes_read = 0;
  std::string why;  // what was wrong when the file ended in an error
  ~Reader() {
    if (pcap != nullptr) pcap_close(pcap);
  }
};

FileSource::~FileSource() = default;

std::unique_ptr<FileSource> FileSource::open(const std::vector<std::string>& paths, std::string& error) {
  return open(paths, std::vector<std::uint64_t>(paths.size(), 0), error);
}

namespace {

// libpcap on the stream of a pcapng file from `at` (see PcapngFrames).
pcap_t* open_pcapng_at(PcapngFrames& frames, std::uint64_t at, std::string& why) {
  FILE* f = frames.stream_from(at);
  if (f == nullptr) {
    why = std::strerror(errno);
    return nullptr;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == nullptr) {
    why = errbuf;
    std::fclose(f);
  }
  return p;
}

}  // namespace

std::unique_ptr<FileSource> FileSource::open(const std::vector<std::string>& paths,
                                             const std::vector<std::uint64_t>& start_at, std::string& error) {
  std::unique_ptr<FileSource> src(new FileSource());
  for (std::size_t n = 0; n < paths.size(); ++n) {
    const std::string& path = paths[n];
    const std::uint64_t start = n < start_at.size() ? start_at[n] : 0;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      error = path + ": " + std::strerror(errno) + " (check the path)";
      return nullptr;
    }
    if (S_ISDIR(st.st_mode)) {
      error = path + ": is a directory, not a capture file (give the .pcap/.pcapng files in it)";
      return nullptr;
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == nullptr) {
      std::string why = errbuf;
      if (why.find("unknown file format") != std::string::npos || why.find("truncated") != std::string::npos ||
          why.find("bad dump file format") != std::string::npos)
        error = path + ": not a pcap or pcapng capture (" + why + ")";
      else
        error = path + ": cannot open capture: " + why;
      return nullptr;
    }
    const int dlt = pcap_datalink(p);
    const auto link = link_type_from_dlt(dlt);
    FileInfo info;
    info.path = path;
    info.size = static_cast<std::uint64_t>(st.st_size);
    info.dlt = dlt;
    auto reader = std::make_unique<Reader>();
    if (link) reader->records = PcapRecords::open(path, start, &reader->damage);
    if (reader->records) {
      pcap_close(p);  // it checked the header; the records are read directly
      info.start_offset = info.read_to = start > PcapRecords::kHeader ? start : 0;
    } else {
      reader->pcap = p;
      if (PcapngFrames::is_pcapng(path)) reader->frames = std::make_unique<PcapngFrames>(path, info.size);
      if (reader->frames && start != 0) {
        // Continue where an earlier read stopped: the section's header and
        // interfaces first, then the blocks from there.
        if (reader->frames->walk(0, ~std::uint64_t{0}, start) != start) {
          error = path + ": cannot continue at offset " + std::to_string(start) +
                  ", which is not a block boundary (read it with --force to read it whole again)";
          return nullptr;
        }
        std::string why;
        pcap_t* q = open_pcapng_at(*reader->frames, start, why);
        if (q == nullptr) {
          error = path + ": cannot continue at offset " + std::to_string(start) + ": " + why +
                  " (read it with --force to read it whole again)";
          return nullptr;
        }
        pcap_close(p);
        reader->pcap = q;
        reader->seg_start = start;
        info.start_offset = info.read_to = start;
      }
    }
    if (!link) {
      const char* name = pcap_datalink_val_to_name(dlt);
      info.warning = path + ": link type " + std::to_string(dlt) + " (" + (name ? name : "unknown") +
                     ") is not decoded; file skipped";
      reader->done = true;
    } else {
      reader->link = *link;
    }
    src->readers_.push_back(std::move(reader));
    src->info_.push_back(std::move(info));
  }
  for (std::size_t i = 0; i < src->readers_.size(); ++i) src->advance(i);
  return src;
}

// Reads the next record of file i into its slot.
bool FileSource::advance(std::size_t i) {
  Reader& r = *readers_[i];
  r.has_packet = false;
  if (r.done) return false;
  int rc = 0;
  std::string& why = r.why;  // a member: no string built per packet
  if (r.records) {
    r.hdr = &r.own_hdr;
    rc = 1;
    if (!r.records->next_buffered(r.own_hdr, r.data)) {
      switch (r.records->next(r.own_hdr, r.data, why)) {
        case PcapRecords::Next::packet: break;
        case PcapRecords::Next::end: rc = PCAP_ERROR_BREAK; break;
        case PcapRecords::Next::error: rc = PCAP_ERROR; break;
      }
    }
    if (r.damage.changed) note_damage(i);
    if (rc != 1) info_[i].read_to = r.records->offset();
  } else {
    rc = pcap_next_ex(r.pcap, &r.hdr, &r.data);
    while (rc == PCAP_ERROR && r.frames && resync_pcapng(i)) rc = pcap_next_ex(r.pcap, &r.hdr, &r.data);
    if (r.gave_up) rc = PCAP_ERROR_BREAK;  // reported as corrupt, not as a cut file
    if (rc == PCAP_ERROR) why = pcap_geterr(r.pcap);
    if (rc == PCAP_ERROR_BREAK && r.frames) info_[i].read_to = info_[i].size;
    if (rc == PCAP_ERROR && r.frames) info_[i].read_to = r.frames->walk(r.seg_start);
  }
  if (rc == 1) {
    r.has_packet = true;
    r.ts_us = timeval_us(r.hdr->ts.tv_sec, r.hdr->ts.tv_usec);
    r.bytes_read += r.hdr->caplen + 16;
    ++r.seg_packets;
    ++info_[i].packets;
    return true;
  }
  r.done = true;
  if (rc == PCAP_ERROR) {
    // A record cut short ("truncated dump file") or garbage where a record header
    // should be: keep what was read, warn once.
    info_[i].truncated = true;
    info_[i].warning = info_[i].path + ": capture ends mid-record after " + std::to_string(info_[i].packets) +
                       " packets (" + why + "); read up to the cut";
  }
  return false;
}

void FileSource::note_damage(std::size_t i) {
  Reader& r = *readers_[i];
  FileInfo& f = info_[i];
  f.skipped_bytes = r.damage.skipped;
  f.corrupt_records = r.damage.records;
  f.corruptions.clear();
  for (const auto& line : r.damage.lines) f.corruptions.push_back(f.path + ": " + line);
  r.damage.changed = false;
}

// libpcap stopped at a corrupt pcapng block: find it (the first block after the
// packets libpcap handed out, or the first whose lengths disagree), report it,
// and restart libpcap at the next whole block of a known type. False when no
// such block follows (the file ends cut there) or the file has been
// resynchronised kMaxResyncs times (the rest is then skipped, and reported).
bool FileSource::resync_pcapng(std::size_t i) {
  constexpr std::uint64_t kMaxResyncs = 1000;
  Reader& r = *readers_[i];
  PcapngFrames& frames = *r.frames;
  const std::string why = pcap_geterr(r.pcap);
  const std::uint64_t bad = frames.walk(r.seg_start, r.seg_packets);
  const auto whole = frames.block_at(bad);
  std::uint64_t from = whole ? bad + whole->length : bad + 4;
  for (;;) {
    const auto next = frames.resync(from);
    if (!next) return false;  // nothing trustworthy follows: a cut file, reported as such
    if (++r.resyncs > kMaxResyncs) {
      r.damage.add("corrupt block at offset " + std::to_string(bad) + " (" + why + "); more than " +
                       std::to_string(kMaxResyncs) + " corrupt blocks: the remaining " +
                       std::to_string(info_[i].size - bad) + " bytes skipped",
                   info_[i].size - bad);
      note_damage(i);
      r.gave_up = true;
      return false;
    }
    std::string ignored;
    pcap_t* p = open_pcapng_at(frames, *next, ignored);
    const auto link = p != nullptr ? link_type_from_dlt(pcap_datalink(p)) : std::nullopt;
    if (!link) {  // libpcap refuses to start there, or a section we do not decode: on to the next
      if (p != nullptr) pcap_close(p);
      from = *next + 4;
      continue;
    }
    r.damage.add("corrupt block at offset " + std::to_string(bad) + " (" + why + "); " +
                     std::to_string(*next - bad) + " bytes skipped to the next whole block at offset " +
                     std::to_string(*next),
                 *next - bad);
    note_damage(i);
    pcap_close(r.pcap);
    r.pcap = p;
    r.seg_start = *next;
    r.seg_packets = 0;
    r.link = *link;
    return true;
  }
}

bool FileSource::next(RawPacket& out) {
  // Refill the reader whose packet was handed out last time.
  if (current_ != static_cast<std::size_t>(-1)) advance(current_);
  std::size_t best = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < readers_.size(); ++i) {
    const Reader& r = *readers_[i];
    if (!r.has_packet) continue;
    if (best == static_cast<std::size_t>(-1) || r.ts_us < readers_[best]->ts_us) best = i;
  }
  current_ = best;
  if (best == static_cast<std::size_t>(-1)) return false;
  const Reader& r = *readers_[best];
  out.link = r.link;
  out.ts_us = r.ts_us;
  out.wire_len = r.hdr->len;
  out.data = Bytes(reinterpret_cast<const std::byte*>(r.data), r.hdr->caplen);
  out.source_index = best;
  return true;
}

std::uint64_t FileSource::total_bytes() const noexcept {
  std::uint64_t t = 0;
  for (const auto& f : info_) t += f.size;
  return t;
}

std::uint64_t FileSource::bytes_done() const noexcept {
  std::uint64_t t = 0;
  for (const auto& r : readers_) t += r->bytes_read;
  return t;
}

// --- live ---------------------------------------------------------------------

LiveSource::~LiveSource() {
  if (pcap_ != nullptr) pcap_close(pcap_);
}

std::unique_ptr<LiveSource> LiveSource::open(const LiveOptions& opt, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(opt.interface.c_str(), errbuf);
  if (p == nullptr) {
    error = opt.interface + ": cannot open interface: " + errbuf;
    return nullptr;
  }
  std::unique_ptr<LiveSource> src(new LiveSource());
  src->pcap_ = p;
  src->timeout_ms_ = opt.timeout_ms;
  pcap_set_snaplen(p, opt.snaplen);
  pcap_set_promisc(p, 1);
  // Not immediate mode: libpcap then falls back to TPACKET_V2's fixed-size
  // frames. TPACKET_V3 fills variable-size blocks and hands a block over when it
  // is full or after the timeout, so the same buffer holds more packets and a
  // wakeup delivers many (a sensor can wait 200 ms; it must not drop).
  pcap_set_timeout(p, opt.timeout_ms);
  pcap_set_buffer_size(p, opt.buffer_mb * 1024 * 1024);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    std::string why = pcap_geterr(p);
    if (rc == PCAP_ERROR_PERM_DENIED)
      why += " (run as root or give the binary CAP_NET_RAW: setcap cap_net_raw+ep mieruka)";
    else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
      why += " (check the interface name with `ip link`)";
    error = opt.interface + ": cannot start capture: " + why;
    return nullptr;
  }
  // A SPAN port delivers mirrored traffic as incoming; keep both directions so a
  // capture on an ordinary interface (for testing) sees the whole conversation.
  pcap_setdirection(p, PCAP_D_INOUT);
  const auto link = link_type_from_dlt(pcap_datalink(p));
  if (!link) {
    error = opt.interface + ": link type " + std::to_string(pcap_datalink(p)) + " is not decoded";
    return nullptr;
  }
  src->link_ = *link;
  if (!opt.filter.empty()) {
    bpf_program prog{};
    if (pcap_compile(p, &prog, opt.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      error = "--filter '" + opt.filter + "': " + pcap_geterr(p) + " (see pcap-filter(7))";
      return nullptr;
    }
    const int frc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (frc != 0) {
      error = "--filter '" + opt.filter + "': " + pcap_geterr(p);
      return nullptr;
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    error = opt.interface + ": cannot set non-blocking mode: " + errbuf;
    return nullptr;
  }
  src->fd_ = pcap_get_selectable_fd(p);
  return src;
}

int LiveSource::wait_readable() const {
  if (fd_ < 0) return 1;
  pollfd pfd{fd_, POLLIN, 0};
  const int rc = ::poll(&pfd, 1, timeout_ms_);
  if (rc < 0) return errno == EINTR ? 0 : -1;
  // TPACKET_V3 rings may hold packets without waking poll before the block timeout:
  // always try a non-blocking dispatch.
  return 1;
}

LiveStats LiveSource::stats() const {
  LiveStats s;
  pcap_stat ps{};
  if (pcap_stats(pcap_, &ps) == 0) {
    s.received = ps.ps_recv;
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
  }
  return s;
}

std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::uint64_t from, std::uint64_t len) {
    std::vector<char> buf(len);
    in.seekg(static_cast<std::streamoff>(from));
    in.read(buf.data(), static_cast<std::streamsize>(len));
    for (char c : buf) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  };
  const std::uint64_t chunk = 1 << 20;
  mix(0, size < chunk ? size : chunk);
  if (size > chunk) mix(size - chunk, chunk);
  char out[48];
  std::snprintf(out, sizeof out, "%016llx-%llu", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(size));
  return out;
}

std::string head_fingerprint(const std::string& path, std::uint64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::vector<unsigned char> buf(length);
  std::uint64_t got = 0;
  while (got < length) {
    const ssize_t r = ::pread(fd, buf.data() + got, length - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::uint64_t>(r);
  }
  ::close(fd);
  if (got < length) return {};
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : buf) h = (h ^ c) * 1099511628211ULL;
  char out[48];
  std::snprintf(out, sizeof out, "%016llx-%llu", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(length));
  return out;
}

}  // namespace mieruka::sensor
