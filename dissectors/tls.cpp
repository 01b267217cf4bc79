// TLS handshake identity (see tls.hpp).
#include "tls.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "opcua_cert.hpp"

namespace mieruka::dissectors::tls {
namespace {

constexpr std::string_view kSource = "tls";
constexpr std::string_view kFieldClientSni = "tls_client_sni";
constexpr std::string_view kFieldSni = "tls_sni";
constexpr std::string_view kFieldAlpn = "tls_alpn";
constexpr std::string_view kFieldClientVersion = "tls_client_version";
constexpr std::string_view kFieldVersion = "tls_version";
constexpr std::string_view kFieldCertSubject = "tls_cert_subject";
constexpr std::string_view kFieldCertIssuer = "tls_cert_issuer";
constexpr std::string_view kFieldCertNotAfter = "tls_cert_not_after";
constexpr std::string_view kFieldCertSan = "tls_cert_san";

// Extension types (IANA TLS ExtensionType registry).
constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint8_t kNameTypeHostName = 0;

// Vendors whose name in a certificate's organizationName is a useful hint: device
// web servers ship self-signed certificates naming their maker. Matched as a
// whole word, case-insensitively.
constexpr std::array<std::string_view, 30> kCertVendors = {
    "Siemens",  "Rockwell", "Allen-Bradley", "Schneider", "Phoenix Contact", "ABB",       "Mitsubishi",
    "Omron",    "Beckhoff", "WAGO",          "Moxa",      "Hirschmann",      "Belden",    "HMS",
    "eWON",     "Axis",     "Hikvision",     "Yokogawa",  "Emerson",         "Honeywell", "Keyence",
    "Panasonic", "Secomea", "Tosibox",       "Teltonika", "INSYS",           "Hilscher",  "Advantech",
    "Red Lion", "Pilz"};

bool is_alpha_num(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool contains_word(std::string_view hay, std::string_view word) noexcept {
  if (word.empty() || hay.size() < word.size()) return false;
  for (std::size_t i = 0; i + word.size() <= hay.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < word.size() && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(hay[i + k])) == std::tolower(static_cast<unsigned char>(word[k]));
    if (!eq) continue;
    const bool left = i == 0 || !is_alpha_num(hay[i - 1]);
    const bool right = i + word.size() == hay.size() || !is_alpha_num(hay[i + word.size()]);
    if (left && right) return true;
  }
  return false;
}

// A CN that names a host: not a wildcard, not an IP literal, not empty.
bool is_host_name(std::string_view cn) noexcept {
  if (cn.empty() || cn.size() > kMaxNameLength) return false;
  if (cn.find('*') != std::string_view::npos) return false;
  const bool ipv4_like = std::all_of(cn.begin(), cn.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (ipv4_like) return false;
  return cn.find(':') == std::string_view::npos;  // IPv6 literal
}

void emit(Sink& sink, const AssetRef& who, std::string_view field, std::string value) noexcept {
  if (value.empty()) return;
  try {
    sink.fact({who, field, std::move(value), kSource});
  } catch (...) {  // allocation failure: drop the fact
  }
}

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const noexcept { GENERAL_NAMES_free(n); }
};

// DNS names of the certificate's subjectAltName (RFC 5280 §4.2.1.6), at most kMaxSanNames.
std::vector<std::string> dns_sans(Bytes der) {
  std::vector<std::string> out;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return out;
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  const int n = sk_GENERAL_NAME_num(names.get());
  for (int i = 0; i < n && out.size() < kMaxSanNames; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g == nullptr || g->type != GEN_DNS || g->d.dNSName == nullptr) continue;
    const int len = ASN1_STRING_length(g->d.dNSName);
    if (len <= 0 || static_cast<std::size_t>(len) > kMaxNameLength) continue;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)), static_cast<std::size_t>(len));
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

// Extensions block (RFC 8446 §4.2): u16 total length, then type/length/data.
// Calls fn(type, data) for each; stops at kMaxExtensions. False when malformed.
template <class Fn>
bool walk_extensions(ByteReader& r, Fn&& fn) {
  if (r.empty()) return true;  // extensions are optional before TLS 1.3
  auto total = r.u16_be();
  if (!total || *total > r.remaining()) return false;
  auto ext = r.sub(*total);
  if (!ext) return false;
  for (std::size_t n = 0; !ext->empty(); ++n) {
    if (n == kMaxExtensions) return false;
    auto type = ext->u16_be();
    auto len = ext->u16_be();
    if (!type || !len || *len > ext->remaining()) return false;
    auto data = ext->take(*len);
    if (!data) return false;
    fn(*type, *data);
  }
  return true;
}

