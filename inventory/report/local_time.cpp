#include "inventory/report/local_time.hpp"

#include <chrono>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>

#include "inventory/render/export.hpp"

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

}  // namespace mieruka::inventory
