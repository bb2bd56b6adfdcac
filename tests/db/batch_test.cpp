// Connection::batch (db/batch.hpp): several statements, one round trip,
// the same meaning as one at a time.
#include "db/batch.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "db/audit_repo.hpp"
#include "db/connection.hpp"
#include "db/errors.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
namespace asio = boost::asio;

constexpr Statement kInsert{"batch_test_insert",
                            "INSERT INTO batch_items (k, v) VALUES ($1, $2) RETURNING id"};
constexpr Statement kCount{"batch_test_count", "SELECT count(*) FROM batch_items WHERE k = $1"};
constexpr Statement kLock{"batch_test_lock", "SELECT pg_advisory_xact_lock(4242)"};

class DbBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::shared_temp_postgres().create_database("batch");
    conn_ = connect();
    auto made = run_sync(io_, conn_->execute("CREATE TABLE batch_items (id bigserial PRIMARY KEY,"
                                             " k text NOT NULL, v text UNIQUE)",
                                             5s));
    ASSERT_TRUE(made) << made.error().detail;
  }

  std::unique_ptr<Connection> connect() {
    auto c = run_sync(io_, Connection::connect(io_, url_, 5s));
    if (!c) throw std::runtime_error(c.error().detail);
    return std::move(*c);
  }

  std::int64_t count(const std::string& k) {
    auto other = connect();
    Params params{k};
    auto rows = run_sync(io_, other->prepared(kCount, params, 5s));
    if (!rows) throw std::runtime_error(rows.error().detail);
    return rows->int64(0, 0);
  }

  std::int64_t prepared_statements(Connection& c) {
    auto rows = run_sync(
        io_, c.query("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'batch_test_%'",
                     {}, 5s));
    if (!rows) throw std::runtime_error(rows.error().detail);
    return rows->int64(0, 0);
  }

  asio::io_context io_;
  std::string url_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(DbBatch, RunsATransactionAndReturnsEachStepsRowsInOrder) {
  Batch b;
  b.begin();
  const std::size_t first = b.add(kInsert, Params{"a", "one"});
  const std::size_t second = b.add(kInsert, Params{"a", "two"});
  const std::size_t counted = b.add(kCount, Params{"a"});
  b.commit();
  auto results = run_sync(io_, conn_->batch(b, 5s));
  ASSERT_TRUE(results) << results.error().detail;
  ASSERT_EQ(results->size(), 5u);
  EXPECT_EQ((*results)[0].rows(), 0) << "BEGIN has no rows";
  EXPECT_LT((*results)[first].int64(0, 0), (*results)[second].int64(0, 0));
  EXPECT_EQ((*results)[counted].int64(0, 0), 2) << "a step sees the steps before it";
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_EQ(count("a"), 2) << "committed";

  // Out of pipeline mode again: a plain statement works, and a statement
  // prepared by the batch is not prepared twice.
  EXPECT_EQ(prepared_statements(*conn_), 2);
  Batch again;
  again.add(kInsert, Params{"a", "three"});
  auto more = run_sync(io_, conn_->batch(again, 5s));
  ASSERT_TRUE(more) << more.error().detail;
  EXPECT_EQ(prepared_statements(*conn_), 2);
  EXPECT_EQ(count("a"), 3) << "without BEGIN a batch's statements commit at its Sync";
}

TEST_F(DbBatch, AFailingStepReportsItsErrorAndTheRestIsSkipped) {
  Batch setup;
  setup.add(kInsert, Params{"b", "taken"});
  ASSERT_TRUE(run_sync(io_, conn_->batch(setup, 5s)));

  Batch b;
  b.begin();
  b.add(kInsert, Params{"b", "fresh"});
  b.add(kInsert, Params{"b", "taken"});  // unique violation
  b.add(kInsert, Params{"b", "after"});
  b.commit();
  auto results = run_sync(io_, conn_->batch(b, 5s));
  ASSERT_FALSE(results);
  EXPECT_TRUE(results.error().is(errc::db::unique_violation)) << results.error().code;
  EXPECT_FALSE(conn_->broken()) << "an SQL error keeps the connection";
  EXPECT_TRUE(conn_->in_transaction()) << "the explicit transaction is left aborted";
  auto rolled = run_sync(io_, conn_->execute("ROLLBACK", 5s));
  ASSERT_TRUE(rolled) << rolled.error().detail;
  EXPECT_EQ(count("b"), 1) << "nothing of the failed transaction stays";

  auto plain = run_sync(io_, conn_->query("SELECT 7", {}, 5s));
  ASSERT_TRUE(plain) << plain.error().detail;
  EXPECT_EQ(plain->int64(0, 0), 7);
}

