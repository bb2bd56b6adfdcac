#include "db/pipeline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>

#include "db/pool.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
using test::run_until;
namespace asio = boost::asio;

constexpr Statement kDouble{"pipeline_double", "SELECT $1::int * 2, pg_backend_pid()"};
constexpr Statement kEcho{"pipeline_echo", "SELECT $1::text"};
constexpr Statement kDivide{"pipeline_divide", "SELECT 100 / $1::int"};
constexpr Statement kSleep{"pipeline_sleep", "SELECT pg_sleep($1::float8)"};
constexpr Statement kBroken{"pipeline_broken", "SELECT * FROM no_such_table_anywhere"};

std::shared_ptr<Pipeline> start_pipeline(asio::io_context& io, const std::string& url) {
  auto connection = run_sync(io, Connection::connect(io, url, 5s));
  if (!connection) throw std::runtime_error(connection.error().detail);
  auto pipeline = Pipeline::start(std::move(*connection));
  if (!pipeline) throw std::runtime_error(pipeline.error().detail);
  return *pipeline;
}

// The placeholder of a statement that has not finished.
inline constexpr ErrorCode kPending{Kind::internal, "test.pending"};

// The outcome of one statement started with co_spawn.
struct Outcome {
  bool done = false;
  Result<Rows> rows = Error(kPending);
};

asio::awaitable<void> submit(Pipeline& p, Statement st, Params params, Outcome* out,
                             std::chrono::milliseconds timeout = 10s) {
  out->rows = co_await p.prepared(st, params, timeout);
  out->done = true;
}

asio::awaitable<void> submit_read(Pool& pool, Statement st, Params params, Outcome* out) {
  out->rows = co_await pool.read(st, std::move(params));
  out->done = true;
}

bool all_done(const std::vector<Outcome>& outcomes) {
  for (const Outcome& o : outcomes) {
    if (!o.done) return false;
  }
  return true;
}

std::string describe(const Result<Rows>& r) {
  return r ? "ok" : std::string(r.error().code) + ": " + r.error().detail;
}

TEST(DbPipeline, ConcurrentStatementsShareSyncsAndGetTheirOwnResultsInOrder) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  constexpr int kCount = 500;
  std::vector<Outcome> outcomes(kCount);
  for (int i = 0; i < kCount; ++i) {
    // Two statements interleaved (each prepared on first use, mid-batch).
    if (i % 2 == 0) {
      Params params{i};
      asio::co_spawn(io, submit(*pipeline, kDouble, params, &outcomes[i]), asio::detached);
    } else {
      Params params{"v" + std::to_string(i)};
      asio::co_spawn(io, submit(*pipeline, kEcho, params, &outcomes[i]), asio::detached);
    }
  }
  ASSERT_TRUE(run_until(
      io, [&] { return all_done(outcomes); }, 30s));
  std::set<std::int64_t> backends;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(outcomes[i].rows) << i << ": " << describe(outcomes[i].rows);
    const Rows& rows = *outcomes[i].rows;
    ASSERT_EQ(rows.rows(), 1);
    if (i % 2 == 0) {
      EXPECT_EQ(rows.int64(0, 0), 2 * i);
      backends.insert(rows.int64(0, 1));
    } else {
      EXPECT_EQ(rows.text(0, 0), "v" + std::to_string(i));
    }
  }
  EXPECT_EQ(backends.size(), 1u);
  // Submitted in the same turn of the event loop: a handful of Syncs, not
  // one per statement.
  EXPECT_LE(pipeline->syncs_sent(), 5u);
  EXPECT_EQ(pipeline->in_flight(), 0u);
  EXPECT_FALSE(pipeline->broken());
}

// Batches submitted while earlier ones are still in flight (one per turn
// of the event loop) keep their order and their own results.
asio::awaitable<void> submit_in_waves(Pipeline& p, std::vector<Outcome>* outcomes, int waves,
                                      int per_wave) {
  auto executor = co_await asio::this_coro::executor;
  for (int w = 0; w < waves; ++w) {
    for (int k = 0; k < per_wave; ++k) {
      const int i = w * per_wave + k;
      Params params{i};
      asio::co_spawn(executor, submit(p, kDouble, params, &(*outcomes)[i]), asio::detached);
    }
    co_await asio::post(executor, asio::use_awaitable);  // the next turn
  }
}

TEST(DbPipeline, OverlappingBatchesEachGetTheirOwnSyncAndResults) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  constexpr int kWaves = 40;
  constexpr int kPerWave = 7;
  std::vector<Outcome> outcomes(kWaves * kPerWave);
  asio::co_spawn(io, submit_in_waves(*pipeline, &outcomes, kWaves, kPerWave), asio::detached);
  ASSERT_TRUE(run_until(
      io, [&] { return all_done(outcomes); }, 30s));
  for (int i = 0; i < kWaves * kPerWave; ++i) {
    ASSERT_TRUE(outcomes[i].rows) << i << ": " << describe(outcomes[i].rows);
    EXPECT_EQ(outcomes[i].rows->int64(0, 0), 2 * i);
  }
  // More than one Sync: later waves went out while earlier ones waited.
  EXPECT_GT(pipeline->syncs_sent(), 1u);
  EXPECT_LE(pipeline->syncs_sent(), static_cast<std::uint64_t>(kWaves));
  EXPECT_FALSE(pipeline->broken());
}

