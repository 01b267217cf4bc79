// OPC UA: transport headers, secure conversation, services and the stream parser,
// from byte vectors built field by field after OPC 10000-6 v1.04 / 10000-4 v1.04.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/opcua.hpp"
#include "dissectors/opcua_cert.hpp"
#include "dissectors/opcua_types.hpp"
#include "dissectors/registry.hpp"

namespace mieruka::dissectors::opcua {
namespace {

// Little-endian writer for UA binary encoding.
struct W {
  std::vector<std::uint8_t> b;
  W& u8(std::uint8_t v) { b.push_back(v); return *this; }
  W& u16(std::uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  W& u32(std::uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  W& i64(std::int64_t v) { return u32(static_cast<std::uint32_t>(v)).u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32)); }
  W& str(std::string_view s) { u32(static_cast<std::uint32_t>(s.size())); b.insert(b.end(), s.begin(), s.end()); return *this; }
  W& null() { return u32(0xffffffff); }
  W& raw(const std::vector<std::uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); return *this; }
  W& bytes(const std::vector<std::uint8_t>& v) { u32(static_cast<std::uint32_t>(v.size())); return raw(v); }
  W& node4(std::uint16_t id) { return u8(0x01).u8(0).u16(id); }  // FourByte NodeId, ns 0
};

Bytes span(const std::vector<std::uint8_t>& v) { return {reinterpret_cast<const std::byte*>(v.data()), v.size()}; }

std::vector<std::uint8_t> chunk(std::string_view type, char chunk_type, const std::vector<std::uint8_t>& body) {
  W w;
  for (char c : type) w.u8(static_cast<std::uint8_t>(c));
  w.u8(static_cast<std::uint8_t>(chunk_type));
  w.u32(static_cast<std::uint32_t>(8 + body.size()));
  return w.raw(body).b;
}

struct Recorded {
  AssetRef::Kind who;
  std::string field, value, source;
};
struct RecordingSink final : Sink {
  std::vector<Recorded> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who.kind, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation& op) noexcept override { ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  bool has(AssetRef::Kind who, std::string_view field, std::string_view value) const {
    return std::any_of(facts.begin(), facts.end(),
                       [&](const Recorded& r) { return r.who == who && r.field == field && r.value == value; });
  }
  bool has_op(std::string_view name) const {
    return std::any_of(ops.begin(), ops.end(), [&](const Operation& o) { return o.name == name; });
  }
  bool has_anomaly(std::string_view a) const { return std::find(anomalies.begin(), anomalies.end(), a) != anomalies.end(); }
};
constexpr auto kSender = AssetRef::Kind::sender;
constexpr auto kReceiver = AssetRef::Kind::receiver;

const std::string kUrl = "opc.tcp://plc1:4840";
const std::string kNone = "http://opcfoundation.org/UA/SecurityPolicy#None";
const std::string kSha256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";

// Part 6 §7.1.2.3 Hello.
std::vector<std::uint8_t> hello_body(std::string_view url = kUrl) {
  return W{}
      .u32(0)        // ProtocolVersion
      .u32(65536)    // ReceiveBufferSize
      .u32(65536)    // SendBufferSize
      .u32(0)        // MaxMessageSize (no limit)
      .u32(0)        // MaxChunkCount (no limit)
      .str(url)      // EndpointUrl
      .b;
}
std::vector<std::uint8_t> ack_body() {
  return W{}.u32(0).u32(8192).u32(8192).u32(0).u32(0).b;  // version, recv, send, max msg, max chunks
}

W& request_header(W& w) {
  return w.u8(0x00).u8(0)  // AuthenticationToken: TwoByte NodeId 0
      .i64(0)              // Timestamp
      .u32(1)              // RequestHandle
      .u32(0)              // ReturnDiagnostics
      .null()              // AuditEntryId
      .u32(10000)          // TimeoutHint
      .u8(0x00).u8(0).u8(0);  // AdditionalHeader: ExtensionObject, null type, no body
}
W& response_header(W& w, std::uint32_t result = 0) {
  return w.i64(0)          // Timestamp
      .u32(1)              // RequestHandle
      .u32(result)         // ServiceResult
      .u8(0)               // ServiceDiagnostics: empty DiagnosticInfo
      .u32(0xffffffff)     // StringTable: null array
      .u8(0x00).u8(0).u8(0);  // AdditionalHeader
}

// Part 4 §7.1 ApplicationDescription.
W& app_description(W& w, std::string_view uri, std::string_view product, std::string_view name, std::uint32_t type) {
  return w.str(uri)        // ApplicationUri
      .str(product)        // ProductUri
      .u8(0x02).str(name)  // ApplicationName: LocalizedText, text only
      .u32(type)           // ApplicationType
      .null()              // GatewayServerUri
      .null()              // DiscoveryProfileUri
      .u32(1).str(kUrl);   // DiscoveryUrls
}

// Part 4 §7.10 EndpointDescription.
W& endpoint(W& w, std::uint32_t mode, std::string_view policy, bool anonymous) {
  w.str(kUrl);  // EndpointUrl
  app_description(w, "urn:vendor:plc1", "urn:vendor:product", "PLC One", 0);
  w.null()             // ServerCertificate
      .u32(mode)       // SecurityMode
      .str(policy)     // SecurityPolicyUri
      .u32(anonymous ? 2 : 1);  // UserIdentityTokens count
  if (anonymous) w.str("anon").u32(0).null().null().null();  // Anonymous policy
  w.str("user").u32(1).null().null().str(kSha256);             // UserName policy
  return w.str("http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary")  // TransportProfileUri
      .u8(mode == 1 ? 0 : 100);  // SecurityLevel
}

std::vector<std::uint8_t> get_endpoints_response() {
  W w;
  w.node4(431);  // GetEndpointsResponse encoding id
  response_header(w);
  w.u32(2);  // Endpoints
  endpoint(w, 1, kNone, true);
  endpoint(w, 3, kSha256, false);
  return w.b;
}

std::vector<std::uint8_t> create_session_request() {
  W w;
  w.node4(461);
  request_header(w);
  app_description(w, "urn:scada:client", "urn:scada:product", "SCADA Client", 1);  // ClientDescription
  w.str("urn:vendor:plc1")  // ServerUri
      .str(kUrl)            // EndpointUrl
      .str("Session1")      // SessionName
      .null()               // ClientNonce
      .null()               // ClientCertificate
      .i64(0)               // RequestedSessionTimeout (Double)
      .u32(0);              // MaxResponseMessageSize
  return w.b;
}

std::vector<std::uint8_t> activate_session_anonymous() {
  W w;
  w.node4(467);
  request_header(w);
  w.null().null()    // ClientSignature: algorithm, signature
      .u32(0)        // ClientSoftwareCertificates
      .u32(1).str("en")  // LocaleIds
      .node4(321).u8(0x01).bytes(W{}.str("anon").b)  // UserIdentityToken: AnonymousIdentityToken
      .null().null();    // UserTokenSignature
  return w.b;
}

std::vector<std::uint8_t> build_info_body() {
  return W{}
      .str("urn:vendor:product")  // ProductUri
      .str("Vendor GmbH")         // ManufacturerName
      .str("PLC-9000")            // ProductName
      .str("2.4.1")               // SoftwareVersion
      .str("1234")                // BuildNumber
      .i64(0)                     // BuildDate
      .b;
}

std::vector<std::uint8_t> read_response_build_info() {
  W w;
  w.node4(634);
  response_header(w);
  w.u32(2)                            // Results
      .u8(0x01).u8(22)                // DataValue: value; Variant ExtensionObject
      .node4(340).u8(0x01).bytes(build_info_body())  // BuildInfo
      .u8(0x01).u8(12).str("other")   // DataValue: a String value
      .u32(0xffffffff);               // DiagnosticInfos: null
  return w.b;
}

// MSG chunk: SecureChannelId, TokenId, SequenceNumber, RequestId, body.
std::vector<std::uint8_t> msg(const std::vector<std::uint8_t>& service, char chunk_type = 'F', std::uint32_t seq = 2,
                              std::uint32_t request_id = 2) {
  return chunk("MSG", chunk_type, W{}.u32(7).u32(1).u32(seq).u32(request_id).raw(service).b);
}

// A self-signed certificate with a URI subjectAltName, made with the OpenSSL API.
std::vector<std::uint8_t> make_certificate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("PLC One"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Vendor GmbH"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "URI:urn:vendor:plc1,DNS:plc1");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  std::vector<std::uint8_t> out(der, der + len);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// OPN request with policy None: asymmetric header, sequence header, body.
std::vector<std::uint8_t> open_request(const std::vector<std::uint8_t>& cert, std::string_view policy = kNone) {
  W w;
  w.u32(0)          // SecureChannelId (0: issue)
      .str(policy)  // SecurityPolicyUri
      .bytes(cert)  // SenderCertificate
      .null()       // ReceiverCertificateThumbprint
      .u32(1)       // SequenceNumber
      .u32(1)       // RequestId
      .node4(446);  // OpenSecureChannelRequest
  request_header(w);
  w.u32(0)      // ClientProtocolVersion
      .u32(0)   // RequestType: Issue
      .u32(1)   // SecurityMode: None
      .null()   // ClientNonce
      .u32(3600000);  // RequestedLifetime
  return chunk("OPN", 'F', w.b);
}

std::vector<std::uint8_t> open_response() {
  W w;
  w.u32(7).str(kNone).null().null()  // SecureChannelId, policy, no certificate, no thumbprint
      .u32(1).u32(1)                 // sequence header
      .node4(449);                   // OpenSecureChannelResponse
  response_header(w);
  w.u32(0)                           // ServerProtocolVersion
      .u32(7).u32(1).i64(0).u32(3600000)  // SecurityToken: channel, token, createdAt, revisedLifetime
      .null();                       // ServerNonce
  return chunk("OPN", 'F', w.b);
}

// --- transport --------------------------------------------------------------

TEST(OpcUaHeader, ValidHelloAndSizeBounds) {
  auto hel = chunk("HEL", 'F', hello_body());
  auto h = parse_header(span(hel));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, MessageType::hello);
  EXPECT_EQ(h->size, hel.size());
  for (std::uint32_t size : {0u, 7u, 8u, 0x80000000u}) {
    auto bad = W{}.u8('M').u8('S').u8('G').u8('F').u32(size).b;
    EXPECT_FALSE(parse_header(span(bad)).ok()) << size;
  }
  EXPECT_EQ(parse_header(span(W{}.u8('H').u8('E').u8('L').b)).error(), ParseError::need_more);
  EXPECT_FALSE(parse_header(span(chunk("HEL", 'C', hello_body()))).ok());  // HEL cannot be chunked
  EXPECT_FALSE(parse_header(span(chunk("XYZ", 'F', hello_body()))).ok());
}

TEST(OpcUaTransport, HelloAcknowledgeErrorReverseHello) {
  const auto hel_bytes = hello_body();
  auto hel = parse_hello(span(hel_bytes));
  ASSERT_TRUE(hel.ok());
  EXPECT_EQ(hel->receive_buffer_size, 65536u);
  EXPECT_EQ(hel->endpoint_url.value_or(""), kUrl);
  auto null_url = parse_hello(span(W{}.u32(0).u32(1).u32(1).u32(0).u32(0).null().b));
  ASSERT_TRUE(null_url.ok());
  EXPECT_FALSE(null_url->endpoint_url.has_value());
  EXPECT_EQ(parse_hello(span(hello_body(std::string(5000, 'a')))).error(), ParseError::limit_exceeded);

  auto ack = parse_acknowledge(span(ack_body()));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->send_buffer_size, 8192u);

