// Fuzz target for the CC-Link IE Field Basic dissector: the whole input is one UDP
// payload, parsed as a cyclic request, a cyclic response and by on_datagram.
#include <cstddef>
#include <cstdint>

#include "dissectors/cclink_iefb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  namespace cc = dissectors::cclink_iefb;
  NullSink sink;
  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  (void)cc::parse_request(whole);
  (void)cc::parse_response(whole);
  dissectors::DecodedPacket pkt;
  cc::on_datagram(pkt, whole, sink);
  return 0;
}
