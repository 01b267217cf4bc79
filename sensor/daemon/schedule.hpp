// Schedule expressions for the daemon's snapshots:
// when the next run is due, in a time zone, with the missed-run and DST rules.
//
// Accepted forms (one per expression):
// - 5-field cron: minute hour day-of-month month day-of-week, each `*`, a number,
//   a range `a-b`, a step `*/n` or `a-b/n`, or a list of those separated by commas;
//   months also as jan..dec, weekdays as sun..sat (0 or 7 = Sunday). As in Vixie
//   cron, when both day fields are restricted (neither starts with `*`) a day
//   matches if EITHER matches.
// - "hourly" (minute 0), "daily HH:MM", "weekly DAY[,DAY...] HH:MM",
//   "every Nm" (N divides 60) and "every Nh" (N divides 24), counted from local
//   midnight: each is a cron expression underneath.
// Times are wall-clock times in the schedule's IANA time zone (date/tz.h over the
// system tzdata). DST: a local time that does not exist (spring forward) runs at
// the first valid instant after it (the transition); one that exists twice (fall
// back) runs once, at its first occurrence.
//
// Missed runs: after downtime, ONE catch-up run for the whole missed period, not
// one per missed slot (plan_run).
//
// Pure: no clock, no I/O; `now` and `after` are parameters.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace mieruka::sensor {

using SysSeconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// The default zone when neither the expression's caller nor the config names one.
inline constexpr std::string_view kDefaultTimeZone = "Asia/Tokyo";
// How far next_run looks ahead: 8 years covers "Feb 29" across a skipped leap
// year (2096 -> 2104); an expression that matches no day in that span is refused.
inline constexpr int kMaxSearchDays = 8 * 366 + 2;
// Longest expression accepted (bytes).
inline constexpr std::size_t kMaxScheduleBytes = 256;
// missed slots counted at most this far (for the log line only).
inline constexpr int kMaxMissedCount = 10000;

struct Schedule {
  std::string expression;  // as written
  std::string zone_name;   // IANA name
  const date::time_zone* zone = nullptr;  // owned by the tz database (process lifetime)
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool dom_restricted = false, dow_restricted = false;
};

// Parses `expression` in the zone `zone_name`. On failure returns nullopt with
// `error` set to one line naming the expression and what is expected.
[[nodiscard]] std::optional<Schedule> parse_schedule(std::string_view expression, std::string_view zone_name,
                                                     std::string& error);

// The first run strictly after `after`; nullopt only for an expression that no
// day matches within kMaxSearchDays (parse_schedule refuses those).
[[nodiscard]] std::optional<SysSeconds> next_run(const Schedule& schedule, SysSeconds after);

struct RunPlan {
  bool run_now = false;   // a slot passed since the last run: run once now
  int missed = 0;         // slots that passed since the last run (capped at kMaxMissedCount)
  std::optional<SysSeconds> next;  // the run after this one (or the first, when !run_now)
};

// What to do at `now`, given the last run (nullopt: never ran, so wait for the
// first slot). If one or more slots passed in (last, now], run now, once; the
// next run is then the first slot after `now`.
[[nodiscard]] RunPlan plan_run(const Schedule& schedule, std::optional<SysSeconds> last, SysSeconds now);

// `t` as local time in the schedule's zone with its offset, to the minute:
// "2026-11-26T07:30+09:00".
[[nodiscard]] std::string format_local_minute(const Schedule& schedule, SysSeconds t);

// The zone's UTC offset at `t` in seconds (JST: 32400).
[[nodiscard]] std::int64_t utc_offset_at(const Schedule& schedule, SysSeconds t);

// The IANA zone name of the system tzdata closest to `name` (fewest edits,
// letter case ignored; "asia/tokio" gives "Asia/Tokyo"), for an error message
// that refuses `name`. Empty when the tzdata cannot be read.
[[nodiscard]] std::string nearest_zone_name(std::string_view name);

}  // namespace mieruka::sensor
