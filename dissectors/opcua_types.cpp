// OPC UA binary encoding and service bodies (see opcua_types.hpp). Section
// numbers are OPC 10000-6 v1.04 (encoding) and OPC 10000-4 v1.04 (services).
#include "opcua_types.hpp"

#include <array>

namespace mieruka::dissectors::opcua {
namespace {

// Assigns the value of a Result-returning expression or returns its error.
#define UA_TRY(var, expr)                   \
  auto var##_result = (expr);               \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(var##_result).value()

#define UA_CHECK(expr)                      \
  do {                                      \
    auto check_result_ = (expr);            \
    if (!check_result_) return check_result_.error(); \
  } while (0)

Result<std::uint32_t> u32(ByteReader& r) noexcept {
  auto v = r.u32_le();
  if (!v) return ParseError::malformed;
  return *v;
}
Result<std::uint8_t> u8(ByteReader& r) noexcept {
  auto v = r.u8();
  if (!v) return ParseError::malformed;
  return *v;
}
Result<Ok> skip(ByteReader& r, std::size_t n) noexcept {
  if (!r.skip(n)) return ParseError::malformed;
  return Ok{};
}
Result<std::int64_t> i64(ByteReader& r) noexcept {
  auto v = r.u64_le();
  if (!v) return ParseError::malformed;
  return static_cast<std::int64_t>(*v);
}

// Part 6 §5.2.2.4: Int32 length then bytes; -1 null, other negatives malformed.
Result<std::optional<Bytes>> read_length_prefixed(ByteReader& r) noexcept {
  ByteReader work = r;
  auto raw = work.u32_le();
  if (!raw) return ParseError::malformed;
  const auto len = static_cast<std::int32_t>(*raw);
  if (len < -1) return ParseError::malformed;
  std::optional<Bytes> out;
  if (len >= 0) {
    auto body = work.take(static_cast<std::size_t>(len));
    if (!body) return ParseError::malformed;
    out = *body;
  }
  r = work;
  return out;
}

Result<Ok> skip_string(ByteReader& r) noexcept {
  UA_TRY(s, read_length_prefixed(r));
  (void)s;
  return Ok{};
}

Result<Ok> skip_string_array(ByteReader& r) noexcept {
  UA_TRY(n, read_array_length(r, 4));
  for (std::uint32_t i = 0; i < n; ++i) UA_CHECK(skip_string(r));
  return Ok{};
}

Result<Ok> skip_qualified_name(ByteReader& r) noexcept {
  UA_CHECK(skip(r, 2));
  return skip_string(r);
}

Result<Ok> skip_extension_object(ByteReader& r) noexcept {
  UA_TRY(eo, read_extension_object(r));
  (void)eo;
  return Ok{};
}

// One scalar value of built-in type `type` (Part 6 §5.1.2 table 1).
Result<Ok> skip_builtin(ByteReader& r, std::uint8_t type, int depth) noexcept {
  switch (type) {
    case 1: case 2: case 3: return skip(r, 1);        // Boolean, SByte, Byte
    case 4: case 5: return skip(r, 2);                // Int16, UInt16
    case 6: case 7: case 10: case 19: return skip(r, 4);  // Int32, UInt32, Float, StatusCode
    case 8: case 9: case 11: case 13: return skip(r, 8);  // Int64, UInt64, Double, DateTime
    case 14: return skip(r, 16);                      // Guid
    case 12: case 15: case 16: return skip_string(r);  // String, ByteString, XmlElement
    case 17: { UA_TRY(n, read_node_id(r)); (void)n; return Ok{}; }
    case 18: { UA_TRY(n, read_expanded_node_id(r)); (void)n; return Ok{}; }
    case 20: return skip_qualified_name(r);
    case 21: { UA_TRY(t, read_localized_text(r)); (void)t; return Ok{}; }
    case 22: return skip_extension_object(r);
    case 23: return skip_data_value(r, depth + 1);
    case 24: return skip_variant(r, depth + 1);
    case 25: return skip_diagnostic_info(r, depth + 1);
    default: return ParseError::malformed;
  }
}

// Smallest encoding of one element of a built-in type, to bound array counts.
std::size_t min_builtin_size(std::uint8_t type) noexcept {
  switch (type) {
    case 4: case 5: return 2;
    case 6: case 7: case 10: case 19: case 12: case 15: case 16: return 4;
    case 8: case 9: case 11: case 13: return 8;
    case 14: return 16;
    case 20: return 6;
    case 22: return 3;
    default: return 1;
  }
}

Result<ApplicationDescription> read_app_description_at(ByteReader& r) noexcept {
  ApplicationDescription d;
  UA_TRY(app_uri, read_string(r));
  d.application_uri = app_uri;
  UA_TRY(product_uri, read_string(r));
  d.product_uri = product_uri;
  UA_TRY(name, read_localized_text(r));
  d.application_name = name;
  UA_TRY(type, u32(r));
  d.application_type = type;
  UA_TRY(gateway, read_string(r));
  d.gateway_server_uri = gateway;
  UA_TRY(profile, read_string(r));
  d.discovery_profile_uri = profile;
  UA_TRY(n, read_array_length(r, 4));
  d.discovery_urls.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    UA_TRY(url, read_string(r));
    if (url) d.discovery_urls.push_back(*url);
  }
  return d;
}

Result<UserTokenPolicy> read_user_token_policy(ByteReader& r) noexcept {
  UserTokenPolicy p;
  UA_TRY(id, read_string(r));
  p.policy_id = id;
  UA_TRY(type, u32(r));
  p.token_type = type;
  UA_TRY(issued, read_string(r));
  p.issued_token_type = issued;
  UA_TRY(issuer, read_string(r));
  p.issuer_endpoint_url = issuer;
  UA_TRY(policy, read_string(r));
  p.security_policy_uri = policy;
  return p;
}

// Smallest encodings, to check array counts against what is left.
constexpr std::size_t kMinApplicationDescription = 4 + 4 + 1 + 4 + 4 + 4 + 4;
constexpr std::size_t kMinEndpointDescription = 4 + kMinApplicationDescription + 4 + 4 + 4 + 4 + 4 + 1;

Result<std::vector<EndpointDescription>> read_endpoints(ByteReader& r) noexcept {
  UA_TRY(n, read_array_length(r, kMinEndpointDescription));
  std::vector<EndpointDescription> out;
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    UA_TRY(e, read_endpoint_description(r));
    out.push_back(std::move(e));
  }
  return out;
}

