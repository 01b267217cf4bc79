// Fuzzes address parsing of config and spreadsheet input (MAC in its three
// spellings, IPv4/IPv6): what parses prints back to text that parses to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dissectors/net.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto m = MacAddr::parse(in)) {
    const auto again = MacAddr::parse(m->to_string());
    if (!again || *again != *m) std::abort();
  }
  if (const auto ip = IpAddr::parse(in)) {
    const auto again = IpAddr::parse(ip->to_string());
    if (!again || *again != *ip) std::abort();
  }
  return 0;
}