  const auto err_bytes = W{}.u32(0x80820000).str("boom").b;
  auto err = parse_error(span(err_bytes));
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(status_name(err->error), "BadTcpInternalError");
  EXPECT_EQ(err->reason.value_or(""), "boom");
  EXPECT_EQ(status_name(0x807F0000), "BadTcpSecureChannelUnknown");
  EXPECT_EQ(status_name(0x12345678), "");

  const auto rhe_bytes = W{}.str("urn:vendor:plc1").str(kUrl).b;
  auto rhe = parse_reverse_hello(span(rhe_bytes));
  ASSERT_TRUE(rhe.ok());
  EXPECT_EQ(rhe->server_uri.value_or(""), "urn:vendor:plc1");
}

TEST(OpcUaTransport, ProbeWantsHelloVersionZeroToServer) {
  auto hel = chunk("HEL", 'F', hello_body());
  EXPECT_TRUE(probe(span(hel), Direction::to_server));
  EXPECT_FALSE(probe(span(hel), Direction::to_client));
  auto v1 = hel;
  v1[8] = 1;  // ProtocolVersion 1
  EXPECT_FALSE(probe(span(v1), Direction::to_server));
  EXPECT_FALSE(probe(span(msg(get_endpoints_response())), Direction::to_server));
  EXPECT_FALSE(probe(span(std::vector<std::uint8_t>(hel.begin(), hel.begin() + 6)), Direction::to_server));
  auto found = find_by_probe(Transport::tcp, span(hel), Direction::to_server);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "opcua");
  ASSERT_NE(find_by_ports(Transport::tcp, 51000, 4840), nullptr);
}

