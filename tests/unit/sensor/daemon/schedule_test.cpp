// Schedule arithmetic (sensor/daemon/schedule.hpp): cron and friendly forms in JST and in
// DST zones across both transitions, month ends, Feb 29, weekday names, the
// missed-run rule; the [snapshots] config reader; retention after a scheduled
// snapshot (sensor/daemon/scheduled_snapshots.hpp).
#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "inventory/ledger/ledger.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/schedule.hpp"
#include "sensor/daemon/scheduled_snapshots.hpp"
#include "sensor/daemon/snapshot_config_toml.hpp"

namespace mieruka::sensor {
namespace {

// An instant given in UTC.
SysSeconds utc(int y, unsigned mo, unsigned d, int h, int mi) {
  return SysSeconds{(date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi})
                        .time_since_epoch()};
}

Schedule parse_ok(std::string_view expr, std::string_view zone = "Asia/Tokyo") {
  std::string error;
  auto s = parse_schedule(expr, zone, error);
  EXPECT_TRUE(s.has_value()) << expr << ": " << error;
  return s.value_or(Schedule{});
}

std::string parse_error(std::string_view expr, std::string_view zone = "Asia/Tokyo") {
  std::string error;
  auto s = parse_schedule(expr, zone, error);
  EXPECT_FALSE(s.has_value()) << expr;
  return error;
}

std::string iso(std::optional<SysSeconds> t) {
  if (!t) return "none";
  return date::format("%FT%H:%MZ", date::floor<std::chrono::minutes>(*t));
}

// The next run after `after` as UTC text, for readable failures.
std::string next(const Schedule& s, SysSeconds after) { return iso(next_run(s, after)); }

// --- JST (no DST) ---------------------------------------------------------------------

TEST(Schedule, DailyJst) {
  const auto s = parse_ok("daily 07:30");
  // 2026-11-26 09:00 JST -> 07:30 JST on the 27th = 22:30Z on the 26th.
  EXPECT_EQ(next(s, utc(2026, 11, 26, 0, 0)), "2026-11-26T22:30Z");
  // Exactly at a run: the next one is a day later (strictly after).
  EXPECT_EQ(next(s, utc(2026, 11, 26, 22, 30)), "2026-11-27T22:30Z");
  // One second before: that run.
  EXPECT_EQ(next(s, utc(2026, 11, 26, 22, 30) - std::chrono::seconds{1}), "2026-11-26T22:30Z");
  EXPECT_EQ(format_local_minute(s, utc(2026, 11, 26, 22, 30)), "2026-11-27T07:30+09:00");
  EXPECT_EQ(utc_offset_at(s, utc(2026, 11, 26, 22, 30)), 9 * 3600);
}

TEST(Schedule, DefaultZoneIsTokyo) {
  const auto s = parse_ok("daily 00:00", "");
  EXPECT_EQ(s.zone_name, "Asia/Tokyo");
  EXPECT_EQ(next(s, utc(2026, 1, 1, 0, 0)), "2026-01-01T15:00Z");
}

TEST(Schedule, CronListsRangesStepsJst) {
  const auto s = parse_ok("*/15 9-17 * * mon-fri");
  // Friday 2026-11-27 17:50 JST -> Monday 2026-11-30 09:00 JST.
  EXPECT_EQ(next(s, utc(2026, 11, 27, 8, 50)), "2026-11-30T00:00Z");
  // Monday 09:00 JST -> 09:15.
  EXPECT_EQ(next(s, utc(2026, 11, 30, 0, 0)), "2026-11-30T00:15Z");
  const auto l = parse_ok("5,35 8,20 * * *");
  EXPECT_EQ(next(l, utc(2026, 11, 25, 23, 10)), "2026-11-25T23:35Z");  // 08:35 JST
  EXPECT_EQ(next(l, utc(2026, 11, 25, 23, 35)), "2026-11-26T11:05Z");  // 20:05 JST
  const auto r = parse_ok("10-20/5 * * * *");
  EXPECT_EQ(next(r, utc(2026, 11, 25, 0, 11)), "2026-11-25T00:15Z");
  EXPECT_EQ(next(r, utc(2026, 11, 25, 0, 20)), "2026-11-25T01:10Z");
  const auto a = parse_ok("30/10 * * * *");  // "30/10" = 30-59/10
  EXPECT_EQ(next(a, utc(2026, 11, 25, 0, 51)), "2026-11-25T01:30Z");
}

TEST(Schedule, FriendlyForms) {
  EXPECT_EQ(next(parse_ok("hourly"), utc(2026, 11, 25, 0, 0)), "2026-11-25T01:00Z");
  EXPECT_EQ(next(parse_ok("every 15m"), utc(2026, 11, 25, 10, 7)), "2026-11-25T10:15Z");
  EXPECT_EQ(next(parse_ok("every 60m"), utc(2026, 11, 25, 10, 7)), "2026-11-25T11:00Z");
  // every 6h counts from local midnight: 00, 06, 12, 18 JST = 15, 21, 03, 09 Z.
  EXPECT_EQ(next(parse_ok("every 6h"), utc(2026, 11, 25, 4, 0)), "2026-11-25T09:00Z");
  EXPECT_EQ(next(parse_ok("EVERY 24h"), utc(2026, 11, 25, 4, 0)), "2026-11-25T15:00Z");
  // 2026-11-25 is a Wednesday; weekly mon 07:30 JST -> Monday the 30th.
  EXPECT_EQ(next(parse_ok("weekly mon 07:30"), utc(2026, 11, 25, 0, 0)), "2026-11-29T22:30Z");
  EXPECT_EQ(next(parse_ok("weekly Mon,Thu 7:30"), utc(2026, 11, 25, 0, 0)), "2026-11-25T22:30Z");
  EXPECT_EQ(next(parse_ok("  daily   23:59 "), utc(2026, 11, 25, 0, 0)), "2026-11-25T14:59Z");
}

TEST(Schedule, WeekdayNamesAndSundayAsSevenOrZero) {
  const auto a = parse_ok("0 8 * * sun");
  const auto b = parse_ok("0 8 * * 7");
  const auto c = parse_ok("0 8 * * 0");
  // Wednesday 2026-11-25 -> Sunday 2026-11-29 08:00 JST.
  for (const auto* s : {&a, &b, &c}) EXPECT_EQ(next(*s, utc(2026, 11, 25, 0, 0)), "2026-11-28T23:00Z");
  EXPECT_EQ(next(parse_ok("0 8 * * 5-7"), utc(2026, 11, 25, 0, 0)), "2026-11-26T23:00Z");  // Friday
  EXPECT_EQ(next(parse_ok("0 8 * * SAT"), utc(2026, 11, 25, 0, 0)), "2026-11-27T23:00Z");
}

TEST(Schedule, MonthNamesAndMonthEnds) {
  EXPECT_EQ(next(parse_ok("0 0 1 jan,jul *", "UTC"), utc(2026, 2, 1, 0, 0)), "2026-07-01T00:00Z");
  // Day 31 skips April, June (30 days).
  const auto s = parse_ok("0 0 31 * *", "UTC");
  EXPECT_EQ(next(s, utc(2026, 3, 31, 0, 0)), "2026-05-31T00:00Z");
  EXPECT_EQ(next(s, utc(2026, 5, 31, 0, 0)), "2026-07-31T00:00Z");
  EXPECT_EQ(next(s, utc(2026, 12, 31, 0, 0)), "2027-01-31T00:00Z");
  // Month-end at the year boundary in JST: 2026-12-31 23:30 JST = 14:30Z.
  EXPECT_EQ(next(parse_ok("30 23 31 12 *"), utc(2026, 1, 1, 0, 0)), "2026-12-31T14:30Z");
}

TEST(Schedule, February29) {
  const auto s = parse_ok("0 12 29 2 *", "UTC");
  EXPECT_EQ(next(s, utc(2026, 3, 1, 0, 0)), "2028-02-29T12:00Z");
  EXPECT_EQ(next(s, utc(2028, 2, 29, 12, 0)), "2032-02-29T12:00Z");
  // 2100 is not a leap year: eight years to the next Feb 29.
  EXPECT_EQ(next(s, utc(2096, 3, 1, 0, 0)), "2104-02-29T12:00Z");
  EXPECT_NE(parse_error("0 0 30 2 *").find("no day matches"), std::string::npos);
  EXPECT_NE(parse_error("0 0 31 4,6,9,11 *").find("no day matches"), std::string::npos);
}

TEST(Schedule, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // crontab(5): "0 0 13 * fri" runs on the 13th AND on every Friday.
  const auto both = parse_ok("0 0 13 * fri", "UTC");
  EXPECT_EQ(next(both, utc(2026, 11, 1, 0, 0)), "2026-11-06T00:00Z");   // Friday the 6th
  EXPECT_EQ(next(both, utc(2026, 11, 10, 0, 0)), "2026-11-13T00:00Z");  // Friday the 13th
  EXPECT_EQ(next(both, utc(2026, 12, 5, 0, 0)), "2026-12-11T00:00Z");   // Friday the 11th
  EXPECT_EQ(next(both, utc(2026, 12, 11, 0, 0)), "2026-12-13T00:00Z");  // Sunday the 13th
  // Only the day of month restricted: Fridays do not count.
  EXPECT_EQ(next(parse_ok("0 0 13 * *", "UTC"), utc(2026, 11, 1, 0, 0)), "2026-11-13T00:00Z");
  // Day of week restricted with a star-step day of month: AND (the star rule).
  EXPECT_EQ(next(parse_ok("0 0 */2 * fri", "UTC"), utc(2026, 11, 1, 0, 0)), "2026-11-13T00:00Z");
}

// --- DST zones --------------------------------------------------------------------------

TEST(Schedule, NewYorkSpringForwardRunsAtTheTransition) {
  // 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does not exist that day.
  const auto s = parse_ok("daily 02:30", "America/New_York");
  EXPECT_EQ(next(s, utc(2026, 3, 7, 8, 0)), "2026-03-08T07:00Z");  // 03:00 EDT, the first valid instant
  EXPECT_EQ(next(s, utc(2026, 3, 8, 7, 0)), "2026-03-09T06:30Z");  // 02:30 EDT the next day
  EXPECT_EQ(next(s, utc(2026, 3, 6, 8, 0)), "2026-03-07T07:30Z");  // 02:30 EST the day before
  // Hourly: 02:00 does not exist; it and 03:00 fall on the same instant and run once.
  const auto h = parse_ok("hourly", "America/New_York");
  std::vector<std::string> runs;
  for (auto t = next_run(h, utc(2026, 3, 8, 5, 0)); t && *t <= utc(2026, 3, 8, 9, 0); t = next_run(h, *t))
    runs.push_back(iso(t));
  EXPECT_EQ(runs, (std::vector<std::string>{"2026-03-08T06:00Z", "2026-03-08T07:00Z", "2026-03-08T08:00Z",
                                            "2026-03-08T09:00Z"}));
  EXPECT_EQ(format_local_minute(s, utc(2026, 3, 8, 7, 0)), "2026-03-08T03:00-04:00");
}

TEST(Schedule, NewYorkFallBackRunsOnce) {
  // 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice; it runs at the first.
  const auto s = parse_ok("daily 01:30", "America/New_York");
  EXPECT_EQ(next(s, utc(2026, 11, 1, 4, 0)), "2026-11-01T05:30Z");   // 01:30 EDT
  EXPECT_EQ(next(s, utc(2026, 11, 1, 5, 30)), "2026-11-02T06:30Z");  // not 06:30Z (01:30 EST) the same day
  const auto h = parse_ok("30 * * * *", "America/New_York");
  std::vector<std::string> runs;
  for (auto t = next_run(h, utc(2026, 11, 1, 4, 0)); t && *t <= utc(2026, 11, 1, 9, 0); t = next_run(h, *t))
    runs.push_back(iso(t));
  EXPECT_EQ(runs, (std::vector<std::string>{"2026-11-01T04:30Z", "2026-11-01T05:30Z", "2026-11-01T07:30Z",
                                            "2026-11-01T08:30Z"}));
  EXPECT_EQ(format_local_minute(s, utc(2026, 11, 2, 6, 30)), "2026-11-02T01:30-05:00");
}

TEST(Schedule, BerlinBothTransitions) {
  const auto s = parse_ok("30 2 * * *", "Europe/Berlin");
  // 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z).
  EXPECT_EQ(next(s, utc(2026, 3, 28, 12, 0)), "2026-03-29T01:00Z");
  EXPECT_EQ(next(s, utc(2026, 3, 29, 1, 0)), "2026-03-30T00:30Z");
  // 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z): 02:30 runs at its first occurrence only.
  EXPECT_EQ(next(s, utc(2026, 10, 24, 12, 0)), "2026-10-25T00:30Z");
  EXPECT_EQ(next(s, utc(2026, 10, 25, 0, 30)), "2026-10-26T01:30Z");
  EXPECT_EQ(utc_offset_at(s, utc(2026, 7, 1, 0, 0)), 2 * 3600);
  EXPECT_EQ(utc_offset_at(s, utc(2026, 12, 1, 0, 0)), 3600);
}

// --- missed runs ------------------------------------------------------------------------

TEST(Schedule, ThreeDayDowntimeGivesOneCatchUp) {
  const auto s = parse_ok("daily 07:30");
  const SysSeconds last = utc(2026, 11, 22, 22, 30);  // Mon 07:30 JST
  const SysSeconds now = utc(2026, 11, 26, 1, 0);     // Thu 10:00 JST, three slots later
  const RunPlan p = plan_run(s, last, now);
  EXPECT_TRUE(p.run_now);
  EXPECT_EQ(p.missed, 3);
  EXPECT_EQ(iso(p.next), "2026-11-26T22:30Z");  // Fri 07:30 JST, not Tue/Wed/Thu again
  // After the catch-up ran at `now`, nothing more is due until Friday.
  const RunPlan q = plan_run(s, now, now + std::chrono::minutes{5});
  EXPECT_FALSE(q.run_now);
  EXPECT_EQ(iso(q.next), "2026-11-26T22:30Z");
  // every 15m over the same downtime: still one run, the count only for the log.
  const RunPlan r = plan_run(parse_ok("every 15m"), last, now);
  EXPECT_TRUE(r.run_now);
  EXPECT_EQ(r.missed, 3 * 96 + 10);
}

TEST(Schedule, NoCatchUpWhenNothingWasMissedOrNeverRan) {
  const auto s = parse_ok("daily 07:30");
  const RunPlan fresh = plan_run(s, std::nullopt, utc(2026, 11, 26, 1, 0));
  EXPECT_FALSE(fresh.run_now);
  EXPECT_EQ(iso(fresh.next), "2026-11-26T22:30Z");
  const RunPlan ontime = plan_run(s, utc(2026, 11, 25, 22, 30), utc(2026, 11, 26, 1, 0));
  EXPECT_FALSE(ontime.run_now);
  EXPECT_EQ(ontime.missed, 0);
  // The last run in the future (the clock stepped back): no catch-up.
  EXPECT_FALSE(plan_run(s, utc(2026, 12, 1, 0, 0), utc(2026, 11, 26, 1, 0)).run_now);
}

TEST(Schedule, CapsTheMissedCount) {
  const RunPlan p = plan_run(parse_ok("every 1m"), utc(2000, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0));
  EXPECT_TRUE(p.run_now);
  EXPECT_EQ(p.missed, kMaxMissedCount);
}

// --- errors -----------------------------------------------------------------------------

TEST(Schedule, ErrorsNameTheExpressionAndWhatIsExpected) {
  auto e = parse_error("61 * * * *");
  EXPECT_NE(e.find("schedule \"61 * * * *\""), std::string::npos) << e;
  EXPECT_NE(e.find("minute"), std::string::npos) << e;
  EXPECT_NE(e.find("0-59"), std::string::npos) << e;
  e = parse_error("* * * *");
  EXPECT_NE(e.find("expected 5 cron fields"), std::string::npos) << e;
  e = parse_error("daily 7.30");
  EXPECT_NE(e.find("daily HH:MM"), std::string::npos) << e;
  EXPECT_NE(parse_error("daily 24:00").find("daily HH:MM"), std::string::npos);
  EXPECT_NE(parse_error("weekly 07:30").find("weekly DAY HH:MM"), std::string::npos);
  EXPECT_NE(parse_error("weekly funday 07:30").find("day-of-week"), std::string::npos);
  EXPECT_NE(parse_error("every 7m").find("N dividing 60"), std::string::npos);
  EXPECT_NE(parse_error("every 5h").find("dividing 24"), std::string::npos);
  EXPECT_NE(parse_error("every m").find("every Nm"), std::string::npos);
  EXPECT_NE(parse_error("5-1 * * * *").find("low to high"), std::string::npos);
  EXPECT_NE(parse_error("*/0 * * * *").find("step"), std::string::npos);
  EXPECT_NE(parse_error("1,,2 * * * *").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("0 0 * 13 *").find("month"), std::string::npos);
  EXPECT_NE(parse_error("0 0 0 * *").find("day-of-month"), std::string::npos);
  EXPECT_NE(parse_error("0 0 * * 8").find("day-of-week"), std::string::npos);
  EXPECT_NE(parse_error("").find("expected 5 cron fields"), std::string::npos);
  EXPECT_NE(parse_error(std::string(300, '*')).find("longer than"), std::string::npos);
  e = parse_error("daily 07:30", "Asia/Tokio");
  EXPECT_NE(e.find("Asia/Tokio"), std::string::npos) << e;
  EXPECT_NE(e.find("IANA"), std::string::npos) << e;
}

// --- config -----------------------------------------------------------------------------

std::string read_config(const std::string& text, SnapshotConfig& out) {
  std::string error;
  toml::table root;
  try {
    root = toml::parse(std::string_view{text}, std::string_view{"m.toml"});
  } catch (const toml::parse_error& e) {
    return "toml: " + std::string(e.description());
  }
  return read_snapshot_config(root, "m.toml", out, error) ? "" : error;
}

TEST(SnapshotConfig, ReadsTimezoneAndSection) {
  SnapshotConfig c;
  EXPECT_EQ(read_config("timezone = \"Europe/Berlin\"\n[snapshots]\nschedule = \"daily 07:30\"\nkeep_daily = 3\n"
                        "keep_weekly = 0\nabsence = \"3d\"\n",
                        c),
            "");
  EXPECT_EQ(c.timezone, "Europe/Berlin");
  ASSERT_TRUE(c.schedule);
  EXPECT_EQ(c.schedule->zone_name, "Europe/Berlin");
  EXPECT_EQ(c.keep_daily, 3);
  EXPECT_EQ(c.keep_weekly, 0);
  EXPECT_EQ(c.absence_us, 3LL * 86400 * 1000000);
  SnapshotConfig d;
  EXPECT_EQ(read_config("[snapshots]\nschedule = \"hourly\"\ntimezone = \"UTC\"\n", d), "");
  EXPECT_EQ(d.timezone, "Asia/Tokyo");
  EXPECT_EQ(d.schedule->zone_name, "UTC");
  SnapshotConfig none;
  EXPECT_EQ(read_config("data_dir = \"/x\"\n", none), "");
  EXPECT_FALSE(none.schedule);
  EXPECT_EQ(none.keep_daily, 7);
  EXPECT_EQ(none.keep_weekly, 4);
}

TEST(SnapshotConfig, ErrorsCarryFileAndLine) {
  SnapshotConfig c;
  auto e = read_config("[snapshots]\n\nschedule = \"daily 25:00\"\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:3: schedule \"daily 25:00\"", 0), 0u) << e;
  e = read_config("timezone = \"Mars/Olympus\"\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:1: `timezone` \"Mars/Olympus\"", 0), 0u) << e;
  e = read_config("[snapshots]\ntimezone = \"Nowhere\"\nschedule = \"hourly\"\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:2:", 0), 0u) << e;
  e = read_config("[snapshots]\nschedule = 730\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:2: `schedule` must be a string", 0), 0u) << e;
  e = read_config("[snapshots]\nkeep_daily = -1\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:2: `keep_daily`", 0), 0u) << e;
  e = read_config("[snapshots]\nkeep_daily = 0\nkeep_weekly = 0\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:1:", 0), 0u) << e;
  e = read_config("[snapshots]\nabsence = \"soon\"\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:2: `absence`", 0), 0u) << e;
  e = read_config("snapshots = 3\n", c = SnapshotConfig{});
  EXPECT_EQ(e.rfind("m.toml:1: `snapshots` must be a table", 0), 0u) << e;
}

