// TOML configuration through toml++ (see config.hpp).
#include "sensor/daemon/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include <toml++/toml.h>

#include "sensor/daemon/snapshot_config_toml.hpp"

#include "sensor/central/central_toml.hpp"
#include "sensor/daemon/delivery_toml.hpp"
#include "sensor/daemon/web_config_toml.hpp"

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

bool read_string_list(const toml::table& t, const char* key, std::vector<std::string>& out, const Config& c,
                      std::string& error) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return true;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    error = where(c, *n) + ": `" + key + "` must be a list of strings, e.g. [\"a\", \"b\"]";
    return false;
  }
  for (const auto& el : *arr) {
    auto v = el.value<std::string>();
    if (!v) {
      error = where(c, el) + ": every entry of `" + key + "` must be a string in quotes";
      return false;
    }
    out.push_back(*v);
  }
  return true;
}

// A path in the config is relative to the config file's directory.
std::string relative_to_config(const Config& c, const std::string& p) {
  if (p.empty() || p.front() == '/') return p;
  const auto slash = c.path.rfind('/');
  return slash == std::string::npos ? p : c.path.substr(0, slash + 1) + p;
}

const toml::array* tables_of(const toml::table& root, const char* key, const Config& c, std::string& error,
                             bool& ok) {
  ok = true;
  const toml::node* n = root.get(key);
  if (n == nullptr) return nullptr;
  const toml::array* arr = n->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    error = where(c, *n) + ": `" + key + "` must be written as [[" + key + "]] sections";
    ok = false;
    return nullptr;
  }
  return arr;
}

// [[zone]], [[conduit]], [policy] (../shared/INTERFACES.md "Config").
bool read_policy(const toml::table& root, Config& c, std::string& error) {
  bool ok = true;
  if (const toml::array* zones = tables_of(root, "zone", c, error, ok)) {
    for (const auto& el : *zones) {
      const toml::table& t = *el.as_table();
      inventory::Zone z;
      if (!read_string(t, "name", z.name, c, error)) return false;
      if (z.name.empty()) {
        error = where(c, el) + ": every [[zone]] needs a `name`";
        return false;
      }
      for (const auto& other : c.policy.zones) {
        if (other.name != z.name) continue;
        error = where(c, el) + ": zone `" + z.name + "` is defined twice";
        return false;
      }
      if (t.get("level") != nullptr) {
        int level = 0;
        if (!read_int(t, "level", level, 0, 5, c, error)) return false;
        z.level = level;
      }
      std::vector<std::string> subnets;
      if (!read_string_list(t, "subnets", subnets, c, error)) return false;
      for (const auto& s : subnets) {
        auto sn = inventory::Subnet::parse(s);
        if (!sn) {
          error = where(c, *t.get("subnets")) + ": `" + s + "` is not a subnet (write e.g. 10.10.1.0/24)";
          return false;
        }
        z.subnets.push_back(*sn);
      }
      if (const toml::node* vn = t.get("vlans")) {
        const toml::array* arr = vn->as_array();
        if (arr == nullptr) {
          error = where(c, *vn) + ": `vlans` must be a list of VLAN ids, e.g. [101]";
          return false;
        }
        for (const auto& v : *arr) {
          auto id = v.value<std::int64_t>();
          if (!id || *id < 1 || *id > 4094) {
            error = where(c, v) + ": every VLAN id must be a whole number from 1 to 4094";
            return false;
          }
          z.vlans.push_back(static_cast<std::uint16_t>(*id));
        }
      }
      if (z.subnets.empty() && z.vlans.empty()) {
        error = where(c, el) + ": zone `" + z.name + "` needs `subnets` or `vlans`";
        return false;
      }
      c.policy.zones.push_back(std::move(z));
    }
  }
  if (!ok) return false;
  if (const toml::array* conduits = tables_of(root, "conduit", c, error, ok)) {
    for (const auto& el : *conduits) {
      const toml::table& t = *el.as_table();
      inventory::Conduit k;
      if (!read_string(t, "from", k.from, c, error)) return false;
      if (!read_string(t, "to", k.to, c, error)) return false;
      if (k.from.empty() || k.to.empty()) {
        error = where(c, el) + ": every [[conduit]] needs `from` and `to` (zone names or globs such as \"cell-*\")";
        return false;
      }
      if (!read_string_list(t, "protocols", k.protocols, c, error)) return false;
      c.policy.conduits.push_back(std::move(k));
    }
  }
  if (!ok) return false;
  if (const toml::node* pn = root.get("policy")) {
    const toml::table* t = pn->as_table();
    if (t == nullptr) {
      error = where(c, *pn) + ": `policy` must be a table ([policy])";
      return false;
    }
    if (!read_string(*t, "approved", c.policy.approved_path, c, error)) return false;
    if (!read_string(*t, "wireless_allow", c.policy.wireless_allow_path, c, error)) return false;
    c.policy.approved_path = relative_to_config(c, c.policy.approved_path);
    c.policy.wireless_allow_path = relative_to_config(c, c.policy.wireless_allow_path);
    int learning = 86400;
    if (!read_int(*t, "learning_period_s", learning, 0, 365 * 86400, c, error)) return false;
    c.policy.learning_period_s = learning;
  }
  return true;
}

