// UTF-8 text as the ledger's strings arrive from the wire (device names,
// firmware strings, anything a dissector copied): decoding one character at a
// time, repairing invalid sequences, the width a terminal gives it. The lowest
// room of the inventory: everything that shows or escapes text builds on it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mieruka::inventory {

// One UTF-8 sequence at the start of `s`: its code point and length, or
// valid = false with the length of the maximal invalid subpart (at least 1),
// as Unicode 15 §3.9 "U+FFFD substitution of maximal subparts" counts them.
struct Utf8Char {
  char32_t cp = 0;
  std::size_t len = 1;
  bool valid = false;
};

[[nodiscard]] Utf8Char decode_utf8(std::string_view s) noexcept;  // s must not be empty

// Printable ASCII only (0x20-0x7E): valid UTF-8, one column a byte, nothing to
// replace or escape.
[[nodiscard]] bool plain_ascii(std::string_view s) noexcept;
// Columns one code point takes on a terminal (0, 1 or 2).
[[nodiscard]] std::size_t char_width(char32_t cp) noexcept;

// `s` with every invalid UTF-8 sequence (overlong forms, surrogates, code points
// above U+10FFFF, truncated sequences, stray continuation bytes) replaced by
// U+FFFD, one per maximal invalid subpart. Sets *had_invalid when anything was
// replaced. NUL is valid UTF-8 and is kept (JSON escapes it).
[[nodiscard]] std::string sanitize_utf8(std::string_view s, bool* had_invalid = nullptr);
// Columns a UTF-8 string takes on a terminal: East Asian wide and fullwidth
// characters count 2, combining marks 0, others 1.
[[nodiscard]] std::size_t display_width(std::string_view utf8);
// Text safe for a terminal: valid UTF-8, control characters (C0, DEL, C1, which
// could carry escape sequences) shown as \xNN.
[[nodiscard]] std::string terminal_safe(std::string_view s);

}  // namespace mieruka::inventory
