// OPC UA binary encoding (IEC 62541-6 / OPC 10000-6 v1.04 §5.2) of the built-in
// types we meet on the discovery path, and the Part 4 (OPC 10000-4 v1.04 §5, §7)
// services that tell who a server or client is: GetEndpoints, FindServers,
// CreateSession, ActivateSession, Read (BuildInfo, ServerStatus), OpenSecureChannel.
// Every other service is named from its encoding NodeId and not decoded further.
// Emits nothing itself: returns typed records whose string views point into the
// bytes given (valid while those bytes are).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "result.hpp"

namespace mieruka::dissectors::opcua {

// Caps. Arrays above kMaxUaArrayLength elements are refused before anything is
// reserved; recursive types (Variant, DataValue, DiagnosticInfo, ExtensionObject
// bodies) stop at kMaxUaNestingDepth levels.
inline constexpr std::uint32_t kMaxUaArrayLength = 1000;
inline constexpr int kMaxUaNestingDepth = 8;

// Part 6 §5.2.2.4: Int32 length, -1 = null. Returned as std::nullopt.
using UaString = std::optional<std::string_view>;
using UaByteString = std::optional<Bytes>;

[[nodiscard]] Result<UaString> read_string(ByteReader& r) noexcept;
[[nodiscard]] Result<UaByteString> read_byte_string(ByteReader& r) noexcept;
// Part 6 §5.2.5: Int32 count, -1 = null (returned as 0), other negatives malformed,
// above kMaxUaArrayLength limit_exceeded; a count that cannot fit in what is left
// (each element takes at least `min_element_size` bytes) is malformed.
[[nodiscard]] Result<std::uint32_t> read_array_length(ByteReader& r, std::size_t min_element_size = 1) noexcept;

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// Part 6 §5.2.2.9 NodeId, §5.2.2.10 ExpandedNodeId.
struct NodeId {
  enum class Kind : std::uint8_t { numeric, string, guid, byte_string };
  Kind kind = Kind::numeric;
  std::uint16_t namespace_index = 0;
  std::uint32_t numeric = 0;
  Bytes identifier{};  // string / guid / opaque bytes
  [[nodiscard]] bool is_ns0_numeric(std::uint32_t id) const noexcept {
    return kind == Kind::numeric && namespace_index == 0 && numeric == id;
  }
};
[[nodiscard]] Result<NodeId> read_node_id(ByteReader& r) noexcept;
[[nodiscard]] Result<NodeId> read_expanded_node_id(ByteReader& r) noexcept;  // namespace URI and server index skipped

// Part 6 §5.2.2.14 LocalizedText.
struct LocalizedText {
  UaString locale;
  UaString text;
};
[[nodiscard]] Result<LocalizedText> read_localized_text(ByteReader& r) noexcept;

// Part 6 §5.2.2.15 ExtensionObject: the body stays bytes (decoded by type id on demand).
struct ExtensionObject {
  NodeId type_id;
  std::uint8_t encoding = 0;  // 0 no body, 1 ByteString, 2 XmlElement
  Bytes body{};
};
[[nodiscard]] Result<ExtensionObject> read_extension_object(ByteReader& r) noexcept;

// Skippers for the recursive types; `depth` starts at 0 and fails past kMaxUaNestingDepth.
[[nodiscard]] Result<Ok> skip_diagnostic_info(ByteReader& r, int depth = 0) noexcept;
[[nodiscard]] Result<Ok> skip_variant(ByteReader& r, int depth = 0) noexcept;
[[nodiscard]] Result<Ok> skip_data_value(ByteReader& r, int depth = 0) noexcept;

// Part 4 §7.28 RequestHeader and §7.29 ResponseHeader.
struct RequestHeader {
  std::uint32_t request_handle = 0;
};
struct ResponseHeader {
  std::uint32_t request_handle = 0;
  std::uint32_t service_result = 0;
};
[[nodiscard]] Result<RequestHeader> read_request_header(ByteReader& r) noexcept;
[[nodiscard]] Result<ResponseHeader> read_response_header(ByteReader& r) noexcept;

// Part 4 §7.1 ApplicationDescription.
enum class ApplicationType : std::uint32_t { server = 0, client = 1, client_and_server = 2, discovery_server = 3 };
struct ApplicationDescription {
  UaString application_uri;
  UaString product_uri;
  LocalizedText application_name;
  std::uint32_t application_type = 0;
  UaString gateway_server_uri;
  UaString discovery_profile_uri;
  std::vector<std::string_view> discovery_urls;
};
[[nodiscard]] Result<ApplicationDescription> read_application_description(ByteReader& r) noexcept;

// Part 4 §7.37 UserTokenPolicy; UserTokenType §7.37 table 147.
enum class UserTokenType : std::uint32_t { anonymous = 0, user_name = 1, certificate = 2, issued_token = 3 };
struct UserTokenPolicy {
  UaString policy_id;
  std::uint32_t token_type = 0;
  UaString issued_token_type;
  UaString issuer_endpoint_url;
  UaString security_policy_uri;
};

// Part 4 §7.14 MessageSecurityMode.
enum class MessageSecurityMode : std::uint32_t { invalid = 0, none = 1, sign = 2, sign_and_encrypt = 3 };

// Part 4 §7.10 EndpointDescription.
struct EndpointDescription {
  UaString endpoint_url;
  ApplicationDescription server;
  UaByteString server_certificate;
  std::uint32_t security_mode = 0;
  UaString security_policy_uri;
  std::vector<UserTokenPolicy> user_identity_tokens;
  UaString transport_profile_uri;
  std::uint8_t security_level = 0;
};
[[nodiscard]] Result<EndpointDescription> read_endpoint_description(ByteReader& r) noexcept;

// Part 5 §12.4 BuildInfo (encoding id 340), carried alone or inside ServerStatusDataType (864).
struct BuildInfo {
  UaString product_uri;
  UaString manufacturer_name;
  UaString product_name;
  UaString software_version;
  UaString build_number;
  std::int64_t build_date = 0;  // DateTime: 100 ns ticks since 1601-01-01
};
[[nodiscard]] Result<BuildInfo> read_build_info(ByteReader& r) noexcept;

// Encoding NodeIds (ns=0) of what we decode (OPC 10000-6 NodeIds.csv, *_Encoding_DefaultBinary).
namespace type_id {
inline constexpr std::uint32_t anonymous_identity_token = 321;
inline constexpr std::uint32_t user_name_identity_token = 324;
inline constexpr std::uint32_t x509_identity_token = 327;
inline constexpr std::uint32_t issued_identity_token = 940;
inline constexpr std::uint32_t build_info = 340;
inline constexpr std::uint32_t server_status = 864;
inline constexpr std::uint32_t service_fault = 397;
inline constexpr std::uint32_t find_servers_response = 425;
inline constexpr std::uint32_t get_endpoints_response = 431;
inline constexpr std::uint32_t open_secure_channel_request = 446;
inline constexpr std::uint32_t open_secure_channel_response = 449;
inline constexpr std::uint32_t create_session_request = 461;
inline constexpr std::uint32_t create_session_response = 464;
inline constexpr std::uint32_t activate_session_request = 467;
inline constexpr std::uint32_t read_response = 634;
}  // namespace type_id

// One service of Part 4, by its request or response encoding id.
struct ServiceInfo {
  std::uint32_t type_id;
  std::string_view ua_name;   // "ReadRequest", as Part 4 and Wireshark spell it
  std::string_view op_name;   // "read": the Operation name (request and response alike)
  bool is_request;
  bool is_write;              // changes the address space or process data
};
// Null when the id is not a known service encoding.
[[nodiscard]] const ServiceInfo* find_service(std::uint32_t type_id) noexcept;

enum class IdentityToken : std::uint8_t { unknown, anonymous, user_name, x509, issued };

// A decoded service message body (from the type NodeId on). Only the members of
// the decoded service are filled; `service` is null for an unknown type id.
struct ServiceMessage {
  NodeId type;
  const ServiceInfo* service = nullptr;
  std::uint32_t service_result = 0;  // responses
  // GetEndpoints response, CreateSession response.
  std::vector<EndpointDescription> endpoints;
  // FindServers response.
  std::vector<ApplicationDescription> servers;
  // CreateSession request.
  std::optional<ApplicationDescription> client_description;
  UaString server_uri;
  UaString endpoint_url;
  UaString session_name;
  // CreateSession response.
  UaByteString server_certificate;
  // ActivateSession request.
  IdentityToken identity_token = IdentityToken::unknown;
  // Read response values of type BuildInfo / ServerStatusDataType.
  std::vector<BuildInfo> build_infos;
  // OpenSecureChannel request.
  std::uint32_t request_type = 0;
  std::uint32_t security_mode = 0;
  std::uint32_t requested_lifetime = 0;
  // OpenSecureChannel response.
  std::uint32_t channel_id = 0;
  std::uint32_t token_id = 0;
  std::uint32_t revised_lifetime = 0;
};

// Decodes a service body. An unknown but well-formed type id gives service == null
// (not an error). A known service whose fields fail to decode returns the error.
[[nodiscard]] Result<ServiceMessage> decode_service(Bytes body) noexcept;

}  // namespace mieruka::dissectors::opcua
