// Fuzzes the EtherNet/IP stream parser (both directions, split into chunks with
// fuzz_buffer.hpp; a chunk whose flag byte has bit 1 set is a gap instead), the
// UDP 44818 datagram entry and the class-1 I/O datagram entry.
#include <cstddef>
#include <cstdint>

#include "dissectors/enip.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  auto chunks = fuzz::split_chunks(data, size);
  auto parser = enip::make_stream_parser();
  for (const auto& c : chunks) {
    const auto dir = c.to_client ? Direction::to_client : Direction::to_server;
    const bool gap = c.size > 0 && (std::to_integer<std::uint8_t>(c.bytes()[0]) & 0xF0) == 0xF0 && c.size < 3;
    if (gap) {
      parser->on_gap(dir, c.size * 100, sink);
      continue;
    }
    parser->on_data(dir, c.bytes(), sink);
    if (parser->buffered_bytes() > 2 * enip::kMaxBufferedBytes) __builtin_trap();  // one message per direction
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);
  if (parser->buffered_bytes() != 0) __builtin_trap();
  for (const auto& c : chunks) {
    DecodedPacket pkt;
    pkt.dst_port = c.to_client ? 2222 : enip::kPort;
    enip::on_datagram(pkt, c.bytes(), sink);
    enip::on_io_datagram(pkt, c.bytes(), sink);
    (void)enip::probe(c.bytes(), c.to_client ? Direction::to_client : Direction::to_server);
  }
  return 0;
}
