// Requests waiting for their responses, for the request/response protocols
// that pair them by an id (Modbus transaction id, FINS SID, ...). The entries in
// use are kept dense at the front, so a lookup scans only those (one or two on a
// polling link), never the whole capacity; when full, a new request replaces
// the oldest one. Fixed size, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace mieruka::dissectors {

template <class T, std::size_t N>
class PendingTable {
  static_assert(N > 0);

 public:
  // The first pending entry `match` accepts, or nullptr.
  template <class Match>
  [[nodiscard]] T* find(Match match) noexcept {
    for (std::size_t i = 0; i < count_; ++i)
      if (match(items_[i])) return &items_[i];
    return nullptr;
  }

  // The entry to fill for a new request: the pending one `same` accepts (an id
  // reused before its response came), else a free one, else the oldest, which
  // is then lost (`overflow` says so). The entry counts as the newest.
  template <class Same>
  [[nodiscard]] T& slot(Same same, bool& overflow) noexcept {
    overflow = false;
    std::size_t i = 0;
    while (i < count_ && !same(items_[i])) ++i;
    if (i == count_) {
      if (count_ < N) {
        ++count_;
      } else {
        overflow = true;
        i = 0;
        for (std::size_t j = 1; j < N; ++j)
          if (ages_[j] < ages_[i]) i = j;
      }
    }
    ages_[i] = ++clock_;
    return items_[i];
  }

  // Drops an entry find() or slot() returned; the others keep their ages.
  // A reference from elsewhere is ignored: std::less gives a total order over
  // all pointers, where subtracting unrelated ones would be undefined.
  void erase(T& t) noexcept {
    const std::less<const T*> before;
    if (before(&t, items_.data()) || !before(&t, items_.data() + count_)) return;
    const auto i = static_cast<std::size_t>(&t - items_.data());
    --count_;
    if (i != count_) {
      items_[i] = items_[count_];
      ages_[i] = ages_[count_];
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  void clear() noexcept { count_ = 0; }

 private:
  std::array<T, N> items_{};
  std::array<std::uint64_t, N> ages_{};
  std::size_t count_ = 0;
  std::uint64_t clock_ = 0;
};

}  // namespace mieruka::dissectors
