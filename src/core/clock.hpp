#pragma once
// Time comes in through this interface so that tests control it.

#include <chrono>
#include <cstdint>

namespace parley {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  std::int64_t now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that only moves when told to (tests).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t epoch_seconds = 1'700'000'000)
      : now_(std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds))) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }
  void set(std::int64_t epoch_seconds) {
    now_ = std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds));
  }

 private:
  std::chrono::system_clock::time_point now_;
};

// Monotonic time for durations, deadlines and leases (never goes back, not
// wall time). Injected so that tests can drive it (chat::Timers adds waits).
class MonotonicClock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~MonotonicClock() = default;
  virtual time_point now() const = 0;
};

class SteadyMonotonicClock final : public MonotonicClock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace parley
