// Webhook channel through libcurl: POST of the JSON payload with
// X-Mieruka-Id and X-Mieruka-Signature: sha256=<hex HMAC-SHA256 of the body
// keyed with the channel's secret> (the receiver recomputes it over the raw
// body). Accepted = a 2xx status; anything else is retried.
#include <curl/curl.h>

#include "sensor/delivery.hpp"

namespace mieruka::sensor::delivery {

void curl_init_once();  // delivery_smtp.cpp

namespace {
// Longest response body kept for the error line (bytes).
constexpr std::size_t kMaxReplyKept = 200;

std::size_t keep_reply(char* p, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t len = size * n;
  if (out->size() < kMaxReplyKept) out->append(p, std::min(len, kMaxReplyKept - out->size()));
  return len;
}
}  // namespace

SendResult send_webhook(const ChannelConfig& ch, const inventory::OutboxMessage& m) {
  curl_init_once();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {false, "cannot start libcurl"};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append(headers, ("X-Mieruka-Id: " + m.id).c_str());
  headers = curl_slist_append(headers, ("X-Mieruka-Kind: " + m.kind).c_str());
  headers = curl_slist_append(headers, ("X-Mieruka-Signature: sha256=" + hmac_sha256_hex(ch.secret, m.payload)).c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::string reply;
  char err[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, ch.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, m.payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m.payload.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &keep_reply);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(ch.timeout_s));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(ch.timeout_s, 15)));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "mieruka/" MIERUKA_VERSION);
  if (!ch.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ch.ca_file.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return {false, ch.url + ": " + (err[0] != 0 ? std::string(err) : curl_easy_strerror(rc))};
  if (code < 200 || code > 299) {
    for (char& c : reply)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return {false, ch.url + ": HTTP " + std::to_string(code) + (reply.empty() ? "" : " " + reply)};
  }
  return {true, {}};
}

}  // namespace mieruka::sensor::delivery
