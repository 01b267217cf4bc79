// SMTP channel through libcurl: smtp:// (STARTTLS required, optional or none)
// or smtps:// (implicit TLS), AUTH with user/password when configured. The
// payload is the finished RFC 5322 message (delivery.cpp build_mime); success
// means the server answered 250 to the end of DATA.
#include "sensor/delivery/curl_api.hpp"

#include <cstring>
#include <string_view>

#include "sensor/delivery/delivery.hpp"

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

// Longest server reply kept for the error line (bytes).
constexpr std::size_t kMaxReplyKept = 200;

// Keeps the last 4xx/5xx reply line of the server ("554 5.7.1 relay denied"):
// libcurl's own text ("RCPT failed: 554") drops the reason plant IT needs.
// Only what the server sent is looked at, never what we sent (AUTH).
int keep_refusal(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() < 3 || (line[0] != '4' && line[0] != '5') || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
      line[2] > '9')
    return 0;
  auto* out = static_cast<std::string*>(user);
  out->assign(line.substr(0, kMaxReplyKept));
  for (char& c : *out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (out->size() > 3 && (*out)[3] == '-') (*out)[3] = ' ';  // a multi-line reply's continuation mark
  return 0;
}

}  // namespace

SendResult send_smtp(const ChannelConfig& ch, const inventory::OutboxMessage& m) {
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return {false, api.error};
  CURL* curl = api.easy_init();
  if (curl == nullptr) return {false, "cannot start libcurl"};
  Upload up{m.payload, 0};
  curl_slist* rcpt = nullptr;
  for (const auto& to : ch.to) rcpt = api.slist_append(rcpt, ("<" + to + ">").c_str());
  char err[CURL_ERROR_SIZE] = {};
  const std::string from = "<" + ch.from + ">";
  api.easy_setopt(curl, CURLOPT_URL, ch.url.c_str());
  api.easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  api.easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  api.easy_setopt(curl, CURLOPT_READFUNCTION, &read_cb);
  api.easy_setopt(curl, CURLOPT_READDATA, &up);
  api.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  std::string refusal;
  api.easy_setopt(curl, CURLOPT_DEBUGFUNCTION, &keep_refusal);
  api.easy_setopt(curl, CURLOPT_DEBUGDATA, &refusal);
  api.easy_setopt(curl, CURLOPT_VERBOSE, 1L);  // the debug callback sees the replies only when verbose
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(ch.timeout_s));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(ch.timeout_s, 15)));
  if (ch.url.rfind("smtp://", 0) == 0) {
    const long use = ch.starttls == "required" ? CURLUSESSL_ALL
                     : ch.starttls == "optional" ? CURLUSESSL_TRY
                                                 : CURLUSESSL_NONE;
    api.easy_setopt(curl, CURLOPT_USE_SSL, use);
  }
  if (!ch.ca_file.empty()) api.easy_setopt(curl, CURLOPT_CAINFO, ch.ca_file.c_str());
  if (!ch.user.empty()) {
    api.easy_setopt(curl, CURLOPT_USERNAME, ch.user.c_str());
    api.easy_setopt(curl, CURLOPT_PASSWORD, ch.password.c_str());
  }
  const CURLcode rc = api.easy_perform(curl);
  long code = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  api.slist_free_all(rcpt);
  api.easy_cleanup(curl);
  if (rc == CURLE_OK) return {true, {}};
  const std::string why = err[0] != 0 ? err : api.easy_strerror(rc);
  if (!refusal.empty()) return {false, redacted_url(ch.url) + ": server replied \"" + refusal + "\" (" + why + ")"};
  if (code != 0) return {false, redacted_url(ch.url) + ": " + why + " (last reply " + std::to_string(code) + ")"};
  return {false, redacted_url(ch.url) + ": " + why};
}

}  // namespace mieruka::sensor::delivery