// --- encoding ---------------------------------------------------------------

TEST(OpcUaEncoding, StringLengths) {
  for (std::uint32_t len : {0xfffffffeu /* -2 */, 0x7fffffffu, 5u /* past end */}) {
    auto v = W{}.u32(len).u8('a').b;
    ByteReader r(span(v));
    EXPECT_FALSE(read_string(r).ok()) << len;
    EXPECT_EQ(r.remaining(), v.size());  // cursor not moved on failure... of the length itself
  }
  auto null = W{}.null().b;
  ByteReader r(span(null));
  auto s = read_string(r);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->has_value());
}

TEST(OpcUaEncoding, ArrayCountCap) {
  auto at_cap = W{}.u32(kMaxUaArrayLength).raw(std::vector<std::uint8_t>(kMaxUaArrayLength, 0)).b;
  ByteReader ok(span(at_cap));
  EXPECT_TRUE(read_array_length(ok).ok());
  auto over = W{}.u32(kMaxUaArrayLength + 1).raw(std::vector<std::uint8_t>(4096, 0)).b;
  ByteReader r(span(over));
  EXPECT_EQ(read_array_length(r).error(), ParseError::limit_exceeded);
  auto neg = W{}.u32(0xfffffffe).b;
  ByteReader rn(span(neg));
  EXPECT_EQ(read_array_length(rn).error(), ParseError::malformed);
  auto lying = W{}.u32(10).u8(0).b;  // 10 elements, 1 byte left
  ByteReader rl(span(lying));
  EXPECT_EQ(read_array_length(rl).error(), ParseError::malformed);
}

