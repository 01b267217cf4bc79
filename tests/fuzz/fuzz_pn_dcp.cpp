// Fuzzes the PROFINET DCP parser, identity extraction and Operations (input =
// the frame from the FrameID on).
#include <cstddef>
#include <cstdint>

#include "dissectors/pn_dcp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  NullSink sink;
  dissectors::DecodedPacket pkt;
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  dissectors::pn_dcp::on_frame(pkt, in, sink);
  return 0;
}
