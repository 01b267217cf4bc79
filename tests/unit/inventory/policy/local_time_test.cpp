// Report times in the plant's zone with the zone named (inventory/policy/local_time.hpp).
#include "inventory/policy/local_time.hpp"

#include <gtest/gtest.h>

#include "inventory/render/export.hpp"

namespace mieruka::inventory {
namespace {

constexpr std::int64_t kT0 = 1'763'625'600'000'000LL;  // 2025-11-20T08:00:00Z

TEST(LocalTime, TheConfiguredZoneNamed) {
  EXPECT_EQ(format_local_time(kT0, "Asia/Tokyo"), "2025-11-20 17:00 JST");
  EXPECT_EQ(format_local_time(kT0 + 59'000'000, "Asia/Tokyo"), "2025-11-20 17:00 JST") << "minutes, never rounded up";
  EXPECT_EQ(format_local_time(kT0, "UTC"), "2025-11-20 08:00 UTC");
  // Summer and winter time named as each is.
  EXPECT_EQ(format_local_time(kT0, "Europe/Berlin"), "2025-11-20 09:00 CET");
  EXPECT_EQ(format_local_time(kT0 - 150LL * 86'400'000'000LL, "Europe/Berlin"), "2025-06-23 10:00 CEST");
}

TEST(LocalTime, UnknownZoneIsUtcNamedAndNoZoneIsIso) {
  EXPECT_EQ(format_local_time(kT0, "Mars/Olympus"), "2025-11-20 08:00 UTC");
  EXPECT_EQ(format_local_time(kT0, ""), format_time_us(kT0));
  EXPECT_EQ(format_local_time(0, "Asia/Tokyo"), "-");
}

}  // namespace
}  // namespace mieruka::inventory
