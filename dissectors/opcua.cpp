// OPC UA TCP transport, secure conversation chunks and the per-connection stream
// parser (see opcua.hpp). Section numbers are OPC 10000-6 v1.04.
#include "opcua.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "observation.hpp"
#include "opcua_cert.hpp"
#include "opcua_types.hpp"
#include "stream_framer.hpp"

namespace mieruka::dissectors::opcua {
namespace {

constexpr std::string_view kProtocol = "opcua";
constexpr std::string_view kSourceApplication = "opcua_application";
constexpr std::string_view kSourceBuildInfo = "opcua_build_info";
constexpr std::string_view kSourceHello = "opcua_hello";
constexpr std::string_view kSourceCertificate = "opcua_certificate";
constexpr std::string_view kSourceSecurity = "opcua";

constexpr std::string_view kFieldApplicationUri = "application_uri";
constexpr std::string_view kFieldProductUri = "opcua_product_uri";
constexpr std::string_view kFieldBuild = "build";
constexpr std::string_view kFieldCertSubject = "certificate_subject";
constexpr std::string_view kFieldCertIssuer = "certificate_issuer";
constexpr std::string_view kFieldCertNotBefore = "certificate_not_before";
constexpr std::string_view kFieldCertNotAfter = "certificate_not_after";

// Smallest chunk of each type (header + fixed fields + empty strings).
constexpr std::uint32_t kMinHello = kHeaderSize + 20 + 4;
constexpr std::uint32_t kMinAcknowledge = kHeaderSize + 20;
constexpr std::uint32_t kMinError = kHeaderSize + 4 + 4;
constexpr std::uint32_t kMinReverseHello = kHeaderSize + 4 + 4;
constexpr std::uint32_t kMinOpen = kHeaderSize + 4 + 12 + 8;
constexpr std::uint32_t kMinSymmetric = kHeaderSize + 8 + 8;  // channel, token, sequence header

// Part 6 Annex A / StatusCodes.csv: the codes an ERR or a ServiceFault usually carries.
struct StatusName {
  std::uint32_t code;
  std::string_view name;
};
constexpr StatusName kStatusNames[] = {
    {0x00000000, "Good"},
    {0x80010000, "BadUnexpectedError"},
    {0x80020000, "BadInternalError"},
    {0x80030000, "BadOutOfMemory"},
    {0x80040000, "BadResourceUnavailable"},
    {0x80050000, "BadCommunicationError"},
    {0x80060000, "BadEncodingError"},
    {0x80070000, "BadDecodingError"},
    {0x80080000, "BadEncodingLimitsExceeded"},
    {0x800A0000, "BadTimeout"},
    {0x800B0000, "BadServiceUnsupported"},
    {0x800C0000, "BadShutdown"},
    {0x800D0000, "BadServerNotConnected"},
    {0x800E0000, "BadServerHalted"},
    {0x800F0000, "BadNothingToDo"},
    {0x80100000, "BadTooManyOperations"},
    {0x80120000, "BadCertificateInvalid"},
    {0x80130000, "BadSecurityChecksFailed"},
    {0x801A0000, "BadCertificateUntrusted"},
    {0x801F0000, "BadUserAccessDenied"},
    {0x80200000, "BadIdentityTokenInvalid"},
    {0x80210000, "BadIdentityTokenRejected"},
    {0x80220000, "BadSecureChannelIdInvalid"},
    {0x80250000, "BadSessionIdInvalid"},
    {0x80260000, "BadSessionClosed"},
    {0x80270000, "BadSessionNotActivated"},
    {0x80540000, "BadSecurityModeRejected"},
    {0x80550000, "BadSecurityPolicyRejected"},
    {0x80560000, "BadTooManySessions"},
    {0x807D0000, "BadTcpServerTooBusy"},
    {0x807E0000, "BadTcpMessageTypeInvalid"},
    {0x807F0000, "BadTcpSecureChannelUnknown"},
    {0x80800000, "BadTcpMessageTooLarge"},
    {0x80810000, "BadTcpNotEnoughResources"},
    {0x80820000, "BadTcpInternalError"},
    {0x80830000, "BadTcpEndpointUrlInvalid"},
    {0x80840000, "BadRequestInterrupted"},
    {0x80850000, "BadRequestTimeout"},
    {0x80860000, "BadSecureChannelClosed"},
    {0x80870000, "BadSecureChannelTokenUnknown"},
    {0x80BE0000, "BadProtocolVersionUnsupported"},
};

Result<std::uint32_t> u32(ByteReader& r) noexcept {
  auto v = r.u32_le();
  if (!v) return ParseError::malformed;
  return *v;
}

std::uint32_t min_size(MessageType t) noexcept {
  switch (t) {
    case MessageType::hello: return kMinHello;
    case MessageType::acknowledge: return kMinAcknowledge;
    case MessageType::error: return kMinError;
    case MessageType::reverse_hello: return kMinReverseHello;
    case MessageType::open: return kMinOpen;
    case MessageType::message:
    case MessageType::close: return kMinSymmetric;
  }
  return kHeaderSize;
}

// -------------------------------------------------------------------------------
// The stream parser.

enum class Policy : std::uint8_t { unknown, none, secured };

// Facts emitted at most once per connection.
enum OnceBit : std::uint32_t {
  kOnceClientRole = 1u << 0,
  kOnceServerRole = 1u << 1,
  kOncePolicyNoneUsed = 1u << 2,
  kOnceDeprecatedUsed = 1u << 3,
  kOnceModeNone = 1u << 4,
  kOnceAnonymousUsed = 1u << 5,
  kOnceSenderCertClient = 1u << 6,
  kOnceSenderCertServer = 1u << 7,
  kOnceEndpointCert = 1u << 8,
};

// A chunk's header says where the next one starts, so a gap inside a chunk of
// known size skips the rest of it and stays in step. Chunks above
// kMaxBufferedChunk are passed over by their size, never buffered.
constexpr LengthFraming kFraming{.max_frame = kMaxBufferedChunk,
                                 .probe_bytes = kHeaderSize,
                                 .gap = "opcua.gap",
                                 .resync = "opcua.resynchronised",
                                 .truncated = "opcua.truncated_chunk",
                                 .over_cap = "opcua.chunk_too_large",
                                 .gap_in_body_keeps_step = true};

class Parser final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override {
    sink_ = &sink;  // for what `measure` counts
    framer_.on_data(dir, data, *this, sink);
    sink_ = nullptr;
  }
  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override;
  void on_eof(Direction dir, Sink& sink) noexcept override;
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override {
    std::size_t n = framer_.buffered_bytes();
    for (const auto& s : sides_) n += s.body.size();
    return n;
  }

