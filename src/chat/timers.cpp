#include "chat/timers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace parley::chat {

namespace asio = boost::asio;

asio::awaitable<void> SteadyTimers::sleep_until(time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace parley::chat