// SignatureData (Part 4 §7.32): algorithm String, signature ByteString.
Result<Ok> skip_signature_data(ByteReader& r) noexcept {
  UA_CHECK(skip_string(r));
  return skip_string(r);
}

Result<Ok> decode_get_endpoints_response(ByteReader& r, ServiceMessage& m) noexcept {
  UA_TRY(eps, read_endpoints(r));
  m.endpoints = std::move(eps);
  return Ok{};
}

Result<Ok> decode_find_servers_response(ByteReader& r, ServiceMessage& m) noexcept {
  UA_TRY(n, read_array_length(r, kMinApplicationDescription));
  m.servers.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    UA_TRY(d, read_app_description_at(r));
    m.servers.push_back(std::move(d));
  }
  return Ok{};
}

// Part 4 §5.6.2.2 CreateSession request.
Result<Ok> decode_create_session_request(ByteReader& r, ServiceMessage& m) noexcept {
  UA_TRY(client, read_app_description_at(r));
  m.client_description = std::move(client);
  UA_TRY(server_uri, read_string(r));
  m.server_uri = server_uri;
  UA_TRY(endpoint_url, read_string(r));
  m.endpoint_url = endpoint_url;
  UA_TRY(session_name, read_string(r));
  m.session_name = session_name;
  return Ok{};  // client nonce, certificate, timeout, max size: not needed
}

// Part 4 §5.6.2.2 CreateSession response.
Result<Ok> decode_create_session_response(ByteReader& r, ServiceMessage& m) noexcept {
  UA_TRY(session_id, read_node_id(r));
  (void)session_id;
  UA_TRY(auth_token, read_node_id(r));
  (void)auth_token;
  UA_CHECK(skip(r, 8));  // revisedSessionTimeout (Double)
  UA_CHECK(skip_string(r));  // serverNonce
  UA_TRY(cert, read_byte_string(r));
  m.server_certificate = cert;
  UA_TRY(eps, read_endpoints(r));
  m.endpoints = std::move(eps);
  return Ok{};
}

