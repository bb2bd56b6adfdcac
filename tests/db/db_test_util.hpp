#pragma once
// Runs coroutines to completion on a test's io_context, with a deadline.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "support/temp_postgres.hpp"

namespace parley::db::test {

template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> op,
           std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  std::optional<T> out;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    error = e;
    out.emplace(std::move(value));
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
  if (!done) throw std::runtime_error("coroutine did not finish before the deadline");
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

// Runs the io_context until pred() holds or the deadline passes.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A freshly created, migrated database on the shared test cluster; returns
// its URL. Call once per test process and prefix (cache the result).
inline std::string migrated_database(const std::string& prefix) {
  std::string url = testing::shared_temp_postgres().create_database(prefix);
  boost::asio::io_context io;
  PoolOptions o;
  o.url = url;
  Pool pool(io, o);
  auto st = run_sync(io, migrate(pool));
  if (!st) throw std::runtime_error("migrate failed: " + st.error().detail);
  return url;
}

}  // namespace parley::db::test