// One direction of the record layer and its handshake reassembly.
struct DirState {
  std::array<std::byte, kRecordHeaderSize> header{};
  std::size_t header_len = 0;
  RecordHeader record{};
  std::size_t record_left = 0;   // body bytes of the current record still to come
  std::vector<std::byte> handshake;  // bounded by kMaxHandshakeMessage + 4
  std::size_t seen = 0;          // bytes looked at, capped by kMaxBytesPerDirection
  bool done = false;
};

class Parser final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override {
    DirState& s = side(dir);
    if (s.done) return;
    if (s.seen + data.size() > kMaxBytesPerDirection) {
      data = data.first(kMaxBytesPerDirection - s.seen);
      s.seen = kMaxBytesPerDirection;
      feed(dir, s, data, sink);
      finish(s);
      return;
    }
    s.seen += data.size();
    feed(dir, s, data, sink);
  }

  void on_gap(Direction dir, std::size_t, Sink& sink) noexcept override {
    DirState& s = side(dir);
    if (s.done) return;
    sink.anomaly("tls.gap");
    finish(s);  // the record boundary is lost; nothing after it is trusted
  }

  void on_eof(Direction dir, Sink&) noexcept override { finish(side(dir)); }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept override {
    return dirs_[0].handshake.capacity() + dirs_[1].handshake.capacity();
  }

 private:
  DirState& side(Direction d) noexcept { return dirs_[static_cast<std::size_t>(d)]; }

  static void finish(DirState& s) noexcept {
    s.done = true;
    std::vector<std::byte>().swap(s.handshake);
  }

  void feed(Direction dir, DirState& s, Bytes data, Sink& sink) noexcept {
    while (!data.empty() && !s.done) {
      if (s.record_left == 0) {
        const std::size_t n = std::min(kRecordHeaderSize - s.header_len, data.size());
        std::copy_n(data.begin(), n, s.header.begin() + static_cast<std::ptrdiff_t>(s.header_len));
        s.header_len += n;
        data = data.subspan(n);
        if (s.header_len < kRecordHeaderSize) return;
        s.header_len = 0;
        auto h = parse_record_header(s.header);
        if (!h) {
          sink.violation("tls.bad_record_header");
          finish(s);
          return;
        }
        s.record = *h;
        s.record_left = h->length;
        // Past ChangeCipherSpec or on application data, records are encrypted.
        if (h->content_type == kContentChangeCipherSpec || h->content_type == kContentApplicationData) {
          finish(s);
          return;
        }
        continue;
      }
      const std::size_t n = std::min(s.record_left, data.size());
      const Bytes body = data.first(n);
      data = data.subspan(n);
      s.record_left -= n;
      if (s.record.content_type != kContentHandshake) continue;
      if (s.handshake.size() + n > kMaxHandshakeMessage + 4) {
        sink.anomaly("tls.handshake_too_long");
        finish(s);
        return;
      }
      try {
        s.handshake.insert(s.handshake.end(), body.begin(), body.end());
      } catch (...) {
        finish(s);
        return;
      }
      drain_handshake(dir, s, sink);
    }
  }

  // Handles every complete handshake message in the buffer (RFC 8446 §4:
  // msg_type u8, length u24, body).
  void drain_handshake(Direction dir, DirState& s, Sink& sink) noexcept {
    std::size_t used = 0;
    while (!s.done) {
      ByteReader r(Bytes(s.handshake).subspan(used));
      auto type = r.u8();
      auto len = r.u24_be();
      if (!type || !len) break;
      if (*len > kMaxHandshakeMessage) {
        sink.anomaly("tls.handshake_too_long");
        finish(s);
        return;
      }
      auto body = r.take(*len);
      if (!body) break;
      used += 4 + *len;
      on_message(dir, s, *type, *body, sink);
    }
    if (s.done) return;
    s.handshake.erase(s.handshake.begin(), s.handshake.begin() + static_cast<std::ptrdiff_t>(used));
  }

  void on_message(Direction dir, DirState& s, std::uint8_t type, Bytes body, Sink& sink) noexcept {
    if (type == kClientHello && dir == Direction::to_server) return on_client_hello(body, sink);
    if (type == kServerHello && dir == Direction::to_client) return on_server_hello(s, body, sink);
    if (type == kCertificate && dir == Direction::to_client) {
      on_certificate(body, sink);
      finish(s);
    }
  }

  void on_client_hello(Bytes body, Sink& sink) noexcept {
    auto ch = parse_client_hello(body);
    if (!ch) {
      sink.anomaly("tls.bad_client_hello");
      return;
    }
    try {
      const std::uint16_t v = ch->max_supported_version != 0 ? ch->max_supported_version : ch->legacy_version;
      emit(sink, AssetRef::sender_party(), kFieldClientVersion, version_name(v));
      emit(sink, AssetRef::sender_party(), kFieldClientSni, ch->server_name);
      emit(sink, AssetRef::receiver_party(), kFieldSni, ch->server_name);
      emit(sink, AssetRef::sender_party(), kFieldAlpn, join(ch->alpn));
    } catch (...) {
    }
  }

  void on_server_hello(DirState& s, Bytes body, Sink& sink) noexcept {
    auto sh = parse_server_hello(body);
    if (!sh) {
      sink.anomaly("tls.bad_server_hello");
      return;
    }
    try {
      emit(sink, AssetRef::sender_party(), kFieldVersion, version_name(sh->selected_version));
    } catch (...) {
    }
    // TLS 1.3 encrypts everything after ServerHello (RFC 8446 §2).
    if (sh->selected_version >= 0x0304 && sh->selected_version < 0x0400) finish(s);
  }

  void on_certificate(Bytes body, Sink& sink) noexcept {
    auto der = first_certificate(body);
    if (!der) {
      sink.anomaly("tls.bad_certificate_message");
      return;
    }
    auto cert = opcua::parse_certificate(*der);
    if (!cert) {
      sink.anomaly("tls.bad_certificate");
      return;
    }
    const AssetRef who = AssetRef::sender_party();
    try {
      emit(sink, who, kFieldCertSubject, cert->subject);
      emit(sink, who, kFieldCertIssuer, cert->issuer);
      emit(sink, who, kFieldCertNotAfter, cert->not_after);
      emit(sink, who, kFieldCertSan, join(dns_sans(*der)));
      if (is_host_name(cert->subject_cn)) emit(sink, who, field::name, cert->subject_cn);
      for (std::string_view v : kCertVendors) {
        if (!contains_word(cert->subject_o, v)) continue;
        emit(sink, who, field::vendor, cert->subject_o);
        break;
      }
    } catch (...) {
    }
  }

  std::array<DirState, 2> dirs_{};
};

}  // namespace

