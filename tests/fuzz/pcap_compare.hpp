// Reads one capture file both through FileSource and through libpcap's own
// pcap_next_ex, and reports the first difference: the fast classic-pcap reader
// must hand out exactly the records libpcap would, up to where libpcap stops
// (shared by the unit test and the fuzz target).
#pragma once

#include <pcap/pcap.h>

#include <cstring>
#include <string>

#include "sensor/capture/capture_source.hpp"

namespace mieruka::testing {

// "" when both readers agree on every record and on whether the file ends cut.
inline std::string compare_with_libpcap(const std::string& path, std::uint64_t* records = nullptr) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  std::string error;
  auto src = sensor::FileSource::open({path}, error);
  if (p == nullptr || !src) {
    if (p != nullptr) pcap_close(p);
    // Both must refuse the file (FileSource opens through libpcap), or both accept.
    return (p == nullptr) == !src ? "" : "open differs: libpcap " + std::string(p ? "ok" : errbuf) + ", FileSource " + error;
  }
  const bool decoded = sensor::link_type_from_dlt(pcap_datalink(p)).has_value();
  std::string diff;
  std::uint64_t n = 0;
  bool lib_error = false;
  for (;;) {
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    const int rc = decoded ? pcap_next_ex(p, &h, &d) : PCAP_ERROR_BREAK;
    sensor::RawPacket r;
    const bool got = src->next(r);
    if (rc != 1 || !got) {
      lib_error = rc == PCAP_ERROR;
      if (lib_error && got && src->files()[0].corrupt_records != 0) break;  // FileSource resynchronised
      if ((rc == 1) != got) diff = "record " + std::to_string(n) + ": libpcap rc " + std::to_string(rc) +
                                   ", FileSource " + (got ? "a record" : "the end");
      break;
    }
    const std::int64_t ts = sensor::timeval_us(h->ts.tv_sec, h->ts.tv_usec);
    if (ts != r.ts_us || h->len != r.wire_len || h->caplen != r.data.size() ||
        (h->caplen != 0 && std::memcmp(d, r.data.data(), h->caplen) != 0)) {
      diff = "record " + std::to_string(n) + " differs (ts " + std::to_string(ts) + "/" + std::to_string(r.ts_us) +
             ", len " + std::to_string(h->len) + "/" + std::to_string(r.wire_len) + ", caplen " +
             std::to_string(h->caplen) + "/" + std::to_string(r.data.size()) + ")";
      break;
    }
    ++n;
  }
  // Where libpcap stops at a corrupt record, FileSource reports it and goes on
  // at the next plausible record (capture_source.cpp, "Resynchronising"): what
  // it reads after that must only not crash or loop.
  const auto& info = src->files()[0];
  if (diff.empty() && lib_error && info.corrupt_records != 0) {
    sensor::RawPacket r;
    while (src->next(r)) {
    }
  } else if (diff.empty() && lib_error != info.truncated) {
    diff = "end differs: libpcap " + std::string(lib_error ? pcap_geterr(p) : "clean end") + ", FileSource " +
           (info.truncated ? info.warning : info.corrupt_records != 0 ? info.corruptions.front() : "clean end");
  }
  pcap_close(p);
  if (records != nullptr) *records = n;
  return diff;
}

}  // namespace mieruka::testing
