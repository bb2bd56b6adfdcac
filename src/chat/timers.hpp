#pragma once
// Time for the answer engine and ChatService: a monotonic now() and waits
// on it, injected so that tests run lease renewals, progress writes, retries
// and the sweep on simulated time (tests/chat/fake_timers.hpp) instead of
// real timers. Production uses SteadyTimers.
//
// Strand affinity: the io_context thread of the awaiting coroutine.

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"

namespace parley::chat {

class Timers : public MonotonicClock {
 public:
  // Completes once now() >= deadline (time_point::max(): never), or early
  // when the awaiting operation is cancelled (awaitable operators): callers
  // re-check what they were waiting for.
  virtual boost::asio::awaitable<void> sleep_until(time_point deadline) = 0;
  boost::asio::awaitable<void> sleep_for(duration d) { return sleep_until(now() + d); }
};

// std::chrono::steady_clock and asio::steady_timer.
class SteadyTimers final : public Timers {
 public:
  time_point now() const override { return clock_.now(); }
  boost::asio::awaitable<void> sleep_until(time_point deadline) override;

 private:
  SteadyMonotonicClock clock_;
};

}  // namespace parley::chat
