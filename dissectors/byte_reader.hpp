// ByteReader: the one bounds-checked cursor every dissector reads through.
// Reads return std::optional and leave the cursor where it was on failure; a
// length is always compared with what is left (never pos + n, which can wrap).
// Endianness is in the name. Nothing here throws or allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mieruka {

using Bytes = std::span<const std::byte>;

// View of bytes as chars, for ASCII protocols and strings off the wire (not
// validated: escaping happens where a string leaves the program).
[[nodiscard]] inline std::string_view as_chars(Bytes b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
[[nodiscard]] inline Bytes as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

class ByteReader {
 public:
  constexpr ByteReader() noexcept = default;
  constexpr explicit ByteReader(Bytes data) noexcept : all_(data), rest_(data) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return rest_.size(); }
  [[nodiscard]] std::size_t position() const noexcept { return all_.size() - rest_.size(); }
  [[nodiscard]] bool empty() const noexcept { return rest_.empty(); }
  [[nodiscard]] Bytes rest() const noexcept { return rest_; }

  [[nodiscard]] std::optional<Bytes> take(std::size_t n) noexcept {
    if (n > rest_.size()) return std::nullopt;
    Bytes head = rest_.first(n);
    rest_ = rest_.subspan(n);
    return head;
  }
  [[nodiscard]] std::optional<Bytes> peek(std::size_t n) const noexcept {
    if (n > rest_.size()) return std::nullopt;
    return rest_.first(n);
  }
  [[nodiscard]] bool skip(std::size_t n) noexcept {
    if (n > rest_.size()) return false;
    rest_ = rest_.subspan(n);
    return true;
  }
  // Takes everything that is left (possibly nothing).
  [[nodiscard]] Bytes take_rest() noexcept {
    Bytes all = rest_;
    rest_ = rest_.subspan(rest_.size());
    return all;
  }
  // A sub-reader over the next n bytes; the parent advances past them.
  [[nodiscard]] std::optional<ByteReader> sub(std::size_t n) noexcept {
    auto b = take(n);
    if (!b) return std::nullopt;
    return ByteReader(*b);
  }

  [[nodiscard]] std::optional<std::uint8_t> u8() noexcept {
    if (rest_.empty()) return std::nullopt;
    auto v = static_cast<std::uint8_t>(rest_[0]);
    rest_ = rest_.subspan(1);
    return v;
  }
  [[nodiscard]] std::optional<std::uint8_t> peek_u8(std::size_t at = 0) const noexcept {
    if (at >= rest_.size()) return std::nullopt;
    return static_cast<std::uint8_t>(rest_[at]);
  }
  [[nodiscard]] std::optional<std::uint16_t> u16_be() noexcept { return read<std::uint16_t, 2, true>(); }
  [[nodiscard]] std::optional<std::uint16_t> u16_le() noexcept { return read<std::uint16_t, 2, false>(); }
  [[nodiscard]] std::optional<std::uint32_t> u24_be() noexcept { return read<std::uint32_t, 3, true>(); }
  [[nodiscard]] std::optional<std::uint32_t> u32_be() noexcept { return read<std::uint32_t, 4, true>(); }
  [[nodiscard]] std::optional<std::uint32_t> u32_le() noexcept { return read<std::uint32_t, 4, false>(); }
  [[nodiscard]] std::optional<std::uint64_t> u64_be() noexcept { return read<std::uint64_t, 8, true>(); }
  [[nodiscard]] std::optional<std::uint64_t> u64_le() noexcept { return read<std::uint64_t, 8, false>(); }

 private:
  template <class T, std::size_t N, bool BigEndian>
  std::optional<T> read() noexcept {
    if (rest_.size() < N) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const auto byte = static_cast<T>(static_cast<std::uint8_t>(rest_[BigEndian ? i : N - 1 - i]));
      v = static_cast<T>((v << 8) | byte);
    }
    rest_ = rest_.subspan(N);
    return v;
  }

  Bytes all_{};
  Bytes rest_{};
};

}  // namespace mieruka