  // The framer's side (stream_framer.hpp).
  FrameSize measure(Direction dir, Bytes front) noexcept;
  [[nodiscard]] Resync resync(Direction dir, Bytes front) const noexcept;
  void on_frame(Direction dir, Bytes chunk, Sink& sink) noexcept;

 private:
  struct Side {
    std::uint32_t max_chunk = 0;   // negotiated by HEL/ACK; 0 = unknown
    // Reassembly of C chunks (Part 6 §6.7.2.4): bodies after the sequence header.
    std::vector<std::byte> body;
    std::uint32_t chunks = 0;
    std::uint32_t request_id = 0;
    bool assembling = false;
    bool discarding = false;       // over a cap: drop chunks until the F chunk
  };

  Side& side(Direction d) noexcept { return sides_[static_cast<int>(d)]; }
  void reset_reassembly(Side& s) noexcept {
    s.body.clear();
    s.chunks = 0;
    s.assembling = false;
    s.discarding = false;
  }
  void handle_chunk(Direction dir, Bytes chunk, Sink& sink) noexcept;
  void handle_hello(Direction dir, Bytes body, Sink& sink) noexcept;
  void handle_acknowledge(Direction dir, Bytes body, Sink& sink) noexcept;
  void handle_error(Bytes body, Sink& sink) noexcept;
  void handle_reverse_hello(Direction dir, Bytes body, Sink& sink) noexcept;
  void handle_open(Direction dir, Bytes body, Sink& sink) noexcept;
  void handle_symmetric(Direction dir, const MessageHeader& h, Bytes body, Sink& sink) noexcept;
  void handle_service(Bytes body, Sink& sink) noexcept;
  void emit_service(const ServiceMessage& m, Sink& sink) noexcept;
  void emit_application(const AssetRef& who, const ApplicationDescription& d, Sink& sink) noexcept;
  void emit_endpoints(const std::vector<EndpointDescription>& eps, Sink& sink) noexcept;
  void emit_certificate(const AssetRef& who, Bytes der, Sink& sink) noexcept;
  void emit_policy_used(bool from_client, std::string_view uri, Sink& sink) noexcept;
  void emit_roles(bool sender_is_client, Sink& sink) noexcept;
  bool once(std::uint32_t bit) noexcept {
    if (once_ & bit) return false;
    once_ |= bit;
    return true;
  }

