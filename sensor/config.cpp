// TOML configuration through toml++ (see config.hpp).
#include "sensor/config.hpp"

#include <unistd.h>

#include <toml++/toml.h>

namespace mieruka::sensor {
namespace {

std::string where(const Config& c, const toml::node& n) {
  return c.path + ":" + std::to_string(n.source().begin.line);
}

bool read_string(const toml::table& t, const char* key, std::string& out, const Config& c, std::string& error) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return true;
  if (auto v = n->value<std::string>()) {
    out = *v;
    return true;
  }
  error = where(c, *n) + ": `" + key + "` must be a string in quotes";
  return false;
}

bool read_int(const toml::table& t, const char* key, int& out, int lo, int hi, const Config& c, std::string& error) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return true;
  auto v = n->value<std::int64_t>();
  if (!v || *v < lo || *v > hi) {
    error = where(c, *n) + ": `" + key + "` must be a whole number from " + std::to_string(lo) + " to " +
            std::to_string(hi);
    return false;
  }
  out = static_cast<int>(*v);
  return true;
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "sensor";
  return buf;
}

std::optional<Config> load_config(const std::string& path, std::string& error) {
  Config c;
  c.path = path;
  c.sensor_name = host_name();
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    if (src.begin.line == 0) {
      error = path + ": cannot read the config file (" + std::string(e.description()) + ")";
    } else {
      error = path + ":" + std::to_string(src.begin.line) + ": " + std::string(e.description());
    }
    return std::nullopt;
  }
  if (!read_string(root, "data_dir", c.data_dir, c, error)) return std::nullopt;
  if (!read_string(root, "sensor_name", c.sensor_name, c, error)) return std::nullopt;
  if (const toml::node* cap = root.get("capture")) {
    const toml::table* t = cap->as_table();
    if (t == nullptr) {
      error = where(c, *cap) + ": `capture` must be a table ([capture])";
      return std::nullopt;
    }
    if (const toml::node* ifs = t->get("interfaces")) {
      const toml::array* arr = ifs->as_array();
      if (arr == nullptr) {
        error = where(c, *ifs) + ": `interfaces` must be a list of names, e.g. [\"eth1\"]";
        return std::nullopt;
      }
      for (const auto& el : *arr) {
        auto v = el.value<std::string>();
        if (!v) {
          error = where(c, el) + ": every entry of `interfaces` must be a string";
          return std::nullopt;
        }
        c.interfaces.push_back(*v);
      }
    }
    if (!read_string(*t, "filter", c.filter, c, error)) return std::nullopt;
    if (!read_int(*t, "snaplen", c.snaplen, 64, 262144, c, error)) return std::nullopt;
    if (!read_int(*t, "buffer_mb", c.buffer_mb, 1, 4096, c, error)) return std::nullopt;
    if (!read_int(*t, "flush_interval_s", c.flush_interval_s, 1, 86400, c, error)) return std::nullopt;
  }
  if (c.sensor_name.empty()) {
    error = path + ": `sensor_name` must not be empty";
    return std::nullopt;
  }
  return c;
}

std::string resolve_db_path(const std::string& db_option, const Config& config) {
  if (!db_option.empty()) return db_option;
  if (!config.data_dir.empty()) return config.data_dir + "/mieruka.db";
  return "mieruka.db";
}

}  // namespace mieruka::sensor
