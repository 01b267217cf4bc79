// Fuzz target for the MEWTOCOL-COM dissector: the input is split into chunks (see
// fuzz_buffer.hpp; flag bit 0 = direction) fed to one stream parser; a chunk whose
// first byte has its top bit set is preceded by a gap in its direction. The whole
// input is also parsed as one frame and one RT status text, and probed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/mewtocol.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  namespace mew = dissectors::mewtocol;
  NullSink sink;
  auto parser = mew::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  if (auto f = mew::parse_frame(whole); f.ok()) (void)mew::parse_status(f->text);
  (void)mew::parse_status(whole);
  (void)mew::probe(as_bytes(whole), Direction::to_server);
  return 0;
}
