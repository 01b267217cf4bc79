// Fuzzes the SNMP BER message parser; each chunk (fuzz_buffer.hpp) is one
// datagram, from the agent (161) when the chunk is to_client.
#include <cstddef>
#include <cstdint>

#include "dissectors/snmp.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  for (const auto& c : fuzz::split_chunks(data, size)) {
    DecodedPacket pkt;
    pkt.src_port = c.to_client ? snmp::kAgentPort : 40000;
    pkt.dst_port = c.to_client ? 40000 : snmp::kAgentPort;
    snmp::on_datagram(pkt, c.bytes(), sink);
  }
  return 0;
}
