// Address value types shared by every stage: MAC and IP (v4 or v6), with
// parsing of the spellings plants use in spreadsheets and formatting in the
// lower-case forms of the outward contract (../shared/INTERFACES.md).
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"

namespace mieruka {

struct MacAddr {
  std::array<std::uint8_t, 6> b{};

  // The first six bytes (fewer when `six` is shorter; the rest stay zero).
  [[nodiscard]] static MacAddr from_bytes(Bytes six) noexcept {
    MacAddr m;
    if (six.size() >= 6) [[likely]] {
      std::memcpy(m.b.data(), six.data(), 6);
    } else if (!six.empty()) {
      std::memcpy(m.b.data(), six.data(), six.size());
    }
    return m;
  }
  // Accepts 00:1B:1B:02:9A:C3, 00-1b-1b-02-9a-c3, 001b.1b02.9ac3 and 001b1b029ac3.
  [[nodiscard]] static std::optional<MacAddr> parse(std::string_view s) noexcept;
  [[nodiscard]] std::string to_string() const;  // "00:1b:1b:02:9a:c3"
  // The same text in `buf`, without allocating; the view points into `buf`.
  using TextBuffer = std::array<char, 17>;
  [[nodiscard]] std::string_view format(TextBuffer& buf) const noexcept;
  // Big-endian value: 00:1b:... -> 0x001b... Loaded as 4 + 2 bytes into
  // registers: a 6-byte copy into a zeroed 8-byte word went through the stack,
  // and its 8-byte load after the 4- and 2-byte stores stalled on store
  // forwarding on every packet.
  [[nodiscard]] std::uint64_t to_u64() const noexcept {
    std::uint32_t high;
    std::uint16_t low;
    std::memcpy(&high, b.data(), 4);
    std::memcpy(&low, b.data() + 4, 2);
    if constexpr (std::endian::native == std::endian::little) {
      high = __builtin_bswap32(high);
      low = __builtin_bswap16(low);
    }
    return (std::uint64_t{high} << 16) | low;
  }
  [[nodiscard]] bool is_zero() const noexcept { return to_u64() == 0; }
  [[nodiscard]] bool is_broadcast() const noexcept { return to_u64() == 0xffffffffffffULL; }
  [[nodiscard]] bool is_multicast() const noexcept { return (b[0] & 0x01) != 0; }  // incl. broadcast
  [[nodiscard]] bool is_locally_administered() const noexcept { return (b[0] & 0x02) != 0; }
  // A unicast, globally or locally administered, non-zero address: a station.
  [[nodiscard]] bool is_unicast() const noexcept { return !is_multicast() && !is_zero(); }
  friend bool operator==(const MacAddr& x, const MacAddr& y) noexcept { return std::memcmp(x.b.data(), y.b.data(), 6) == 0; }
  // Byte-wise order, as a 48-bit big-endian number.
  friend std::strong_ordering operator<=>(const MacAddr& x, const MacAddr& y) noexcept { return x.to_u64() <=> y.to_u64(); }
};

struct IpAddr {
  std::uint8_t family = 0;  // 0 none, 4, 6
  std::array<std::uint8_t, 16> b{};  // v4 in b[0..3]

  [[nodiscard]] static IpAddr v4(std::uint32_t host_order) noexcept;
  // The address in the first 4 (16) bytes; a shorter span fills what it has.
  [[nodiscard]] static IpAddr v4_bytes(Bytes four) noexcept {
    IpAddr a;
    a.assign_v4(four);
    return a;
  }
  [[nodiscard]] static IpAddr v6_bytes(Bytes sixteen) noexcept {
    IpAddr a;
    a.assign_v6(sixteen);
    return a;
  }
  // The same in place, each address word written by one store. The packet
  // decoder uses these: a load that spans several recent stores (copying a
  // just-built IpAddr, or word() after a 4-byte copy over zeros) cannot be
  // forwarded from the store buffer, and the CPU stalls until they retire.
  void assign_v4(Bytes four) noexcept {
    family = 4;
    std::uint64_t w0 = 0;
    const std::uint64_t w1 = 0;
    if (four.size() >= 4) {
      std::memcpy(&w0, four.data(), 4);  // in a register: bytes 0-3 of the word, the rest zero
    } else if (!four.empty()) {
      std::memcpy(&w0, four.data(), four.size());
    }
    std::memcpy(b.data(), &w0, 8);
    std::memcpy(b.data() + 8, &w1, 8);
  }
  void assign_v6(Bytes sixteen) noexcept {
    family = 6;
    if (sixteen.size() >= 16) {
      std::memcpy(b.data(), sixteen.data(), 16);
      return;
    }
    b = {};
    if (!sixteen.empty()) std::memcpy(b.data(), sixteen.data(), sixteen.size());
  }
  [[nodiscard]] static std::optional<IpAddr> parse(std::string_view s) noexcept;
  [[nodiscard]] std::string to_string() const;  // "" when family == 0
  // The same text in `buf`, without allocating; the view points into `buf`.
  using TextBuffer = std::array<char, 46>;  // INET6_ADDRSTRLEN
  [[nodiscard]] std::string_view format(TextBuffer& buf) const noexcept;
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
  friend bool operator==(const IpAddr& x, const IpAddr& y) noexcept {
    return x.family == y.family && x.word(0) == y.word(0) && x.word(1) == y.word(1);
  }
  // Family first, then the bytes in order (as the defaulted comparison did).
  friend std::strong_ordering operator<=>(const IpAddr& x, const IpAddr& y) noexcept {
    if (x.family != y.family) return x.family <=> y.family;
    if (x.word(0) != y.word(0)) return x.be_word(0) <=> y.be_word(0);
    return x.be_word(1) <=> y.be_word(1);
  }
  // The address bytes as two 64-bit words (native order: for equality and hashing).
  [[nodiscard]] std::uint64_t word(int i) const noexcept {
    std::uint64_t w;
    std::memcpy(&w, b.data() + 8 * i, 8);
    return w;
  }

 private:
  [[nodiscard]] std::uint64_t be_word(int i) const noexcept {
    const std::uint64_t w = word(i);
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(w);
    return w;
  }

 public:
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
    // Two multiply-xorshift rounds over the address words (cheap on the packet path).
    std::uint64_t h = (a.word(0) ^ a.family) * 0x9e3779b97f4a7c15ULL;
    h = ((h ^ (h >> 29)) ^ a.word(1)) * 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};
