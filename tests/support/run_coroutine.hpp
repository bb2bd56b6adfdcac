#pragma once
// Runs a coroutine to completion on a test's io_context and returns its
// value (rethrowing anything it threw). For tests only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <utility>

namespace parley::testing {

template <class T>
boost::asio::awaitable<void> store_into(boost::asio::awaitable<T> a, std::optional<T>* out) {
  out->emplace(co_await std::move(a));
}

// Runs `a` on `io` until everything queued on io is done.
template <class T>
T run_on(boost::asio::io_context& io, boost::asio::awaitable<T> a) {
  std::optional<T> out;
  boost::asio::co_spawn(io, store_into(std::move(a), &out), [](const std::exception_ptr& e) {
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
  return std::move(*out);
}

}  // namespace parley::testing
