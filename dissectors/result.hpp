// Result<T>: the error-as-value type of the packet path (shaped like std::expected,
// which g++ 12 in C++20 mode does not have). ParseError is closed on purpose: every
// dissector speaks the same five failure words, and counters are named per protocol.
#pragma once

#include <cassert>
#include <string_view>
#include <utility>
#include <variant>

namespace mieruka {

enum class ParseError : unsigned char {
  truncated,       // the capture cut the bytes (snaplen, file cut short)
  malformed,       // the bytes contradict the spec
  need_more,       // a stream parser needs more bytes before it can decide
  limit_exceeded,  // a count or length above one of our named caps
  unsupported,     // valid but not something we decode (version, type)
};

[[nodiscard]] constexpr std::string_view to_string(ParseError e) noexcept {
  switch (e) {
    case ParseError::truncated: return "truncated";
    case ParseError::malformed: return "malformed";
    case ParseError::need_more: return "need_more";
    case ParseError::limit_exceeded: return "limit_exceeded";
    case ParseError::unsupported: return "unsupported";
  }
  return "unknown";
}

template <class T>
class [[nodiscard]] Result {
 public:
  // By reference, not by value: a by-value parameter would copy a large result
  // (a CPF list, a Modbus ADU) twice on every return.
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(const T& value) : v_(std::in_place_index<0>, value) {}       // NOLINT
  Result(ParseError error) : v_(error) {}             // NOLINT
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { assert(ok()); return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { assert(ok()); return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  [[nodiscard]] ParseError error() const noexcept { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, ParseError> v_;
};

struct Ok {};

}  // namespace mieruka
