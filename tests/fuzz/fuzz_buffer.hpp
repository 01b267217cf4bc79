// Splits a fuzz input into chunks on the separator "FUZZ_SEP" (zeek's FuzzBuffer
// idea). The first byte of each chunk is a flag byte: bit 0 is the direction
// (0 to_server, 1 to_client). Each chunk gets its own heap allocation of exactly
// its size, so ASan catches reads past the end of any one segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace mieruka::fuzz {

struct Chunk {
  bool to_client = false;
  std::unique_ptr<std::byte[]> data;
  std::size_t size = 0;
  [[nodiscard]] std::span<const std::byte> bytes() const { return {data.get(), size}; }
};

inline std::vector<Chunk> split_chunks(const std::uint8_t* data, std::size_t size, std::size_t max_chunks = 64) {
  static constexpr char kSep[] = "FUZZ_SEP";
  constexpr std::size_t kSepLen = sizeof kSep - 1;
  std::vector<Chunk> out;
  std::size_t start = 0;
  while (start <= size && out.size() < max_chunks) {
    std::size_t end = size;
    for (std::size_t i = start; i + kSepLen <= size; ++i) {
      if (std::memcmp(data + i, kSep, kSepLen) == 0) { end = i; break; }
    }
    if (end > start) {
      Chunk c;
      c.to_client = (data[start] & 1) != 0;
      c.size = end - start - 1;
      c.data = std::make_unique<std::byte[]>(c.size == 0 ? 1 : c.size);
      if (c.size != 0) std::memcpy(c.data.get(), data + start + 1, c.size);
      out.push_back(std::move(c));
    }
    if (end == size) break;
    start = end + kSepLen;
  }
  return out;
}

}  // namespace mieruka::fuzz
