#pragma once
// Simulated time for chat tests (chat::Timers): now() moves only when the
// test (or run_simulated) advances it, and sleeps complete when simulated
// time reaches their deadline. Lease renewals, progress writes, retries and
// the sweep are then checked in a few milliseconds of real time, and "within
// a second" is an exact statement about simulated time, not a race.
//
//   FakeTimers timers;
//   run_simulated(io, timers, [&] { return done; });  // ready work first,
//                                                     // then the next deadline

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "chat/timers.hpp"

namespace parley::chat::test {

class FakeTimers final : public Timers {
 public:
  // Starts at an arbitrary fixed point (never time_point{}: code may
  // subtract durations from now()).
  FakeTimers() : now_(time_point(std::chrono::hours(1000))) {}

  time_point now() const override { return now_; }

  boost::asio::awaitable<void> sleep_until(time_point deadline) override {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    if (deadline <= now_) {
      co_await asio::post(ex, asio::use_awaitable);  // a real timer also completes later
      co_return;
    }
    // A timer that only this object wakes (by cancelling it).
    asio::steady_timer wake(ex, asio::steady_timer::time_point::max());
    Sleeper me{deadline, &wake};
    sleepers_->push_back(&me);
    // Shared: a frame destroyed with the io_context may outlive this object.
    struct Unregister {
      std::shared_ptr<std::vector<Sleeper*>> list;
      Sleeper* me;
      ~Unregister() { list->erase(std::remove(list->begin(), list->end(), me), list->end()); }
    } unregister{sleepers_, &me};
    (void)co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // The earliest deadline of a pending sleep (sleeps until max are never due).
  std::optional<time_point> next_deadline() const {
    std::optional<time_point> next;
    for (const Sleeper* s : *sleepers_) {
      if (s->deadline == time_point::max()) continue;
      if (!next || s->deadline < *next) next = s->deadline;
    }
    return next;
  }

  // Moves simulated time forward to `t` and wakes the sleeps due by then.
  void advance_to(time_point t) {
    if (t > now_) now_ = t;
    for (Sleeper* s : *sleepers_) {
      if (s->deadline <= now_) s->wake->cancel();
    }
  }
  void advance(duration d) { advance_to(now_ + d); }

  std::size_t pending_sleeps() const { return sleepers_->size(); }

 private:
  struct Sleeper {
    time_point deadline;
    boost::asio::steady_timer* wake;
  };
  time_point now_;
  std::shared_ptr<std::vector<Sleeper*>> sleepers_ = std::make_shared<std::vector<Sleeper*>>();
};

// Runs `io` until done() holds: all ready work first; when nothing is ready,
// simulated time jumps to the next deadline. Throws when nothing is ready
// and nothing sleeps (a hang), or after `limit` of simulated time.
template <class Done>
void run_simulated(boost::asio::io_context& io, FakeTimers& timers, Done done,
                   std::chrono::steady_clock::duration limit = std::chrono::hours(1)) {
  const auto give_up = timers.now() + limit;
  for (;;) {
    if (io.stopped()) io.restart();
    io.poll();
    if (done()) return;
    const auto next = timers.next_deadline();
    if (!next) throw std::runtime_error("nothing left to run and nothing sleeps: a hang");
    if (*next > give_up) throw std::runtime_error("not done within the simulated time limit");
    timers.advance_to(*next);
  }
}

template <class Fn>
boost::asio::awaitable<void> call_after(FakeTimers& timers, std::chrono::milliseconds after,
                                        Fn fn) {
  co_await timers.sleep_for(after);
  fn();
}

// Runs `fn` at simulated time now() + after (on io).
template <class Fn>
void at(boost::asio::io_context& io, FakeTimers& timers, std::chrono::milliseconds after, Fn fn) {
  boost::asio::co_spawn(io, call_after(timers, after, std::move(fn)), boost::asio::detached);
}

}  // namespace parley::chat::test