  LengthFramer framer_{kFraming};
  Sink* sink_ = nullptr;  // the sink of the bytes being framed
  Side sides_[2];
  Policy policy_ = Policy::unknown;
  std::uint32_t channel_id_ = 0;
  bool channel_known_ = false;
  std::uint32_t once_ = 0;
  Direction client_dir_ = Direction::to_server;
};

void emit(Sink& sink, const AssetRef& who, std::string_view field, std::string_view value,
          std::string_view source) noexcept {
  if (value.empty()) return;
  if (!is_valid_utf8(value)) sink.anomaly("opcua.bad_utf8");
  if (value.find('\0') != std::string_view::npos) sink.anomaly("opcua.nul_in_string");
  sink.fact_view(who, field, value, source);
}

void emit_opt(Sink& sink, const AssetRef& who, std::string_view field, const UaString& value,
              std::string_view source) noexcept {
  if (value) emit(sink, who, field, *value, source);
}

void emit_security(Sink& sink, const AssetRef& who, std::string_view value) noexcept {
  sink.fact_view(who, field::security, value, kSourceSecurity);
}

// A header that is not OPC UA's is a violation, counted once per loss of sync
// (out of sync the framer asks `resync`, not `measure`).
FrameSize Parser::measure(Direction dir, Bytes front) noexcept {
  auto h = parse_header(front);
  if (!h) return h.error() == ParseError::need_more ? FrameSize::more() : FrameSize::bad("opcua.bad_header", true);
  if (h->size > kMaxBufferedChunk) {
    // Passed over unbuffered: whatever it continued is lost. measure sees this
    // header once, since the framer then passes over the chunk.
    Side& s = side(dir);
    if (s.max_chunk != 0 && h->size > s.max_chunk && sink_ != nullptr) sink_->anomaly("opcua.chunk_over_negotiated");
    reset_reassembly(s);
    return FrameSize::skip(h->size, "opcua.chunk_too_large");
  }
  return FrameSize::whole(h->size);
}

// Out of sync a header is trusted when it parses and, once the channel is known,
// a secure-conversation chunk names it (the probe waits for those 4 bytes).
Resync Parser::resync(Direction /*dir*/, Bytes front) const noexcept {
  auto h = parse_header(front);
  if (!h) return h.error() == ParseError::need_more ? Resync::need_more : Resync::no;
  if (channel_known_ && (h->type == MessageType::message || h->type == MessageType::close)) {
    ByteReader r(front.subspan(kHeaderSize));
    auto id = r.u32_le();
    if (!id) return Resync::need_more;
    if (*id != channel_id_) return Resync::no;
  }
  return Resync::yes;
}

void Parser::on_frame(Direction dir, Bytes chunk, Sink& sink) noexcept {
  const Side& s = side(dir);
  if (s.max_chunk != 0 && chunk.size() > s.max_chunk) sink.anomaly("opcua.chunk_over_negotiated");
  handle_chunk(dir, chunk, sink);
}

void Parser::on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept {
  reset_reassembly(side(dir));  // a chunk of the message is lost
  framer_.on_gap(dir, lost, sink);
}

void Parser::on_eof(Direction dir, Sink& sink) noexcept {
  framer_.on_eof(dir, sink);
  Side& s = side(dir);
  reset_reassembly(s);
  std::vector<std::byte>().swap(s.body);
}

void Parser::handle_chunk(Direction dir, Bytes chunk, Sink& sink) noexcept {
  auto h = parse_header(chunk);
  if (!h) return;  // checked by the caller
  const Bytes body = chunk.subspan(kHeaderSize);
  switch (h->type) {
    case MessageType::hello: handle_hello(dir, body, sink); return;
    case MessageType::acknowledge: handle_acknowledge(dir, body, sink); return;
    case MessageType::error: handle_error(body, sink); return;
    case MessageType::reverse_hello: handle_reverse_hello(dir, body, sink); return;
    case MessageType::open: handle_open(dir, body, sink); return;
    case MessageType::message:
    case MessageType::close: handle_symmetric(dir, *h, body, sink); return;
  }
}

void Parser::emit_roles(bool sender_is_client, Sink& sink) noexcept {
  const AssetRef client = sender_is_client ? AssetRef::sender_party() : AssetRef::receiver_party();
  const AssetRef server = sender_is_client ? AssetRef::receiver_party() : AssetRef::sender_party();
  if (once(kOnceClientRole)) emit(sink, client, field::role, "opcua_client", kSourceApplication);
  if (once(kOnceServerRole)) emit(sink, server, field::role, "opcua_server", kSourceApplication);
}

void Parser::handle_hello(Direction dir, Bytes body, Sink& sink) noexcept {
  auto hel = parse_hello(body);
  if (!hel) {
    sink.anomaly("opcua.bad_hello");
    return;
  }
  // The client's receive buffer bounds what the server sends, and the reverse.
  side(dir == Direction::to_server ? Direction::to_client : Direction::to_server).max_chunk =
      hel->receive_buffer_size;
  side(dir).max_chunk = hel->send_buffer_size;
  client_dir_ = dir;
  emit(sink, AssetRef::sender_party(), field::role, "opcua_client", kSourceHello);
  emit(sink, AssetRef::receiver_party(), field::role, "opcua_server", kSourceHello);
  if (hel->endpoint_url && !hel->endpoint_url->empty())
    emit(sink, AssetRef::receiver_party(), field::service, "opcua:" + std::string(*hel->endpoint_url),
         kSourceHello);
  sink.operation(Operation{kProtocol, "hello", 0});
}

void Parser::handle_acknowledge(Direction dir, Bytes body, Sink& sink) noexcept {
  auto ack = parse_acknowledge(body);
  if (!ack) {
    sink.anomaly("opcua.bad_acknowledge");
    return;
  }
  side(dir == Direction::to_server ? Direction::to_client : Direction::to_server).max_chunk =
      ack->receive_buffer_size;
  side(dir).max_chunk = ack->send_buffer_size;
}

void Parser::handle_error(Bytes body, Sink& sink) noexcept {
  auto err = parse_error(body);
  if (!err) {
    sink.anomaly("opcua.bad_error_message");
    return;
  }
  Operation op{kProtocol, "error", err->error};
  op.is_error = true;
  sink.operation(op);
}

void Parser::handle_reverse_hello(Direction dir, Bytes body, Sink& sink) noexcept {
  auto rhe = parse_reverse_hello(body);
  if (!rhe) {
    sink.anomaly("opcua.bad_reverse_hello");
    return;
  }
  client_dir_ = dir == Direction::to_server ? Direction::to_client : Direction::to_server;
  // Reverse connect (Part 6 §7.1.3): the server opened the TCP connection.
  emit(sink, AssetRef::sender_party(), field::role, "opcua_server", kSourceHello);
  emit_opt(sink, AssetRef::sender_party(), kFieldApplicationUri, rhe->server_uri, kSourceHello);
  if (rhe->endpoint_url && !rhe->endpoint_url->empty())
    emit(sink, AssetRef::sender_party(), field::service, "opcua:" + std::string(*rhe->endpoint_url),
         kSourceHello);
}

void Parser::emit_certificate(const AssetRef& who, Bytes der, Sink& sink) noexcept {
  auto cert = parse_certificate(der);
  if (!cert) {
    sink.anomaly(cert.error() == ParseError::limit_exceeded ? "opcua.certificate_too_large"
                                                            : "opcua.bad_certificate");
    return;
  }
  emit(sink, who, kFieldCertSubject, cert->subject, kSourceCertificate);
  emit(sink, who, kFieldCertIssuer, cert->issuer, kSourceCertificate);
  emit(sink, who, kFieldCertNotBefore, cert->not_before, kSourceCertificate);
  emit(sink, who, kFieldCertNotAfter, cert->not_after, kSourceCertificate);
  emit(sink, who, kFieldApplicationUri, cert->application_uri, kSourceCertificate);
  emit(sink, who, field::name, cert->subject_cn, kSourceCertificate);
}

void Parser::emit_policy_used(bool from_client, std::string_view uri, Sink& sink) noexcept {
  const AssetRef server = from_client ? AssetRef::receiver_party() : AssetRef::sender_party();
  // The policy URI itself, as tshark shows it: OPN is rare (once per channel
  // renewal), so this is not per message.
  if (!uri.empty()) emit(sink, server, "opcua_security_policy_used", uri, "opcua");
  if (uri == kPolicyNone) {
    if (once(kOncePolicyNoneUsed)) emit_security(sink, server, "policy_none_used");
    return;
  }
  const auto dep = deprecated_policy(uri);
  if (!dep.empty() && once(kOnceDeprecatedUsed))
    emit_security(sink, server, "deprecated_policy_used:" + std::string(dep));
}

void Parser::handle_open(Direction dir, Bytes body, Sink& sink) noexcept {
  ByteReader r(body);
  auto asym = parse_asymmetric_header(r);
  if (!asym) {
    sink.anomaly("opcua.bad_asymmetric_header");
    return;
  }
  const std::string_view uri = asym->security_policy_uri.value_or(std::string_view{});
  policy_ = uri == kPolicyNone ? Policy::none : Policy::secured;
  // Who sent it: decided by the body when readable, else by the direction the
  // client speaks in (the HEL sender's; reverse connect flips it).
  bool from_client = dir == client_dir_;
  std::optional<ServiceMessage> msg;
  if (policy_ == Policy::none && r.skip(8)) {  // sequence header
    auto m = decode_service(r.rest());
    if (m && m->service != nullptr) {
      from_client = m->service->is_request;
      msg = std::move(m.value());
    } else {
      sink.anomaly("opcua.bad_open_body");
    }
  }
  if (asym->sender_certificate && !asym->sender_certificate->empty() &&
      once(from_client ? kOnceSenderCertClient : kOnceSenderCertServer))
    emit_certificate(AssetRef::sender_party(), *asym->sender_certificate, sink);
  emit_policy_used(from_client, uri, sink);
  if (msg) {
    if (!from_client) {
      channel_id_ = msg->channel_id;
      channel_known_ = true;
    }
    emit_service(*msg, sink);
  } else if (!from_client && asym->secure_channel_id != 0) {
    channel_id_ = asym->secure_channel_id;
    channel_known_ = true;
  }
}

void Parser::handle_symmetric(Direction dir, const MessageHeader& h, Bytes body, Sink& sink) noexcept {
  Side& s = side(dir);
  ByteReader r(body);
  auto channel = r.u32_le();
  auto token = r.u32_le();
  if (!channel || !token) return;
  if (h.chunk_type == 'A') {  // Part 6 §6.7.2.4: the sender gave up on this message
    reset_reassembly(s);
    return;
  }
  if (policy_ == Policy::secured) return;  // encrypted or signed: bodies unreadable here
  auto seq = r.u32_le();
  auto request_id = r.u32_le();
  if (!seq || !request_id) return;
  const Bytes part = r.rest();
  if (h.chunk_type == 'C' || s.assembling || s.discarding) {
    if ((s.assembling || s.discarding) && s.request_id != *request_id) {
      sink.anomaly("opcua.chunk_interleaved");
      reset_reassembly(s);
    }
    if (!s.assembling && !s.discarding) {
      s.assembling = true;
      s.request_id = *request_id;
    }
    if (!s.discarding) {
      if (s.chunks + 1 > kMaxChunkCount || part.size() > kMaxReassembledBytes - s.body.size()) {
        sink.anomaly("opcua.reassembly_limit");
        s.body.clear();
        s.assembling = false;
        s.discarding = true;
      } else {
        s.body.insert(s.body.end(), part.begin(), part.end());
        ++s.chunks;
      }
    }
    if (h.chunk_type == 'C') return;
    // The final chunk.
    if (s.discarding) {
      reset_reassembly(s);
      return;
    }
    std::vector<std::byte> whole;
    whole.swap(s.body);
    reset_reassembly(s);
    handle_service(Bytes(whole.data(), whole.size()), sink);
    whole.clear();
    s.body.swap(whole);  // keep the capacity for the next message
    return;
  }
  handle_service(part, sink);
}

void Parser::handle_service(Bytes body, Sink& sink) noexcept {
  auto m = decode_service(body);
  if (!m || m->service == nullptr) {
    // With policy unknown (no OPN seen) an unreadable body is expected: encrypted.
    if (policy_ == Policy::none) sink.anomaly(m ? "opcua.unknown_service" : "opcua.bad_service_body");
    return;
  }
  emit_service(*m, sink);
}

void Parser::emit_application(const AssetRef& who, const ApplicationDescription& d, Sink& sink) noexcept {
  emit_opt(sink, who, kFieldApplicationUri, d.application_uri, kSourceApplication);
  emit_opt(sink, who, kFieldProductUri, d.product_uri, kSourceApplication);
  emit_opt(sink, who, field::product, d.application_name.text, kSourceApplication);
}

void Parser::emit_endpoints(const std::vector<EndpointDescription>& eps, Sink& sink) noexcept {
  const AssetRef server = AssetRef::sender_party();
  constexpr std::size_t kMaxDistinct = 16;  // distinct URLs / policies kept per message
  std::string_view urls[kMaxDistinct];
  std::size_t n_urls = 0;
  bool none_offered = false, anonymous_offered = false, app_done = false;
  std::string_view deprecated[2];
  std::size_t n_dep = 0;
  for (const auto& e : eps) {
    if (e.endpoint_url && !e.endpoint_url->empty() &&
        std::find(urls, urls + n_urls, *e.endpoint_url) == urls + n_urls && n_urls < kMaxDistinct) {
      urls[n_urls++] = *e.endpoint_url;
      emit(sink, server, field::service, "opcua:" + std::string(*e.endpoint_url), kSourceApplication);
    }
    if (!app_done) {
      emit_application(server, e.server, sink);
      app_done = true;
    }
    const std::string_view policy = e.security_policy_uri.value_or(std::string_view{});
    if (!policy.empty()) emit(sink, server, "opcua_security_policy", policy, kSourceApplication);
    if (policy == kPolicyNone || e.security_mode == static_cast<std::uint32_t>(MessageSecurityMode::none))
      none_offered = true;
    const auto dep = deprecated_policy(policy);
    if (!dep.empty() && std::find(deprecated, deprecated + n_dep, dep) == deprecated + n_dep && n_dep < 2)
      deprecated[n_dep++] = dep;
    for (const auto& t : e.user_identity_tokens)
      if (t.token_type == static_cast<std::uint32_t>(UserTokenType::anonymous)) anonymous_offered = true;
    if (e.server_certificate && !e.server_certificate->empty() && once(kOnceEndpointCert))
      emit_certificate(server, *e.server_certificate, sink);
  }
  if (none_offered) emit_security(sink, server, "policy_none_offered");
  for (std::size_t i = 0; i < n_dep; ++i)
    emit_security(sink, server, "deprecated_policy_offered:" + std::string(deprecated[i]));
  if (anonymous_offered) emit_security(sink, server, "anonymous_token_offered");
}

void Parser::emit_service(const ServiceMessage& m, Sink& sink) noexcept {
  const ServiceInfo& svc = *m.service;
  emit_roles(svc.is_request, sink);
  if (svc.is_request) {
    Operation op{kProtocol, svc.op_name, svc.type_id};
    op.is_write = svc.is_write;
    sink.operation(op);
  } else if ((m.service_result & 0x80000000u) != 0 || svc.type_id == type_id::service_fault) {
    // A refused service names the operation but is no sighting of a write: the
    // request was (new_writer dates writes from requests, client to server).
    Operation op{kProtocol, svc.op_name, m.service_result};
    op.is_error = true;
    sink.operation(op);
  }
  const AssetRef sender = AssetRef::sender_party();
  const AssetRef receiver = AssetRef::receiver_party();
  switch (svc.type_id) {
    case type_id::get_endpoints_response:
      emit_endpoints(m.endpoints, sink);
      return;
    case type_id::find_servers_response:
      // A discovery server lists others: only a lone entry is surely the sender.
      if (m.servers.size() == 1) emit_application(sender, m.servers.front(), sink);
      return;
    case type_id::create_session_request:
      if (m.client_description) emit_application(sender, *m.client_description, sink);
      if (m.endpoint_url && !m.endpoint_url->empty())
        emit(sink, receiver, field::service, "opcua:" + std::string(*m.endpoint_url), kSourceApplication);
      return;
    case type_id::create_session_response:
      emit_endpoints(m.endpoints, sink);
      if (m.server_certificate && !m.server_certificate->empty() && once(kOnceEndpointCert))
        emit_certificate(sender, *m.server_certificate, sink);
      return;
    case type_id::activate_session_request:
      if (m.identity_token == IdentityToken::anonymous && once(kOnceAnonymousUsed))
        emit_security(sink, receiver, "anonymous_login_used");
      return;
    case type_id::read_response:
      for (const auto& b : m.build_infos) {
        emit_opt(sink, sender, field::vendor, b.manufacturer_name, kSourceBuildInfo);
        emit_opt(sink, sender, field::product, b.product_name, kSourceBuildInfo);
        emit_opt(sink, sender, field::revision, b.software_version, kSourceBuildInfo);
        emit_opt(sink, sender, kFieldBuild, b.build_number, kSourceBuildInfo);
        emit_opt(sink, sender, kFieldProductUri, b.product_uri, kSourceBuildInfo);
      }
      return;
    case type_id::open_secure_channel_request:
      if (m.security_mode == static_cast<std::uint32_t>(MessageSecurityMode::none) && once(kOnceModeNone))
        emit_security(sink, receiver, "security_mode_none");
      return;
    default: return;
  }
}

}  // namespace

