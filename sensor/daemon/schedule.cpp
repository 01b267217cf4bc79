// Schedule expressions: parsing, next run, missed runs (see schedule.hpp).
// Cron syntax and the day-of-month / day-of-week OR rule follow Vixie cron's
// crontab(5); time-zone arithmetic is Howard Hinnant's date/tz.h.
#include "sensor/daemon/schedule.hpp"

#include "sensor/daemon/config.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace mieruka::sensor {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using LocalSeconds = date::local_time<std::chrono::seconds>;
using LocalDays = date::local_days;

// No zone's offset changes by more than this at once, so a local time this far
// before the local time of `after` cannot map to an instant after it.
constexpr hours kMaxShift{3};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const char* const kExpected =
    "expected 5 cron fields (minute hour day-of-month month day-of-week, e.g. \"30 7 * * mon-fri\") or "
    "\"hourly\", \"daily HH:MM\", \"weekly DAY HH:MM\", \"every Nm\" (N divides 60) or \"every Nh\" (N divides 24)";

struct FieldSpec {
  const char* what;
  int lo, hi;
  const std::string_view* names;  // names[i] stands for lo_names + i
  int names_count, names_base;
};

constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0, 0};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0, 0};
constexpr FieldSpec kDom{"day-of-month", 1, 31, nullptr, 0, 0};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames.data(), 12, 1};
// 7 is Sunday too; folded into 0 after parsing.
constexpr FieldSpec kDow{"day-of-week", 0, 7, kDayNames.data(), 7, 0};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<int> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> parse_value(std::string_view s, const FieldSpec& f) {
  if (auto n = parse_number(s)) return n;
  for (int i = 0; i < f.names_count; ++i)
    if (s == f.names[i]) return f.names_base + i;
  return std::nullopt;
}

// One cron field into `bits` (index = value). Returns "" or what is wrong.
template <std::size_t N>
std::string parse_field(std::string_view text, const FieldSpec& f, std::bitset<N>& bits) {
  const std::string what = std::string(f.what) + " `" + std::string(text) + "`";
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return what + ": an empty entry in a list";
    int step = 1;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      const auto s = parse_number(item.substr(slash + 1));
      if (!s || *s < 1 || *s > f.hi) return what + ": a step must be a number from 1 to " + std::to_string(f.hi);
      step = *s;
      item = item.substr(0, slash);
    }
    int a = f.lo, b = f.hi;
    if (item != "*") {
      const auto dash = item.find('-');
      const auto first = parse_value(item.substr(0, dash), f);
      if (!first) return what + ": `" + std::string(item.substr(0, dash)) + "` is not a " + f.what;
      a = *first;
      b = a;
      if (dash != std::string_view::npos) {
        const auto last = parse_value(item.substr(dash + 1), f);
        if (!last) return what + ": `" + std::string(item.substr(dash + 1)) + "` is not a " + f.what;
        b = *last;
      } else if (step > 1) {
        b = f.hi;  // "a/n" = "a-hi/n"
      }
      if (a < f.lo || a > f.hi || b < f.lo || b > f.hi)
        return what + ": out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi);
      if (a > b) return what + ": a range must go from low to high";
    }
    for (int v = a; v <= b; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return "";
}

// "HH:MM" -> (hour, minute).
std::optional<std::pair<int, int>> parse_hhmm(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon != 3) return std::nullopt;
  const auto h = parse_number(s.substr(0, colon));
  const auto m = parse_number(s.substr(colon + 1));
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return std::pair{*h, *m};
}

