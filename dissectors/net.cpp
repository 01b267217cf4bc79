// Address parsing and formatting (see net.hpp).
#include "net.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>

namespace mieruka {

namespace {
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  // Collect hex digits; separators must be consistent with one of the known layouts.
  std::array<int, 12> digits{};
  std::size_t n = 0;
  char sep = 0;
  std::size_t run = 0;
  for (char c : s) {
    const int v = hex_value(c);
    if (v >= 0) {
      if (n == 12) return std::nullopt;
      digits[n++] = v;
      ++run;
      continue;
    }
    if (c != ':' && c != '-' && c != '.') return std::nullopt;
    if (sep == 0) sep = c;
    if (c != sep) return std::nullopt;
    const std::size_t want = (sep == '.') ? 4 : 2;
    if (run != want) return std::nullopt;
    run = 0;
  }
  if (n != 12) return std::nullopt;
  if (sep != 0 && run != ((sep == '.') ? 4U : 2U)) return std::nullopt;
  MacAddr m;
  for (std::size_t i = 0; i < 6; ++i) m.b[i] = static_cast<std::uint8_t>(digits[2 * i] * 16 + digits[2 * i + 1]);
  return m;
}

std::string_view MacAddr::format(TextBuffer& buf) const noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 6; ++i) {
    buf[3 * i] = kHex[b[i] >> 4];
    buf[3 * i + 1] = kHex[b[i] & 0xf];
    if (i < 5) buf[3 * i + 2] = ':';
  }
  return {buf.data(), buf.size()};
}

std::string MacAddr::to_string() const {
  TextBuffer buf;
  return std::string(format(buf));
}

IpAddr IpAddr::v4(std::uint32_t v) noexcept {
  IpAddr a;
  a.family = 4;
  a.b[0] = static_cast<std::uint8_t>(v >> 24);
  a.b[1] = static_cast<std::uint8_t>(v >> 16);
  a.b[2] = static_cast<std::uint8_t>(v >> 8);
  a.b[3] = static_cast<std::uint8_t>(v);
  return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view s) noexcept {
  char buf[64];
  if (s.empty() || s.size() >= sizeof buf) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) buf[i] = s[i];
  buf[s.size()] = 0;
  IpAddr a;
  if (inet_pton(AF_INET, buf, a.b.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.b.data()) == 1) {
    a.family = 6;
    return a;
  }
  return std::nullopt;
}

std::string_view IpAddr::format(TextBuffer& buf) const noexcept {
  static_assert(std::tuple_size_v<TextBuffer> >= INET6_ADDRSTRLEN);
  if (family == 4) {  // dotted quad by hand: inet_ntop goes through snprintf
    char* p = buf.data();
    for (std::size_t i = 0; i < 4; ++i) {
      const unsigned v = b[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
      if (i < 3) *p++ = '.';
    }
    return {buf.data(), static_cast<std::size_t>(p - buf.data())};
  }
  if (family == 6 && inet_ntop(AF_INET6, b.data(), buf.data(), buf.size()) != nullptr) return buf.data();
  return {};
}

std::string IpAddr::to_string() const {
  TextBuffer buf;
  return std::string(format(buf));
}

bool IpAddr::is_unspecified() const noexcept {
  const std::size_t n = family == 4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i)
    if (b[i] != 0) return false;
  return family != 0;
}

bool IpAddr::is_multicast() const noexcept {
  if (family == 4) return (b[0] & 0xf0) == 0xe0;
  return family == 6 && b[0] == 0xff;
}

bool IpAddr::is_broadcast() const noexcept {
  return family == 4 && v4_value() == 0xffffffffU;
}

bool IpAddr::is_link_local() const noexcept {
  if (family == 4) return b[0] == 169 && b[1] == 254;
  return family == 6 && b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

bool IpAddr::is_private() const noexcept {
  if (family == 4) {
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           b[0] == 127 || is_link_local();
  }
  if (family == 6) {
    bool loopback = b[15] == 1;
    for (std::size_t i = 0; i < 15; ++i) loopback = loopback && b[i] == 0;
    return (b[0] & 0xfe) == 0xfc || is_link_local() || loopback;
  }
  return false;
}

std::string format_time_us(std::int64_t us) {
  if (us <= 0) return "";
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace mieruka
