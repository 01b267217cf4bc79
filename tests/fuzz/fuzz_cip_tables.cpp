// Fuzzes the CIP lookup tables with every id the wire can carry: each lookup
// answers (a service name is never empty) and never reads outside its table.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dissectors/cip_tables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka::dissectors::cip;
  if (size < 7) return 0;
  const auto u16 = [&](std::size_t i) { return static_cast<std::uint16_t>(data[i] | (data[i + 1] << 8)); };
  (void)vendor_name(u16(0));
  (void)device_type_name(u16(2));
  (void)general_status_name(data[4]);
  const std::uint32_t class_id = u16(5);
  if (service_info(data[4], (data[6] & 1) != 0, class_id).name.empty()) std::abort();
  return 0;
}
