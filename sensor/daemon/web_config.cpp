// The [web] config section (see web_config.hpp).
#include "sensor/daemon/web_config_toml.hpp"

namespace mieruka::sensor {
namespace {

std::string at(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

std::string relative_to(const std::string& config_path, const std::string& p) {
  if (p.empty() || p.front() == '/') return p;
  const auto slash = config_path.rfind('/');
  return slash == std::string::npos ? p : config_path.substr(0, slash + 1) + p;
}

}  // namespace

bool read_web_config(const toml::table& root, const std::string& config_path, WebConfig& out, std::string& error) {
  const toml::node* n = root.get("web");
  if (n == nullptr) return true;
  const toml::table* t = n->as_table();
  if (t == nullptr) {
    error = at(config_path, *n) + ": `web` must be a table ([web])";
    return false;
  }
  out.enabled = true;
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "listen" || key == "cert" || key == "key") {
      auto s = v.value<std::string>();
      if (!s) {
        error = at(config_path, v) + ": `" + key + "` must be a string in quotes";
        return false;
      }
      if (key == "listen") out.listen = *s;
      if (key == "cert") out.cert = relative_to(config_path, *s);
      if (key == "key") out.key = relative_to(config_path, *s);
    } else if (key == "tls") {
      auto b = v.value<bool>();
      if (!b) {
        error = at(config_path, v) + ": `tls` must be true or false";
        return false;
      }
      out.tls = *b;
    } else if (key == "session_ttl_s") {
      auto i = v.value<std::int64_t>();
      if (!i || *i < 60 || *i > 30 * 86400) {
        error = at(config_path, v) + ": `session_ttl_s` must be a whole number from 60 to 2592000";
        return false;
      }
      out.session_ttl_s = static_cast<int>(*i);
    } else {
      error = at(config_path, v) + ": unknown key `" + key + "` in [web] (listen, cert, key, tls, session_ttl_s)";
      return false;
    }
  }
  if ((out.cert.empty()) != (out.key.empty())) {
    error = at(config_path, *n) + ": [web] needs both `cert` and `key`, or neither (self-signed)";
    return false;
  }
  return true;
}

}  // namespace mieruka::sensor
