// Capture sources over libpcap (see capture_source.hpp).
#include "sensor/capture_source.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

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

struct FileSource::Reader {
  pcap_t* pcap = nullptr;
  LinkType link{};
  bool has_packet = false;
  bool done = false;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  std::int64_t ts_us = 0;
  std::uint64_t bytes_read = 0;
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
    reader->pcap = p;
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
  const int rc = pcap_next_ex(r.pcap, &r.hdr, &r.data);
  if (rc == 1) {
    r.has_packet = true;
    r.ts_us = static_cast<std::int64_t>(r.hdr->ts.tv_sec) * 1000000 + r.hdr->ts.tv_usec;
    r.bytes_read += r.hdr->caplen + 16;
    ++info_[i].packets;
    return true;
  }
  r.done = true;
  if (rc == PCAP_ERROR) {
    // libpcap reports a record cut short ("truncated dump file") or garbage where a
    // record header should be: keep what was read, warn once.
    info_[i].truncated = true;
    info_[i].warning = info_[i].path + ": capture ends mid-record after " + std::to_string(info_[i].packets) +
                       " packets (" + pcap_geterr(r.pcap) + "); read up to the cut";
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
  pcap_set_immediate_mode(p, 1);
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
