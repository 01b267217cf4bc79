// OUI vendor lookup (see oui.hpp). The table is generated at build time; it is
// sorted by bits descending, then prefix ascending, so each prefix length is one
// contiguous sorted run and a lookup is at most three binary searches.
#include "inventory/ledger/oui.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace mieruka::inventory::oui {
namespace {
#include "oui_table.inc"

// Longest first: an MA-S block lies inside an MA-L assignment to the IEEE RA.
constexpr std::array<std::uint8_t, 3> kPrefixBits = {36, 28, 24};

bool entry_before(const OuiEntry& a, std::uint8_t bits, std::uint64_t prefix) noexcept {
  if (a.bits != bits) return a.bits > bits;
  return a.prefix < prefix;
}
}  // namespace

std::optional<std::string_view> vendor(const MacAddr& mac) noexcept {
  if (!mac.is_unicast() || mac.is_locally_administered()) return std::nullopt;
  const std::uint64_t v = mac.to_u64();
  for (const std::uint8_t bits : kPrefixBits) {
    const std::uint64_t prefix = v >> (48U - bits);
    const auto* it = std::lower_bound(std::begin(kOuiEntries), std::end(kOuiEntries), std::pair{bits, prefix},
                                      [](const OuiEntry& e, const std::pair<std::uint8_t, std::uint64_t>& k) {
                                        return entry_before(e, k.first, k.second);
                                      });
    if (it != std::end(kOuiEntries) && it->bits == bits && it->prefix == prefix)
      return std::string_view(kOuiNames + it->name_offset, it->name_length);
  }
  return std::nullopt;
}

std::string_view describe_flags(const MacAddr& mac) noexcept {
  if (mac.is_broadcast()) return "broadcast";
  if (mac.is_multicast()) return mac.is_locally_administered() ? "locally administered multicast" : "multicast";
  return mac.is_locally_administered() ? "locally administered" : "";
}

std::size_t table_size() noexcept { return std::size(kOuiEntries); }

}  // namespace mieruka::inventory::oui
