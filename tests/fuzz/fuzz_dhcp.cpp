// Fuzzes the DHCPv4 and DHCPv6 datagram entries: each chunk (fuzz_buffer.hpp) is
// one datagram, given to both.
#include <cstddef>
#include <cstdint>

#include "dissectors/dhcp.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  for (const auto& c : fuzz::split_chunks(data, size)) {
    DecodedPacket pkt;
    pkt.src_port = c.to_client ? dhcp::kServerPort : dhcp::kClientPort;
    pkt.dst_port = c.to_client ? dhcp::kClientPort : dhcp::kServerPort;
    dhcp::on_datagram(pkt, c.bytes(), sink);
    dhcp::on_v6_datagram(pkt, c.bytes(), sink);
  }
  return 0;
}
