// The daemon's scheduled snapshots as configured:
// the top-level `timezone` key and the [snapshots] section of the TOML config
// (docs/mieruka.example.toml):
//   timezone = "Asia/Tokyo"       # IANA name; default Asia/Tokyo
//   [snapshots]
//   schedule = "daily 07:30"      # sensor/daemon/schedule.hpp; absent: no scheduled snapshots
//   timezone = "Europe/Berlin"    # optional, overrides the top-level one for the schedule
//   keep_daily = 7                # retention of the scheduled snapshots
//   keep_weekly = 4
//   absence = "24h"               # quiet this long before a device counts as vanished
// The reader is in snapshot_config_toml.hpp (it pulls in toml++).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "inventory/store/snapshot.hpp"
#include "sensor/daemon/schedule.hpp"

namespace mieruka::sensor {

// Upper bounds for the retention counts (10 years of days, 10 years of weeks).
inline constexpr int kMaxKeepDaily = 3660;
inline constexpr int kMaxKeepWeekly = 520;

struct SnapshotConfig {
  std::string timezone = std::string(kDefaultTimeZone);  // the config's `timezone`
  std::optional<Schedule> schedule;  // [snapshots] schedule, in [snapshots] timezone or `timezone`
  int keep_daily = 7;
  int keep_weekly = 4;
  std::int64_t absence_us = inventory::kDefaultAbsenceUs;
};

}  // namespace mieruka::sensor