TEST(DbPipeline, AFailingStatementFailsAloneAndSkipsOnlyItsBatch) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  std::vector<Outcome> outcomes(3);
  Params ok_before{1};
  Params zero{0};
  Params ok_after{4};
  asio::co_spawn(io, submit(*pipeline, kDivide, ok_before, &outcomes[0]), asio::detached);
  asio::co_spawn(io, submit(*pipeline, kDivide, zero, &outcomes[1]), asio::detached);
  asio::co_spawn(io, submit(*pipeline, kDivide, ok_after, &outcomes[2]), asio::detached);
  ASSERT_TRUE(run_until(
      io, [&] { return all_done(outcomes); }, 10s));
  ASSERT_TRUE(outcomes[0].rows) << describe(outcomes[0].rows);
  EXPECT_EQ(outcomes[0].rows->int64(0, 0), 100);
  ASSERT_FALSE(outcomes[1].rows);
  EXPECT_EQ(outcomes[1].rows.error().code, "db.query");
  EXPECT_NE(outcomes[1].rows.error().detail.find("22012"), std::string::npos)
      << outcomes[1].rows.error().detail;
  ASSERT_FALSE(outcomes[2].rows);
  EXPECT_EQ(outcomes[2].rows.error().code, "db.pipeline_aborted");

  // The pipeline is still usable, and the next batch is unaffected.
  EXPECT_FALSE(pipeline->broken());
  Params again{4};
  auto rows = run_sync(io, pipeline->prepared(kDivide, again, 5s));
  ASSERT_TRUE(rows) << describe(rows);
  EXPECT_EQ(rows->int64(0, 0), 25);
}

TEST(DbPipeline, AFailedPrepareReportsItsOwnErrorEachTime) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto rows = run_sync(io, pipeline->prepared(kBroken, Params{}, 5s));
    ASSERT_FALSE(rows);
    EXPECT_EQ(rows.error().code, "db.query");
    // 42P01 undefined_table, not "prepared statement does not exist".
    EXPECT_NE(rows.error().detail.find("42P01"), std::string::npos) << rows.error().detail;
  }
  Params params{"still fine"};
  auto rows = run_sync(io, pipeline->prepared(kEcho, params, 5s));
  ASSERT_TRUE(rows) << describe(rows);
  EXPECT_EQ(rows->text(0, 0), "still fine");
}

TEST(DbPipeline, ANulParameterIsRefusedBeforeAnythingIsSent) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  Params params{std::string("a\0b", 3)};
  auto rows = run_sync(io, pipeline->prepared(kEcho, params, 5s));
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, "db.bad_parameter");
  EXPECT_FALSE(pipeline->broken());
  EXPECT_EQ(pipeline->syncs_sent(), 0u);
}

TEST(DbPipeline, ADeadlineBreaksThePipelineAndFailsWhatWaitsBehindIt) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  std::vector<Outcome> outcomes(2);
  Params slow{"30"};
  Params quick{"behind"};
  asio::co_spawn(io, submit(*pipeline, kSleep, slow, &outcomes[0], 200ms), asio::detached);
  asio::co_spawn(io, submit(*pipeline, kEcho, quick, &outcomes[1], 10s), asio::detached);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return all_done(outcomes); }, 20s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s) << "the deadline, not the 30 s sleep";
  ASSERT_FALSE(outcomes[0].rows);
  EXPECT_EQ(outcomes[0].rows.error().code, "db.timeout");
  ASSERT_FALSE(outcomes[1].rows);
  EXPECT_EQ(outcomes[1].rows.error().code, "db.unavailable");
  EXPECT_TRUE(pipeline->broken());
  auto later = run_sync(io, pipeline->prepared(kEcho, quick, 5s));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, "db.unavailable");
}

TEST(DbPipeline, DestroyingThePipelineFailsPendingStatements) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto pipeline = start_pipeline(io, pg.url());
  std::vector<Outcome> outcomes(1);
  Params slow{"2"};
  asio::co_spawn(io, submit(*pipeline, kSleep, slow, &outcomes[0]), asio::detached);
  ASSERT_TRUE(run_until(
      io, [&] { return pipeline->in_flight() == 1 && pipeline->syncs_sent() == 1; }, 5s));
  pipeline.reset();
  ASSERT_TRUE(run_until(
      io, [&] { return all_done(outcomes); }, 1s));
  ASSERT_FALSE(outcomes[0].rows);
  EXPECT_EQ(outcomes[0].rows.error().code, "db.unavailable");
}

// A pool on the shared test cluster; open_pipeline() waits until its shared
// read connection is ready.
class DbPoolRead : public ::testing::Test {
 protected:
  explicit DbPoolRead(bool pipelined = true) {
    PoolOptions o;
    o.url = pg_.url();
    o.max_connections = 2;
    o.pipelined_reads = pipelined;
    pool_ = std::make_unique<Pool>(io_, o);
  }

