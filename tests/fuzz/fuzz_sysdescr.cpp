// Fuzzes the system description reader (one description per input) and the
// facts it emits: every row's anchor search, item split and version scan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/sysdescr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka;
  NullSink sink;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dissectors::sysdescr::emit(dissectors::sysdescr::parse(text), AssetRef::sender_party(), "snmp", sink);
  return 0;
}
