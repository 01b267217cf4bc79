#include "sensor/daemon/signals.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

namespace mieruka::sensor {
namespace {
std::atomic<int> g_stop{0};
std::atomic<bool> g_reload{false};

extern "C" void on_stop_signal(int sig) { g_stop.store(sig, std::memory_order_relaxed); }
extern "C" void on_hup_signal(int) { g_reload.store(true, std::memory_order_relaxed); }

// Only async-signal-safe calls: write(2) of constant text, then _exit(2) (no
// atexit handlers, no stdio flush: a partial line on stdout is the reader's to
// drop, and the message says the output is incomplete).
extern "C" void on_exit_signal(int sig) {
  const char* line = sig == SIGINT ? "mieruka: stopped by SIGINT; output incomplete, nothing saved half-way\n"
                                   : "mieruka: stopped by SIGTERM; output incomplete, nothing saved half-way\n";
  ssize_t ignored = ::write(STDERR_FILENO, line, std::strlen(line));
  (void)ignored;
  ::_exit(128 + sig);
}

void set_handler(int sig, void (*fn)(int)) {
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}
}  // namespace

void install_signal_handlers() noexcept {
  set_handler(SIGINT, on_stop_signal);
  set_handler(SIGTERM, on_stop_signal);
  set_handler(SIGHUP, on_hup_signal);
}

void install_exit_on_signal() noexcept {
  set_handler(SIGINT, on_exit_signal);
  set_handler(SIGTERM, on_exit_signal);
}

bool stop_requested() noexcept { return g_stop.load(std::memory_order_relaxed) != 0; }
int stop_signal() noexcept { return std::max(0, g_stop.load(std::memory_order_relaxed)); }
bool take_reload_request() noexcept { return g_reload.exchange(false, std::memory_order_relaxed); }
void request_stop() noexcept { g_stop.store(-1, std::memory_order_relaxed); }  // no signal: stop_signal() stays 0

}  // namespace mieruka::sensor
