// Escaping for HTML and CSV. See text_escape.hpp.
#include "inventory/text/text_escape.hpp"

#include "inventory/text/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace mieruka::inventory {
namespace {

// Calls on_control(code point, byte length) for each control character of the
// valid UTF-8 `s` (C0 other than TAB/LF/CR, DEL, C1 U+0080..U+009F) and
// on_text(byte) for every other byte.
template <typename Control, typename Text>
void split_controls(std::string_view s, Control on_control, Text on_text) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      on_control(static_cast<std::uint32_t>(c));
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      // U+0080..U+009F: two bytes, C2 80..C2 9F (the input is valid UTF-8).
      on_control(static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1])));
      ++i;
    } else {
      on_text(s[i]);
    }
  }
}

bool formula_trigger(char c) noexcept { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; }

}  // namespace

std::string html_escape(std::string_view in) {
  const std::string v = sanitize_utf8(in);
  std::string out;
  out.reserve(v.size() + 16);
  split_controls(
      v, [](std::uint32_t) {},
      [&](char ch) {
        switch (ch) {
          case '&': out += "&amp;"; break;
          case '<': out += "&lt;"; break;
          case '>': out += "&gt;"; break;
          case '"': out += "&quot;"; break;
          case '\'': out += "&#39;"; break;
          default: out += ch;
        }
      });
  return out;
}

std::string csv_text(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Control characters off the wire (an ESC sequence in a banner) would reach
  // whatever shows the file; line breaks and tabs are text a quoted cell holds.
  std::string v;
  split_controls(
      sanitize_utf8(s),
      [&](std::uint32_t c) {
        v += "\\x";
        v += kHex[(c >> 4) & 0xF];
        v += kHex[c & 0xF];
      },
      [&](char ch) { v += ch; });
  if (!v.empty() && formula_trigger(v[0])) v.insert(v.begin(), '\'');
  return v;
}

std::string csv_cell(std::string_view s) {
  std::string v = csv_text(s);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace mieruka::inventory
