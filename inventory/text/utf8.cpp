// UTF-8 text as the ledger's strings arrive from the wire: decoding, repair,
// terminal width. See utf8.hpp.
#include "inventory/text/utf8.hpp"

#include <cstdint>

namespace mieruka::inventory {

Utf8Char decode_utf8(std::string_view s) noexcept {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte (Table 3-7)
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {0xFFFD, 1, false};  // stray continuation, C0/C1 overlong lead, F5..FF
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (i >= s.size()) return {0xFFFD, i, false};  // truncated
    const auto b = static_cast<unsigned char>(s[i]);
    const unsigned char min = i == 1 ? lo : 0x80;
    const unsigned char max = i == 1 ? hi : 0xBF;
    if (b < min || b > max) return {0xFFFD, i, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need + 1, true};
}

namespace {
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

}  // namespace

// Printable ASCII only (0x20-0x7E): valid UTF-8, one column a byte, nothing
// to replace or escape. Most cells of a plant's ledger are; they skip decoding.
bool plain_ascii(std::string_view s) noexcept {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::size_t char_width(char32_t cp) noexcept {
  struct Range {
    char32_t lo, hi;
  };
  // Zero width: combining marks, zero-width space/joiners, (semi-)voiced sound marks.
  static constexpr Range kZero[] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x1AB0, 0x1AFF},
                                    {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0x3099, 0x309A},
                                    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}};
  // East Asian Wide (W) and Fullwidth (F), UAX #11, the blocks seen in practice.
  static constexpr Range kWide[] = {{0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
                                    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
                                    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},
                                    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
                                    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
  for (const Range& r : kZero) {
    if (cp >= r.lo && cp <= r.hi) return 0;
  }
  for (const Range& r : kWide) {
    if (cp >= r.lo && cp <= r.hi) return 2;
  }
  return 1;
}

// Bidirectional formatting characters reorder the text around them when it
// is displayed: a device name carrying U+202E (RIGHT-TO-LEFT OVERRIDE) shows
// "exe.gpj" as "jpg.exe" in the console, a report or a terminal. No device
// name needs them, so they are shown as what they are.
namespace {
// A control character as the text \xNN (two lower-case hex digits).
void append_escaped(std::string& out, std::uint32_t c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[(c >> 4) & 0xF];
  out += kHex[c & 0xF];
}

bool bidi_control(char32_t cp) noexcept {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}
}  // namespace

std::string sanitize_utf8(std::string_view s, bool* had_invalid) {
  if (plain_ascii(s)) {
    if (had_invalid != nullptr) *had_invalid = false;
    return std::string(s);
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  bool bad = false;
  while (!s.empty()) {
    const Utf8Char d = decode_utf8(s);
    if (d.valid && bidi_control(d.cp)) {
      out += "[U+";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(d.cp >> shift) & 0xF];
      out += ']';
    } else if (d.valid) {
      out.append(s.substr(0, d.len));
    } else {
      out.append(kReplacement);
      bad = true;
    }
    s.remove_prefix(d.len);
  }
  if (had_invalid != nullptr) *had_invalid = bad;
  return out;
}

std::size_t display_width(std::string_view s) {
  if (plain_ascii(s)) return s.size();
  std::size_t w = 0;
  while (!s.empty()) {
    const Utf8Char d = decode_utf8(s);
    w += char_width(d.cp);
    s.remove_prefix(d.len);
  }
  return w;
}

std::string terminal_safe(std::string_view s) {
  if (plain_ascii(s)) return std::string(s);
  const std::string valid = sanitize_utf8(s);
  std::string out;
  std::string_view rest = valid;
  while (!rest.empty()) {
    const Utf8Char d = decode_utf8(rest);
    if (d.cp < 0x20 || d.cp == 0x7F || (d.cp >= 0x80 && d.cp < 0xA0)) {
      // C1 controls are two bytes in UTF-8; show the code point.
      append_escaped(out, d.cp);
    } else {
      out.append(rest.substr(0, d.len));
    }
    rest.remove_prefix(d.len);
  }
  return out;
}

}  // namespace mieruka::inventory
