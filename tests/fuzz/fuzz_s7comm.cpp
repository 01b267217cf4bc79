// Fuzz target for the S7comm dissector: the input is split into chunks (see
// fuzz_buffer.hpp; flag bit 0 = direction) fed to one TPKT/COTP/S7 stream parser; a
// chunk whose first byte has its top bit set is preceded by a gap in its direction.
// The whole input is also parsed as a TPKT header, a COTP TPDU, an S7 PDU, and probed.
#include <cstddef>
#include <cstdint>

#include "dissectors/s7comm.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  namespace s7 = dissectors::s7comm;
  NullSink sink;
  auto parser = s7::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  (void)s7::parse_tpkt(whole);
  (void)s7::parse_cotp(whole);
  (void)s7::parse_pdu(whole);
  (void)s7::probe(whole, Direction::to_server);
  (void)s7::probe(whole, Direction::to_client);
  return 0;
}