Result<RecordHeader> parse_record_header(Bytes b) noexcept {
  ByteReader r(b);
  auto type = r.u8();
  auto version = r.u16_be();
  auto length = r.u16_be();
  if (!type || !version || !length) return ParseError::truncated;
  if (*type < kContentChangeCipherSpec || *type > kContentHeartbeat) return ParseError::malformed;
  if ((*version >> 8) != 3) return ParseError::malformed;
  if (*length > kMaxRecordLength) return ParseError::malformed;
  return RecordHeader{*type, *version, *length};
}

Result<ClientHello> parse_client_hello(Bytes body) noexcept {
  ByteReader r(body);
  ClientHello ch;
  auto version = r.u16_be();
  if (!version) return ParseError::truncated;
  ch.legacy_version = *version;
  if (!r.skip(32)) return ParseError::truncated;  // random
  auto sid_len = r.u8();
  if (!sid_len) return ParseError::truncated;
  if (*sid_len > 32) return ParseError::malformed;
  if (!r.skip(*sid_len)) return ParseError::truncated;
  auto cs_len = r.u16_be();
  if (!cs_len) return ParseError::truncated;
  if (*cs_len % 2 != 0) return ParseError::malformed;
  if (!r.skip(*cs_len)) return ParseError::truncated;
  auto comp_len = r.u8();
  if (!comp_len) return ParseError::truncated;
  if (!r.skip(*comp_len)) return ParseError::truncated;
  bool bad = false;
  try {
    const bool ok = walk_extensions(r, [&](std::uint16_t type, Bytes data) {
      ByteReader e(data);
      if (type == kExtServerName && ch.server_name.empty()) {
        // RFC 6066 §3: ServerNameList u16, then name_type u8 + HostName<1..2^16-1>.
        auto list_len = e.u16_be();
        if (!list_len || *list_len > e.remaining()) return void(bad = true);
        auto list = e.sub(*list_len);
        while (list && !list->empty()) {
          auto nt = list->u8();
          auto nl = list->u16_be();
          if (!nt || !nl || *nl > list->remaining()) return void(bad = true);
          auto name = list->take(*nl);
          if (*nt == kNameTypeHostName && ch.server_name.empty() && *nl <= kMaxNameLength)
            ch.server_name = std::string(as_chars(*name));
        }
      } else if (type == kExtAlpn && ch.alpn.empty()) {
        // RFC 7301 §3.1: ProtocolNameList u16, then ProtocolName<1..2^8-1>.
        auto list_len = e.u16_be();
        if (!list_len || *list_len > e.remaining()) return void(bad = true);
        auto list = e.sub(*list_len);
        while (list && !list->empty()) {
          auto pl = list->u8();
          if (!pl || *pl > list->remaining()) return void(bad = true);
          auto p = list->take(*pl);
          if (ch.alpn.size() < kMaxAlpnProtocols && *pl != 0) ch.alpn.emplace_back(as_chars(*p));
        }
      } else if (type == kExtSupportedVersions) {
        // RFC 8446 §4.2.1 (ClientHello form): u8 length, list of u16.
        auto n = e.u8();
        if (!n || *n > e.remaining() || *n % 2 != 0) return void(bad = true);
        for (std::size_t i = 0; i < *n / 2; ++i) {
          auto v = e.u16_be();
          if (!v) break;
          // GREASE values (RFC 8701: 0x?a?a) are not versions.
          if ((*v & 0x0f0f) == 0x0a0a) continue;
          if ((*v >> 8) == 3 && *v > ch.max_supported_version) ch.max_supported_version = *v;
        }
      }
    });
    if (!ok || bad) return ParseError::malformed;
  } catch (...) {
    return ParseError::limit_exceeded;
  }
  return ch;
}

