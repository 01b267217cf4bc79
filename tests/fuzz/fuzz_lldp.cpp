// Fuzzes the LLDP TLV walk and fact emission (one LLDPDU per input).
#include <cstddef>
#include <cstdint>

#include "dissectors/lldp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  NullSink sink;
  dissectors::DecodedPacket pkt;
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  dissectors::lldp::on_frame(pkt, in, sink);
  return 0;
}