// Part 4 §5.6.3.2 ActivateSession request: the user identity token's type.
Result<Ok> decode_activate_session_request(ByteReader& r, ServiceMessage& m) noexcept {
  UA_CHECK(skip_signature_data(r));  // clientSignature
  UA_TRY(n, read_array_length(r, 8));  // clientSoftwareCertificates
  for (std::uint32_t i = 0; i < n; ++i) UA_CHECK(skip_signature_data(r));  // two ByteStrings each
  UA_CHECK(skip_string_array(r));  // localeIds
  UA_TRY(token, read_extension_object(r));
  const auto& t = token.type_id;
  if (t.is_ns0_numeric(type_id::anonymous_identity_token)) m.identity_token = IdentityToken::anonymous;
  else if (t.is_ns0_numeric(type_id::user_name_identity_token)) m.identity_token = IdentityToken::user_name;
  else if (t.is_ns0_numeric(type_id::x509_identity_token)) m.identity_token = IdentityToken::x509;
  else if (t.is_ns0_numeric(type_id::issued_identity_token)) m.identity_token = IdentityToken::issued;
  return Ok{};
}

// Part 5 §12.10 ServerStatusDataType: startTime, currentTime, state, buildInfo, ...
Result<BuildInfo> read_server_status_build_info(ByteReader& r) noexcept {
  UA_CHECK(skip(r, 8 + 8 + 4));
  return read_build_info(r);
}

// Part 6 §5.2.2.17 DataValue; a scalar ExtensionObject value of type BuildInfo or
// ServerStatusDataType is decoded into m.build_infos, anything else skipped.
Result<Ok> decode_read_result(ByteReader& r, ServiceMessage& m) noexcept {
  auto mask = r.peek_u8();
  if (!mask) return ParseError::malformed;
  auto variant_mask = r.peek_u8(1);
  const bool scalar_extension_object = (*mask & 0x01) != 0 && variant_mask && *variant_mask == 22;
  if (!scalar_extension_object) return skip_data_value(r);
  (void)r.skip(2);
  UA_TRY(eo, read_extension_object(r));
  if (eo.encoding == 1 && eo.type_id.is_ns0_numeric(type_id::build_info)) {
    ByteReader body(eo.body);
    UA_TRY(info, read_build_info(body));
    if (m.build_infos.size() < kMaxUaArrayLength) m.build_infos.push_back(info);
  } else if (eo.encoding == 1 && eo.type_id.is_ns0_numeric(type_id::server_status)) {
    ByteReader body(eo.body);
    UA_TRY(info, read_server_status_build_info(body));
    if (m.build_infos.size() < kMaxUaArrayLength) m.build_infos.push_back(info);
  }
  // The rest of the DataValue: status, timestamps, picoseconds.
  if (*mask & 0x02) UA_CHECK(skip(r, 4));
  if (*mask & 0x04) UA_CHECK(skip(r, 8));
  if (*mask & 0x10) UA_CHECK(skip(r, 2));
  if (*mask & 0x08) UA_CHECK(skip(r, 8));
  if (*mask & 0x20) UA_CHECK(skip(r, 2));
  return Ok{};
}

Result<Ok> decode_read_response(ByteReader& r, ServiceMessage& m) noexcept {
  UA_TRY(n, read_array_length(r, 1));
  for (std::uint32_t i = 0; i < n; ++i) UA_CHECK(decode_read_result(r, m));
  return Ok{};  // diagnosticInfos: not needed
}

// Part 4 §5.5.2.2 OpenSecureChannel.
Result<Ok> decode_open_request(ByteReader& r, ServiceMessage& m) noexcept {
  UA_CHECK(skip(r, 4));  // clientProtocolVersion
  UA_TRY(request_type, u32(r));
  m.request_type = request_type;
  UA_TRY(mode, u32(r));
  m.security_mode = mode;
  UA_CHECK(skip_string(r));  // clientNonce
  UA_TRY(lifetime, u32(r));
  m.requested_lifetime = lifetime;
  return Ok{};
}

Result<Ok> decode_open_response(ByteReader& r, ServiceMessage& m) noexcept {
  UA_CHECK(skip(r, 4));  // serverProtocolVersion
  UA_TRY(channel, u32(r));
  m.channel_id = channel;
  UA_TRY(token, u32(r));
  m.token_id = token;
  UA_CHECK(skip(r, 8));  // createdAt
  UA_TRY(lifetime, u32(r));
  m.revised_lifetime = lifetime;
  return Ok{};
}

