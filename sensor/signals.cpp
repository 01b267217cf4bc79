#include "sensor/signals.hpp"

#include <atomic>
#include <csignal>

namespace mieruka::sensor {
namespace {
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

extern "C" void on_stop_signal(int) { g_stop.store(true, std::memory_order_relaxed); }
extern "C" void on_hup_signal(int) { g_reload.store(true, std::memory_order_relaxed); }
}  // namespace

void install_signal_handlers() noexcept {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = on_hup_signal;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
}

bool stop_requested() noexcept { return g_stop.load(std::memory_order_relaxed); }
bool take_reload_request() noexcept { return g_reload.exchange(false, std::memory_order_relaxed); }
void request_stop() noexcept { g_stop.store(true, std::memory_order_relaxed); }

}  // namespace mieruka::sensor
