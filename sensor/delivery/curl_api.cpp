#include "sensor/delivery/curl_api.hpp"

#include "inventory/render/shared_library.hpp"

namespace mieruka::sensor::delivery {
namespace {

CurlApi load() {
  // The OpenSSL build (Debian's libcurl4, what libcurl4-openssl-dev installs)
  // first, then the GnuTLS and NSS builds, which export the same API.
  static inventory::SharedLibrary lib{"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4"};
  CurlApi r;
  decltype(&::curl_global_init) global_init = nullptr;
  lib.bind("curl_global_init", global_init);
  lib.bind("curl_easy_init", r.easy_init);
  lib.bind("curl_easy_setopt", r.easy_setopt);
  lib.bind("curl_easy_perform", r.easy_perform);
  lib.bind("curl_easy_getinfo", r.easy_getinfo);
  lib.bind("curl_easy_cleanup", r.easy_cleanup);
  lib.bind("curl_easy_strerror", r.easy_strerror);
  lib.bind("curl_slist_append", r.slist_append);
  lib.bind("curl_slist_free_all", r.slist_free_all);
  if (!lib.ok()) {
    r.error = "libcurl: " + lib.error() + " (install libcurl4 to send mail and webhooks)";
  } else if (const CURLcode rc = global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    r.error = "libcurl failed to initialise (curl_global_init code " + std::to_string(static_cast<int>(rc)) + ")";
  }
  return r;
}

}  // namespace

const CurlApi& curl_api() {
  static const CurlApi api = load();  // a function-local static: loaded once, thread safe
  return api;
}

}  // namespace mieruka::sensor::delivery