TEST(OpcUaEncoding, NestingDepthCap) {
  auto nested = [](int depth) {
    W w;
    for (int i = 0; i < depth; ++i) w.u8(24);  // Variant holding a Variant
    w.u8(6).u32(42);                            // ... holding an Int32
    return w.b;
  };
  const auto at_cap = nested(kMaxUaNestingDepth);
  ByteReader ok(span(at_cap));
  EXPECT_TRUE(skip_variant(ok).ok());
  const auto over_cap = nested(kMaxUaNestingDepth + 1);
  ByteReader deep(span(over_cap));
  EXPECT_EQ(skip_variant(deep).error(), ParseError::limit_exceeded);
  // DiagnosticInfo with inner DiagnosticInfo, depth beyond the cap.
  W d;
  for (int i = 0; i <= kMaxUaNestingDepth + 1; ++i) d.u8(0x40);
  d.u8(0);
  ByteReader dr(span(d.b));
  EXPECT_EQ(skip_diagnostic_info(dr).error(), ParseError::limit_exceeded);
  // A DataValue whose Variant is an ExtensionObject that nests DataValues in Variants.
  W e;
  for (int i = 0; i <= kMaxUaNestingDepth; ++i) e.u8(0x01).u8(23);  // DataValue{Variant{DataValue...}}
  e.u8(0);
  ByteReader er(span(e.b));
  EXPECT_EQ(skip_data_value(er).error(), ParseError::limit_exceeded);
}

TEST(OpcUaEncoding, Utf8) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xe6\x97\xa5\xe6\x9c\xac"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe6\x97"));          // cut
}

TEST(OpcUaServices, GetEndpointsResponseTwoEndpoints) {
  auto body = get_endpoints_response();
  auto m = decode_service(span(body));
  ASSERT_TRUE(m.ok());
  ASSERT_NE(m->service, nullptr);
  EXPECT_EQ(m->service->ua_name, "GetEndpointsResponse");
  ASSERT_EQ(m->endpoints.size(), 2u);
  EXPECT_EQ(m->endpoints[0].endpoint_url.value_or(""), kUrl);
  EXPECT_EQ(m->endpoints[0].security_policy_uri.value_or(""), kNone);
  EXPECT_EQ(m->endpoints[1].security_policy_uri.value_or(""), kSha256);
  EXPECT_EQ(m->endpoints[1].security_mode, 3u);
  EXPECT_EQ(m->endpoints[0].server.application_uri.value_or(""), "urn:vendor:plc1");
  EXPECT_EQ(m->endpoints[0].server.application_name.text.value_or(""), "PLC One");
  ASSERT_EQ(m->endpoints[0].user_identity_tokens.size(), 2u);
  EXPECT_EQ(m->endpoints[0].user_identity_tokens[0].token_type, 0u);
  EXPECT_EQ(m->endpoints[1].security_level, 100u);
  // Every cut of the body fails cleanly.
  for (std::size_t n = 0; n < body.size(); ++n) {
    std::vector<std::uint8_t> cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = decode_service(span(cut));
    EXPECT_FALSE(r.ok() && r->service != nullptr && !r->endpoints.empty() && r->endpoints.size() == 2) << n;
  }
}

