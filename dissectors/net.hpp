// Address value types shared by every stage: MAC and IP (v4 or v6), with
// parsing of the spellings plants use in spreadsheets and formatting in the
// lower-case forms of the outward contract (../shared/INTERFACES.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"

namespace mieruka {

struct MacAddr {
  std::array<std::uint8_t, 6> b{};

  [[nodiscard]] static MacAddr from_bytes(Bytes six) noexcept;  // six.size() must be >= 6
  // Accepts 00:1B:1B:02:9A:C3, 00-1b-1b-02-9a-c3, 001b.1b02.9ac3 and 001b1b029ac3.
  [[nodiscard]] static std::optional<MacAddr> parse(std::string_view s) noexcept;
  [[nodiscard]] std::string to_string() const;  // "00:1b:1b:02:9a:c3"
  [[nodiscard]] std::uint64_t to_u64() const noexcept {
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return v;
  }
  [[nodiscard]] bool is_zero() const noexcept { return to_u64() == 0; }
  [[nodiscard]] bool is_broadcast() const noexcept { return to_u64() == 0xffffffffffffULL; }
  [[nodiscard]] bool is_multicast() const noexcept { return (b[0] & 0x01) != 0; }  // incl. broadcast
  [[nodiscard]] bool is_locally_administered() const noexcept { return (b[0] & 0x02) != 0; }
  // A unicast, globally or locally administered, non-zero address: a station.
  [[nodiscard]] bool is_unicast() const noexcept { return !is_multicast() && !is_zero(); }
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
  friend auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

struct IpAddr {
  std::uint8_t family = 0;  // 0 none, 4, 6
  std::array<std::uint8_t, 16> b{};  // v4 in b[0..3]

  [[nodiscard]] static IpAddr v4(std::uint32_t host_order) noexcept;
  [[nodiscard]] static IpAddr v4_bytes(Bytes four) noexcept;
  [[nodiscard]] static IpAddr v6_bytes(Bytes sixteen) noexcept;
  [[nodiscard]] static std::optional<IpAddr> parse(std::string_view s) noexcept;
  [[nodiscard]] std::string to_string() const;  // "" when family == 0
  [[nodiscard]] bool valid() const noexcept { return family != 0; }
  [[nodiscard]] bool is_v4() const noexcept { return family == 4; }
  [[nodiscard]] std::uint32_t v4_value() const noexcept {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
  [[nodiscard]] bool is_unspecified() const noexcept;  // 0.0.0.0 / ::
  [[nodiscard]] bool is_multicast() const noexcept;    // 224/4, ff00::/8
  [[nodiscard]] bool is_broadcast() const noexcept;    // 255.255.255.255 (subnet broadcasts need a mask)
  [[nodiscard]] bool is_link_local() const noexcept;   // 169.254/16, fe80::/10
  [[nodiscard]] bool is_private() const noexcept;      // RFC 1918, RFC 4193, loopback, link-local
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

// Formats a timestamp in microseconds since the epoch as RFC 3339 UTC ("...Z").
[[nodiscard]] std::string format_time_us(std::int64_t us);

}  // namespace mieruka

template <>
struct std::hash<mieruka::MacAddr> {
  std::size_t operator()(const mieruka::MacAddr& m) const noexcept {
    return std::hash<std::uint64_t>{}(m.to_u64() * 0x9e3779b97f4a7c15ULL);
  }
};
template <>
struct std::hash<mieruka::IpAddr> {
  std::size_t operator()(const mieruka::IpAddr& a) const noexcept {
    std::uint64_t h = a.family;
    for (auto x : a.b) h = h * 1099511628211ULL ^ x;
    return static_cast<std::size_t>(h);
  }
};
