// Fuzz target: a hostile capture file read by FileSource (which reads classic
// pcap records itself) must give exactly libpcap's records, and never crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/pcap_compare.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    const char* t = std::getenv("TMPDIR");
    return std::string(t != nullptr && *t != '\0' ? t : "/tmp");
  }();
  std::string path = dir + "/fuzz_pcap_XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return 0;
  std::size_t off = 0;
  while (off < size) {
    const ssize_t w = ::write(fd, data + off, size - off);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
  ::close(fd);
  const std::string diff = mieruka::testing::compare_with_libpcap(path);
  ::unlink(path.c_str());
  if (!diff.empty()) {
    std::fprintf(stderr, "FileSource and libpcap disagree: %s\n", diff.c_str());
    std::abort();
  }
  return 0;
}
