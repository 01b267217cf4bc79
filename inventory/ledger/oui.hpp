// MAC address vendor lookup against the IEEE registries (MA-L 24-bit, MA-M 28-bit,
// MA-S 36-bit prefixes), compiled in at build time by inventory/tools/gen_oui.cpp
// from Debian's ieee-data CSVs, and the meaning of a MAC's two flag bits
// (IEEE 802-2014 §8.2: I/G individual/group, U/L universal/local).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dissectors/net.hpp"

namespace mieruka::inventory::oui {

// One registry assignment: `prefix` is the assignment's top `bits` bits of the
// MAC, right-aligned (0x0000bc for 00:00:bc, 24 bits); the organisation's name
// is kOuiNames[name_offset, name_offset + name_length).
struct OuiEntry {
  std::uint64_t prefix;
  std::uint32_t name_offset;
  std::uint16_t name_length;
  std::uint8_t bits;
};

// The organisation the IEEE assigned the longest prefix of `mac` to (MA-S before
// MA-M before MA-L), e.g. "Rockwell Automation" for 00:00:bc:..; "Private" for
// assignments registered as private. Null for locally administered, group
// (multicast) and all-zero addresses, which no registry entry describes, and
// for unknown prefixes. The view points into static storage.
[[nodiscard]] std::optional<std::string_view> vendor(const MacAddr& mac) noexcept;

// The flag bits in words: "" for a universally administered unicast address,
// otherwise "locally administered", "multicast", "locally administered multicast"
// or "broadcast". Static storage.
[[nodiscard]] std::string_view describe_flags(const MacAddr& mac) noexcept;

// Number of prefixes in the compiled table (for diagnostics and tests).
[[nodiscard]] std::size_t table_size() noexcept;

}  // namespace mieruka::inventory::oui
