// X.509 sender/server certificates via OpenSSL (see opcua_cert.hpp).
#include "opcua_cert.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace mieruka::dissectors::opcua {
namespace {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const noexcept { GENERAL_NAMES_free(n); }
};

std::string clip(std::string s) {
  if (s.size() > kMaxCertificateFieldLength) s.resize(kMaxCertificateFieldLength);
  return s;
}

std::string name_one_line(const X509_NAME* name) {
  if (name == nullptr) return {};
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return {};
  return clip(std::string(data, static_cast<std::size_t>(len)));
}

std::string name_entry(const X509_NAME* name, int nid) {
  if (name == nullptr) return {};
  const int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, idx);
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
  if (s == nullptr) return {};
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0 || utf8 == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return clip(std::move(out));
}

std::string time_rfc3339(const ASN1_TIME* t) {
  if (t == nullptr) return {};
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[80];  // room for any int in each field, so nothing is ever cut
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string san_uri(const X509* cert) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return {};
  const int n = sk_GENERAL_NAME_num(names.get());
  for (int i = 0; i < n; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g == nullptr || g->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = g->d.uniformResourceIdentifier;
    if (s == nullptr) continue;
    const unsigned char* data = ASN1_STRING_get0_data(s);
    const int len = ASN1_STRING_length(s);
    if (data == nullptr || len <= 0) continue;
    return clip(std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len)));
  }
  return {};
}

}  // namespace

Result<CertificateInfo> parse_certificate(Bytes der) noexcept {
  if (der.empty()) return ParseError::malformed;
  if (der.size() > kMaxCertificateSize) return ParseError::limit_exceeded;
  // d2i_X509 needs an unsigned char pointer; the span's bytes are read only.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return ParseError::malformed;
  CertificateInfo info;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  const X509_NAME* issuer = X509_get_issuer_name(cert.get());
  info.subject = name_one_line(subject);
  info.subject_cn = name_entry(subject, NID_commonName);
  info.subject_o = name_entry(subject, NID_organizationName);
  info.issuer = name_one_line(issuer);
  info.not_before = time_rfc3339(X509_get0_notBefore(cert.get()));
  info.not_after = time_rfc3339(X509_get0_notAfter(cert.get()));
  info.application_uri = san_uri(cert.get());
  info.self_signed = subject != nullptr && issuer != nullptr && X509_NAME_cmp(subject, issuer) == 0;
  return info;
}

}  // namespace mieruka::dissectors::opcua