Result<MessageHeader> parse_header(Bytes data) noexcept {
  ByteReader r(data);
  auto type = r.take(3);
  auto chunk = r.u8();
  auto size = r.u32_le();
  if (!type || !chunk || !size) return ParseError::need_more;
  const std::string_view t = as_chars(*type);
  MessageHeader h;
  if (t == "HEL") h.type = MessageType::hello;
  else if (t == "ACK") h.type = MessageType::acknowledge;
  else if (t == "ERR") h.type = MessageType::error;
  else if (t == "RHE") h.type = MessageType::reverse_hello;
  else if (t == "OPN") h.type = MessageType::open;
  else if (t == "MSG") h.type = MessageType::message;
  else if (t == "CLO") h.type = MessageType::close;
  else return ParseError::malformed;
  h.chunk_type = static_cast<char>(*chunk);
  const bool chunkable = h.type == MessageType::message;
  if (h.chunk_type != 'F' && !(chunkable && (h.chunk_type == 'C' || h.chunk_type == 'A')))
    return ParseError::malformed;
  h.size = *size;
  if (h.size < min_size(h.type)) return ParseError::malformed;
  if (h.size > kMaxChunkSizeHard) return ParseError::limit_exceeded;
  return h;
}

Result<Hello> parse_hello(Bytes body) noexcept {
  ByteReader r(body);
  Hello h;
  auto v = u32(r), rb = u32(r), sb = u32(r), mm = u32(r), mc = u32(r);
  if (!v || !rb || !sb || !mm || !mc) return ParseError::malformed;
  h.protocol_version = *v;
  h.receive_buffer_size = *rb;
  h.send_buffer_size = *sb;
  h.max_message_size = *mm;
  h.max_chunk_count = *mc;
  auto url = read_string(r);
  if (!url) return url.error();
  if (*url && (*url)->size() > kMaxEndpointUrlLength) return ParseError::limit_exceeded;
  h.endpoint_url = *url;
  return h;
}

