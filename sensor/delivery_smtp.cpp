// SMTP channel through libcurl: smtp:// (STARTTLS required, optional or none)
// or smtps:// (implicit TLS), AUTH with user/password when configured. The
// payload is the finished RFC 5322 message (delivery.cpp build_mime); success
// means the server answered 250 to the end of DATA.
#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "sensor/delivery.hpp"

namespace mieruka::sensor::delivery {
namespace {

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t room = size * n;
  const std::size_t take = std::min(room, up->data.size() - up->pos);
  std::memcpy(buf, up->data.data() + up->pos, take);
  up->pos += take;
  return take;
}

}  // namespace

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SendResult send_smtp(const ChannelConfig& ch, const inventory::OutboxMessage& m) {
  curl_init_once();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {false, "cannot start libcurl"};
  Upload up{m.payload, 0};
  curl_slist* rcpt = nullptr;
  for (const auto& to : ch.to) rcpt = curl_slist_append(rcpt, ("<" + to + ">").c_str());
  char err[CURL_ERROR_SIZE] = {};
  const std::string from = "<" + ch.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, ch.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &read_cb);
  curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(ch.timeout_s));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(ch.timeout_s, 15)));
  if (ch.url.rfind("smtp://", 0) == 0) {
    const long use = ch.starttls == "required" ? CURLUSESSL_ALL
                     : ch.starttls == "optional" ? CURLUSESSL_TRY
                                                 : CURLUSESSL_NONE;
    curl_easy_setopt(curl, CURLOPT_USE_SSL, use);
  }
  if (!ch.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ch.ca_file.c_str());
  if (!ch.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, ch.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, ch.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return {true, {}};
  std::string why = err[0] != 0 ? err : curl_easy_strerror(rc);
  if (code != 0) why += " (last reply " + std::to_string(code) + ")";
  return {false, ch.url + ": " + why};
}

}  // namespace mieruka::sensor::delivery
