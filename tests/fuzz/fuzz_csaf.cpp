// Fuzzes the CSAF 2.0 reader and what follows an accepted document: the stored
// JSON form read back, and matching against devices of the document's makers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/advisories/advisory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka::inventory::advisories;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ReadResult r = read_csaf(text);
  if (r.error.empty() == r.advisories.empty()) std::abort();  // either read or refused, never both
  if (r.error.find('\n') != std::string::npos) std::abort();  // one line
  for (const auto& a : r.advisories) {
    (void)to_json(a).dump();  // throws (and aborts) on text that is not UTF-8
    const auto back = from_json(to_json(a));
    if (!back || to_json(*back) != to_json(a)) std::abort();
    std::vector<DeviceIdentity> devices;
    for (const auto& p : a.products) {
      if (devices.size() == 8) break;
      DeviceIdentity d;
      d.asset_id = "d" + std::to_string(devices.size());
      d.vendor_key = p.vendor_key;
      d.models = p.names;
      d.families = families_of(p.vendor_key, p.names.empty() ? p.full_name : p.names.back());
      d.firmware = p.versions.any_of.empty() ? "" : p.versions.any_of.front().front().version;
      devices.push_back(std::move(d));
    }
    for (const auto& m : match(devices, {a}))
      if (m.cves.empty()) std::abort();  // a match always names what affects it
  }
  return 0;
}
