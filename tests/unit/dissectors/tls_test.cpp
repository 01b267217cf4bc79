// TLS handshake identity: record framing, ClientHello/ServerHello fields,
// Certificate (a certificate built here with OpenSSL), malformed twins, every
// split point of a stream, and the caps.
#include "dissectors/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mieruka::dissectors::tls {
namespace {

using V = std::vector<std::uint8_t>;

struct Recorder final : Sink {
  std::vector<Fact> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  void fact(const Fact& f) noexcept override { facts.push_back(f); }
  void operation(const Operation& o) noexcept override { ops.push_back(o); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string get(std::string_view field, AssetRef::Kind who = AssetRef::Kind::sender) const {
    for (const auto& f : facts)
      if (f.field == field && f.who.kind == who) return f.value;
    return {};
  }
};

Bytes B(const V& v) { return {reinterpret_cast<const std::byte*>(v.data()), v.size()}; }
void u16(V& v, std::size_t x) { v.push_back(std::uint8_t(x >> 8)); v.push_back(std::uint8_t(x)); }
void u24(V& v, std::size_t x) { v.push_back(std::uint8_t(x >> 16)); u16(v, x & 0xffff); }
void put(V& v, const V& x) { v.insert(v.end(), x.begin(), x.end()); }
void put(V& v, std::string_view s) { v.insert(v.end(), s.begin(), s.end()); }

// ClientHello body (RFC 8446 §4.1.2).
V client_hello_body(std::string_view sni, bool with_alpn = true) {
  V ext;
  // server_name (0): list length, name_type 0 host_name, name length, name
  V sn;
  u16(sn, sni.size() + 3);
  sn.push_back(0);
  u16(sn, sni.size());
  put(sn, sni);
  u16(ext, 0); u16(ext, sn.size()); put(ext, sn);
  if (with_alpn) {
    // ALPN (16): list length, "h2", "http/1.1"
    V al;
    u16(al, 3 + 9);
    al.push_back(2); put(al, "h2");
    al.push_back(8); put(al, "http/1.1");
    u16(ext, 16); u16(ext, al.size()); put(ext, al);
  }
  // supported_versions (43): GREASE 0x0a0a, TLS 1.3, TLS 1.2
  u16(ext, 43); u16(ext, 7); ext.push_back(6);
  u16(ext, 0x0a0a); u16(ext, 0x0304); u16(ext, 0x0303);
  V b;
  u16(b, 0x0303);                    // legacy_version TLS 1.2
  b.insert(b.end(), 32, 0x11);       // random
  b.push_back(0);                    // legacy_session_id: empty
  u16(b, 4); u16(b, 0x1301); u16(b, 0xc02f);  // cipher_suites
  b.push_back(1); b.push_back(0);    // legacy_compression_methods: null
  u16(b, ext.size()); put(b, ext);   // extensions
  return b;
}

V server_hello_body(bool tls13) {
  V b;
  u16(b, 0x0303);                    // legacy_version
  b.insert(b.end(), 32, 0x22);       // random
  b.push_back(0);                    // session id
  u16(b, 0xc02f);                    // cipher_suite
  b.push_back(0);                    // compression
  if (tls13) {
    u16(b, 6); u16(b, 43); u16(b, 2); u16(b, 0x0304);  // supported_versions: TLS 1.3
  } else {
    u16(b, 0);                       // no extensions
  }
  return b;
}

V handshake(std::uint8_t type, const V& body) {
  V m{type};
  u24(m, body.size());
  put(m, body);
  return m;
}

V record(std::uint8_t type, const V& body) {
  V r{type, 0x03, 0x03};
  u16(r, body.size());
  put(r, body);
  return r;
}

// A self-signed certificate with the given subject CN/O and DNS SANs.
V make_cert(const std::string& cn, const std::string& o, const std::vector<std::string>& sans) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
  ASN1_TIME_set(X509_getm_notAfter(x), 1900000000);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  if (!sans.empty()) {
    std::string v;
    for (const auto& s : sans) v += (v.empty() ? "DNS:" : ",DNS:") + s;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, v.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  V out(der, der + len);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

V certificate_body(const V& der) {
  V b;
  u24(b, der.size() + 3);  // certificate_list length
  u24(b, der.size());      // first ASN.1Cert length
  put(b, der);
  return b;
}

void feed(StreamParser& p, Direction d, const V& bytes, Sink& s) { p.on_data(d, B(bytes), s); }

TEST(Tls, ClientHelloFields) {
  auto ch = parse_client_hello(B(client_hello_body("plc1.example.local")));
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->legacy_version, 0x0303);
  EXPECT_EQ(ch->max_supported_version, 0x0304);  // GREASE skipped
  EXPECT_EQ(ch->server_name, "plc1.example.local");
  ASSERT_EQ(ch->alpn.size(), 2u);
  EXPECT_EQ(ch->alpn[1], "http/1.1");
}

TEST(Tls, ClientHelloCutAtEveryByteIsNeverOk) {
  const V body = client_hello_body("a.b");
  // Cut inside the fixed part: truncated; inside the extensions: malformed. Never ok
  // except at the end of the fixed part (extensions are optional before TLS 1.3).
  const std::size_t fixed = 2 + 32 + 1 + 2 + 4 + 2;
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto r = parse_client_hello(B(V(body.begin(), body.begin() + n)));
    if (n == fixed) {
      EXPECT_TRUE(r.ok());
      continue;
    }
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(Tls, ClientHelloLyingLengths) {
  V body = client_hello_body("x.y");
  V bad = body;
  bad[34] = 33;  // session id length above 32
  EXPECT_EQ(parse_client_hello(B(bad)).error(), ParseError::malformed);
  bad = body;
  bad[35] = 0; bad[36] = 3;  // odd cipher_suites length
  EXPECT_EQ(parse_client_hello(B(bad)).error(), ParseError::malformed);
  bad = body;
  const std::size_t ext_len_at = 2 + 32 + 1 + 2 + 4 + 2;
  bad[ext_len_at] = 0xff;  // extensions length past the end
  EXPECT_EQ(parse_client_hello(B(bad)).error(), ParseError::malformed);
}

TEST(Tls, RecordHeaderChecks) {
  EXPECT_TRUE(parse_record_header(B(V{22, 3, 1, 0x48, 0x00})).ok());          // 18432 = 2^14 + 2048
  EXPECT_FALSE(parse_record_header(B(V{22, 3, 1, 0x48, 0x01})).ok());         // one above
  EXPECT_FALSE(parse_record_header(B(V{25, 3, 1, 0, 1})).ok());               // unknown type
  EXPECT_FALSE(parse_record_header(B(V{22, 2, 0, 0, 1})).ok());               // SSLv2-style
  EXPECT_EQ(parse_record_header(B(V{22, 3, 1, 0})).error(), ParseError::truncated);
}

TEST(Tls, StreamEmitsSniOnBothPartiesAndServerVersion) {
  Recorder s;
  auto p = make_stream_parser();
  feed(*p, Direction::to_server, record(22, handshake(1, client_hello_body("hmi.plant.local"))), s);
  feed(*p, Direction::to_client, record(22, handshake(2, server_hello_body(true))), s);
  EXPECT_EQ(s.get("tls_client_sni"), "hmi.plant.local");
  EXPECT_EQ(s.get("tls_sni", AssetRef::Kind::receiver), "hmi.plant.local");
  EXPECT_EQ(s.get("tls_alpn"), "h2,http/1.1");
  EXPECT_EQ(s.get("tls_client_version"), "TLS 1.3");
  EXPECT_EQ(s.get("tls_version"), "TLS 1.3");
  EXPECT_TRUE(s.anomalies.empty());
  for (const auto& f : s.facts) EXPECT_EQ(f.source, "tls");
}

TEST(Tls, CertificateGivesSubjectIssuerNameVendorAndSans) {
  const V der = make_cert("plc-line1.plant.local", "Siemens AG", {"plc-line1.plant.local", "plc1"});
  V server = record(22, handshake(2, server_hello_body(false)));
  put(server, record(22, handshake(11, certificate_body(der))));
  Recorder s;
  auto p = make_stream_parser();
  feed(*p, Direction::to_client, server, s);
  EXPECT_EQ(s.get("tls_version"), "TLS 1.2");
  EXPECT_EQ(s.get("tls_cert_subject"), "CN=plc-line1.plant.local,O=Siemens AG");
  EXPECT_EQ(s.get("tls_cert_issuer"), "CN=plc-line1.plant.local,O=Siemens AG");
  EXPECT_EQ(s.get("tls_cert_san"), "plc-line1.plant.local,plc1");
  EXPECT_EQ(s.get("name"), "plc-line1.plant.local");
  EXPECT_EQ(s.get("vendor"), "Siemens AG");
  EXPECT_FALSE(s.get("tls_cert_not_after").empty());
}

TEST(Tls, WildcardOrIpCnIsNoNameAndUnknownOrgIsNoVendor) {
  for (const std::string cn : {"*.plant.local", "10.0.0.5"}) {
    Recorder s;
    auto p = make_stream_parser();
    feed(*p, Direction::to_client, record(22, handshake(11, certificate_body(make_cert(cn, "Acme Widgets", {})))), s);
    EXPECT_FALSE(s.get("tls_cert_subject").empty());
    EXPECT_TRUE(s.get("name").empty()) << cn;
    EXPECT_TRUE(s.get("vendor").empty());
  }
}

TEST(Tls, EverySplitPointGivesTheSameFacts) {
  const V der = make_cert("hmi", "Rockwell Automation", {});
  V server = record(22, handshake(2, server_hello_body(false)));
  // The Certificate message spans two records (handshake reassembly).
  const V cert_msg = handshake(11, certificate_body(der));
  const std::size_t half = cert_msg.size() / 2;
  put(server, record(22, V(cert_msg.begin(), cert_msg.begin() + half)));
  put(server, record(22, V(cert_msg.begin() + half, cert_msg.end())));
  for (std::size_t cut = 0; cut <= server.size(); ++cut) {
    Recorder s;
    auto p = make_stream_parser();
    feed(*p, Direction::to_client, V(server.begin(), server.begin() + cut), s);
    feed(*p, Direction::to_client, V(server.begin() + cut, server.end()), s);
    ASSERT_EQ(s.get("name"), "hmi") << cut;
    ASSERT_EQ(s.get("vendor"), "Rockwell Automation") << cut;
    ASSERT_TRUE(s.anomalies.empty()) << cut;
  }
}

TEST(Tls, StopsAtChangeCipherSpecGapAndCaps) {
  Recorder s;
  auto p = make_stream_parser();
  feed(*p, Direction::to_server, record(20, V{1}), s);
  feed(*p, Direction::to_server, record(22, handshake(1, client_hello_body("late.example"))), s);
  EXPECT_TRUE(s.facts.empty());  // encrypted after CCS: not parsed

  Recorder g;
  auto q = make_stream_parser();
  q->on_gap(Direction::to_server, 10, g);
  feed(*q, Direction::to_server, record(22, handshake(1, client_hello_body("x.example"))), g);
  EXPECT_TRUE(g.facts.empty());

  // A handshake message announcing more than the cap.
  Recorder c;
  auto r = make_stream_parser();
  V big{11};
  u24(big, kMaxHandshakeMessage + 1);
  feed(*r, Direction::to_client, record(22, big), c);
  ASSERT_EQ(c.anomalies.size(), 1u);
  EXPECT_EQ(c.anomalies[0], "tls.handshake_too_long");
  EXPECT_EQ(r->buffered_bytes(), 0u);

  // A bad record header ends the direction.
  Recorder h;
  auto t = make_stream_parser();
  feed(*t, Direction::to_client, V{0x47, 0x45, 0x54, 0x20, 0x2f, 0x00}, h);
  EXPECT_EQ(h.anomalies.at(0), "tls.bad_record_header");
}

TEST(Tls, ManySmallRecordsStopAtTheDirectionBudget) {
  Recorder s;
  auto p = make_stream_parser();
  // Alert records (never parsed) until past kMaxBytesPerDirection, then a ClientHello.
  const V alert = record(21, V{1, 0});
  for (std::size_t n = 0; n * alert.size() <= kMaxBytesPerDirection; ++n) feed(*p, Direction::to_server, alert, s);
  feed(*p, Direction::to_server, record(22, handshake(1, client_hello_body("after.budget"))), s);
  EXPECT_TRUE(s.facts.empty());
}

TEST(Tls, Probe) {
  const V hello = record(22, handshake(1, client_hello_body("p.q")));
  EXPECT_TRUE(probe(B(hello), Direction::to_server));
  EXPECT_FALSE(probe(B(hello), Direction::to_client));
  EXPECT_FALSE(probe(B(record(22, handshake(2, server_hello_body(false)))), Direction::to_server));
  EXPECT_FALSE(probe(B(V(hello.begin(), hello.begin() + 8)), Direction::to_server));
  const std::string get = "GET / HTTP/1.1\r\n";
  EXPECT_FALSE(probe(as_bytes(get), Direction::to_server));
}

TEST(Tls, FirstCertificateLengths) {
  V body;
  u24(body, 10);
  u24(body, 8);  // 8 + 3 > 10
  body.insert(body.end(), 8, 0x30);
  EXPECT_FALSE(first_certificate(B(body)).ok());
  V empty;
  u24(empty, 3);
  u24(empty, 0);
  EXPECT_FALSE(first_certificate(B(empty)).ok());
  EXPECT_EQ(version_name(0x7f1c), "0x7f1c");
}

}  // namespace
}  // namespace mieruka::dissectors::tls