TEST(OpcUaServices, ServiceIds) {
  for (auto [id, name, write] : std::vector<std::tuple<std::uint32_t, std::string_view, bool>>{
           {428, "GetEndpointsRequest", false}, {422, "FindServersRequest", false},
           {461, "CreateSessionRequest", false}, {467, "ActivateSessionRequest", false},
           {631, "ReadRequest", false}, {673, "WriteRequest", true}, {527, "BrowseRequest", false},
           {787, "CreateSubscriptionRequest", false}, {826, "PublishRequest", false},
           {473, "CloseSessionRequest", false}, {712, "CallRequest", true}, {488, "AddNodesRequest", true}}) {
    const auto* s = find_service(id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_EQ(s->ua_name, name);
    EXPECT_EQ(s->is_write, write);
    EXPECT_TRUE(s->is_request);
    ASSERT_NE(find_service(id + 3), nullptr);
    EXPECT_FALSE(find_service(id + 3)->is_request);
  }
  EXPECT_EQ(find_service(1), nullptr);
}

TEST(OpcUaCertificate, SelfSigned) {
  auto der = make_certificate();
  auto c = parse_certificate(span(der));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->subject_cn, "PLC One");
  EXPECT_EQ(c->subject_o, "Vendor GmbH");
  EXPECT_EQ(c->application_uri, "urn:vendor:plc1");
  EXPECT_TRUE(c->self_signed);
  EXPECT_EQ(c->not_before.size(), 20u);
  EXPECT_NE(c->issuer.find("CN=PLC One"), std::string::npos);
  EXPECT_FALSE(parse_certificate(span(std::vector<std::uint8_t>(der.begin(), der.begin() + 100))).ok());
  EXPECT_FALSE(parse_certificate({}).ok());
  EXPECT_EQ(parse_certificate(span(std::vector<std::uint8_t>(kMaxCertificateSize + 1, 0x30))).error(),
            ParseError::limit_exceeded);
}

// --- stream parser ----------------------------------------------------------

struct Conversation {
  std::vector<std::pair<Direction, std::vector<std::uint8_t>>> parts;
};

Conversation full_conversation() {
  Conversation c;
  c.parts.push_back({Direction::to_server, chunk("HEL", 'F', hello_body())});
  c.parts.push_back({Direction::to_client, chunk("ACK", 'F', ack_body())});
  c.parts.push_back({Direction::to_server, open_request(make_certificate())});
  c.parts.push_back({Direction::to_client, open_response()});
  c.parts.push_back({Direction::to_client, msg(get_endpoints_response())});
  c.parts.push_back({Direction::to_server, msg(create_session_request())});
  c.parts.push_back({Direction::to_server, msg(activate_session_anonymous())});
  c.parts.push_back({Direction::to_client, msg(read_response_build_info())});
  return c;
}

RecordingSink run(const Conversation& c) {
  RecordingSink sink;
  auto p = make_stream_parser();
  for (const auto& [dir, bytes] : c.parts) p->on_data(dir, span(bytes), sink);
  return sink;
}

// Part 4 §5.10.4 Write: the request is a write; a response with a Bad
// ServiceResult (here BadNodeIdUnknown) is an error operation and no write.
TEST(OpcUaStream, RefusedWriteIsErrorNotWrite) {
  Conversation c;
  c.parts.push_back({Direction::to_server, chunk("HEL", 'F', hello_body())});
  c.parts.push_back({Direction::to_client, chunk("ACK", 'F', ack_body())});
  c.parts.push_back({Direction::to_server, open_request({})});
  c.parts.push_back({Direction::to_client, open_response()});
  W req;
  req.node4(673);                 // WriteRequest
  request_header(req);
  req.u32(0);                     // NodesToWrite: empty array
  W rsp;
  rsp.node4(676);                 // WriteResponse
  response_header(rsp, 0x80340000);  // BadNodeIdUnknown
  rsp.null().null();              // Results, DiagnosticInfos: null
  c.parts.push_back({Direction::to_server, msg(req.b)});
  c.parts.push_back({Direction::to_client, msg(rsp.b)});
  auto sink = run(c);
  std::vector<std::pair<bool, bool>> writes;  // (is_write, is_error) of each "write" operation
  for (const auto& op : sink.ops)
    if (op.name == "write") writes.emplace_back(op.is_write, op.is_error);
  EXPECT_EQ(writes, (std::vector<std::pair<bool, bool>>{{true, false}, {false, true}}));
}

