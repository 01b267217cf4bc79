// Fuzz target for the SLMP/MC dissector: the input is split into chunks (see
// fuzz_buffer.hpp; flag bit 0 = direction) fed to one stream parser; a chunk whose
// first byte has its top bit set is preceded by a gap in its direction. The whole
// input is also parsed as one frame (batch device, type name, node search request and
// response), as a datagram on UDP 5000 and on UDP 61451 (node search), and probed.
#include <cstddef>
#include <cstdint>

#include "dissectors/slmp.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  namespace slmp = dissectors::slmp;
  NullSink sink;
  auto parser = slmp::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  auto f = slmp::parse_frame(whole);
  if (f.ok()) {
    (void)slmp::parse_batch_device(*f);
    (void)slmp::parse_type_name(*f);
    (void)slmp::parse_node_search_request(*f);
    (void)slmp::parse_node_search_response(*f);
  }
  dissectors::DecodedPacket pkt;
  slmp::on_datagram(pkt, whole, sink);
  slmp::on_node_search_datagram(pkt, whole, sink);
  (void)slmp::probe(whole, Direction::to_server);
  (void)slmp::probe(whole, Direction::to_client);
  return 0;
}