// An unknown zone is refused with the nearest name the tzdata has.
TEST(SnapshotConfig, UnknownZoneNamesTheNearest) {
  SnapshotConfig c;
  const std::string e = read_config("timezone = \"Asia/Tokio\"\n", c);
  EXPECT_NE(e.find("the nearest is \"Asia/Tokyo\""), std::string::npos) << e;
  EXPECT_EQ(nearest_zone_name("asia/tokyo"), "Asia/Tokyo");
  EXPECT_EQ(nearest_zone_name("Europe/Berln"), "Europe/Berlin");
  EXPECT_EQ(nearest_zone_name("UTC"), "UTC");
}

// --- retention after a scheduled snapshot -----------------------------------------------

TEST(ScheduledSnapshots, RetentionKeepsManualAndNewest) {
  const std::string dir = ::testing::TempDir() + "/schedule_test_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/m.db";
  std::filesystem::remove(path);
  std::string error;
  auto store = inventory::Store::open(path, "s1", error);
  ASSERT_TRUE(store) << error;
  inventory::Ledger ledger("s1");
  // A manual snapshot: never pruned by the schedule's retention.
  ASSERT_TRUE(inventory::save_snapshot(*store, inventory::make_snapshot(ledger, "manual", 1'000'000)));

  SnapshotConfig cfg;
  cfg.schedule = parse_ok("daily 07:30");
  cfg.keep_daily = 3;
  cfg.keep_weekly = 0;
  std::vector<std::pair<std::string, std::string>> calls;
  SnapshotHook hook = [&](const std::string& from, const std::string& to) {
    // The previous one still exists when the hook runs.
    if (!from.empty()) {
      EXPECT_TRUE(inventory::snapshot_exists(*store, from)) << from;
    }
    calls.emplace_back(from, to);
    return true;
  };
  std::vector<std::string> names;
  for (int day = 0; day < 6; ++day) {
    const SysSeconds t = utc(2026, 11, 20, 22, 30) + std::chrono::days{day};
    const std::int64_t t_us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    auto run = take_scheduled_snapshot(*store, ledger, cfg, t_us, hook, error);
    ASSERT_TRUE(run) << error;
    EXPECT_TRUE(error.empty()) << error;
    names.push_back(run->name);
  }
  EXPECT_EQ(names.front(), "sched-2026-11-21T07:30+09:00");
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls[0].first, "");
  EXPECT_EQ(calls[5].first, names[4]);
  EXPECT_EQ(calls[5].second, names[5]);

  auto list = inventory::list_snapshots(*store, error);
  std::set<std::string> left;
  for (const auto& s : list) left.insert(s.name);
  EXPECT_EQ(left, (std::set<std::string>{"manual", names[3], names[4], names[5]}));
  EXPECT_EQ(newest_scheduled(list)->name, names[5]);

  // Same minute again: a distinct name, and the last-run time is its taken time.
  const std::int64_t again_us =
      std::chrono::duration_cast<std::chrono::microseconds>(
          (utc(2026, 11, 25, 22, 30) + std::chrono::seconds{20}).time_since_epoch())
          .count();
  auto run = take_scheduled_snapshot(*store, ledger, cfg, again_us, {}, error);
  ASSERT_TRUE(run) << error;
  EXPECT_EQ(run->name, names[5] + "-2");
  EXPECT_EQ(newest_scheduled(inventory::list_snapshots(*store, error))->taken_us, again_us);
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST(ScheduledSnapshots, NeedsASchedule) {
  std::string error;
  const std::string path = ::testing::TempDir() + "/schedule_test_none_" + std::to_string(::getpid()) + ".db";
  auto store = inventory::Store::open(path, "s1", error);
  ASSERT_TRUE(store) << error;
  inventory::Ledger ledger("s1");
  EXPECT_FALSE(take_scheduled_snapshot(*store, ledger, SnapshotConfig{}, 0, {}, error));
  EXPECT_NE(error.find("schedule"), std::string::npos);
  store.reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mieruka::sensor