// Every key and section the config may hold, in one place: a key that is not
// here is a typo ("flush_intervall_s", [snapshot] for [snapshots]) that would
// otherwise quietly leave a setting at its default. A new setting is a row
// here as well as its reader.
struct Section {
  std::string_view name;  // "" for the top level
  bool array_of_tables;   // [[name]] rather than [name]
  std::initializer_list<std::string_view> keys;
};
constexpr std::string_view kNoSection{};
const std::initializer_list<Section> kSchema = {
    {kNoSection, false, {"data_dir", "sensor_name", "user", "timezone"}},
    {"capture", false, {"interfaces", "filter", "snaplen", "buffer_mb", "flush_interval_s", "memory_budget_mb"}},
    {"zone", true, {"name", "level", "subnets", "vlans"}},
    {"conduit", true, {"from", "to", "protocols"}},
    {"policy", false, {"approved", "wireless_allow", "learning_period_s"}},
    {"snapshots", false, {"timezone", "schedule", "keep_daily", "keep_weekly", "absence"}},
    {"web", false, {"listen", "cert", "key", "tls", "session_ttl_s"}},
    {"alerts", false, {"lang", "immediate", "aggregate_s", "max_listed", "keep_sent_days"}},
    {"channel", true,
     {"name", "type", "url", "timeout_s", "ca_file", "kinds", "from", "to", "user", "password", "password_file",
      "starttls", "secret", "secret_file", "format", "facility", "send_empty"}},
    {"central", false, {"url", "ca_file", "password_file", "site", "timeout_s"}},
};


// "; did you mean `x`?" for the nearest of `names` when it is near enough.
std::string nearest(std::string_view word, const std::vector<std::string_view>& names, std::string_view quote_open,
                    std::string_view quote_close) {
  std::string_view best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto n : names) {
    const std::size_t d = edit_distance(word, n);
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  if (best.empty() || best_d > std::max<std::size_t>(2, word.size() / 3)) return {};
  return "; did you mean " + std::string(quote_open) + std::string(best) + std::string(quote_close) + "?";
}

