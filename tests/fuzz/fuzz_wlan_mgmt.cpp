// Fuzzes the 802.11 management frame parser and fact emission: the first byte
// picks the subtype, the rest is the frame body.
#include <cstddef>
#include <cstdint>

#include "dissectors/wlan_mgmt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  if (size == 0) return 0;
  NullSink sink;
  dissectors::DecodedPacket pkt;
  pkt.wireless = true;
  pkt.wlan_subtype = static_cast<std::uint8_t>(data[0] & 0x0f);
  const Bytes body(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  dissectors::wlan_mgmt::on_frame(pkt, body, sink);
  return 0;
}
