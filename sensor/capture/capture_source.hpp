// Capture sources: stored pcap/pcapng files (several, merged in time order) and
// live interfaces, both through libpcap. The sensor is passive: a live source is
// opened promiscuous and read-only; nothing is ever injected.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dissectors/byte_reader.hpp"
#include "dissectors/packet.hpp"

namespace mieruka::sensor {

struct RawPacket {
  dissectors::LinkType link{};
  std::int64_t ts_us = 0;
  std::uint32_t wire_len = 0;
  Bytes data{};  // valid until the next call to next()
  std::size_t source_index = 0;  // which file / interface
};

// A record's time in microseconds, saturated: a hostile pcapng time resolution
// can put seconds far past what microseconds in 64 bits hold.
[[nodiscard]] inline std::int64_t timeval_us(std::int64_t sec, std::int64_t usec) noexcept {
  constexpr std::int64_t kLimit = 9'223'372'036'854'775'807 / 1'000'000 - 10'000;
  if (sec > kLimit) sec = kLimit;
  if (sec < -kLimit) sec = -kLimit;
  return sec * 1'000'000 + usec;
}

// libpcap DLT value -> our LinkType, or nullopt when we do not decode it.
[[nodiscard]] std::optional<dissectors::LinkType> link_type_from_dlt(int dlt) noexcept;

// Several capture files read as one stream in timestamp order (k-way merge).
class FileSource {
 public:
  struct FileInfo {
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t packets = 0;
    int dlt = -1;
    bool truncated = false;    // the file ends mid-record (recorder crashed / still writing)
    std::string warning;       // one line, for the log
    // Corrupt records or blocks (a length no record can have, a block whose two
    // lengths disagree): each is reported with its offset in `corruptions`, and
    // reading goes on at the next record that can be trusted (see
    // capture_source.cpp, "Resynchronising"); `skipped_bytes` were not read.
    std::uint64_t skipped_bytes = 0;
    std::vector<std::string> corruptions;  // one line each, at most kMaxReported
    std::uint64_t corrupt_records = 0;
    // Where reading started, and the end of the last whole record or block read:
    // a later read of the same, grown file continues from there.
    std::uint64_t start_offset = 0;
    std::uint64_t read_to = 0;
  };
  static constexpr std::size_t kMaxReported = 20;

  // Opens every file; on failure `error` is one line naming the file and the problem
  // (not a capture, unreadable, unsupported link type) and nothing is returned.
  static std::unique_ptr<FileSource> open(const std::vector<std::string>& paths, std::string& error);
  // The same, starting each file at the offset given (0: the beginning; else
  // the read_to of an earlier read of the same file, which ends a whole record).
  static std::unique_ptr<FileSource> open(const std::vector<std::string>& paths,
                                          const std::vector<std::uint64_t>& start_at, std::string& error);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // The next packet in time order, or false at the end of all files.
  bool next(RawPacket& out);

  [[nodiscard]] const std::vector<FileInfo>& files() const noexcept { return info_; }
  [[nodiscard]] std::uint64_t total_bytes() const noexcept;
  // Bytes consumed so far (approximate, for progress).
  [[nodiscard]] std::uint64_t bytes_done() const noexcept;

 private:
  FileSource() = default;
  struct Reader;
  bool advance(std::size_t i);
  void note_damage(std::size_t i);
  bool resync_pcapng(std::size_t i);
  std::vector<std::unique_ptr<Reader>> readers_;
  std::vector<FileInfo> info_;
  std::size_t current_ = static_cast<std::size_t>(-1);
};

struct LiveOptions {
  std::string interface;
  std::string filter;          // BPF
  int snaplen = 65535;
  int buffer_mb = 64;          // kernel ring buffer
  int timeout_ms = 200;
};

struct LiveStats {
  std::uint64_t received = 0;  // ps_recv
  std::uint64_t dropped = 0;   // ps_drop: kernel buffer full
  std::uint64_t if_dropped = 0;  // ps_ifdrop: interface / driver
};

class LiveSource {
 public:
  static std::unique_ptr<LiveSource> open(const LiveOptions& opt, std::string& error);
  ~LiveSource();
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;
  // Waits up to the timeout; returns packets handed to `fn(const RawPacket&)`, or -1 on error.
  template <class F>
  int dispatch(F&& fn, int max_packets = 256);
  [[nodiscard]] LiveStats stats() const;
  [[nodiscard]] const std::string& last_error() const noexcept { return error_; }
  [[nodiscard]] dissectors::LinkType link() const noexcept { return link_; }

 private:
  LiveSource() = default;
  int wait_readable() const;
  pcap_t* pcap_ = nullptr;
  int fd_ = -1;
  int timeout_ms_ = 200;
  dissectors::LinkType link_{};
  std::string error_;
};

template <class F>
int LiveSource::dispatch(F&& fn, int max_packets) {
  const int ready = wait_readable();
  if (ready <= 0) return ready;
  struct Ctx {
    F* fn;
    dissectors::LinkType link;
  } ctx{&fn, link_};
  const int n = pcap_dispatch(
      pcap_, max_packets,
      [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
        auto* c = reinterpret_cast<Ctx*>(user);
        RawPacket p;
        p.link = c->link;
        p.ts_us = static_cast<std::int64_t>(h->ts.tv_sec) * 1000000 + h->ts.tv_usec;
        p.wire_len = h->len;
        p.data = Bytes(reinterpret_cast<const std::byte*>(bytes), h->caplen);
        (*c->fn)(p);
      },
      reinterpret_cast<u_char*>(&ctx));
  if (n == PCAP_ERROR) error_ = pcap_geterr(pcap_);
  return n;
}

// A cheap, stable fingerprint of a capture file (size + hashes of its head and
// tail), used to recognise a file that was already ingested.
[[nodiscard]] std::string file_fingerprint(const std::string& path);

// A fingerprint of the file's first `length` bytes ("" when it has fewer): a
// file read up to some offset is the same file later if its head still matches.
[[nodiscard]] std::string head_fingerprint(const std::string& path, std::uint64_t length);
// How many head bytes head_fingerprint() covers for a file read up to `read_to`.
[[nodiscard]] inline std::uint64_t head_length(std::uint64_t read_to) noexcept {
  constexpr std::uint64_t kHead = 64 * 1024;
  return read_to < kHead ? read_to : kHead;
}

}  // namespace mieruka::sensor