Result<Acknowledge> parse_acknowledge(Bytes body) noexcept {
  ByteReader r(body);
  Acknowledge a;
  auto v = u32(r), rb = u32(r), sb = u32(r), mm = u32(r), mc = u32(r);
  if (!v || !rb || !sb || !mm || !mc) return ParseError::malformed;
  a.protocol_version = *v;
  a.receive_buffer_size = *rb;
  a.send_buffer_size = *sb;
  a.max_message_size = *mm;
  a.max_chunk_count = *mc;
  return a;
}

Result<ErrorMessage> parse_error(Bytes body) noexcept {
  ByteReader r(body);
  ErrorMessage e;
  auto code = u32(r);
  if (!code) return ParseError::malformed;
  e.error = *code;
  auto reason = read_string(r);
  if (!reason) return reason.error();
  e.reason = *reason;
  return e;
}

Result<ReverseHello> parse_reverse_hello(Bytes body) noexcept {
  ByteReader r(body);
  ReverseHello h;
  auto server = read_string(r);
  if (!server) return server.error();
  auto url = read_string(r);
  if (!url) return url.error();
  if (*url && (*url)->size() > kMaxEndpointUrlLength) return ParseError::limit_exceeded;
  h.server_uri = *server;
  h.endpoint_url = *url;
  return h;
}

