#pragma once
// One operation at a time, shared by everyone who asks while it runs: the
// first caller of run() starts `fetch`; callers arriving before it finishes
// wait for, and get, the same result. Used where a flood of requests must
// cause one outbound request (discovery, JWKS).
//
// Header-only and Asio-based: include it from I/O code only (core's compiled
// part stays free of Asio). Strand affinity: one executor; not thread-safe.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>
#include <utility>

#include "core/result.hpp"
#include "core/errors.hpp"

namespace parley {

template <class T>
class SingleFlight {
 public:
  bool running() const { return *slot_ != nullptr; }

  // Code "single_flight.abandoned" for waiters when the running operation's
  // coroutine was destroyed before it finished.
  template <class Fetch>
  boost::asio::awaitable<Result<T>> run(Fetch fetch) {
    if (*slot_) {
      auto flight = *slot_;  // keeps the timer alive while we wait
      (void)co_await flight->done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (!flight->result) co_return make_error(errc::single_flight::abandoned);
      co_return *flight->result;
    }
    auto flight = std::make_shared<Flight>(co_await boost::asio::this_coro::executor);
    *slot_ = flight;
    Landing landing{slot_, flight};
    Result<T> result = co_await fetch();
    flight->result = result;
    co_return result;
  }

 private:
  struct Flight {
    explicit Flight(const boost::asio::any_io_executor& ex) : done(ex) {
      done.expires_at(boost::asio::steady_timer::time_point::max());
    }
    boost::asio::steady_timer done;
    std::optional<Result<T>> result;
  };
  using Slot = std::shared_ptr<Flight>;
  // Ends the flight however run() leaves (result or destruction): wakes
  // every waiter and lets the next caller start anew. It holds the slot
  // weakly: a suspended run() may be destroyed after its SingleFlight (an
  // io_context destroying pending coroutines at shutdown).
  struct Landing {
    std::weak_ptr<Slot> slot;
    std::shared_ptr<Flight> flight;
    ~Landing() {
      if (auto s = slot.lock(); s && *s == flight) s->reset();
      flight->done.cancel();
    }
  };

  std::shared_ptr<Slot> slot_ = std::make_shared<Slot>();
};

}  // namespace parley
