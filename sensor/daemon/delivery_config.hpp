// The delivery part of the config (docs/delivery.md):
//
//   [alerts]
//   lang = "ja"                      # "ja" or "en": e-mail and alert texts
//   immediate = ["unapproved"]       # finding types alerted as soon as seen
//   aggregate_s = 60                 # one alert per channel per window
//   max_listed = 50                  # findings listed in one alert ("and N more")
//   keep_sent_days = 30              # sent outbox rows kept this long
//
//   [[channel]]
//   name = "it-mail"                 # unique; the outbox row names it
//   type = "smtp"                    # smtp | webhook | syslog
//   url = "smtp://mail.plant.local:587"   # smtp:// smtps:// | http(s):// | udp:// tcp:// tls://
//   ...                              # per type, see docs/mieruka.example.toml
//
// Parsed by read_delivery_config (sensor/daemon/delivery_toml.hpp) into Config::delivery.
#pragma once

#include <string>
#include <vector>

namespace mieruka::sensor {

struct ChannelConfig {
  std::string name, type, url;
  int line = 0;  // where it was defined, for messages
  int timeout_s = 30;
  std::string ca_file;  // TLS trust anchors (smtps/STARTTLS, https, syslog tls); "" = system store
  // smtp
  std::string from;
  std::vector<std::string> to;
  std::string user, password;       // password, or read from password_file at load
  std::string starttls = "required";  // required | optional | none (smtp:// only)
  // webhook
  std::string secret;               // HMAC-SHA256 key, or read from secret_file at load
  // syslog
  std::string format = "rfc5424";   // rfc5424 | cef
  std::string facility = "local0";
  // Message kinds this channel receives (diff, alert, test).
  std::vector<std::string> kinds = {"diff", "alert", "test"};
  // A scheduled diff with no change at all is sent only when this is set
  // ("no changes" reports); otherwise nobody is mailed about nothing.
  bool send_empty = false;
};

struct AlertsConfig {
  std::string lang = "en";
  std::vector<std::string> immediate;
  int aggregate_s = 60;
  int max_listed = 50;
  int keep_sent_days = 30;
};

struct DeliveryConfig {
  AlertsConfig alerts;
  std::vector<ChannelConfig> channels;
  [[nodiscard]] const ChannelConfig* channel(const std::string& name) const {
    for (const auto& c : channels)
      if (c.name == name) return &c;
    return nullptr;
  }
};

}  // namespace mieruka::sensor
