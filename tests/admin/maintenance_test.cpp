// The maintenance task against a real PostgreSQL with the clock moved
// across months: partitions exist ahead, rows land in their month's
// partition, the DEFAULT partition stays empty, retention removes the
// expired conversations (dropping whole partitions where every row expired)
// and nothing else, and one replica runs at a time.

#include "admin/maintenance.hpp"

#include <boost/json.hpp>

#include "admin/lifecycle_fixture.hpp"
#include "db/partitions_repo.hpp"

namespace parley::admin {
namespace {

using namespace std::chrono_literals;
using test::at;
using test::run_sync;

class Maintenance : public test::LifecycleDb {
 protected:
  MaintenanceReport run(const Clock& clock, int retention_days = 0, db::DdlTimeouts timeouts = {}) {
    MaintenanceOptions o;
    o.retention_days = retention_days;
    o.timeouts = timeouts;
    MaintenanceTask task(io_, pool_, clock, o);
    auto report = run_sync(io_, task.run_once());
    if (!report) {
      throw std::runtime_error(std::string(report.error().code) + ": " + report.error().detail);
    }
    return *report;
  }
  Result<MaintenanceReport> try_run(const Clock& clock, int retention_days,
                                    db::DdlTimeouts timeouts) {
    MaintenanceOptions o;
    o.retention_days = retention_days;
    o.timeouts = timeouts;
    MaintenanceTask task(io_, pool_, clock, o);
    return run_sync(io_, task.run_once());
  }
  std::int64_t retention_audits() {
    return count("SELECT count(*) FROM audit_events WHERE type = 'data.retention_deleted'");
  }
  boost::json::object last_retention_audit() {
    return boost::json::parse(scalar("SELECT detail FROM audit_events WHERE type ="
                                     " 'data.retention_deleted' ORDER BY seq DESC LIMIT 1"))
        .as_object();
  }
};

TEST_F(Maintenance, RowsLandInTheirMonthsPartitionAsTheClockMovesAcrossMonths) {
  FakeClock clock(at(2031, 1, 15));
  const std::string u = user("months");
  const std::string c = conversation(u, at(2031, 1, 1), at(2031, 1, 1));
  for (int i = 0; i < 8; ++i) {
    const Month month = month_of(clock.now());
    const MaintenanceReport report = run(clock);
    ASSERT_TRUE(report.ran);
    // The current month and the next two always exist.
    for (int ahead = 0; ahead <= 2; ++ahead) {
      EXPECT_TRUE(has_partition(partition_name(add_months(month, ahead))))
          << partition_name(add_months(month, ahead));
    }
    // First and last instant of the month, and "now".
    const std::int64_t first = month_start(month);
    const std::int64_t last = month_start(add_months(month, 1)) - 1;
    for (std::int64_t t : {first, clock.now_seconds(), last}) {
      EXPECT_EQ(partition_of(message(u, c, t)), partition_name(month));
    }
    EXPECT_EQ(default_rows(), 0);
    // A second run in the same month has nothing to do.
    EXPECT_TRUE(run(clock).partitions_created.empty());
    clock.set(month_start(add_months(month, 1)) + 9 * 86400);
  }
  EXPECT_EQ(messages_of(c), 24);
}

TEST_F(Maintenance, RowsThatReachedTheDefaultPartitionMoveIntoTheirMonth) {
  FakeClock clock(at(2031, 1, 15));
  run(clock);
  const std::string u = user("late");
  const std::string c = conversation(u, at(2030, 3, 1), at(2031, 6, 20));
  // Months without a partition: what weeks of running without the task did.
  const std::string june_a = message(u, c, at(2031, 6, 10), "june a");
  const std::string june_b = message(u, c, at(2031, 6, 20), "june b");
  const std::string march = message(u, c, at(2030, 3, 5), "march, last year");
  const std::string january = message(u, c, at(2031, 1, 20), "january");
  EXPECT_EQ(default_rows(), 3);
  ASSERT_EQ(partition_of(june_a), "messages_default");

  // The clock is still in January: June gets a partition because rows need one.
  const MaintenanceReport report = run(clock);
  EXPECT_EQ(report.rows_moved, 3);
  EXPECT_EQ(default_rows(), 0);
  EXPECT_EQ(partition_of(june_a), "messages_2031_06");
  EXPECT_EQ(partition_of(june_b), "messages_2031_06");
  EXPECT_EQ(partition_of(march), "messages_2030_03");
  EXPECT_EQ(partition_of(january), "messages_2031_01");
  // Moved, not copied: ids and contents as they were, each row once.
  db::Params p{june_b};
  EXPECT_EQ(scalar("SELECT content FROM messages WHERE id = $1", p), "june b");
  EXPECT_EQ(messages_of(c), 4);
  // New rows of those months go straight to their partitions now.
  EXPECT_EQ(partition_of(message(u, c, at(2031, 6, 30))), "messages_2031_06");
  EXPECT_EQ(default_rows(), 0);
}

TEST_F(Maintenance, RetentionDeletesExpiredConversationsAndDropsPartitionsWhollyExpired) {
  FakeClock clock(at(2030, 6, 1));
  const std::string ada = user("ada");
  const std::string grace = user("grace");
  // Expired (last update before the cutoff, 2030-12-15 12:00 for 90 days
  // before 2031-03-15 12:00) and alone in June 2030: the partition goes whole.
  const std::string a = conversation(ada, at(2030, 6, 5), at(2030, 6, 6));
  message(ada, a, at(2030, 6, 5));
  message(ada, a, at(2030, 6, 6), "answer", "assistant");
  // Started in July 2030 and still in use: keeps July's partition.
  const std::string b = conversation(ada, at(2030, 7, 1), at(2031, 3, 1));
  message(ada, b, at(2030, 7, 1));
  message(ada, b, at(2031, 3, 1));
  // Expired, in July too: its rows go one by one.
  const std::string c = conversation(grace, at(2030, 7, 10), at(2030, 7, 11));
  message(grace, c, at(2030, 7, 10));
  message(grace, c, at(2030, 7, 11));
  message(grace, c, at(2030, 7, 11), "answer", "assistant");
  // December 2030 ends after the cutoff: never dropped whole.
  const std::string d = conversation(grace, at(2030, 12, 1), at(2030, 12, 20));  // recent
  message(grace, d, at(2030, 12, 1));
  const std::string e = conversation(ada, at(2030, 12, 2), at(2030, 12, 10));  // expired
  message(ada, e, at(2030, 12, 2));
  // Exactly at the cutoff is kept; a second before it is not.
  const std::int64_t cutoff = at(2031, 3, 15) - 90 * 86400;
  const std::string f = conversation(grace, at(2030, 12, 3), cutoff);
  message(grace, f, at(2030, 12, 3));
  const std::string g = conversation(grace, at(2030, 12, 4), cutoff - 1);
  message(grace, g, at(2030, 12, 4));
  // An empty conversation that expired.
  const std::string h = conversation(ada, at(2030, 8, 1), at(2030, 8, 1));

  // The rows above went to DEFAULT; the first run (retention off) gives them partitions.
  clock.set(at(2031, 3, 15));
  MaintenanceReport moved = run(clock, 0);
  EXPECT_EQ(moved.rows_moved, 11);
  ASSERT_TRUE(has_partition("messages_2030_06"));
  ASSERT_TRUE(has_partition("messages_2030_07"));
  EXPECT_EQ(retention_audits(), 0) << "retention is off at 0 days";
  EXPECT_EQ(count("SELECT count(*) FROM conversations"), 8);

  const MaintenanceReport report = run(clock, 90);
  EXPECT_EQ(report.conversations_deleted, 5);  // a, c, e, g, h
  EXPECT_EQ(report.messages_deleted, 2 + 3 + 1 + 1);
  std::vector<std::string> expected_drops = migration_months_;
  expected_drops.push_back("messages_2030_06");
  EXPECT_EQ(report.partitions_dropped, expected_drops);
  EXPECT_FALSE(has_partition("messages_2030_06"));
  EXPECT_TRUE(has_partition("messages_2030_07")) << "conversation b still has a row there";
  EXPECT_TRUE(has_partition("messages_2030_12"));
  for (const std::string& gone : {a, c, e, g, h}) {
    db::Params p{gone};
    EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE id = $1", p), 0) << gone;
    EXPECT_EQ(messages_of(gone), 0) << gone;
  }
  // Nothing else: every kept conversation has all of its messages.
  EXPECT_EQ(messages_of(b), 2);
  EXPECT_EQ(messages_of(d), 1);
  EXPECT_EQ(messages_of(f), 1);
  EXPECT_EQ(count("SELECT count(*) FROM messages"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM messages_2030_07"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM users"), 2) << "users are not retention's business";

  // One audit row for the run, with the counts.
  ASSERT_EQ(retention_audits(), 1);
  const auto detail = last_retention_audit();
  EXPECT_EQ(detail.at("conversations").as_int64(), 5);
  EXPECT_EQ(detail.at("messages").as_int64(), 7);
  EXPECT_EQ(detail.at("retention_days").as_int64(), 90);
  EXPECT_EQ(detail.at("cutoff").as_string(), iso8601_utc(cutoff));
  EXPECT_EQ(detail.at("partitions_dropped").as_array().size(), expected_drops.size());

  // Again at the same time: nothing left to do, nothing audited.
  const MaintenanceReport again = run(clock, 90);
  EXPECT_EQ(again.conversations_deleted, 0);
  EXPECT_TRUE(again.partitions_dropped.empty());
  EXPECT_EQ(retention_audits(), 1);

  // Three months on, b, d and f expire too; partitions that ended by the
  // new cutoff (2031-03-17) go whole, March's (which ends after it) is
  // emptied row by row.
  clock.set(at(2031, 6, 15));
  const MaintenanceReport later = run(clock, 90);
  EXPECT_EQ(later.conversations_deleted, 3);
  EXPECT_EQ(later.messages_deleted, 4);
  EXPECT_EQ(count("SELECT count(*) FROM messages"), 0);
  EXPECT_FALSE(has_partition("messages_2030_07"));
  EXPECT_FALSE(has_partition("messages_2030_12"));
  EXPECT_TRUE(has_partition("messages_2031_03"));
  EXPECT_TRUE(has_partition("messages_2031_08")) << "partitions ahead are still made";
  EXPECT_EQ(retention_audits(), 2);
}

TEST_F(Maintenance, AnswerStartedInAConversationKeepsItFromRetention) {
  FakeClock clock(at(2031, 3, 15));
  run(clock);
  const std::string u = user("revived");
  const std::string old = conversation(u, at(2030, 1, 1), at(2030, 1, 2));
  message(u, old, at(2030, 1, 1));
  run(clock);  // January 2030 gets its partition
  ASSERT_TRUE(has_partition("messages_2030_01"));
  // The user writes in it again (begin_turn moves updated_at to now).
  db::Params p{old, clock.now_seconds()};
  sql("UPDATE conversations SET updated_at = to_timestamp($2) WHERE id = $1", p);
  const MaintenanceReport report = run(clock, 30);
  EXPECT_EQ(report.conversations_deleted, 0);
  EXPECT_TRUE(has_partition("messages_2030_01"));
  EXPECT_EQ(messages_of(old), 1);
}

TEST_F(Maintenance, OneReplicaAtATime) {
  FakeClock clock(at(2032, 5, 10));
  // Another replica's session holds the lock.
  db::Pool other(io_, options(url_));
  auto holder = run_sync(io_, other.acquire());
  ASSERT_TRUE(holder);
  auto locked = run_sync(io_, db::try_maintenance_lock(*holder));
  ASSERT_TRUE(locked && *locked);

  const MaintenanceReport skipped = run(clock);
  EXPECT_FALSE(skipped.ran);
  EXPECT_FALSE(has_partition("messages_2032_05")) << "the replica without the lock did nothing";

  ASSERT_TRUE(run_sync(io_, db::release_maintenance_lock(*holder)));
  const MaintenanceReport ran = run(clock);
  EXPECT_TRUE(ran.ran);
  EXPECT_TRUE(has_partition("messages_2032_05"));
  EXPECT_TRUE(has_partition("messages_2032_07"));
  // The task gave its lock back: the other replica can take it now.
  auto relocked = run_sync(io_, db::try_maintenance_lock(*holder));
  ASSERT_TRUE(relocked);
  EXPECT_TRUE(*relocked);
  ASSERT_TRUE(run_sync(io_, db::release_maintenance_lock(*holder)));
}

// A /v1 call's slot left by a process that died stops counting after the
// lease; the maintenance run deletes it later. Live slots stay.
TEST_F(Maintenance, DeadStreamSlotsAreSweptAndLiveOnesKept) {
  sql("DELETE FROM api_streams");
  sql("INSERT INTO api_streams (subject_kind, subject, model, started_at, renewed_at) VALUES"
      " ('app', 'dead-app', 'm', now() - interval '1 hour', now() - interval '11 minutes'),"
      " ('user', 'someone', 'm', now() - interval '1 hour', now() - interval '2 minutes'),"
      " ('app', 'live-app', 'm', now(), now())");
  FakeClock clock(at(2032, 5, 10));
  const MaintenanceReport report = run(clock);
  EXPECT_EQ(report.stream_slots_swept, 1);
  EXPECT_EQ(count("SELECT count(*) FROM api_streams WHERE subject = 'dead-app'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM api_streams"), 2);
}

TEST_F(Maintenance, ADropThatCannotGetItsLockIsRetriedByTheNextRun) {
  FakeClock clock(at(2031, 3, 15));
  const std::string u = user("busy");
  const std::string old = conversation(u, at(2030, 5, 1), at(2030, 5, 1));
  message(u, old, at(2030, 5, 1));
  message(u, old, at(2030, 5, 2));
  run(clock);
  ASSERT_TRUE(has_partition("messages_2030_05"));

  // A long reader of messages holds a lock that DROP TABLE must wait for.
  db::Pool other(io_, options(url_));
  auto reader = run_sync(io_, other.acquire());
  ASSERT_TRUE(reader);
  ASSERT_TRUE(run_sync(io_, reader->execute("BEGIN; SELECT count(*) FROM messages")));
  db::DdlTimeouts short_wait;
  short_wait.lock = 200ms;
  auto failed = try_run(clock, 30, short_wait);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().detail.find("55P03") != std::string::npos) << failed.error().detail;
  // The deletion committed with its audit row; the rows wait in their partition.
  EXPECT_EQ(count("SELECT count(*) FROM conversations"), 0);
  EXPECT_TRUE(has_partition("messages_2030_05"));
  ASSERT_EQ(retention_audits(), 1);
  EXPECT_EQ(last_retention_audit().at("messages").as_int64(), 2);

  ASSERT_TRUE(run_sync(io_, reader->execute("COMMIT")));
  const MaintenanceReport retried = run(clock, 30, short_wait);
  ASSERT_FALSE(retried.partitions_dropped.empty());
  EXPECT_EQ(retried.partitions_dropped.back(), "messages_2030_05");
  EXPECT_FALSE(has_partition("messages_2030_05"));
  // Its audit row names the partition and counts no message twice.
  ASSERT_EQ(retention_audits(), 2);
  const auto detail = last_retention_audit();
  EXPECT_EQ(detail.at("conversations").as_int64(), 0);
  EXPECT_EQ(detail.at("messages").as_int64(), 0);
  EXPECT_EQ(detail.at("partitions_dropped").as_array().back().as_string(), "messages_2030_05");
}

}  // namespace
}  // namespace parley::admin
