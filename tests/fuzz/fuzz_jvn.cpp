// Fuzzes the JVN VULDEF (XML) reader, the Japanese version wording it turns
// into ranges, and the stored JSON form of what it read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/advisories/advisory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka::inventory::advisories;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ReadResult r = read_jvn(text);
  if (r.error.empty() == r.advisories.empty()) std::abort();
  if (r.error.find('\n') != std::string::npos) std::abort();
  for (const auto& a : r.advisories) {
    (void)to_json(a).dump();  // throws (and aborts) on text that is not UTF-8
    const auto back = from_json(to_json(a));
    if (!back || to_json(*back) != to_json(a)) std::abort();
    for (const auto& p : a.products) (void)in_range(p.versions, "1.0", p.vendor_key);
  }
  return 0;
}
