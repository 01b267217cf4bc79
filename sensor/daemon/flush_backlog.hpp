// What the daemon holds in memory only because its last flushes failed (disk
// full, database read-only or locked): the changed assets and links a stop
// would lose. The daemon publishes it after every flush; the console's
// /api/v1/stats (same process) shows it, as the log does.
#pragma once

#include <cstdint>

namespace mieruka::sensor {

struct FlushBacklog {
  std::uint64_t assets = 0, links = 0;  // changed since the last flush that stored them
  std::uint64_t failures = 0;           // flushes failed in a row (0: the last one worked)
  std::int64_t failing_since_us = 0;    // wall clock of the first of them; 0 when none
};

void publish_flush_backlog(const FlushBacklog& b);
[[nodiscard]] FlushBacklog flush_backlog();

}  // namespace mieruka::sensor
