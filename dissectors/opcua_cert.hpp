// X.509 certificates carried by OPC UA (OPC 10000-6 §6.2.2: the sender certificate
// of the asymmetric security header, the server certificate of an endpoint), DER
// (RFC 5280). Decoded with OpenSSL's d2i_X509, which allocates: acceptable because a
// certificate appears once per secure channel, and the input is bounded by
// kMaxCertificateSize. Emits nothing; returns the identity fields an inventory needs.
#pragma once

#include <cstddef>
#include <string>

#include "byte_reader.hpp"
#include "result.hpp"

namespace mieruka::dissectors::opcua {

// Real UA application certificates are 1-3 KiB; chains (Part 6 §6.2.3 allows a
// certificate chain in the field) stay well under this.
inline constexpr std::size_t kMaxCertificateSize = 32 * 1024;
inline constexpr std::size_t kMaxCertificateFieldLength = 1024;  // per text field kept

struct CertificateInfo {
  std::string subject;          // RFC 2253 one-line form
  std::string subject_cn;       // commonName (the application name, by UA convention)
  std::string subject_o;        // organizationName
  std::string issuer;           // RFC 2253 one-line form
  std::string not_before;       // RFC 3339 UTC, e.g. "2024-01-02T03:04:05Z"
  std::string not_after;
  std::string application_uri;  // the URI in subjectAltName (Part 6 §6.2.2)
  bool self_signed = false;     // issuer name equals subject name
};

// Parses the first DER certificate of `der` (a chain may follow; ignored).
// Empty or oversized input, or bytes OpenSSL rejects, give an error.
[[nodiscard]] Result<CertificateInfo> parse_certificate(Bytes der) noexcept;

}  // namespace mieruka::dissectors::opcua
