// Ctrl-C and SIGTERM during `etlc run`: the first one asks the executor to cancel (the
// run ends as cancelled, sinks leave no partial file); a second one, while the run is
// still stopping, gets the default action and kills the process.
#pragma once

#include <atomic>

namespace etl::driver {

// While alive, SIGINT and SIGTERM set `cancel` once and then revert to their default
// action; the previous handlers are restored on destruction. One at a time per process.
class CancelOnSignals {
 public:
  explicit CancelOnSignals(std::atomic<bool>& cancel);
  ~CancelOnSignals();
  CancelOnSignals(const CancelOnSignals&) = delete;
  CancelOnSignals& operator=(const CancelOnSignals&) = delete;

  // The signal that set the flag (SIGINT, SIGTERM), or 0.
  static int Received();

 private:
  bool installed_ = false;
};

}  // namespace etl::driver
