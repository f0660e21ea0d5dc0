#include "compiler/driver/run_signals.h"

#include <signal.h>

namespace etl::driver {
namespace {

// Only lock-free atomics are touched in the handler (async-signal-safe).
std::atomic<std::atomic<bool>*> g_cancel{nullptr};
std::atomic<int> g_received{0};
struct sigaction g_previous_int, g_previous_term;

void OnSignal(int signal) {
  g_received.store(signal);
  if (std::atomic<bool>* cancel = g_cancel.load()) cancel->store(true);
}

}  // namespace

CancelOnSignals::CancelOnSignals(std::atomic<bool>& cancel) {
  static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
  std::atomic<bool>* expected = nullptr;
  if (!g_cancel.compare_exchange_strong(expected, &cancel)) return;  // another guard is active
  g_received.store(0);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the handler runs once, then the default action is back, so a second
  // Ctrl-C kills a run that takes too long to stop.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  installed_ = true;
}

CancelOnSignals::~CancelOnSignals() {
  if (!installed_) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_cancel.store(nullptr);
}

int CancelOnSignals::Received() { return g_received.load(); }

}  // namespace etl::driver
