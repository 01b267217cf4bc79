// Fuzz target for the HTTP header parser: chunks (see fuzz_buffer.hpp; flag bit 0
// = direction) fed to one stream parser, a top bit in a chunk's first byte means a
// gap first. The whole input is also parsed as one header block and probed.
#include <cstddef>
#include <cstdint>

#include "dissectors/http.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  NullSink sink;
  auto parser = dissectors::http::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const Bytes whole(reinterpret_cast<const std::byte*>(data), size);
  (void)dissectors::http::parse_header_block(whole);
  (void)dissectors::http::realm_of(as_chars(whole));
  (void)dissectors::http::probe(whole, Direction::to_server);
  return 0;
}