Result<AsymmetricHeader> parse_asymmetric_header(ByteReader& r) noexcept {
  ByteReader work = r;
  AsymmetricHeader a;
  auto channel = u32(work);
  if (!channel) return channel.error();
  a.secure_channel_id = *channel;
  auto policy = read_string(work);
  if (!policy) return policy.error();
  a.security_policy_uri = *policy;
  auto cert = read_byte_string(work);
  if (!cert) return cert.error();
  a.sender_certificate = *cert;
  auto thumb = read_byte_string(work);
  if (!thumb) return thumb.error();
  a.receiver_thumbprint = *thumb;
  r = work;
  return a;
}

std::string_view status_name(std::uint32_t code) noexcept {
  for (const auto& s : kStatusNames)
    if (s.code == code) return s.name;
  return {};
}

std::string_view deprecated_policy(std::string_view uri) noexcept {
  if (uri == "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15") return "Basic128Rsa15";
  if (uri == "http://opcfoundation.org/UA/SecurityPolicy#Basic256") return "Basic256";
  return {};
}

bool probe(Bytes first_payload, Direction dir) noexcept {
  if (dir != Direction::to_server) return false;
  auto h = parse_header(first_payload);
  if (!h) return false;
  if (h->type == MessageType::reverse_hello)
    return h->size <= kHeaderSize + 8 + 2 * kMaxEndpointUrlLength;
  if (h->type != MessageType::hello) return false;
  if (h->size > kMinHello + kMaxEndpointUrlLength) return false;
  ByteReader r(first_payload.subspan(kHeaderSize));
  auto version = r.u32_le();
  return version && *version == 0;
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<Parser>(); }

}  // namespace mieruka::dissectors::opcua