  // The backend process that answers a read.
  std::int64_t backend() {
    Params params{1};
    auto rows = run_sync(io_, pool_->read(kDouble, params));
    if (!rows) throw std::runtime_error(rows.error().detail);
    return rows->int64(0, 1);
  }
  // The first read opens the pipeline in the background and is answered by
  // a pooled connection meanwhile.
  void open_pipeline() {
    (void)backend();
    ASSERT_TRUE(run_until(
        io_, [&] { return pool_->stats().pipeline; }, 5s));
  }
  void read_all(Statement st, const std::vector<Params>& params, std::vector<Outcome>& outcomes,
                std::chrono::milliseconds timeout) {
    outcomes.resize(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      asio::co_spawn(io_, submit_read(*pool_, st, params[i], &outcomes[i]), asio::detached);
    }
    ASSERT_TRUE(run_until(
        io_, [&] { return all_done(outcomes); }, timeout));
  }

  testing::TempPostgres& pg_ = testing::shared_temp_postgres();
  asio::io_context io_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(DbPoolRead, ReadsShareThePipelinedConnectionOnceItIsOpen) {
  open_pipeline();
  std::vector<Params> params;
  for (int i = 0; i < 200; ++i) params.push_back(Params{i});
  std::vector<Outcome> outcomes;
  read_all(kDouble, params, outcomes, 30s);
  std::set<std::int64_t> backends;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(outcomes[i].rows) << describe(outcomes[i].rows);
    EXPECT_EQ(outcomes[i].rows->int64(0, 0), 2 * i);
    backends.insert(outcomes[i].rows->int64(0, 1));
  }
  EXPECT_EQ(backends.size(), 1u);
  // No pooled connection was needed beyond the first read's.
  EXPECT_LE(pool_->stats().open, 1u);
}

TEST_F(DbPoolRead, InnocentStatementsOfAFailedBatchAreSentAgain) {
  open_pipeline();
  const int divisors[] = {1, 0, 2, 0, 5};
  std::vector<Params> params;
  for (int d : divisors) params.push_back(Params{d});
  std::vector<Outcome> outcomes;
  read_all(kDivide, params, outcomes, 10s);
  for (int i = 0; i < 5; ++i) {
    if (divisors[i] == 0) {
      ASSERT_FALSE(outcomes[i].rows);
      EXPECT_EQ(outcomes[i].rows.error().code, "db.query");
    } else {
      ASSERT_TRUE(outcomes[i].rows) << i << ": " << describe(outcomes[i].rows);
      EXPECT_EQ(outcomes[i].rows->int64(0, 0), 100 / divisors[i]);
    }
  }
}

TEST_F(DbPoolRead, ALostConnectionIsReplacedAndTheReadRetried) {
  open_pipeline();
  const std::int64_t pipelined = backend();
  Params victim{pipelined};
  auto killed = run_sync(io_, pool_->query("SELECT pg_terminate_backend($1::int)", victim));
  ASSERT_TRUE(killed) << describe(killed);
  ASSERT_TRUE(killed->boolean(0, 0));
  // Whatever the timing of the server's goodbye, the caller sees an answer.
  EXPECT_NE(backend(), pipelined);
  ASSERT_TRUE(run_until(
      io_, [&] { return pool_->stats().pipeline; }, 5s));
  EXPECT_NE(backend(), pipelined);
}

TEST_F(DbPoolRead, ADatabaseRestartIsAnsweredAtOnce) {
  open_pipeline();
  (void)backend();
  pg_.restart();
  const auto started = std::chrono::steady_clock::now();
  Params params{21};
  auto rows = run_sync(io_, pool_->read(kDouble, params));
  ASSERT_TRUE(rows) << describe(rows);
  EXPECT_EQ(rows->int64(0, 0), 42);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "not the 15 s statement deadline";
}

class DbPoolReadUnpipelined : public DbPoolRead {
 protected:
  DbPoolReadUnpipelined() : DbPoolRead(false) {}
};

TEST_F(DbPoolReadUnpipelined, ReadsUsePooledConnections) {
  (void)backend();
  (void)backend();
  EXPECT_FALSE(pool_->stats().pipeline);
  EXPECT_EQ(pool_->stats().open, 1u);
}

TEST_F(DbPoolRead, CloseFailsReadsWaitingInThePipeline) {
  open_pipeline();
  std::vector<Outcome> outcomes(1);
  Params slow{"2"};
  asio::co_spawn(io_, submit_read(*pool_, kSleep, slow, &outcomes[0]), asio::detached);
  ASSERT_TRUE(run_until(
      io_, [&] { return pool_->stats().pipelined == 1; }, 5s));
  pool_->close();
  ASSERT_TRUE(run_until(
      io_, [&] { return all_done(outcomes); }, 1s));
  ASSERT_FALSE(outcomes[0].rows);
  EXPECT_EQ(outcomes[0].rows.error().code, "db.unavailable");
}

}  // namespace
}  // namespace parley::db
