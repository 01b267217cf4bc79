// Process signals. The commands with a loop (run, capture, read, serve) install
// flag handlers: SIGINT/SIGTERM ask the loop to flush and stop, SIGHUP asks for a
// reload. Every other command does its work in one go (a query, a transaction,
// an output written whole) and is stopped where it stands: one line on stderr and
// exit 128 + the signal number; SQLite rolls back a transaction left open.
#pragma once

namespace mieruka::sensor {

void install_signal_handlers() noexcept;
[[nodiscard]] bool stop_requested() noexcept;
// The signal that asked to stop (SIGINT, SIGTERM), 0 when none did.
[[nodiscard]] int stop_signal() noexcept;
[[nodiscard]] bool take_reload_request() noexcept;  // true once per SIGHUP
void request_stop() noexcept;                         // for tests and timers
// SIGINT/SIGTERM end the process at once: "mieruka: stopped by SIGTERM..." and
// _exit(128 + signal).
void install_exit_on_signal() noexcept;

}  // namespace mieruka::sensor
