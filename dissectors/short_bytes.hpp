// Short byte strings (field names, role values, packet tails) as two machine
// words, read with overlapping fixed-size loads instead of a memcpy or memcmp
// call. Shared by the ledger's text compare, the SPAN-duplicate fingerprint and
// the pipeline's fact memo, which all see mostly strings of 16 bytes or less.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mieruka {

struct TwoWords {
  std::uint64_t w0 = 0, w1 = 0;
  friend bool operator==(const TwoWords&, const TwoWords&) = default;
};

// The n <= 16 bytes at p as two words which, together with n, determine every
// byte: 8-16 bytes as the first and last eight, 4-7 as the first and last four,
// 1-3 as the first, middle and last byte. Unspecified for n > 16.
[[gnu::always_inline]] inline TwoWords short_words(const void* p, std::size_t n) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  TwoWords w;
  if (n >= 8) {
    std::memcpy(&w.w0, b, 8);
    std::memcpy(&w.w1, b + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t x0, x1;
    std::memcpy(&x0, b, 4);
    std::memcpy(&x1, b + n - 4, 4);
    w.w0 = x0;
    w.w1 = x1;
  } else if (n > 0) {
    w.w0 = (std::uint64_t{b[0]} << 16) | (std::uint64_t{b[n / 2]} << 8) | b[n - 1];
  }
  return w;
}

// String equality for short names and values: up to 16 bytes without a call.
[[gnu::always_inline]] inline bool equal_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n <= 16) return short_words(a.data(), n) == short_words(b.data(), n);
  return std::memcmp(a.data(), b.data(), n) == 0;
}

}  // namespace mieruka
