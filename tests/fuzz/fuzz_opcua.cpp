// Fuzzes the OPC UA stream parser (both directions, gaps) and the standalone
// decoders (header, HEL, service bodies, certificates) on every chunk.
#include <cstddef>
#include <cstdint>

#include "dissectors/observation.hpp"
#include "dissectors/opcua.hpp"
#include "dissectors/opcua_cert.hpp"
#include "dissectors/opcua_types.hpp"
#include "fuzz/fuzz_buffer.hpp"

using namespace mieruka;
using namespace mieruka::dissectors;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  NullSink sink;
  auto chunks = fuzz::split_chunks(data, size);
  auto parser = opcua::make_stream_parser();
  for (const auto& c : chunks) {
    const auto dir = c.to_client ? Direction::to_client : Direction::to_server;
    const Bytes b = c.bytes();
    // A chunk starting with "GAP!" reports a gap instead of data.
    if (b.size() >= 5 && as_chars(b.first(4)) == "GAP!") {
      parser->on_gap(dir, static_cast<std::size_t>(b[4]) * 97, sink);
      continue;
    }
    parser->on_data(dir, b, sink);
    // One chunk and one reassembled message per direction at the most.
    if (parser->buffered_bytes() > 2 * (opcua::kMaxBufferedChunk + opcua::kMaxReassembledBytes)) __builtin_trap();
    (void)opcua::probe(b, dir);
    (void)opcua::decode_service(b);
    if (b.size() > 8) {
      (void)opcua::parse_hello(b.subspan(8));
      ByteReader r(b);
      (void)opcua::parse_asymmetric_header(r);
    }
  }
  if (!chunks.empty()) (void)opcua::parse_certificate(chunks.front().bytes());
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);
  if (parser->buffered_bytes() != 0) __builtin_trap();
  return 0;
}