TEST(OpcUaStream, FullConversationFacts) {
  auto sink = run(full_conversation());
  EXPECT_TRUE(sink.has(kReceiver, "role", "opcua_server"));
  EXPECT_TRUE(sink.has(kSender, "role", "opcua_client"));
  EXPECT_TRUE(sink.has(kReceiver, "service", "opcua:" + kUrl));
  // OPN: the client's certificate, policy None, mode None.
  EXPECT_TRUE(sink.has(kSender, "application_uri", "urn:scada:client") ||
              sink.has(kSender, "application_uri", "urn:vendor:plc1"));
  EXPECT_TRUE(sink.has(kSender, "name", "PLC One"));
  EXPECT_TRUE(sink.has(kReceiver, "security", "policy_none_used"));
  EXPECT_TRUE(sink.has(kReceiver, "security", "security_mode_none"));
  // GetEndpoints response (sender = server).
  EXPECT_TRUE(sink.has(kSender, "service", "opcua:" + kUrl));
  EXPECT_TRUE(sink.has(kSender, "application_uri", "urn:vendor:plc1"));
  EXPECT_TRUE(sink.has(kSender, "opcua_product_uri", "urn:vendor:product"));
  EXPECT_TRUE(sink.has(kSender, "product", "PLC One"));
  EXPECT_TRUE(sink.has(kSender, "security", "policy_none_offered"));
  EXPECT_TRUE(sink.has(kSender, "security", "anonymous_token_offered"));
  // CreateSession request (sender = client), ActivateSession anonymous.
  EXPECT_TRUE(sink.has(kSender, "application_uri", "urn:scada:client"));
  EXPECT_TRUE(sink.has(kSender, "product", "SCADA Client"));
  EXPECT_TRUE(sink.has(kReceiver, "security", "anonymous_login_used"));
  // Read response BuildInfo.
  EXPECT_TRUE(sink.has(kSender, "vendor", "Vendor GmbH"));
  EXPECT_TRUE(sink.has(kSender, "product", "PLC-9000"));
  EXPECT_TRUE(sink.has(kSender, "revision", "2.4.1"));
  EXPECT_TRUE(sink.has(kSender, "build", "1234"));
  EXPECT_TRUE(sink.has_op("create_session"));
  EXPECT_TRUE(sink.has_op("activate_session"));
  EXPECT_TRUE(sink.has_op("open_secure_channel"));
  EXPECT_TRUE(sink.anomalies.empty()) << sink.anomalies.front();
}

TEST(OpcUaStream, EverySplitPointGivesTheSameFacts) {
  auto conv = full_conversation();
  const auto whole = run(conv);
  // Concatenate each direction, then feed each direction split in two at every offset.
  for (std::size_t i = 0; i < conv.parts.size(); ++i) {
    const auto& bytes = conv.parts[i].second;
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
      RecordingSink sink;
      auto p = make_stream_parser();
      for (std::size_t j = 0; j < conv.parts.size(); ++j) {
        const auto& [dir, b] = conv.parts[j];
        if (j != i) {
          p->on_data(dir, span(b), sink);
          continue;
        }
        p->on_data(dir, span(b).first(cut), sink);
        p->on_data(dir, span(b).subspan(cut), sink);
      }
      ASSERT_EQ(sink.facts.size(), whole.facts.size()) << i << " cut " << cut;
      ASSERT_EQ(sink.ops.size(), whole.ops.size()) << i << " cut " << cut;
    }
  }
}

TEST(OpcUaStream, ChunkedMessageInThreeChunksAndAbort) {
  auto body = read_response_build_info();
  const std::size_t third = body.size() / 3;
  std::vector<std::uint8_t> a(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(third));
  std::vector<std::uint8_t> b(body.begin() + static_cast<std::ptrdiff_t>(third),
                              body.begin() + static_cast<std::ptrdiff_t>(2 * third));
  std::vector<std::uint8_t> c(body.begin() + static_cast<std::ptrdiff_t>(2 * third), body.end());
  {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(Direction::to_client, span(open_response()), sink);
    p->on_data(Direction::to_client, span(msg(a, 'C', 3, 9)), sink);
    p->on_data(Direction::to_client, span(msg(b, 'C', 4, 9)), sink);
    p->on_data(Direction::to_client, span(msg(c, 'F', 5, 9)), sink);
    EXPECT_TRUE(sink.has(kSender, "vendor", "Vendor GmbH"));
  }
  {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(Direction::to_client, span(open_response()), sink);
    p->on_data(Direction::to_client, span(msg(a, 'C', 3, 9)), sink);
    p->on_data(Direction::to_client, span(msg(b, 'C', 4, 9)), sink);
    p->on_data(Direction::to_client, span(msg(W{}.u32(0x80850000).null().b, 'A', 5, 9)), sink);  // abort
    p->on_data(Direction::to_client, span(msg(c, 'F', 6, 9)), sink);  // a lone tail: undecodable
    EXPECT_FALSE(sink.has(kSender, "vendor", "Vendor GmbH"));
  }
}

