#include "inventory/policy/local_time.hpp"

#include <chrono>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>

#include "dissectors/net.hpp"

namespace mieruka::inventory {

std::string format_local_time(std::int64_t us, std::string_view zone) {
  if (us == 0) return "-";
  if (zone.empty()) return format_time_us(us);
  const auto t = date::floor<std::chrono::minutes>(date::sys_time<std::chrono::microseconds>{std::chrono::microseconds{us}});
  const date::time_zone* z = nullptr;
  try {
    z = date::locate_zone(zone);
  } catch (const std::exception&) {  // unknown zone, or tzdata not readable
    z = nullptr;
  }
  if (z == nullptr) return date::format("%Y-%m-%d %H:%M UTC", t);
  try {
    return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(z, t));
  } catch (const std::exception&) {
    return date::format("%Y-%m-%d %H:%M UTC", t);
  }
}

std::string local_time_of_iso(std::string_view iso, std::string_view zone) {
  // Exactly "YYYY-MM-DDTHH:MM:SSZ" (format_time_us), digits checked one by one.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (zone.empty() || iso.size() != kShape.size()) return std::string(iso);
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool ok = kShape[i] == 'd' ? (iso[i] >= '0' && iso[i] <= '9') : iso[i] == kShape[i];
    if (!ok) return std::string(iso);
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (iso[i] - '0');
    return v;
  };
  const date::year_month_day ymd{date::year{num(0, 4)}, date::month{static_cast<unsigned>(num(5, 2))},
                                 date::day{static_cast<unsigned>(num(8, 2))}};
  const int h = num(11, 2), m = num(14, 2), s = num(17, 2);
  if (!ymd.ok() || h > 23 || m > 59 || s > 60) return std::string(iso);
  const auto t = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{m} + std::chrono::seconds{s};
  const std::int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  if (us <= 0) return std::string(iso);
  return format_local_time(us, zone);
}

}  // namespace mieruka::inventory
