// The end-of-support table (see eos_table.hpp). Dates are those the vendors
// published; the rows are few on purpose: only what can be cited.
#include "inventory/report/eos_table.hpp"

#include <set>

namespace mieruka::inventory {
namespace {

constexpr std::string_view kMsLifecycle = "Microsoft Lifecycle Policy, learn.microsoft.com/lifecycle";

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty() || hay.size() < needle.size()) return false;
  auto lc = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool ok = true;
    for (std::size_t j = 0; j < needle.size() && ok; ++j) ok = lc(hay[i + j]) == lc(needle[j]);
    if (ok) return true;
  }
  return false;
}

}  // namespace

const std::vector<EndOfSupport>& end_of_support_table() {
  // Longer patterns first where one contains another ("Windows Server 2008" before "Windows 7" is not an issue;
  // "Windows 10" must not match "Windows 10 ... LTSC", whose support runs longer).
  static const std::vector<EndOfSupport> kEndOfSupport = {
      {"Windows XP", "", "Windows XP", "end_of_support", "2014-04-08", kMsLifecycle},
      {"Windows Vista", "", "Windows Vista", "end_of_support", "2017-04-11", kMsLifecycle},
      {"Windows 7", "", "Windows 7", "end_of_support", "2020-01-14", kMsLifecycle},
      {"Windows 8.1", "", "Windows 8.1", "end_of_support", "2023-01-10", kMsLifecycle},
      {"Windows 10", "LTS", "Windows 10 (Home, Pro, Enterprise, Education)", "end_of_support", "2025-10-14",
       kMsLifecycle},
      {"Windows Server 2003", "", "Windows Server 2003", "end_of_support", "2015-07-14", kMsLifecycle},
      {"Windows Server 2008", "", "Windows Server 2008 / 2008 R2", "end_of_support", "2020-01-14", kMsLifecycle},
      {"Windows 2000", "", "Windows 2000", "end_of_support", "2010-07-13", kMsLifecycle},
      {"S7-300", "", "SIMATIC S7-300", "discontinued", "2025-10-01",
       "Siemens product lifecycle: S7-300 type discontinuation (PM410, spare parts only) from 2025-10-01"},
      // S7-300 CPUs report an order number (MLFB) 6ES7 31x-... rather than the family name.
      {"6ES7 31", "", "SIMATIC S7-300 CPU", "discontinued", "2025-10-01",
       "Siemens product lifecycle: S7-300 type discontinuation (PM410, spare parts only) from 2025-10-01"},
  };
  return kEndOfSupport;
}

std::vector<EosMatch> end_of_support_matches(const Asset& a) {
  static constexpr std::string_view kFields[] = {"os", "product", "description", "model"};
  std::vector<EosMatch> out;
  std::set<const EndOfSupport*> seen;
  for (const auto& row : end_of_support_table()) {
    for (std::string_view field : kFields) {
      for (const auto& f : a.facts) {
        if (f.field != field || !icontains(f.value, row.pattern)) continue;
        if (!row.unless.empty() && icontains(f.value, row.unless)) continue;
        if (!seen.insert(&row).second) continue;
        out.push_back({&row, field, f.value});
      }
    }
  }
  return out;
}

}  // namespace mieruka::inventory