// Part 4 service table: encoding ids from NodeIds.csv (*_Encoding_DefaultBinary).
constexpr ServiceInfo kServices[] = {
    {397, "ServiceFault", "service_fault", false, false},
    {422, "FindServersRequest", "find_servers", true, false},
    {425, "FindServersResponse", "find_servers", false, false},
    {428, "GetEndpointsRequest", "get_endpoints", true, false},
    {431, "GetEndpointsResponse", "get_endpoints", false, false},
    {437, "RegisterServerRequest", "register_server", true, false},
    {440, "RegisterServerResponse", "register_server", false, false},
    {446, "OpenSecureChannelRequest", "open_secure_channel", true, false},
    {449, "OpenSecureChannelResponse", "open_secure_channel", false, false},
    {452, "CloseSecureChannelRequest", "close_secure_channel", true, false},
    {455, "CloseSecureChannelResponse", "close_secure_channel", false, false},
    {461, "CreateSessionRequest", "create_session", true, false},
    {464, "CreateSessionResponse", "create_session", false, false},
    {467, "ActivateSessionRequest", "activate_session", true, false},
    {470, "ActivateSessionResponse", "activate_session", false, false},
    {473, "CloseSessionRequest", "close_session", true, false},
    {476, "CloseSessionResponse", "close_session", false, false},
    {479, "CancelRequest", "cancel", true, false},
    {482, "CancelResponse", "cancel", false, false},
    {488, "AddNodesRequest", "add_nodes", true, true},
    {491, "AddNodesResponse", "add_nodes", false, true},
    {494, "AddReferencesRequest", "add_references", true, true},
    {497, "AddReferencesResponse", "add_references", false, true},
    {500, "DeleteNodesRequest", "delete_nodes", true, true},
    {503, "DeleteNodesResponse", "delete_nodes", false, true},
    {506, "DeleteReferencesRequest", "delete_references", true, true},
    {509, "DeleteReferencesResponse", "delete_references", false, true},
    {527, "BrowseRequest", "browse", true, false},
    {530, "BrowseResponse", "browse", false, false},
    {533, "BrowseNextRequest", "browse_next", true, false},
    {536, "BrowseNextResponse", "browse_next", false, false},
    {554, "TranslateBrowsePathsToNodeIdsRequest", "translate_browse_paths", true, false},
    {557, "TranslateBrowsePathsToNodeIdsResponse", "translate_browse_paths", false, false},
    {560, "RegisterNodesRequest", "register_nodes", true, false},
    {563, "RegisterNodesResponse", "register_nodes", false, false},
    {566, "UnregisterNodesRequest", "unregister_nodes", true, false},
    {569, "UnregisterNodesResponse", "unregister_nodes", false, false},
    {615, "QueryFirstRequest", "query_first", true, false},
    {618, "QueryFirstResponse", "query_first", false, false},
    {621, "QueryNextRequest", "query_next", true, false},
    {624, "QueryNextResponse", "query_next", false, false},
    {631, "ReadRequest", "read", true, false},
    {634, "ReadResponse", "read", false, false},
    {664, "HistoryReadRequest", "history_read", true, false},
    {667, "HistoryReadResponse", "history_read", false, false},
    {673, "WriteRequest", "write", true, true},
    {676, "WriteResponse", "write", false, true},
    {700, "HistoryUpdateRequest", "history_update", true, true},
    {703, "HistoryUpdateResponse", "history_update", false, true},
    {712, "CallRequest", "call", true, true},
    {715, "CallResponse", "call", false, true},
    {751, "CreateMonitoredItemsRequest", "create_monitored_items", true, false},
    {754, "CreateMonitoredItemsResponse", "create_monitored_items", false, false},
    {763, "ModifyMonitoredItemsRequest", "modify_monitored_items", true, false},
    {766, "ModifyMonitoredItemsResponse", "modify_monitored_items", false, false},
    {769, "SetMonitoringModeRequest", "set_monitoring_mode", true, false},
    {772, "SetMonitoringModeResponse", "set_monitoring_mode", false, false},
    {775, "SetTriggeringRequest", "set_triggering", true, false},
    {778, "SetTriggeringResponse", "set_triggering", false, false},
    {781, "DeleteMonitoredItemsRequest", "delete_monitored_items", true, false},
    {784, "DeleteMonitoredItemsResponse", "delete_monitored_items", false, false},
    {787, "CreateSubscriptionRequest", "create_subscription", true, false},
    {790, "CreateSubscriptionResponse", "create_subscription", false, false},
    {793, "ModifySubscriptionRequest", "modify_subscription", true, false},
    {796, "ModifySubscriptionResponse", "modify_subscription", false, false},
    {799, "SetPublishingModeRequest", "set_publishing_mode", true, false},
    {802, "SetPublishingModeResponse", "set_publishing_mode", false, false},
    {826, "PublishRequest", "publish", true, false},
    {829, "PublishResponse", "publish", false, false},
    {832, "RepublishRequest", "republish", true, false},
    {835, "RepublishResponse", "republish", false, false},
    {841, "TransferSubscriptionsRequest", "transfer_subscriptions", true, false},
    {844, "TransferSubscriptionsResponse", "transfer_subscriptions", false, false},
    {847, "DeleteSubscriptionsRequest", "delete_subscriptions", true, false},
    {850, "DeleteSubscriptionsResponse", "delete_subscriptions", false, false},
    {12208, "FindServersOnNetworkRequest", "find_servers_on_network", true, false},
    {12209, "FindServersOnNetworkResponse", "find_servers_on_network", false, false},
    {12211, "RegisterServer2Request", "register_server2", true, false},
    {12212, "RegisterServer2Response", "register_server2", false, false},
};

}  // namespace

