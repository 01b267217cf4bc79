// What a channel's errors may say of its address: scheme, host and port. The
// token in a Teams or Slack webhook's path, a query, user info, the SMTP
// password and the webhook's HMAC key never reach the log or the outbox.
#include <gtest/gtest.h>

#include "sensor/delivery/delivery.hpp"

namespace mieruka::sensor::delivery {
namespace {

TEST(RedactedUrl, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(redacted_url("https://plant.webhook.office.com/webhookb2/1f2e@3d4c/IncomingWebhook/abc123/9z"),
            "https://plant.webhook.office.com/***");
  EXPECT_EQ(redacted_url("https://hooks.slack.com/services/T000/B000/XXXX"), "https://hooks.slack.com/***");
  EXPECT_EQ(redacted_url("http://127.0.0.1:8080?token=abc"), "http://127.0.0.1:8080/***");
  EXPECT_EQ(redacted_url("smtp://mail.plant.example:587"), "smtp://mail.plant.example:587");
  EXPECT_EQ(redacted_url("smtp://mail.plant.example/"), "smtp://mail.plant.example");
  EXPECT_EQ(redacted_url("smtps://user:pa55@mail.plant.example:465"), "smtps://***@mail.plant.example:465");
  EXPECT_EQ(redacted_url("tls://siem.plant.example:6514"), "tls://siem.plant.example:6514");
  EXPECT_EQ(redacted_url("not a url with a secret"), "***");
  EXPECT_EQ(redacted_url(""), "***");
}

TEST(WithoutSecrets, ScrubsWhatTheServerRepeated) {
  ChannelConfig ch;
  ch.url = "https://u:pw12345@hooks.example/services/T0KEN/B1?sig=s1g9";
  ch.password = "smtp-pass-77";
  ch.secret = "hmac-key-42";
  const std::string said = "404 for /services/T0KEN/B1?sig=s1g9 from " + ch.url +
                           " (auth u:pw12345, then pw12345 smtp-pass-77 hmac-key-42)";
  const std::string out = without_secrets(said, ch);
  for (const char* s : {"T0KEN", "s1g9", "pw12345", "smtp-pass-77", "hmac-key-42"})
    EXPECT_EQ(out.find(s), std::string::npos) << s << " in " << out;
  EXPECT_NE(out.find("404 for "), std::string::npos) << out;
}

TEST(WithoutSecrets, ShortValuesDoNotBlankTheMessage) {
  ChannelConfig ch;
  ch.url = "http://relay.plant.example/";
  ch.password = "a";
  EXPECT_EQ(without_secrets("connection refused by a relay", ch), "connection refused by a relay");
}

}  // namespace
}  // namespace mieruka::sensor::delivery