// A friendly form as the equivalent cron fields; "" with `why` set when it is not
// one (why stays empty when the text is not a friendly form at all).
std::string friendly_to_cron(const std::vector<std::string_view>& w, std::string& why) {
  if (w.empty()) return "";
  if (w[0] == "hourly" && w.size() == 1) return "0 * * * *";
  if (w[0] == "daily") {
    const auto t = w.size() == 2 ? parse_hhmm(w[1]) : std::nullopt;
    if (!t) {
      why = "expected \"daily HH:MM\" (24-hour clock, e.g. \"daily 07:30\")";
      return "";
    }
    return std::to_string(t->second) + " " + std::to_string(t->first) + " * * *";
  }
  if (w[0] == "weekly") {
    const auto t = w.size() == 3 ? parse_hhmm(w[2]) : std::nullopt;
    if (!t) {
      why = "expected \"weekly DAY HH:MM\" (DAY mon..sun or a list such as mon,thu; e.g. \"weekly mon 07:30\")";
      return "";
    }
    return std::to_string(t->second) + " " + std::to_string(t->first) + " * * " + std::string(w[1]);
  }
  if (w[0] == "every") {
    std::optional<int> n;
    char unit = 0;
    if (w.size() == 2 && w[1].size() >= 2) {
      unit = w[1].back();
      n = parse_number(w[1].substr(0, w[1].size() - 1));
    }
    if (n && unit == 'm' && *n >= 1 && 60 % *n == 0)
      return *n == 60 ? "0 * * * *" : "*/" + std::to_string(*n) + " * * * *";
    if (n && unit == 'h' && *n >= 1 && 24 % *n == 0)
      return *n == 24 ? "0 0 * * *" : "0 */" + std::to_string(*n) + " * * *";
    why = "expected \"every Nm\" with N dividing 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60) or \"every Nh\" "
          "with N dividing 24 (1, 2, 3, 4, 6, 8, 12, 24)";
    return "";
  }
  return "";
}

bool day_matches(const Schedule& s, LocalDays day) {
  const date::year_month_day ymd{day};
  if (!s.months.test(static_cast<unsigned>(ymd.month()))) return false;
  const bool dom = s.days_of_month.test(static_cast<unsigned>(ymd.day()));
  const bool dow = s.days_of_week.test(date::weekday{day}.c_encoding());
  // crontab(5): both restricted -> either; otherwise the unrestricted one is all ones.
  if (s.dom_restricted && s.dow_restricted) return dom || dow;
  return dom && dow;
}

// The instant a local wall time stands for under the DST rules of schedule.hpp.
SysSeconds to_instant(const date::time_zone& zone, LocalSeconds lt) {
  const date::local_info info = zone.get_info(lt);
  switch (info.result) {
    case date::local_info::nonexistent:
      return SysSeconds{info.first.end.time_since_epoch()};  // the transition: first valid instant after
    case date::local_info::ambiguous:  // first occurrence (first is the earlier period)
    case date::local_info::unique:
    default:
      return SysSeconds{lt.time_since_epoch() - info.first.offset};
  }
}

}  // namespace

std::optional<Schedule> parse_schedule(std::string_view expression, std::string_view zone_name, std::string& error) {
  const std::string quoted = "schedule \"" + std::string(expression.substr(0, kMaxScheduleBytes)) + "\"";
  if (expression.size() > kMaxScheduleBytes) {
    error = quoted + "...: longer than " + std::to_string(kMaxScheduleBytes) + " bytes; " + kExpected;
    return std::nullopt;
  }
  Schedule s;
  s.expression = std::string(expression);
  s.zone_name = zone_name.empty() ? std::string(kDefaultTimeZone) : std::string(zone_name);
  try {
    s.zone = date::locate_zone(s.zone_name);
  } catch (const std::exception&) {
    error = "time zone \"" + s.zone_name + "\" for " + quoted +
            " is not an IANA zone name in the system tzdata (e.g. \"Asia/Tokyo\", \"Europe/Berlin\", \"UTC\")";
    return std::nullopt;
  }
  const std::string text = lower(expression);
  auto w = words(text);
  std::string why;
  std::string cron = friendly_to_cron(w, why);
  if (!why.empty()) {
    error = quoted + ": " + why;
    return std::nullopt;
  }
  if (!cron.empty()) w = words(cron);
  if (w.size() != 5) {
    error = quoted + ": " + kExpected;
    return std::nullopt;
  }
  std::bitset<8> dow;
  for (std::string problem : {parse_field(w[0], kMinute, s.minutes), parse_field(w[1], kHour, s.hours),
                              parse_field(w[2], kDom, s.days_of_month), parse_field(w[3], kMonth, s.months),
                              parse_field(w[4], kDow, dow)}) {
    if (problem.empty()) continue;
    error = quoted + ": " + problem;
    return std::nullopt;
  }
  for (unsigned d = 0; d < 7; ++d) s.days_of_week.set(d, dow.test(d));
  if (dow.test(7)) s.days_of_week.set(0);
  s.dom_restricted = w[2].front() != '*';
  s.dow_restricted = w[4].front() != '*';
  // Refuse what never runs (e.g. "0 0 30 2 *"): look ahead from a fixed day.
  if (!next_run(s, SysSeconds{date::sys_days{date::year{2000} / 1 / 1}.time_since_epoch()})) {
    error = quoted + ": no day matches (e.g. day 30 or 31 in a month that never has it)";
    return std::nullopt;
  }
  return s;
}

