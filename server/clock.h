// The time `etlc serve` goes by. The scheduler never reads the system clock itself: it is
// given `now` by its caller, which takes it from a Clock, so tests drive it with a
// ManualClock and are deterministic (docs/dev/serve.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace etl::server {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the epoch, UTC.
  virtual int64_t NowUs() = 0;
};

// The system clock.
class SystemClock : public Clock {
 public:
  int64_t NowUs() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to (tests).
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_us = 0) : now_us_(now_us) {}
  int64_t NowUs() override {
    std::lock_guard lock(mutex_);
    return now_us_;
  }
  void Set(int64_t now_us) {
    std::lock_guard lock(mutex_);
    now_us_ = now_us;
  }
  void Advance(int64_t delta_us) {
    std::lock_guard lock(mutex_);
    now_us_ += delta_us;
  }

 private:
  std::mutex mutex_;
  int64_t now_us_;
};

}  // namespace etl::server