Result<ServerHello> parse_server_hello(Bytes body) noexcept {
  ByteReader r(body);
  ServerHello sh;
  auto version = r.u16_be();
  if (!version) return ParseError::truncated;
  sh.legacy_version = *version;
  sh.selected_version = *version;
  if (!r.skip(32)) return ParseError::truncated;
  auto sid_len = r.u8();
  if (!sid_len) return ParseError::truncated;
  if (*sid_len > 32) return ParseError::malformed;
  if (!r.skip(*sid_len)) return ParseError::truncated;
  if (!r.skip(3)) return ParseError::truncated;  // cipher_suite u16, compression u8
  bool bad = false;
  const bool ok = walk_extensions(r, [&](std::uint16_t type, Bytes data) {
    if (type != kExtSupportedVersions) return;
    ByteReader e(data);
    auto v = e.u16_be();  // ServerHello form: one selected_version
    if (!v) return void(bad = true);
    sh.selected_version = *v;
  });
  if (!ok || bad) return ParseError::malformed;
  return sh;
}

Result<Bytes> first_certificate(Bytes body) noexcept {
  ByteReader r(body);
  auto list_len = r.u24_be();
  if (!list_len) return ParseError::truncated;
  if (*list_len > r.remaining()) return ParseError::malformed;
  auto cert_len = r.u24_be();
  if (!cert_len) return ParseError::truncated;
  if (*cert_len == 0 || *cert_len + 3 > *list_len) return ParseError::malformed;
  auto der = r.take(*cert_len);
  if (!der) return ParseError::truncated;
  return *der;
}

std::string version_name(std::uint16_t v) {
  switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 0xf];
  return out;
}

bool probe(Bytes first_payload, Direction dir) noexcept {
  if (dir != Direction::to_server) return false;
  ByteReader r(first_payload);
  auto h = r.take(kRecordHeaderSize);
  if (!h) return false;
  auto rh = parse_record_header(*h);
  if (!rh || rh->content_type != kContentHandshake || rh->length < 4) return false;
  auto type = r.u8();
  auto len = r.u24_be();
  if (!type || !len || *type != kClientHello) return false;
  // A ClientHello holds at least version, random, three length bytes.
  if (*len < 38) return false;
  auto version = r.u16_be();
  return version && (*version >> 8) == 3;
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<Parser>(); }

}  // namespace mieruka::dissectors::tls