// The rule the quota gates rely on: a step after a lock reads with a
// snapshot taken after the lock was granted, so it sees what the lock's
// previous holder committed.
TEST_F(DbBatch, AStepAfterALockSeesWhatThePreviousHolderCommitted) {
  auto holder = connect();
  ASSERT_TRUE(run_sync(io_, holder->execute("BEGIN", 5s)));
  ASSERT_TRUE(run_sync(io_, holder->prepared(kLock, {}, 5s)));

  Batch b;
  b.begin();
  b.add(kLock, {});
  const std::size_t counted = b.add(kCount, Params{"c"});
  b.commit();
  std::optional<Result<std::vector<Rows>>> outcome;
  asio::co_spawn(io_, conn_->batch(b, 10s), [&](std::exception_ptr, Result<std::vector<Rows>> r) {
    outcome.emplace(std::move(r));
  });
  // The batch waits for the lock while the holder inserts and commits.
  ASSERT_FALSE(test::run_until(io_, [&] { return outcome.has_value(); }, 300ms));
  Params params{"c", "by the holder"};
  ASSERT_TRUE(run_sync(io_, holder->prepared(kInsert, params, 5s)));
  ASSERT_TRUE(run_sync(io_, holder->execute("COMMIT", 5s)));
  ASSERT_TRUE(test::run_until(io_, [&] { return outcome.has_value(); }, 10s));
  ASSERT_TRUE(*outcome) << outcome->error().detail;
  EXPECT_EQ((**outcome)[counted].int64(0, 0), 1);
}

TEST_F(DbBatch, GenericPlansArePreferredToTheEndOfTheTransactionOnly) {
  const Statement show{{}, "SHOW plan_cache_mode"};
  Batch b;
  b.begin();
  b.prefer_generic_plans();
  const std::size_t inside = b.add(show, {});
  b.commit();
  auto results = run_sync(io_, conn_->batch(b, 5s));
  ASSERT_TRUE(results) << results.error().detail;
  EXPECT_EQ((*results)[inside].text(0, 0), "force_generic_plan");
  auto after = run_sync(io_, conn_->query("SHOW plan_cache_mode", {}, 5s));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->text(0, 0), "auto") << "the pooled connection keeps its defaults";
}

TEST_F(DbBatch, AnAuditAppendOutsideATransactionIsRefusedBeforeAnythingIsSent) {
  AuditEntry entry;
  entry.type = "test.batch";
  Batch b;
  append_audit(b, entry);
  auto results = run_sync(io_, conn_->batch(b, 5s));
  ASSERT_FALSE(results);
  EXPECT_TRUE(results.error().is(errc::db::audit_outside_transaction)) << results.error().code;
  EXPECT_TRUE(conn_->failed_before_send());
  EXPECT_FALSE(conn_->broken());
}

TEST_F(DbBatch, ANulInAnyParameterIsRefusedBeforeAnythingIsSent) {
  Batch b;
  b.add(kInsert, Params{"d", "fine"});
  b.add(kInsert, Params{"d", std::string("cut\0here", 8)});
  auto results = run_sync(io_, conn_->batch(b, 5s));
  ASSERT_FALSE(results);
  EXPECT_TRUE(results.error().is(errc::db::bad_parameter)) << results.error().code;
  EXPECT_TRUE(conn_->failed_before_send());
  EXPECT_EQ(count("d"), 0) << "not even the first step ran";
}

TEST_F(DbBatch, ABatchPastItsDeadlineTimesOutAndBreaksTheConnection) {
  Batch b;
  b.add(Statement{{}, "SELECT pg_sleep(5)"}, {});
  auto results = run_sync(io_, conn_->batch(b, 200ms));
  ASSERT_FALSE(results);
  EXPECT_TRUE(results.error().is(errc::db::timeout)) << results.error().code;
  EXPECT_TRUE(conn_->broken());
}

}  // namespace
}  // namespace parley::db
