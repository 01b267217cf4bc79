// Fuzz target for dissectors/packet.cpp: the first input byte picks the link
// type from the supported list, the rest is the frame (in its own allocation of
// exactly its size, so ASan sees any read past the end).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "dissectors/packet.hpp"

namespace {
constexpr mieruka::dissectors::LinkType kLinks[] = {
    mieruka::dissectors::LinkType::ethernet,   mieruka::dissectors::LinkType::linux_sll,
    mieruka::dissectors::LinkType::linux_sll2, mieruka::dissectors::LinkType::raw_ip,
    mieruka::dissectors::LinkType::ipv4,       mieruka::dissectors::LinkType::ipv6,
    mieruka::dissectors::LinkType::null_loopback, mieruka::dissectors::LinkType::loop,
    mieruka::dissectors::LinkType::radiotap,   mieruka::dissectors::LinkType::ieee802_11,
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto link = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
  const std::size_t n = size - 1;
  auto frame = std::make_unique<std::byte[]>(n == 0 ? 1 : n);
  if (n != 0) std::memcpy(frame.get(), data + 1, n);
  mieruka::dissectors::DecodedPacket pkt;
  mieruka::NullSink sink;
  (void)mieruka::dissectors::decode(link, {frame.get(), n}, pkt, sink);
  // Every span handed out must lie inside the frame.
  const auto inside = [&](mieruka::Bytes b) {
    if (b.empty()) return;
    if (b.data() < frame.get() || b.data() + b.size() > frame.get() + n) __builtin_trap();
  };
  inside(pkt.l2_payload);
  inside(pkt.ip_payload);
  inside(pkt.payload);
  inside(pkt.tcp_options);
  return 0;
}
