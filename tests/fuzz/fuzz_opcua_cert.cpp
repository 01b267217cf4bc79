// Fuzz target: the X.509 reader used for OPC UA sender certificates and TLS
// server certificates, on arbitrary DER bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dissectors/opcua_cert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> der(size);
  if (size != 0) std::memcpy(der.data(), data, size);
  (void)mieruka::dissectors::opcua::parse_certificate(der);
  return 0;
}
