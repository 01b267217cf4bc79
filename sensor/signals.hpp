// Process signals for the long-running commands: SIGINT/SIGTERM ask the packet
// loop to flush and stop, SIGHUP asks for a reload. Handlers only set flags.
#pragma once

namespace mieruka::sensor {

void install_signal_handlers() noexcept;
[[nodiscard]] bool stop_requested() noexcept;
[[nodiscard]] bool take_reload_request() noexcept;  // true once per SIGHUP
void request_stop() noexcept;                         // for tests and timers

}  // namespace mieruka::sensor
