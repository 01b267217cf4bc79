// Fuzzes the OPC UA built-in type readers one after another over the input:
// strings, byte strings, array lengths, NodeIds, LocalizedText.
#include <cstddef>
#include <cstdint>

#include "dissectors/opcua_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors::opcua;
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  ByteReader r(in);
  for (int i = 0; i < 64 && r.remaining() > 0; ++i) {
    const std::size_t before = r.remaining();
    switch (i % 6) {
      case 0: (void)read_string(r); break;
      case 1: (void)read_byte_string(r); break;
      case 2: (void)read_array_length(r); break;
      case 3: (void)read_node_id(r); break;
      case 4: (void)read_expanded_node_id(r); break;
      default: (void)read_localized_text(r); break;
    }
    if (r.remaining() > before) __builtin_trap();  // a reader never moves backwards
  }
  return 0;
}
