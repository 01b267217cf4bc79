// Fuzz target: a frame (first byte picks the link type) decoded, then handed to
// the TCP/IP stack fingerprint whatever its flags say.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dissectors/packet.hpp"
#include "dissectors/tcp_fingerprint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  if (size == 0) return 0;
  static constexpr dissectors::LinkType kLinks[] = {dissectors::LinkType::ethernet, dissectors::LinkType::raw_ip,
                                                    dissectors::LinkType::linux_sll, dissectors::LinkType::null_loopback};
  const auto link = kLinks[data[0] % 4];
  std::vector<std::byte> frame(size - 1);
  if (size > 1) std::memcpy(frame.data(), data + 1, size - 1);
  dissectors::DecodedPacket p;
  NullSink sink;
  (void)dissectors::decode(link, frame, p, sink);
  dissectors::tcp_fingerprint::observe(p, sink);
  return 0;
}
