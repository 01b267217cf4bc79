// Fuzzes the NBNS name service (UDP 137) and the NetBIOS datagram / browser
// announcement parser (UDP 138); each chunk (fuzz_buffer.hpp) is one datagram.
#include <cstddef>
#include <cstdint>

#include "dissectors/nbns.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  for (const auto& c : fuzz::split_chunks(data, size)) {
    DecodedPacket pkt;
    pkt.src_ip = IpAddr::v4(0x0a000018);
    pkt.src_port = nbns::kNamePort;
    pkt.dst_port = nbns::kNamePort;
    nbns::on_name_datagram(pkt, c.bytes(), sink);
    nbns::on_datagram_service(pkt, c.bytes(), sink);
  }
  return 0;
}
