// Fuzz target for the FINS dissector: the input is split into chunks (see
// fuzz_buffer.hpp; flag bit 0 = direction) fed to one FINS/TCP stream parser; a
// chunk whose first byte has its top bit set is preceded by a gap in its direction.
// The whole input is also parsed as one FINS frame, as a datagram, and probed.
#include <cstddef>
#include <cstdint>

#include "dissectors/fins.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  namespace fins = dissectors::fins;
  NullSink sink;
  auto parser = fins::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  auto f = fins::parse_frame(whole);
  if (f.ok()) {
    (void)fins::parse_memory_range(*f);
    (void)fins::parse_controller_data(*f);
  }
  (void)fins::parse_tcp_header(whole);
  dissectors::DecodedPacket pkt;
  fins::on_datagram(pkt, whole, sink);
  (void)fins::probe_udp(whole, Direction::to_server);
  (void)fins::probe_tcp(whole, Direction::to_client);
  return 0;
}
