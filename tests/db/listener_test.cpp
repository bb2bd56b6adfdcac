#include "db/listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

#include "db/pool.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
using test::run_until;
namespace asio = boost::asio;

struct Received {
  std::vector<std::pair<std::string, std::string>> notes;
  int reconnects = 0;
};

TEST(DbListener, ReceivesNotifications) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Received got;
  Listener listener(
      io, pg.url(), {"chan_a", "Chan B"},
      [&](std::string_view ch, std::string_view payload) { got.notes.emplace_back(ch, payload); },
      [&] { ++got.reconnects; });
  listener.start();
  ASSERT_TRUE(run_until(io, [&] { return listener.connected(); }, 10s));
  PoolOptions o;
  o.url = pg.url();
  Pool pool(io, o);
  ASSERT_TRUE(run_sync(io, pool.query("SELECT pg_notify('chan_a', 'one'), pg_notify('Chan B', 'two'), "
                                      "pg_notify('other', 'x')")));
  ASSERT_TRUE(run_until(io, [&] { return got.notes.size() >= 2; }, 5s));
  EXPECT_EQ(got.notes[0], (std::pair<std::string, std::string>{"chan_a", "one"}));
  EXPECT_EQ(got.notes[1], (std::pair<std::string, std::string>{"Chan B", "two"}));
  EXPECT_EQ(got.reconnects, 0);
  listener.stop();
  EXPECT_TRUE(run_until(io, [&] { return !listener.connected(); }, 5s));
}

// Both recovery paths in one server restart: the pool's dead idle
// connections are replaced, and the listener reconnects and says so.
TEST(DbRecovery, PoolAndListenerRecoverAfterServerRestart) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Received got;
  Listener listener(
      io, pg.url(), {"recovery"},
      [&](std::string_view ch, std::string_view payload) { got.notes.emplace_back(ch, payload); },
      [&] { ++got.reconnects; });
  listener.start();
  ASSERT_TRUE(run_until(io, [&] { return listener.connected(); }, 10s));

  PoolOptions o;
  o.url = pg.url();
  o.max_connections = 2;
  o.connect_timeout = 1s;
  Pool pool(io, o);
  ASSERT_TRUE(run_sync(io, pool.query("SELECT 1")));
  ASSERT_EQ(pool.stats().idle, 1u);

  pg.restart();

  // The first query may fail with db.unavailable; one within a few seconds succeeds.
  bool recovered = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!recovered && std::chrono::steady_clock::now() < deadline) {
    auto r = run_sync(io, pool.query("SELECT 1"));
    if (r) {
      recovered = true;
    } else {
      EXPECT_EQ(r.error().code, "db.unavailable") << r.error().detail;
      run_until(io, [] { return false; }, 50ms);
    }
  }
  EXPECT_TRUE(recovered);

  ASSERT_TRUE(run_until(io, [&] { return got.reconnects >= 1 && listener.connected(); }, 10s));
  ASSERT_TRUE(run_sync(io, pool.query("SELECT pg_notify('recovery', 'after')")));
  ASSERT_TRUE(run_until(io, [&] { return !got.notes.empty(); }, 5s));
  EXPECT_EQ(got.notes.back().second, "after");
  listener.stop();
}

}  // namespace
}  // namespace parley::db
