// Fuzzes the DNS wire parser through its three entries (DNS, mDNS, LLMNR); each
// chunk (fuzz_buffer.hpp) is one datagram. The sender's address matches the
// first A record often enough when the input sets it: 10.0.2.7.
#include <cstddef>
#include <cstdint>

#include "dissectors/dns.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  for (const auto& c : fuzz::split_chunks(data, size)) {
    DecodedPacket pkt;
    pkt.src_ip = IpAddr::v4(0x0a000207);
    pkt.src_port = c.to_client ? dns::kDnsPort : 40000;
    pkt.dst_port = c.to_client ? 40000 : dns::kDnsPort;
    dns::on_dns_datagram(pkt, c.bytes(), sink);
    dns::on_mdns_datagram(pkt, c.bytes(), sink);
    dns::on_llmnr_datagram(pkt, c.bytes(), sink);
  }
  return 0;
}
