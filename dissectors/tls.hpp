// TLS (RFC 8446 §4, RFC 5246 §6.2 and §7.4) as an identity source: record layer
// framing per direction, handshake messages reassembled across records, and the
// cleartext messages of a handshake: ClientHello (version, server_name RFC 6066
// §3, ALPN RFC 7301), ServerHello (negotiated version, supported_versions of RFC
// 8446 §4.2.1) and, for TLS <= 1.2, the server's Certificate message (first
// certificate decoded with opcua::parse_certificate plus its DNS subjectAltNames).
// Emits Facts: tls_client_sni / tls_alpn / tls_client_version on the client,
// tls_sni and tls_version on the server, tls_cert_* and name / vendor hints on the
// certificate's sender. Source "tls". Parsing of a direction stops after its first
// Certificate message, at the first encrypted record, or after kMaxBytesPerDirection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::tls {

inline constexpr std::size_t kRecordHeaderSize = 5;
// RFC 5246 §6.2.3: TLSCiphertext.length <= 2^14 + 2048 (the largest of the three).
inline constexpr std::size_t kMaxRecordLength = 16384 + 2048;
// A handshake message we wait for in full (a Certificate chain of a few KiB fits).
inline constexpr std::size_t kMaxHandshakeMessage = 64 * 1024;
// Bytes of one direction looked at before giving up (the handshake is early).
inline constexpr std::size_t kMaxBytesPerDirection = 64 * 1024;
inline constexpr std::size_t kMaxExtensions = 64;     // extensions walked per hello
inline constexpr std::size_t kMaxAlpnProtocols = 8;   // ALPN names kept
inline constexpr std::size_t kMaxSanNames = 16;       // DNS subjectAltNames kept
inline constexpr std::size_t kMaxNameLength = 255;    // a DNS name (RFC 1035 §2.3.4)

inline constexpr std::uint8_t kContentChangeCipherSpec = 20;
inline constexpr std::uint8_t kContentAlert = 21;
inline constexpr std::uint8_t kContentHandshake = 22;
inline constexpr std::uint8_t kContentApplicationData = 23;
inline constexpr std::uint8_t kContentHeartbeat = 24;

inline constexpr std::uint8_t kClientHello = 1;
inline constexpr std::uint8_t kServerHello = 2;
inline constexpr std::uint8_t kCertificate = 11;

// RFC 8446 §5.1 TLSPlaintext header.
struct RecordHeader {
  std::uint8_t content_type = 0;
  std::uint16_t version = 0;  // legacy_record_version
  std::uint16_t length = 0;
};

// RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2).
struct ClientHello {
  std::uint16_t legacy_version = 0;
  std::uint16_t max_supported_version = 0;  // from supported_versions, 0 when absent
  std::string server_name;                  // first host_name of server_name, "" when absent
  std::vector<std::string> alpn;            // at most kMaxAlpnProtocols
};

// RFC 8446 §4.1.3.
struct ServerHello {
  std::uint16_t legacy_version = 0;
  std::uint16_t selected_version = 0;  // supported_versions when present, else legacy_version
};

// Parses a record header (5 bytes). malformed: unknown content type, a major
// version other than 3, or a length above kMaxRecordLength.
[[nodiscard]] Result<RecordHeader> parse_record_header(Bytes b) noexcept;
// Bodies of handshake messages (after the 4-byte type + length).
[[nodiscard]] Result<ClientHello> parse_client_hello(Bytes body) noexcept;
[[nodiscard]] Result<ServerHello> parse_server_hello(Bytes body) noexcept;
// The first certificate of a TLS 1.2 Certificate message body (RFC 5246 §7.4.2).
[[nodiscard]] Result<Bytes> first_certificate(Bytes body) noexcept;
// "TLS 1.2", "TLS 1.3", "SSL 3.0", or "0x7f1c" for anything else.
[[nodiscard]] std::string version_name(std::uint16_t v);

// The first bytes of a to_server stream start a ClientHello record.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;
[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::tls
