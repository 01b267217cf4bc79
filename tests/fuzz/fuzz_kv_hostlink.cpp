// Fuzz target for the Keyence KV host link dissector: the input is split into
// chunks (see fuzz_buffer.hpp; flag bit 0 = direction) fed to one stream parser; a
// chunk whose first byte has its top bit set is preceded by a gap in its direction.
// The whole input is also parsed as one command and one response line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/kv_hostlink.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using dissectors::Direction;
  namespace kv = dissectors::kv_hostlink;
  NullSink sink;
  auto parser = kv::make_stream_parser();
  for (const auto& chunk : fuzz::split_chunks(data, size)) {
    const Direction dir = chunk.to_client ? Direction::to_client : Direction::to_server;
    if (chunk.size > 0 && (static_cast<std::uint8_t>(chunk.bytes()[0]) & 0x80) != 0) parser->on_gap(dir, 1, sink);
    parser->on_data(dir, chunk.bytes(), sink);
  }
  parser->on_eof(Direction::to_server, sink);
  parser->on_eof(Direction::to_client, sink);

  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  if (auto c = kv::parse_command(whole); c.ok()) (void)kv::operation_name(*c);
  (void)kv::parse_response(whole);
  return 0;
}