std::optional<SysSeconds> next_run(const Schedule& s, SysSeconds after) {
  if (s.zone == nullptr) return std::nullopt;
  const LocalSeconds local_after = s.zone->to_local(after);
  // Start the day before: a time late that day can still map past `after`.
  LocalDays day = date::floor<days>(local_after) - days{1};
  for (int i = 0; i < kMaxSearchDays; ++i, day += days{1}) {
    if (!day_matches(s, day)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!s.hours.test(static_cast<std::size_t>(h))) continue;
      const LocalSeconds hour_start{day + hours{h}};
      if (hour_start + hours{1} + kMaxShift < local_after) continue;
      for (int m = 0; m < 60; ++m) {
        if (!s.minutes.test(static_cast<std::size_t>(m))) continue;
        const LocalSeconds lt = hour_start + minutes{m};
        if (lt + kMaxShift < local_after) continue;
        const SysSeconds t = to_instant(*s.zone, lt);
        // Local times in order map to instants in order (ties at a gap), so the
        // first one past `after` is the next run.
        if (t > after) return t;
      }
    }
  }
  return std::nullopt;
}

RunPlan plan_run(const Schedule& s, std::optional<SysSeconds> last, SysSeconds now) {
  RunPlan plan;
  if (last && *last < now) {
    for (auto t = next_run(s, *last); t && *t <= now && plan.missed < kMaxMissedCount; t = next_run(s, *t))
      ++plan.missed;
    plan.run_now = plan.missed > 0;
  }
  plan.next = next_run(s, now);
  return plan;
}

std::string format_local_minute(const Schedule& s, SysSeconds t) {
  if (s.zone == nullptr) return date::format("%FT%H:%MZ", date::floor<minutes>(t));
  const date::sys_info info = s.zone->get_info(t);
  const LocalSeconds lt{t.time_since_epoch() + info.offset};
  const auto off = std::chrono::duration_cast<minutes>(info.offset).count();
  const long a = off < 0 ? -off : off;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 60, a % 60);
  return date::format("%FT%H:%M", date::floor<minutes>(lt)) + buf;
}

std::int64_t utc_offset_at(const Schedule& s, SysSeconds t) {
  if (s.zone == nullptr) return 0;
  return s.zone->get_info(t).offset.count();
}

std::string nearest_zone_name(std::string_view name) {
  const auto lower = [](std::string_view in) {
    std::string out(in);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string want = lower(name.substr(0, 64));  // zone names are short; so is the work
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  try {
    const auto& db = date::get_tzdb();
    const auto consider = [&](const std::string& candidate) {
      const std::size_t d = edit_distance(want, lower(candidate));
      if (d < best_d || (d == best_d && candidate < best)) {
        best_d = d;
        best = candidate;
      }
    };
    for (const auto& z : db.zones) consider(z.name());
  } catch (const std::exception&) {
    return {};
  }
  return best;
}

}  // namespace mieruka::sensor
