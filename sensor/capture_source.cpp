// Capture sources over libpcap (see capture_source.hpp).
#include "sensor/capture_source.hpp"

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

// Classic pcap (version 2.4, micro- or nanosecond, either byte order) read with
// block reads straight into one buffer: a record costs a header parse, where
// pcap_next_ex costs two stdio reads and a copy. libpcap still opens and checks
// every file (and reads pcapng and the older variants); this takes over the
// records of the common format and keeps libpcap's rules for them: a record
// larger than kMaxRecord is corrupt, one larger than the file's snapshot length
// is cut to it, and a file ending mid-record is truncated.
class PcapRecords {
 public:
  static constexpr std::size_t kHeader = 24, kRecordHeader = 16;
  static constexpr std::uint32_t kMaxRecord = 262144;  // libpcap's MAXIMUM_SNAPLEN
  static constexpr std::size_t kBlock = std::size_t{1} << 20;

  // Recognises the file by its header; nullptr means "leave it to libpcap".
  static std::unique_ptr<PcapRecords> open(const std::string& path) {
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
    r->buf_.reset(new (std::nothrow) std::byte[kBlock + kRecordHeader + kMaxRecord]);
    if (!r->buf_) return nullptr;
    return r;
  }

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
    const std::uint32_t caplen = u32(buf_.get() + pos_ + 8);
    if (caplen > kMaxRecord) {
      why = "invalid packet capture length " + std::to_string(caplen) + ", bigger than maximum of " +
            std::to_string(kMaxRecord);
      return Next::error;
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
  void set_header(const std::byte* rh, pcap_pkthdr& hdr) const noexcept {
    const std::int64_t sec = swapped_ ? std::int64_t{u32(rh)} : std::int64_t{static_cast<std::int32_t>(u32(rh))};
    const std::int64_t frac =
        swapped_ ? std::int64_t{u32(rh + 4)} : std::int64_t{static_cast<std::int32_t>(u32(rh + 4))};
    const std::uint32_t caplen = u32(rh + 8);
    hdr.ts.tv_sec = sec;
    hdr.ts.tv_usec = nanos_ ? frac / 1000 : frac;
    hdr.len = u32(rh + 12);
    hdr.caplen = caplen > snapshot_ ? snapshot_ : caplen;
  }

  explicit PcapRecords(int fd) : fd_(fd) {}

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

  // Makes `n` bytes available at pos_ (n <= kRecordHeader + kMaxRecord), moving
  // the unread tail to the front and reading a block after it.
  bool fill(std::size_t n) {
    if (end_ - pos_ >= n) return true;
    if (eof_ || read_failed_) return false;
    const std::size_t left = end_ - pos_;
    if (left != 0 && pos_ != 0) std::memmove(buf_.get(), buf_.get() + pos_, left);
    pos_ = 0;
    end_ = left;
    const std::size_t cap = kBlock + kRecordHeader + kMaxRecord;
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
  bool swapped_ = false, nanos_ = false, eof_ = false, read_failed_ = false;
  std::uint32_t snapshot_ = kMaxRecord;
  std::unique_ptr<std::byte[]> buf_;
  std::size_t pos_ = 0, end_ = 0;
  std::string read_error_;
};

}  // namespace

struct FileSource::Reader {
  pcap_t* pcap = nullptr;                // libpcap reads the records: pcapng and older layouts
  std::unique_ptr<PcapRecords> records;  // or this reads them: classic pcap 2.4
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
  std::unique_ptr<FileSource> src(new FileSource());
  for (const auto& path : paths) {
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
    if (link) reader->records = PcapRecords::open(path);
    if (reader->records) {
      pcap_close(p);  // it checked the header; the records are read directly
    } else {
      reader->pcap = p;
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
  } else {
    rc = pcap_next_ex(r.pcap, &r.hdr, &r.data);
    if (rc == PCAP_ERROR) why = pcap_geterr(r.pcap);
  }
  if (rc == 1) {
    r.has_packet = true;
    r.ts_us = timeval_us(r.hdr->ts.tv_sec, r.hdr->ts.tv_usec);
    r.bytes_read += r.hdr->caplen + 16;
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

}  // namespace mieruka::sensor