Result<UaString> read_string(ByteReader& r) noexcept {
  UA_TRY(b, read_length_prefixed(r));
  if (!b) return UaString{};
  return UaString{as_chars(*b)};
}

Result<UaByteString> read_byte_string(ByteReader& r) noexcept { return read_length_prefixed(r); }

Result<std::uint32_t> read_array_length(ByteReader& r, std::size_t min_element_size) noexcept {
  auto raw = r.u32_le();
  if (!raw) return ParseError::malformed;
  const auto n = static_cast<std::int32_t>(*raw);
  if (n == -1) return std::uint32_t{0};
  if (n < 0) return ParseError::malformed;
  if (static_cast<std::uint32_t>(n) > kMaxUaArrayLength) return ParseError::limit_exceeded;
  if (min_element_size != 0 && static_cast<std::size_t>(n) > r.remaining() / min_element_size)
    return ParseError::malformed;
  return static_cast<std::uint32_t>(n);
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    if (c < 0x80) { ++i; continue; }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return false;
    if (len > s.size() - i) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<std::uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::array<std::uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// Part 6 §5.2.2.9 table 7: the encoding byte's low 6 bits pick the form.
static Result<NodeId> read_node_id_form(ByteReader& r, std::uint8_t form) noexcept {
  NodeId n;
  if (form == 0x00) {  // TwoByte
    UA_TRY(id, u8(r));
    n.numeric = id;
    return n;
  }
  if (form == 0x01) {  // FourByte
    UA_TRY(ns, u8(r));
    auto id = r.u16_le();
    if (!id) return ParseError::malformed;
    n.namespace_index = ns;
    n.numeric = *id;
    return n;
  }
  auto ns = r.u16_le();
  if (!ns) return ParseError::malformed;
  n.namespace_index = *ns;
  switch (form) {
    case 0x02: {
      UA_TRY(id, u32(r));
      n.numeric = id;
      return n;
    }
    case 0x03:
    case 0x05: {
      UA_TRY(id, read_length_prefixed(r));
      n.kind = form == 0x03 ? NodeId::Kind::string : NodeId::Kind::byte_string;
      if (id) n.identifier = *id;
      return n;
    }
    case 0x04: {
      auto guid = r.take(16);
      if (!guid) return ParseError::malformed;
      n.kind = NodeId::Kind::guid;
      n.identifier = *guid;
      return n;
    }
    default: return ParseError::malformed;
  }
}

Result<NodeId> read_node_id(ByteReader& r) noexcept {
  ByteReader work = r;
  UA_TRY(enc, u8(work));
  if ((enc & 0xc0) != 0) return ParseError::malformed;  // Expanded flags on a plain NodeId
  UA_TRY(n, read_node_id_form(work, enc));
  r = work;
  return n;
}

// Part 6 §5.2.2.10: flag 0x80 NamespaceUri follows, 0x40 ServerIndex follows.
Result<NodeId> read_expanded_node_id(ByteReader& r) noexcept {
  ByteReader work = r;
  UA_TRY(enc, u8(work));
  UA_TRY(n, read_node_id_form(work, enc & 0x3f));
  if (enc & 0x80) UA_CHECK(skip_string(work));
  if (enc & 0x40) UA_CHECK(skip(work, 4));
  r = work;
  return n;
}

// Part 6 §5.2.2.14: mask 0x01 Locale, 0x02 Text.
Result<LocalizedText> read_localized_text(ByteReader& r) noexcept {
  UA_TRY(mask, u8(r));
  if ((mask & 0xfc) != 0) return ParseError::malformed;
  LocalizedText t;
  if (mask & 0x01) {
    UA_TRY(locale, read_string(r));
    t.locale = locale;
  }
  if (mask & 0x02) {
    UA_TRY(text, read_string(r));
    t.text = text;
  }
  return t;
}

// Part 6 §5.2.2.15 table 14.
Result<ExtensionObject> read_extension_object(ByteReader& r) noexcept {
  ExtensionObject eo;
  UA_TRY(type, read_node_id(r));
  eo.type_id = type;
  UA_TRY(enc, u8(r));
  eo.encoding = enc;
  if (enc == 0) return eo;
  if (enc > 2) return ParseError::malformed;
  UA_TRY(body, read_length_prefixed(r));
  if (body) eo.body = *body;
  return eo;
}

// Part 6 §5.2.2.12 table 11: the mask says which fields follow.
Result<Ok> skip_diagnostic_info(ByteReader& r, int depth) noexcept {
  if (depth > kMaxUaNestingDepth) return ParseError::limit_exceeded;
  UA_TRY(mask, u8(r));
  if (mask & 0x80) return ParseError::malformed;
  if (mask & 0x01) UA_CHECK(skip(r, 4));  // SymbolicId
  if (mask & 0x02) UA_CHECK(skip(r, 4));  // NamespaceUri
  if (mask & 0x08) UA_CHECK(skip(r, 4));  // Locale
  if (mask & 0x04) UA_CHECK(skip(r, 4));  // LocalizedText
  if (mask & 0x10) UA_CHECK(skip_string(r));  // AdditionalInfo
  if (mask & 0x20) UA_CHECK(skip(r, 4));  // InnerStatusCode
  if (mask & 0x40) return skip_diagnostic_info(r, depth + 1);
  return Ok{};
}

// Part 6 §5.2.2.16 table 15: mask = type | 0x40 dimensions | 0x80 array.
Result<Ok> skip_variant(ByteReader& r, int depth) noexcept {
  if (depth > kMaxUaNestingDepth) return ParseError::limit_exceeded;
  UA_TRY(mask, u8(r));
  const std::uint8_t type = mask & 0x3f;
  if (type > 25) return ParseError::malformed;
  if (type == 0) return Ok{};  // null variant: nothing follows
  if (mask & 0x80) {
    UA_TRY(n, read_array_length(r, min_builtin_size(type)));
    for (std::uint32_t i = 0; i < n; ++i) UA_CHECK(skip_builtin(r, type, depth));
    if (mask & 0x40) {
      UA_TRY(dims, read_array_length(r, 4));
      UA_CHECK(skip(r, std::size_t{dims} * 4));
    }
    return Ok{};
  }
  return skip_builtin(r, type, depth);
}

// Part 6 §5.2.2.17 table 16.
Result<Ok> skip_data_value(ByteReader& r, int depth) noexcept {
  if (depth > kMaxUaNestingDepth) return ParseError::limit_exceeded;
  UA_TRY(mask, u8(r));
  if (mask & 0xc0) return ParseError::malformed;
  if (mask & 0x01) UA_CHECK(skip_variant(r, depth + 1));
  if (mask & 0x02) UA_CHECK(skip(r, 4));   // StatusCode
  if (mask & 0x04) UA_CHECK(skip(r, 8));   // SourceTimestamp
  if (mask & 0x10) UA_CHECK(skip(r, 2));   // SourcePicoseconds
  if (mask & 0x08) UA_CHECK(skip(r, 8));   // ServerTimestamp
  if (mask & 0x20) UA_CHECK(skip(r, 2));   // ServerPicoseconds
  return Ok{};
}

Result<RequestHeader> read_request_header(ByteReader& r) noexcept {
  RequestHeader h;
  UA_TRY(token, read_node_id(r));  // authenticationToken
  (void)token;
  UA_CHECK(skip(r, 8));  // timestamp
  UA_TRY(handle, u32(r));
  h.request_handle = handle;
  UA_CHECK(skip(r, 4));  // returnDiagnostics
  UA_CHECK(skip_string(r));  // auditEntryId
  UA_CHECK(skip(r, 4));  // timeoutHint
  UA_CHECK(skip_extension_object(r));  // additionalHeader
  return h;
}

Result<ResponseHeader> read_response_header(ByteReader& r) noexcept {
  ResponseHeader h;
  UA_CHECK(skip(r, 8));  // timestamp
  UA_TRY(handle, u32(r));
  h.request_handle = handle;
  UA_TRY(result, u32(r));
  h.service_result = result;
  UA_CHECK(skip_diagnostic_info(r));
  UA_CHECK(skip_string_array(r));  // stringTable
  UA_CHECK(skip_extension_object(r));  // additionalHeader
  return h;
}

Result<ApplicationDescription> read_application_description(ByteReader& r) noexcept {
  return read_app_description_at(r);
}

Result<EndpointDescription> read_endpoint_description(ByteReader& r) noexcept {
  EndpointDescription e;
  UA_TRY(url, read_string(r));
  e.endpoint_url = url;
  UA_TRY(server, read_app_description_at(r));
  e.server = std::move(server);
  UA_TRY(cert, read_byte_string(r));
  e.server_certificate = cert;
  UA_TRY(mode, u32(r));
  e.security_mode = mode;
  UA_TRY(policy, read_string(r));
  e.security_policy_uri = policy;
  UA_TRY(n, read_array_length(r, 4 + 4 + 4 + 4 + 4));
  e.user_identity_tokens.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    UA_TRY(p, read_user_token_policy(r));
    e.user_identity_tokens.push_back(p);
  }
  UA_TRY(transport, read_string(r));
  e.transport_profile_uri = transport;
  UA_TRY(level, u8(r));
  e.security_level = level;
  return e;
}

