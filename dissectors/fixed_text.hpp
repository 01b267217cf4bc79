// Bounded containers kept inline, for parsed fields whose size the protocol
// caps (a DNS name is at most 255 bytes, a TXT record keeps at most 32 strings).
// A parser that fills a reused scratch struct of these allocates nothing per
// message, and copying one never throws. Neither ever holds more than N: an
// append that would overflow fails and changes nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

namespace mieruka::dissectors {

template <std::size_t N>
class FixedText {
  static_assert(N > 0 && N <= 0xffff);

 public:
  FixedText() noexcept {}  // the buffer is left uninitialised: only [0, size) is ever read
  FixedText(const FixedText& o) noexcept : n_(o.n_) { std::memcpy(buf_.data(), o.buf_.data(), n_); }
  FixedText& operator=(const FixedText& o) noexcept {
    n_ = o.n_;
    std::memmove(buf_.data(), o.buf_.data(), n_);
    return *this;
  }

  void clear() noexcept { n_ = 0; }
  // False (nothing appended) when `s` does not fit.
  [[nodiscard]] bool append(std::string_view s) noexcept {
    if (s.size() > N - n_) return false;
    if (!s.empty()) std::memmove(buf_.data() + n_, s.data(), s.size());  // s may view this text
    n_ = static_cast<std::uint16_t>(n_ + s.size());
    return true;
  }
  [[nodiscard]] bool assign(std::string_view s) noexcept {
    clear();
    return append(s);
  }

  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), n_}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: used as text
  [[nodiscard]] std::string str() const { return std::string(view()); }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] char operator[](std::size_t i) const noexcept { return buf_[i]; }
  static constexpr std::size_t capacity() noexcept { return N; }

  friend bool operator==(const FixedText& a, const FixedText& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const FixedText& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const FixedText& a, const char* b) noexcept { return a.view() == std::string_view(b); }
  friend std::ostream& operator<<(std::ostream& os, const FixedText& t) { return os << t.view(); }

 private:
  std::array<char, N> buf_;
  std::uint16_t n_ = 0;
};

template <class T, std::size_t N>
class FixedList {
 public:
  void clear() noexcept { n_ = 0; }
  // False (nothing added) when full.
  bool push_back(const T& v) noexcept {
    if (n_ == N) return false;
    items_[n_++] = v;
    return true;
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] bool full() const noexcept { return n_ == N; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return items_[i]; }
  [[nodiscard]] const T* begin() const noexcept { return items_.data(); }
  [[nodiscard]] const T* end() const noexcept { return items_.data() + n_; }
  static constexpr std::size_t capacity() noexcept { return N; }

 private:
  std::array<T, N> items_{};
  std::size_t n_ = 0;
};

}  // namespace mieruka::dissectors
