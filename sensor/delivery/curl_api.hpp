// libcurl, loaded the first time a delivery channel sends.
//
// Only SMTP and webhook delivery use libcurl, but linking it makes the loader
// map and relocate about thirty libraries (GnuTLS, Kerberos, LDAP, SSH, ...)
// at every start (~8 ms for an empty program linked with it here), even for a
// `mieruka read` that never sends a message. So the binary does not link it; curl_api()
// dlopen()s it once and hands out the few entry points delivery needs.
#pragma once

#include <curl/curl.h>

#include <string>

namespace mieruka::sensor::delivery {

struct CurlApi {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  std::string error;  // empty when usable, else one line naming what is missing
};

// The loaded and globally initialised library, loaded on the first call
// (thread safe) and kept for the life of the process. Check `error` first.
const CurlApi& curl_api();

}  // namespace mieruka::sensor::delivery
