// Webhook channel through libcurl: POST of the JSON payload with
// X-Mieruka-Id and X-Mieruka-Signature: sha256=<hex HMAC-SHA256 of the body
// keyed with the channel's secret> (the receiver recomputes it over the raw
// body). Accepted = a 2xx status; anything else is retried.
#include "sensor/delivery/curl_api.hpp"

#include "sensor/delivery/delivery.hpp"

namespace mieruka::sensor::delivery {

namespace {
// Longest response body kept for the error line (bytes).
constexpr std::size_t kMaxReplyKept = 200;

std::size_t keep_reply(char* p, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t len = size * n;
  if (out->size() < kMaxReplyKept) out->append(p, std::min(len, kMaxReplyKept - out->size()));
  return len;
}
// Keeps the reason phrase of the status line ("HTTP/1.1 503 Service
// Unavailable" -> "Service Unavailable"); HTTP/2 has none. The last status line
// wins (a 100 Continue comes first).
std::size_t keep_reason(char* p, std::size_t size, std::size_t n, void* user) {
  const std::size_t len = size * n;
  std::string_view line(p, len);
  if (!line.starts_with("HTTP/")) return len;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto* out = static_cast<std::string*>(user);
  out->clear();
  const auto code_at = line.find(' ');
  const auto reason_at = code_at == std::string_view::npos ? code_at : line.find(' ', code_at + 1);
  if (reason_at == std::string_view::npos) return len;
  out->assign(line.substr(reason_at + 1, kMaxReplyKept));
  for (char& c : *out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return len;
}

}  // namespace

SendResult send_webhook(const ChannelConfig& ch, const inventory::OutboxMessage& m) {
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return {false, api.error};
  CURL* curl = api.easy_init();
  if (curl == nullptr) return {false, "cannot start libcurl"};
  curl_slist* headers = nullptr;
  headers = api.slist_append(headers, "Content-Type: application/json; charset=utf-8");
  headers = api.slist_append(headers, ("X-Mieruka-Id: " + m.id).c_str());
  headers = api.slist_append(headers, ("X-Mieruka-Kind: " + m.kind).c_str());
  headers = api.slist_append(headers, ("X-Mieruka-Signature: sha256=" + hmac_sha256_hex(ch.secret, m.payload)).c_str());
  headers = api.slist_append(headers, "Expect:");
  std::string reply;
  char err[CURL_ERROR_SIZE] = {};
  api.easy_setopt(curl, CURLOPT_URL, ch.url.c_str());
  api.easy_setopt(curl, CURLOPT_POST, 1L);
  api.easy_setopt(curl, CURLOPT_POSTFIELDS, m.payload.data());
  api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m.payload.size()));
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, &keep_reply);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  std::string reason;
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, &keep_reason);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &reason);
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(ch.timeout_s));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(ch.timeout_s, 15)));
  api.easy_setopt(curl, CURLOPT_USERAGENT, "mieruka/" MIERUKA_VERSION);
  if (!ch.ca_file.empty()) api.easy_setopt(curl, CURLOPT_CAINFO, ch.ca_file.c_str());
  const CURLcode rc = api.easy_perform(curl);
  long code = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  api.slist_free_all(headers);
  api.easy_cleanup(curl);
  if (rc != CURLE_OK) return {false, redacted_url(ch.url) + ": " + (err[0] != 0 ? std::string(err) : api.easy_strerror(rc))};
  if (code < 200 || code > 299) {
    for (char& c : reply)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return {false, redacted_url(ch.url) + ": HTTP " + std::to_string(code) + (reason.empty() ? "" : " " + reason) +
                       (reply.empty() ? "" : ": " + reply)};
  }
  return {true, {}};
}

}  // namespace mieruka::sensor::delivery