Result<BuildInfo> read_build_info(ByteReader& r) noexcept {
  BuildInfo b;
  UA_TRY(product_uri, read_string(r));
  b.product_uri = product_uri;
  UA_TRY(manufacturer, read_string(r));
  b.manufacturer_name = manufacturer;
  UA_TRY(product_name, read_string(r));
  b.product_name = product_name;
  UA_TRY(version, read_string(r));
  b.software_version = version;
  UA_TRY(build_number, read_string(r));
  b.build_number = build_number;
  UA_TRY(date, i64(r));
  b.build_date = date;
  return b;
}

const ServiceInfo* find_service(std::uint32_t id) noexcept {
  for (const auto& s : kServices)
    if (s.type_id == id) return &s;
  return nullptr;
}

Result<ServiceMessage> decode_service(Bytes body) noexcept {
  ByteReader r(body);
  ServiceMessage m;
  UA_TRY(type, read_node_id(r));
  m.type = type;
  if (type.kind != NodeId::Kind::numeric || type.namespace_index != 0) return m;
  m.service = find_service(type.numeric);
  if (m.service == nullptr) return m;
  if (m.service->is_request) {
    UA_TRY(h, read_request_header(r));
    (void)h;
    switch (type.numeric) {
      case type_id::create_session_request: UA_CHECK(decode_create_session_request(r, m)); break;
      case type_id::activate_session_request: UA_CHECK(decode_activate_session_request(r, m)); break;
      case type_id::open_secure_channel_request: UA_CHECK(decode_open_request(r, m)); break;
      default: break;
    }
    return m;
  }
  UA_TRY(h, read_response_header(r));
  m.service_result = h.service_result;
  switch (type.numeric) {
    case type_id::get_endpoints_response: UA_CHECK(decode_get_endpoints_response(r, m)); break;
    case type_id::find_servers_response: UA_CHECK(decode_find_servers_response(r, m)); break;
    case type_id::create_session_response: UA_CHECK(decode_create_session_response(r, m)); break;
    case type_id::read_response: UA_CHECK(decode_read_response(r, m)); break;
    case type_id::open_secure_channel_response: UA_CHECK(decode_open_response(r, m)); break;
    default: break;
  }
  return m;
}

#undef UA_TRY
#undef UA_CHECK

}  // namespace mieruka::dissectors::opcua