TEST(OpcUaStream, EncryptedChannelKeepsCertificateOnly) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(Direction::to_server, span(open_request(make_certificate(), kSha256)), sink);
  p->on_data(Direction::to_client, span(msg(get_endpoints_response())), sink);  // would decode if None
  EXPECT_TRUE(sink.has(kSender, "application_uri", "urn:vendor:plc1"));  // from the certificate SAN
  EXPECT_FALSE(sink.has(kSender, "security", "policy_none_offered"));
  RecordingSink dep;
  auto q = make_stream_parser();
  q->on_data(Direction::to_server,
             span(open_request({}, "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15")), dep);
  EXPECT_TRUE(dep.has(kReceiver, "security", "deprecated_policy_used:Basic128Rsa15"));
}

TEST(OpcUaStream, GarbageGapAndOversize) {
  RecordingSink sink;
  auto p = make_stream_parser();
  auto junk = W{}.u32(0xdeadbeef).u32(0x01020304).u32(5).b;
  p->on_data(Direction::to_server, span(junk), sink);
  p->on_data(Direction::to_server, span(chunk("HEL", 'F', hello_body())), sink);
  EXPECT_TRUE(sink.has_anomaly("opcua.bad_header"));
  EXPECT_TRUE(sink.has(kReceiver, "service", "opcua:" + kUrl));
  // A 2 MiB chunk is skipped by length, and the next message still decodes.
  auto big = W{}.u8('M').u8('S').u8('G').u8('F').u32(2 * 1024 * 1024).b;
  p->on_data(Direction::to_client, span(big), sink);
  p->on_data(Direction::to_client, span(std::vector<std::uint8_t>(2 * 1024 * 1024 - 8, 0)), sink);
  p->on_data(Direction::to_client, span(msg(read_response_build_info())), sink);
  EXPECT_TRUE(sink.has_anomaly("opcua.chunk_too_large"));
  EXPECT_TRUE(sink.has(kSender, "vendor", "Vendor GmbH"));
  EXPECT_LE(p->buffered_bytes(), 2 * kMaxBufferedChunk);
  // A gap mid-chunk, then resynchronisation on the next header.
  auto m = msg(read_response_build_info());
  RecordingSink s2;
  auto q = make_stream_parser();
  q->on_data(Direction::to_client, span(m).first(10), s2);
  q->on_gap(Direction::to_client, 5000, s2);
  q->on_data(Direction::to_client, span(std::vector<std::uint8_t>(7, 0x41)), s2);
  q->on_data(Direction::to_client, span(m), s2);
  EXPECT_TRUE(s2.has(kSender, "vendor", "Vendor GmbH"));
}

std::size_t count_facts(const RecordingSink& sink, std::string_view field, std::string_view value) {
  return static_cast<std::size_t>(std::count_if(sink.facts.begin(), sink.facts.end(), [&](const Recorded& r) {
    return r.field == field && r.value == value;
  }));
}

// Garbage, then a good chunk: one violation and one resync, wherever split.
TEST(OpcUaStream, ABadHeaderThenAGoodOneGivesTheSameResultAtEverySplit) {
  auto stream = W{}.u32(0xdeadbeef).u32(0x01020304).u32(5).b;
  const auto hel = chunk("HEL", 'F', hello_body());
  stream.insert(stream.end(), hel.begin(), hel.end());
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(Direction::to_server, span(stream).first(i), sink);
    p->on_data(Direction::to_server, span(stream).subspan(i), sink);
    EXPECT_TRUE(sink.has(kReceiver, "service", "opcua:" + kUrl)) << "split " << i;
    EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"opcua.bad_header", "opcua.resynchronised"}))
        << "split " << i;
  }
}

