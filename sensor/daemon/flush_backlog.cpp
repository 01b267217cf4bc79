// The flush backlog shared between the daemon's thread and the console's (see
// flush_backlog.hpp).
#include "sensor/daemon/flush_backlog.hpp"

#include <mutex>

namespace mieruka::sensor {
namespace {

std::mutex& mu() {
  static std::mutex m;
  return m;
}
FlushBacklog& current() {
  static FlushBacklog b;
  return b;
}

}  // namespace

void publish_flush_backlog(const FlushBacklog& b) {
  std::lock_guard lock(mu());
  current() = b;
}

FlushBacklog flush_backlog() {
  std::lock_guard lock(mu());
  return current();
}

}  // namespace mieruka::sensor
