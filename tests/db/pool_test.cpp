#include "db/pool.hpp"

#include <gtest/gtest.h>

#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
using test::run_until;
namespace asio = boost::asio;

PoolOptions options_for(const std::string& url, int max) {
  PoolOptions o;
  o.url = url;
  o.max_connections = max;
  return o;
}

// `first_error` keeps the first failure's code and detail for the report.
asio::awaitable<void> one_query(Pool& pool, int i, int* ok, int* failed, std::string* first_error,
                                std::set<std::int64_t>* backends) {
  Params params{i};
  auto rows = co_await pool.query("SELECT $1::int * 2, pg_backend_pid()", params);
  if (rows && rows->int64(0, 0) == i * 2) {
    ++*ok;
    backends->insert(rows->int64(0, 1));
  } else {
    ++*failed;
    if (first_error->empty()) {
      *first_error = rows ? "wrong value" : std::string(rows.error().code) + ": " + rows.error().detail;
    }
  }
}

TEST(DbPool, TwoHundredConcurrentQueriesThroughFourConnections) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Pool pool(io, options_for(pg.url(), 4));
  int ok = 0;
  int failed = 0;
  std::string first_error;
  std::set<std::int64_t> backends;  // server processes that answered
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(io, one_query(pool, i, &ok, &failed, &first_error, &backends), asio::detached);
  }
  ASSERT_TRUE(run_until(
      io,
      [&] {
        EXPECT_LE(pool.stats().open, 4u);
        return ok + failed == 200;
      },
      30s));
  EXPECT_EQ(ok, 200) << first_error;
  EXPECT_EQ(failed, 0);
  // Bounded: never more than four connections, whatever the timing (how
  // many open and how long callers queue depends on the machine's load).
  EXPECT_GE(backends.size(), 1u);
  EXPECT_LE(backends.size(), 4u);
  EXPECT_LE(pool.stats().open, 4u);
  EXPECT_EQ(pool.stats().idle, pool.stats().open);
  EXPECT_EQ(pool.stats().waiting, 0u);
}

TEST(DbPool, PreparedThroughPool) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Pool pool(io, options_for(pg.url(), 2));
  constexpr Statement kEcho{"pool_echo", "SELECT $1::text"};
  Params params{"x"};
  auto rows = run_sync(io, pool.prepared(kEcho, params));
  ASSERT_TRUE(rows) << rows.error().detail;
  EXPECT_EQ(rows->text(0, 0), "x");
}

TEST(DbPool, QueryTimeoutBreaksConnectionAndPoolStillWorks) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto o = options_for(pg.url(), 1);
  o.query_timeout = 200ms;
  Pool pool(io, o);
  const auto started = std::chrono::steady_clock::now();
  auto slow = run_sync(io, pool.query("SELECT pg_sleep(30)"));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, "db.timeout");
  EXPECT_LT(took, 20s) << "the query timeout, not the 30 s sleep";
  EXPECT_EQ(pool.stats().open, 0u);  // the broken connection was dropped
  auto fast = run_sync(io, pool.query("SELECT 1"));
  ASSERT_TRUE(fast) << fast.error().detail;
  EXPECT_EQ(fast->int64(0, 0), 1);
}

TEST(DbPool, AcquireTimesOutWhenAllConnectionsAreLeased) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto o = options_for(pg.url(), 1);
  o.acquire_timeout = 100ms;
  Pool pool(io, o);
  auto held = run_sync(io, pool.acquire());
  ASSERT_TRUE(held) << held.error().detail;
  auto second = run_sync(io, pool.acquire());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "db.pool_timeout");
  EXPECT_EQ(pool.stats().waiting, 0u);
  *held = Lease();  // returned
  auto third = run_sync(io, pool.acquire());
  EXPECT_TRUE(third);
}

asio::awaitable<Status> transfer(Pool& pool) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto r = co_await lease->execute("BEGIN"); !r) co_return r.error();
  Params params{7};
  if (auto r = co_await lease->query("INSERT INTO pool_tx VALUES ($1)", params); !r) co_return r.error();
  if (auto r = co_await lease->execute("ROLLBACK"); !r) co_return r.error();
  co_return Status{};
}

TEST(DbPool, LeaseRunsATransactionOnOneConnection) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Pool pool(io, options_for(pg.url(), 2));
  ASSERT_TRUE(run_sync(io, pool.query("CREATE TABLE IF NOT EXISTS pool_tx (x int)")));
  auto st = run_sync(io, transfer(pool));
  ASSERT_TRUE(st) << st.error().detail;
  auto count = run_sync(io, pool.query("SELECT count(*) FROM pool_tx WHERE x = 7"));
  ASSERT_TRUE(count);
  EXPECT_EQ(count->int64(0, 0), 0);
  ASSERT_TRUE(run_sync(io, pool.query("DROP TABLE pool_tx")));
}

asio::awaitable<Status> abandon_transaction(Pool& pool) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto r = co_await lease->execute("BEGIN; INSERT INTO pool_abandon VALUES (1)"); !r) co_return r.error();
  co_return Status{};  // lease dropped without COMMIT or ROLLBACK
}

TEST(DbPool, LeaseDroppedInsideATransactionIsNotReused) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Pool pool(io, options_for(pg.url(), 1));
  ASSERT_TRUE(run_sync(io, pool.query("CREATE TABLE IF NOT EXISTS pool_abandon (x int)")));
  auto st = run_sync(io, abandon_transaction(pool));
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_EQ(pool.stats().open, 0u);
  auto count = run_sync(io, pool.query("SELECT count(*) FROM pool_abandon"));
  ASSERT_TRUE(count) << count.error().detail;
  EXPECT_EQ(count->int64(0, 0), 0);
  ASSERT_TRUE(run_sync(io, pool.query("DROP TABLE pool_abandon")));
}

TEST(DbPool, CloseFailsLaterCalls) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  Pool pool(io, options_for(pg.url(), 2));
  ASSERT_TRUE(run_sync(io, pool.query("SELECT 1")));
  pool.close();
  EXPECT_EQ(pool.stats().open, 0u);
  auto after = run_sync(io, pool.query("SELECT 1"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, "db.unavailable");
}

}  // namespace
}  // namespace parley::db