std::string list_of(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool check_keys(const toml::table& t, const Section& s, const Config& c, std::string& error) {
  const std::vector<std::string_view> keys(s.keys);
  for (const auto& [k, v] : t) {
    const std::string_view key = k.str();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    const std::string in = s.name.empty() ? std::string("at the top level") : "in [" + std::string(s.name) + "]";
    std::string hint = nearest(key, keys, "`", "`");
    if (hint.empty()) hint = " (known: " + list_of(keys) + ")";
    error = where(c, v) + ": unknown key `" + std::string(key) + "` " + in + hint;
    return false;
  }
  return true;
}

// Refuses keys and sections the config does not know, naming the line and the
// nearest known name.
bool check_known(const toml::table& root, const Config& c, std::string& error) {
  std::vector<std::string_view> sections;
  for (const auto& s : kSchema)
    if (!s.name.empty()) sections.push_back(s.name);
  const Section& top = *kSchema.begin();
  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    const auto* s = std::find_if(kSchema.begin(), kSchema.end(), [&](const Section& x) { return x.name == key; });
    if (s == kSchema.end() || s->name.empty()) {
      if (std::find(top.keys.begin(), top.keys.end(), key) != top.keys.end()) continue;
      if (v.is_table() || v.is_array_of_tables()) {
        std::string hint = nearest(key, sections, "[", "]");
        if (hint.empty()) hint = " (known: " + list_of(sections) + ")";
        error = where(c, v) + ": unknown section [" + std::string(key) + "]" + hint;
        return false;
      }
      const std::vector<std::string_view> keys(top.keys);
      std::string hint = nearest(key, keys, "`", "`");
      if (hint.empty()) hint = nearest(key, sections, "[", "] (a section)");
      if (hint.empty()) hint = " (known: " + list_of(keys) + ")";
      error = where(c, v) + ": unknown key `" + std::string(key) + "` at the top level" + hint;
      return false;
    }
    // The readers report a section of the wrong shape; only tables are checked here.
    if (const toml::table* t = v.as_table()) {
      if (!check_keys(*t, *s, c, error)) return false;
    } else if (const toml::array* a = v.as_array(); a != nullptr && a->is_array_of_tables()) {
      for (const auto& el : *a)
        if (!check_keys(*el.as_table(), *s, c, error)) return false;
    }
  }
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
  if (!check_known(root, c, error)) return std::nullopt;
  if (!read_string(root, "data_dir", c.data_dir, c, error)) return std::nullopt;
  if (!read_string(root, "sensor_name", c.sensor_name, c, error)) return std::nullopt;
  if (!read_string(root, "user", c.user, c, error)) return std::nullopt;
  if (c.user.empty()) {
    error = where(c, *root.get("user")) + ": `user` must name the account `mieruka run` drops to, e.g. \"mieruka\"";
    return std::nullopt;
  }
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
    if (!read_int(*t, "memory_budget_mb", c.memory_budget_mb, 32, 1 << 20, c, error)) return std::nullopt;
  }
  if (!read_policy(root, c, error)) return std::nullopt;
  if (!read_snapshot_config(root, path, c.snapshots, error)) return std::nullopt;
  if (!read_web_config(root, path, c.web, error)) return std::nullopt;
  if (!read_delivery_config(root, path, c.delivery, error)) return std::nullopt;
  if (!read_central_config(root, path, c.central, error)) return std::nullopt;
  if (c.sensor_name.empty()) {
    error = path + ": `sensor_name` must not be empty";
    return std::nullopt;
  }
  c.central.appliance = appliance_config(c);
  return c;
}

inventory::ApplianceConfig appliance_config(const Config& config) {
  inventory::ApplianceConfig a;
  a.time_zone = config.snapshots.timezone;
  if (config.snapshots.schedule) {
    a.review_schedule = config.snapshots.schedule->expression;
    a.schedule_zone = config.snapshots.schedule->zone_name;
  }
  a.diff_channels = static_cast<std::uint64_t>(
      std::count_if(config.delivery.channels.begin(), config.delivery.channels.end(), [](const ChannelConfig& ch) {
        return std::find(ch.kinds.begin(), ch.kinds.end(), "diff") != ch.kinds.end();
      }));
  return a;
}

std::string resolve_db_path(const std::string& db_option, const Config& config) {
  if (!db_option.empty()) return db_option;
  if (!config.data_dir.empty()) return config.data_dir + "/mieruka.db";
  return "mieruka.db";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace mieruka::sensor
