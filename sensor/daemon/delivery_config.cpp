// [alerts] and [[channel]] from the TOML config (see delivery_config.hpp).
#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "sensor/daemon/delivery_toml.hpp"

namespace mieruka::sensor {
namespace {

constexpr std::array<std::string_view, 9> kFindingTypes = {"unapproved", "hidden",   "wireless",
                                                           "cross_zone", "remote_access", "internet",
                                                           "insecure",   "new_writer", "control"};
// Longest secret / password file read (bytes).
constexpr std::size_t kMaxSecretBytes = 4096;

struct Reader {
  const std::string& path;
  std::string& error;

  std::string at(const toml::node& n) const { return path + ":" + std::to_string(n.source().begin.line); }
  bool fail(const toml::node& n, const std::string& what) const {
    error = at(n) + ": " + what;
    return false;
  }
  bool str(const toml::table& t, const char* key, std::string& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    if (auto v = n->value<std::string>()) {
      out = *v;
      return true;
    }
    return fail(*n, std::string("`") + key + "` must be a string in quotes");
  }
  bool integer(const toml::table& t, const char* key, int& out, int lo, int hi) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    auto v = n->value<std::int64_t>();
    if (!v || *v < lo || *v > hi)
      return fail(*n, std::string("`") + key + "` must be a whole number from " + std::to_string(lo) + " to " +
                          std::to_string(hi));
    out = static_cast<int>(*v);
    return true;
  }
  bool boolean(const toml::table& t, const char* key, bool& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    auto v = n->value<bool>();
    if (!v || !n->is_boolean()) return fail(*n, std::string("`") + key + "` must be true or false (no quotes)");
    out = *v;
    return true;
  }
  bool list(const toml::table& t, const char* key, std::vector<std::string>& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return fail(*n, std::string("`") + key + "` must be a list of strings, e.g. [\"a\", \"b\"]");
    out.clear();
    for (const auto& el : *arr) {
      auto v = el.value<std::string>();
      if (!v) return fail(el, std::string("every entry of `") + key + "` must be a string in quotes");
      out.push_back(*v);
    }
    return true;
  }
  bool one_of(const toml::table& t, const char* key, std::string& out, std::initializer_list<std::string_view> ok) const {
    if (!str(t, key, out)) return false;
    if (t.get(key) == nullptr) return true;
    if (std::find(ok.begin(), ok.end(), out) != ok.end()) return true;
    std::string names;
    for (auto o : ok) names += (names.empty() ? "\"" : ", \"") + std::string(o) + "\"";
    return fail(*t.get(key), std::string("`") + key + "` must be one of " + names);
  }
  // Reads the first line of a secret file (relative to the config's directory).
  bool secret_file(const toml::table& t, const char* key, std::string& out) const {
    std::string file;
    if (!str(t, key, file)) return false;
    if (file.empty()) return true;
    file = relative(file);
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(*t.get(key), "cannot read `" + file + "`; check the path and that the daemon may read it");
    std::string data(kMaxSecretBytes + 1, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxSecretBytes) return fail(*t.get(key), "`" + file + "` is too long for a secret");
    const auto eol = data.find_first_of("\r\n");
    if (eol != std::string::npos) data.resize(eol);
    out = data;
    return true;
  }
  std::string relative(const std::string& p) const {
    if (p.empty() || p.front() == '/') return p;
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? p : path.substr(0, slash + 1) + p;
  }
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool read_channel(const Reader& r, const toml::table& t, const toml::node& where, ChannelConfig& ch) {
  ch.line = static_cast<int>(where.source().begin.line);
  if (!r.str(t, "name", ch.name)) return false;
  if (ch.name.empty()) return r.fail(where, "every [[channel]] needs a `name`, e.g. name = \"it-mail\"");
  if (!r.one_of(t, "type", ch.type, {"smtp", "webhook", "syslog"})) return false;
  if (ch.type.empty()) return r.fail(where, "channel `" + ch.name + "` needs `type` = \"smtp\", \"webhook\" or \"syslog\"");
  if (!r.str(t, "url", ch.url)) return false;
  const toml::node& url_at = t.get("url") != nullptr ? *t.get("url") : where;
  if (ch.type == "smtp" && !starts_with(ch.url, "smtp://") && !starts_with(ch.url, "smtps://"))
    return r.fail(url_at, "channel `" + ch.name + "`: `url` must be smtp://host[:port] or smtps://host[:port]");
  if (ch.type == "webhook" && !starts_with(ch.url, "http://") && !starts_with(ch.url, "https://"))
    return r.fail(url_at, "channel `" + ch.name + "`: `url` must be http(s)://host[:port]/path");
  if (ch.type == "syslog" && !starts_with(ch.url, "udp://") && !starts_with(ch.url, "tcp://") &&
      !starts_with(ch.url, "tls://"))
    return r.fail(url_at, "channel `" + ch.name + "`: `url` must be udp://host:port, tcp://host:port or tls://host:port");
  if (!r.integer(t, "timeout_s", ch.timeout_s, 1, 600)) return false;
  if (!r.str(t, "ca_file", ch.ca_file)) return false;
  ch.ca_file = r.relative(ch.ca_file);
  if (!r.list(t, "kinds", ch.kinds)) return false;
  for (const auto& k : ch.kinds)
    if (k != "diff" && k != "alert" && k != "test")
      return r.fail(*t.get("kinds"), "`kinds` entries must be \"diff\", \"alert\" or \"test\", not \"" + k + "\"");
  if (!r.boolean(t, "send_empty", ch.send_empty)) return false;
  if (ch.type == "smtp") {
    if (!r.str(t, "from", ch.from) || !r.list(t, "to", ch.to)) return false;
    if (ch.from.empty() || ch.to.empty())
      return r.fail(where, "smtp channel `" + ch.name + "` needs `from` and `to` (a list of addresses)");
    for (const auto& a : ch.to)
      if (a.find('@') == std::string::npos || a.find_first_of("<>\r\n,") != std::string::npos)
        return r.fail(*t.get("to"), "`" + a + "` is not a mail address (write user@example.com)");
    if (ch.from.find('@') == std::string::npos || ch.from.find_first_of("<>\r\n,") != std::string::npos)
      return r.fail(*t.get("from"), "`from` must be one mail address (write mieruka@example.com)");
    if (!r.str(t, "user", ch.user) || !r.str(t, "password", ch.password)) return false;
    if (!r.secret_file(t, "password_file", ch.password)) return false;
    if (!r.one_of(t, "starttls", ch.starttls, {"required", "optional", "none"})) return false;
  }
  if (ch.type == "webhook") {
    if (!r.str(t, "secret", ch.secret) || !r.secret_file(t, "secret_file", ch.secret)) return false;
    if (ch.secret.empty())
      return r.fail(where, "webhook channel `" + ch.name + "` needs `secret` or `secret_file` (the HMAC key)");
  }
  if (ch.type == "syslog") {
    if (!r.one_of(t, "format", ch.format, {"rfc5424", "cef"})) return false;
    if (!r.one_of(t, "facility", ch.facility,
                  {"user", "daemon", "auth", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
                   "local7"}))
      return false;
  }
  return true;
}

}  // namespace

bool read_delivery_config(const toml::table& root, const std::string& config_path, DeliveryConfig& out,
                          std::string& error) {
  const Reader r{config_path, error};
  if (const toml::node* an = root.get("alerts")) {
    const toml::table* t = an->as_table();
    if (t == nullptr) return r.fail(*an, "`alerts` must be a table ([alerts])");
    if (!r.one_of(*t, "lang", out.alerts.lang, {"ja", "en"})) return false;
    if (!r.list(*t, "immediate", out.alerts.immediate)) return false;
    for (const auto& type : out.alerts.immediate)
      if (std::find(kFindingTypes.begin(), kFindingTypes.end(), type) == kFindingTypes.end())
        return r.fail(*t->get("immediate"), "`" + type +
                                                "` is not a finding type (unapproved, hidden, wireless, cross_zone, "
                                                "remote_access, internet, insecure, new_writer, control)");
    if (!r.integer(*t, "aggregate_s", out.alerts.aggregate_s, 0, 86400)) return false;
    if (!r.integer(*t, "max_listed", out.alerts.max_listed, 1, 10000)) return false;
    if (!r.integer(*t, "keep_sent_days", out.alerts.keep_sent_days, 1, 3650)) return false;
  }
  const toml::node* cn = root.get("channel");
  if (cn == nullptr) return true;
  const toml::array* arr = cn->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) return r.fail(*cn, "`channel` must be written as [[channel]] sections");
  for (const auto& el : *arr) {
    ChannelConfig ch;
    if (!read_channel(r, *el.as_table(), el, ch)) return false;
    if (out.channel(ch.name) != nullptr) return r.fail(el, "channel `" + ch.name + "` is defined twice");
    out.channels.push_back(std::move(ch));
  }
  return true;
}

}  // namespace mieruka::sensor
