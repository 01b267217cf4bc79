// Times in the reports, the console's evidence and the alerts as the plant reads them: in the configured IANA time
// zone (the config's `timezone`, default Asia/Tokyo) with the zone named,
// "2026-12-07 14:03 JST", the form the console shows (web/time.js). The
// machine-readable outputs (JSON, CSV) keep ISO UTC times.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mieruka::inventory {

// `us` (microseconds since the epoch) in the zone `zone`; a zone the system
// tzdata does not know: UTC, named as such ("2026-12-07 05:03 UTC"); an empty
// zone (a caller that names none): the ISO UTC time (format_time_us). 0: "-".
[[nodiscard]] std::string format_local_time(std::int64_t us, std::string_view zone);
// An ISO UTC time as the findings store it ("2026-12-07T05:03:10Z") shown in
// `zone` as format_local_time does; anything that is not such a time, or an
// empty zone, comes back unchanged.
[[nodiscard]] std::string local_time_of_iso(std::string_view iso, std::string_view zone);

}  // namespace mieruka::inventory
