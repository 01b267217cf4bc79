// `timezone` and [snapshots] from the TOML config (see snapshot_config.hpp).
#include "sensor/daemon/snapshot_config_toml.hpp"

namespace mieruka::sensor {
namespace {

std::string where(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

bool read_string(const toml::table& t, const char* key, std::string& out, const std::string& path,
                 std::string& error) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return true;
  if (auto v = n->value<std::string>()) {
    out = *v;
    return true;
  }
  error = where(path, *n) + ": `" + key + "` must be a string in quotes";
  return false;
}

bool read_count(const toml::table& t, const char* key, int& out, int hi, const std::string& path,
                std::string& error) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return true;
  auto v = n->value<std::int64_t>();
  if (!v || *v < 0 || *v > hi) {
    error = where(path, *n) + ": `" + key + "` must be a whole number from 0 to " + std::to_string(hi);
    return false;
  }
  out = static_cast<int>(*v);
  return true;
}

// A zone name is checked by parsing a schedule that always matches in it.
bool check_zone(const std::string& zone, const std::string& at, std::string& error) {
  std::string why;
  if (parse_schedule("hourly", zone, why)) return true;
  const std::string nearest = nearest_zone_name(zone);
  error = at + ": `timezone` \"" + zone + "\" is not an IANA zone name in the system tzdata" +
          (nearest.empty() ? std::string(" (e.g. \"Asia/Tokyo\", \"Europe/Berlin\", \"UTC\")")
                           : "; the nearest is \"" + nearest + "\"");
  return false;
}

}  // namespace

bool read_snapshot_config(const toml::table& root, const std::string& path, SnapshotConfig& out,
                          std::string& error) {
  if (!read_string(root, "timezone", out.timezone, path, error)) return false;
  if (const toml::node* tz = root.get("timezone"); tz != nullptr && !check_zone(out.timezone, where(path, *tz), error))
    return false;
  const toml::node* sn = root.get("snapshots");
  if (sn == nullptr) return true;
  const toml::table* t = sn->as_table();
  if (t == nullptr) {
    error = where(path, *sn) + ": `snapshots` must be a table ([snapshots])";
    return false;
  }
  std::string zone = out.timezone;
  if (!read_string(*t, "timezone", zone, path, error)) return false;
  if (const toml::node* tz = t->get("timezone"); tz != nullptr && !check_zone(zone, where(path, *tz), error))
    return false;
  if (const toml::node* s = t->get("schedule")) {
    auto text = s->value<std::string>();
    if (!text) {
      error = where(path, *s) + ": `schedule` must be a string in quotes, e.g. \"daily 07:30\"";
      return false;
    }
    std::string why;
    out.schedule = parse_schedule(*text, zone, why);
    if (!out.schedule) {
      error = where(path, *s) + ": " + why;
      return false;
    }
  }
  if (!read_count(*t, "keep_daily", out.keep_daily, kMaxKeepDaily, path, error)) return false;
  if (!read_count(*t, "keep_weekly", out.keep_weekly, kMaxKeepWeekly, path, error)) return false;
  if (out.keep_daily == 0 && out.keep_weekly == 0) {
    error = where(path, *sn) + ": `keep_daily` and `keep_weekly` are both 0, which would delete every scheduled "
            "snapshot; keep at least one day or week";
    return false;
  }
  if (const toml::node* a = t->get("absence")) {
    auto text = a->value<std::string>();
    auto us = text ? inventory::parse_duration_us(*text) : std::nullopt;
    if (!us || *us <= 0) {
      error = where(path, *a) + ": `absence` must be a duration in quotes such as \"24h\", \"3d\", \"90m\"";
      return false;
    }
    out.absence_us = *us;
  }
  return true;
}

}  // namespace mieruka::sensor
