// The config's [web] section (docs/web.md): where the console listens and its
// TLS certificate. Parsed by read_web_config (web_config_toml.hpp).
#pragma once

#include <string>

namespace mieruka::sensor {

struct WebConfig {
  bool enabled = false;                // a [web] section is present: `mieruka run` serves too
  std::string listen = "0.0.0.0:8443"; // ADDR:PORT ([::1]:PORT for IPv6)
  std::string cert, key;               // PEM files; empty: self-signed in the data dir
  bool tls = true;                     // false: plain HTTP, refused unless listen is loopback
  int session_ttl_s = 8 * 3600;        // a login lasts this long
};

}  // namespace mieruka::sensor
