// Fuzz target for the TLS handshake parser: the input is split into chunks (see
// fuzz_buffer.hpp; flag bit 0 = direction) fed to one stream parser; a chunk whose
// first byte has its top bit set is preceded by a gap. The whole input is also
// parsed as each handshake body and probed.
#include <cstddef>
#include <cstdint>

#include "dissectors/tls.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  NullSink sink;
  auto parser = dissectors::tls::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  (void)dissectors::tls::parse_record_header(whole);
  (void)dissectors::tls::parse_client_hello(whole);
  (void)dissectors::tls::parse_server_hello(whole);
  (void)dissectors::tls::first_certificate(whole);
  (void)dissectors::tls::probe(whole, Direction::to_server);
  return 0;
}
