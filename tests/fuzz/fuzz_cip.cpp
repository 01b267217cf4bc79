// Fuzzes the CIP parsers: each chunk (fuzz_buffer.hpp) is one CIP message fed to
// one Conversation, unconnected (the flag byte's bit 1 picks the pairing key) or
// connected (bit 2), so requests and replies pair; plus every parser on its own.
#include <cstddef>
#include <cstdint>

#include "dissectors/cip.hpp"
#include "fuzz/fuzz_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  using namespace mieruka::dissectors;
  NullSink sink;
  cip::Conversation conv;
  auto chunks = fuzz::split_chunks(data, size);
  std::size_t i = 0;
  for (const auto& c : chunks) {
    const auto flags = data[0];
    if ((flags & 0x04) != 0) conv.on_connected(c.bytes(), static_cast<std::uint32_t>(i % 3), static_cast<std::uint16_t>(i / 2), sink);
    else conv.on_message(c.bytes(), (flags & 0x02) != 0 ? i / 2 : 0, sink);
    ++i;
  }
  const Bytes all(reinterpret_cast<const std::byte*>(data), size);
  (void)cip::parse_path(all);
  (void)cip::parse_identity_all(all);
  (void)cip::parse_identity_list(all);
  (void)cip::parse_identity_single(size % 9, all);
  (void)cip::parse_unconnected_send(all);
  (void)cip::parse_forward_open(all, size % 2 == 0);
  (void)cip::parse_forward_close(all);
  (void)cip::parse_multiple_services(all);
  return 0;
}
