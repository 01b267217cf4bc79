// [central] (see central_config.hpp).
#include "sensor/central/central_config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sensor/central/central_toml.hpp"

namespace mieruka::sensor {
namespace {

constexpr std::size_t kMaxPasswordBytes = 4096;

std::string at(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::string check_password_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return "cannot read the password file `" + path + "` (" + std::strerror(errno) + "); check the path";
  if (!S_ISREG(st.st_mode)) return "the password file `" + path + "` is not a regular file";
  if ((st.st_mode & 077) != 0)
    return "the password file `" + path + "` may be read or written by its group or others; run chmod 600 on it "
           "(and chown it to the user mieruka runs as)";
  return {};
}

bool read_password_file(const std::string& path, std::string& out, std::string& error) {
  if (error = check_password_file(path); !error.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read the password file `" + path + "` (" + std::strerror(errno) + "); it must be readable by " +
            "the user mieruka runs as";
    return false;
  }
  std::string data(kMaxPasswordBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > kMaxPasswordBytes) {
    error = "the password file `" + path + "` is too long for a password";
    return false;
  }
  if (const auto eol = data.find_first_of("\r\n"); eol != std::string::npos) data.resize(eol);
  if (data.empty()) {
    error = "the password file `" + path + "` is empty; write the role's password on its first line";
    return false;
  }
  out = std::move(data);
  return true;
}

bool read_central_config(const toml::table& root, const std::string& config_path, CentralConfig& out,
                         std::string& error) {
  const toml::node* sec = root.get("central");
  if (sec == nullptr) return true;
  const toml::table* t = sec->as_table();
  if (t == nullptr) {
    error = at(config_path, *sec) + ": `central` must be a table ([central])";
    return false;
  }
  auto str = [&](const char* key, std::string& v) {
    const toml::node* n = t->get(key);
    if (n == nullptr) return true;
    if (auto s = n->value<std::string>()) {
      v = *s;
      return true;
    }
    error = at(config_path, *n) + ": `" + key + "` must be a string in quotes";
    return false;
  };
  auto relative = [&](const std::string& p) {
    if (p.empty() || p.front() == '/') return p;
    const auto slash = config_path.rfind('/');
    return slash == std::string::npos ? p : config_path.substr(0, slash + 1) + p;
  };
  if (!str("url", out.url) || !str("ca_file", out.ca_file) || !str("password_file", out.password_file) ||
      !str("site", out.site))
    return false;
  if (const toml::node* n = t->get("site")) {
    bool control = false;
    for (const char c : out.site) control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (out.site.size() > 128 || control) {
      error = at(config_path, *n) + ": [central] `site` must be a name of at most 128 bytes without control characters";
      return false;
    }
  }
  const toml::node& url_at = t->get("url") != nullptr ? *t->get("url") : *sec;
  if (!starts_with(out.url, "postgresql://") && !starts_with(out.url, "postgres://")) {
    error = at(config_path, url_at) +
            ": [central] needs `url` = \"postgresql://ROLE@HOST/DATABASE\" (the sensor's role on the central store)";
    return false;
  }
  if (central::url_has_password(out.url)) {
    error = at(config_path, url_at) +
            ": [central] `url` holds a password; put it in the file named by `password_file` (mode 600) instead";
    return false;
  }
  if (const toml::node* n = t->get("timeout_s")) {
    const auto v = n->value<std::int64_t>();
    if (!v || *v < 5 || *v > 3600) {
      error = at(config_path, *n) + ": [central] `timeout_s` must be a whole number of seconds from 5 to 3600 "
                                    "(how long a statement may wait for the central store's reply)";
      return false;
    }
    out.timeout_s = static_cast<int>(*v);
  }
  out.ca_file = relative(out.ca_file);
  out.password_file = relative(out.password_file);
  if (!out.ca_file.empty()) {
    std::ifstream ca(out.ca_file);
    if (!ca) {
      error = at(config_path, *t->get("ca_file")) + ": cannot read `" + out.ca_file +
              "`; check the path and that the daemon may read it";
      return false;
    }
  }
  if (!out.password_file.empty() && !read_password_file(out.password_file, out.password, error)) {
    error = at(config_path, *t->get("password_file")) + ": " + error;
    return false;
  }
  out.enabled = true;
  return true;
}

}  // namespace mieruka::sensor
