#include "db/migrations.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

#include "db/pool.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
using test::run_until;
namespace asio = boost::asio;

TEST(DbMigrations, EmbeddedAreSortedAndVersioned) {
  auto list = embedded_migrations();
  ASSERT_GE(list.size(), 1u);
  EXPECT_EQ(list[0].version, 1);
  EXPECT_EQ(list[0].name, "001_init.sql");
  EXPECT_NE(list[0].sql.find("CREATE TABLE users"), std::string_view::npos);
  for (std::size_t i = 1; i < list.size(); ++i) EXPECT_LT(list[i - 1].version, list[i].version);
  EXPECT_EQ(migration_checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DbMigrations, FourConcurrentMigratorsApplyEachOnce) {
  auto& pg = testing::shared_temp_postgres();
  const std::string url = pg.create_database("migrate_race");
  asio::io_context io;
  std::vector<std::unique_ptr<Pool>> pools;
  for (int i = 0; i < 4; ++i) {
    PoolOptions o;
    o.url = url;
    o.max_connections = 1;
    pools.push_back(std::make_unique<Pool>(io, o));
  }
  int done = 0;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    asio::co_spawn(io, migrate(*pools[i]), [&, i](std::exception_ptr, Status st) {
      results[i] = st;
      ++done;
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return done == 4; }, 60s));
  for (const auto& r : results) EXPECT_TRUE(r) << r.error().code << " " << r.error().detail;

  auto rows = run_sync(io, pools[0]->query("SELECT version, count(*) FROM schema_migrations GROUP BY version"));
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows(), static_cast<int>(embedded_migrations().size()));
  for (int r = 0; r < rows->rows(); ++r) EXPECT_EQ(rows->int64(r, 1), 1);

  auto status = run_sync(io, migration_status(*pools[1]));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->pending, 0);
  EXPECT_EQ(status->applied, embedded_migrations().back().version);
  EXPECT_EQ(status->latest_known, status->applied);

  // Idempotent: a second run applies nothing and succeeds.
  EXPECT_TRUE(run_sync(io, migrate(*pools[2])));
}

TEST(DbMigrations, StatusCountsPendingBeforeAnyRun) {
  auto& pg = testing::shared_temp_postgres();
  const std::string url = pg.create_database("migrate_status");
  asio::io_context io;
  PoolOptions o;
  o.url = url;
  Pool pool(io, o);
  auto status = run_sync(io, migration_status(pool));
  ASSERT_TRUE(status) << status.error().detail;
  EXPECT_EQ(status->applied, 0);
  EXPECT_EQ(status->pending, static_cast<int>(embedded_migrations().size()));
}

TEST(DbMigrations, ChangedMigrationIsRefused) {
  auto& pg = testing::shared_temp_postgres();
  const std::string url = pg.create_database("migrate_checksum");
  asio::io_context io;
  PoolOptions o;
  o.url = url;
  Pool pool(io, o);
  const std::vector<Migration> v1{{1, "001_a.sql", "CREATE TABLE a (x int);"}};
  ASSERT_TRUE(run_sync(io, migrate(pool, v1)));
  const std::vector<Migration> edited{{1, "001_a.sql", "CREATE TABLE a (x bigint);"},
                                      {2, "002_b.sql", "CREATE TABLE b (x int);"}};
  auto st = run_sync(io, migrate(pool, edited));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "db.migration_checksum");
  // Nothing new was applied.
  auto b = run_sync(io, pool.query("SELECT to_regclass('b') IS NULL"));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->boolean(0, 0));
}

TEST(DbMigrations, FailingMigrationRollsBackAndNamesTheFile) {
  auto& pg = testing::shared_temp_postgres();
  const std::string url = pg.create_database("migrate_fail");
  asio::io_context io;
  PoolOptions o;
  o.url = url;
  Pool pool(io, o);
  const std::vector<Migration> list{{1, "001_ok.sql", "CREATE TABLE ok (x int);"},
                                    {2, "002_bad.sql", "CREATE TABLE half (x int); SELECT * FROM nope;"}};
  auto st = run_sync(io, migrate(pool, list));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "db.query");
  EXPECT_NE(st.error().detail.find("002_bad.sql"), std::string::npos);
  auto rows = run_sync(io, pool.query("SELECT to_regclass('ok') IS NOT NULL, to_regclass('half') IS NULL, "
                                      "(SELECT count(*) FROM schema_migrations)"));
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->boolean(0, 0));
  EXPECT_TRUE(rows->boolean(0, 1));
  EXPECT_EQ(rows->int64(0, 2), 1);
}

}  // namespace
}  // namespace parley::db