// Out of sync with the channel known, a MSG chunk of another channel is not
// trusted, however few of its bytes the first segment holds.
TEST(OpcUaStream, AfterAGapAnotherChannelsChunkIsRefusedAtEverySplit) {
  auto stream = chunk("MSG", 'F', W{}.u32(99).u32(1).u32(2).u32(2).raw(read_response_build_info()).b);
  const auto ours = msg(read_response_build_info());  // channel 7, as opened
  stream.insert(stream.end(), ours.begin(), ours.end());
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(Direction::to_client, span(open_response()), sink);
    p->on_gap(Direction::to_client, 100, sink);
    p->on_data(Direction::to_client, span(stream).first(i), sink);
    p->on_data(Direction::to_client, span(stream).subspan(i), sink);
    EXPECT_EQ(count_facts(sink, "vendor", "Vendor GmbH"), 1u) << "split " << i;
    EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"opcua.gap", "opcua.resynchronised"})) << "split " << i;
  }
}

// A gap that ends inside a chunk whose header was seen skips the rest of it and
// stays in step; one inside the header loses sync.
TEST(OpcUaStream, AGapInsideAChunkOfKnownSizeStaysInStep) {
  const auto m = msg(read_response_build_info());
  for (std::size_t cut = 1; cut < m.size(); ++cut) {
    RecordingSink sink;
    auto p = make_stream_parser();
    p->on_data(Direction::to_client, span(m).first(cut), sink);
    p->on_gap(Direction::to_client, m.size() - cut, sink);
    p->on_data(Direction::to_client, span(m), sink);
    EXPECT_EQ(count_facts(sink, "vendor", "Vendor GmbH"), 1u) << "cut " << cut;
    const std::vector<std::string> in_step{"opcua.gap"}, resync{"opcua.gap", "opcua.resynchronised"};
    EXPECT_EQ(sink.anomalies, cut >= kHeaderSize ? in_step : resync) << "cut " << cut;
  }
}

// The buffer holds the bytes that arrived, not the size a header declares; the
// end of a direction inside a chunk is counted.
TEST(OpcUaStream, APartialChunkHoldsOnlyItsBytesAndIsCountedAtTheEnd) {
  RecordingSink sink;
  auto p = make_stream_parser();
  auto part = W{}.u8('M').u8('S').u8('G').u8('F').u32(1024 * 1024).b;
  part.resize(100, 0);
  p->on_data(Direction::to_client, span(part), sink);
  EXPECT_EQ(p->buffered_bytes(), 100u);
  p->on_eof(Direction::to_client, sink);
  EXPECT_EQ(p->buffered_bytes(), 0u);
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"opcua.truncated_chunk"}));
}

TEST(OpcUaStream, BadUtf8AndNulAreKeptAndCounted) {
  W w;
  w.node4(634);
  response_header(w);
  auto bi = W{}.str("u").str(std::string("Ven\0dor", 7)).str("\xff\xfe").str("1").str("2").i64(0).b;
  w.u32(1).u8(0x01).u8(22).node4(340).u8(0x01).bytes(bi).u32(0xffffffff);
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_data(Direction::to_client, span(msg(w.b)), sink);
  EXPECT_TRUE(sink.has(kSender, "vendor", std::string("Ven\0dor", 7)));
  EXPECT_TRUE(sink.has_anomaly("opcua.nul_in_string"));
  EXPECT_TRUE(sink.has_anomaly("opcua.bad_utf8"));
}

TEST(OpcUaStream, TruncatedEverywhereDoesNotCrash) {
  auto conv = full_conversation();
  for (const auto& [dir, bytes] : conv.parts) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      RecordingSink sink;
      auto p = make_stream_parser();
      // Lie about the size: declare the cut length as the chunk size.
      std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      if (cut.size() >= 8) {
        const auto len = static_cast<std::uint32_t>(cut.size());
        for (int k = 0; k < 4; ++k) cut[4 + k] = static_cast<std::uint8_t>(len >> (8 * k));
      }
      p->on_data(dir, span(cut), sink);
      p->on_eof(dir, sink);
      // A cut Read or GetEndpoints response yields nothing. Decoding stops once the
      // identity is read (Read: before the trailing 4-byte DiagnosticInfos count;
      // CreateSession: after the session name), so cuts past that point still decode.
      if (n + 4 < bytes.size()) {
        EXPECT_FALSE(sink.has(kSender, "vendor", "Vendor GmbH")) << n;
      }
      EXPECT_FALSE(sink.has(kSender, "security", "policy_none_offered")) << n;
    }
  }
}

}  // namespace
}  // namespace mieruka::dissectors::opcua
