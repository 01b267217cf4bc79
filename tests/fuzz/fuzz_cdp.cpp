// Fuzzes the CDP parser and fact emission (one PDU after the SNAP header).
#include <cstddef>
#include <cstdint>

#include "dissectors/cdp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  NullSink sink;
  dissectors::DecodedPacket pkt;
  pkt.snap_oui = dissectors::cdp::kSnapOui;
  pkt.snap_pid = dissectors::cdp::kSnapPid;
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  dissectors::cdp::on_frame(pkt, in, sink);
  return 0;
}
