// End-of-support operating systems and firmware (checklist item 3-2), as data:
// kEndOfSupport in eos_table.cpp. Every row names its source; add only facts
// that can be cited. Matching is an ASCII case-insensitive substring test on
// the version facts an asset carries (os, product, description, model); a row
// may name substrings that exclude it (e.g. LTSC editions with longer support).
#pragma once

#include <string_view>
#include <vector>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {

struct EndOfSupport {
  std::string_view pattern;    // substring of the fact value (case-insensitive)
  std::string_view unless;     // "" or a substring that excludes the row ("ltsc")
  std::string_view label;      // "Windows 7"
  std::string_view status;     // "end_of_support" (no security updates) or "discontinued" (no new units)
  std::string_view date;       // ISO date the status began
  std::string_view source;     // where the fact comes from
};

struct EosMatch {
  const EndOfSupport* row = nullptr;
  std::string_view field;  // the fact that matched
  std::string value;       // its value (as on the wire)
};

// The rows of the table (tests, docs).
[[nodiscard]] const std::vector<EndOfSupport>& end_of_support_table();
// Every row matching one of the asset's version facts (one match per row).
[[nodiscard]] std::vector<EosMatch> end_of_support_matches(const Asset& a);

}  // namespace mieruka::inventory
