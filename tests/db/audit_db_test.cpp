// The audit trail on a real PostgreSQL: the chain trigger and the C++
// verifier agree, appends are gapless and linear (also from 4 processes at
// once), tampering around the triggers is found, the rows of the previous
// release are carried over, and the runtime role's grants keep the table
// append-only.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "db/audit_repo.hpp"
#include "db/errors.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db_test_util.hpp"
#include "support/child_process.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
namespace asio = boost::asio;
namespace json = boost::json;

class AuditDb : public ::testing::Test {
 protected:
  // A fresh database per test: tampering breaks a chain for good.
  void SetUp() override { open(test::migrated_database("audit")); }

  void open(const std::string& url) {
    url_ = url;
    pool_.reset();
    PoolOptions o;
    o.url = url;
    o.max_connections = 4;
    pool_ = std::make_unique<Pool>(io_, o);
  }
  Pool& pool() { return *pool_; }

  Rows sql(const std::string& text, Params params = {}) {
    auto rows = run_sync(io_, pool().query(text, std::move(params)));
    if (!rows) throw std::runtime_error(text + ": " + rows.error().detail);
    return std::move(*rows);
  }
  std::string scalar(const std::string& text) { return std::string(sql(text).text(0, 0)); }
  // Several statements on one connection (superuser tampering).
  void script(const std::string& text) {
    auto lease = run_sync(io_, pool().acquire());
    ASSERT_TRUE(lease);
    auto r = run_sync(io_, lease->execute(text));
    ASSERT_TRUE(r) << text << ": " << r.error().detail;
  }
  std::int64_t append(const std::string& type, json::object detail = {}) {
    AuditEntry e;
    e.type = type;
    e.actor = UserId{"a1b2c3d4-0000-4000-8000-000000000001"};
    e.ip = "192.0.2.7";
    e.detail = std::move(detail);
    auto seq = run_sync(io_, append_audit(pool(), e));
    if (!seq) throw std::runtime_error(seq.error().detail);
    return *seq;
  }
  void append_n(int n) {
    for (int i = 0; i < n; ++i) append("test.event", json::object{{"i", i}});
  }
  AuditChainReport verify() {
    auto report = run_sync(io_, verify_audit_chain(pool(), 3));  // small batches: several pages
    if (!report) throw std::runtime_error(report.error().detail);
    return *report;
  }
  void expect_broken_at(std::int64_t seq, AuditChainBreak::Reason reason) {
    const auto report = verify();
    ASSERT_TRUE(report.broken.has_value()) << "intact with " << report.count << " rows";
    EXPECT_EQ(report.broken->seq, seq);
    EXPECT_EQ(report.broken->reason, reason) << to_string(report.broken->reason);
  }

  asio::io_context io_;
  std::string url_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(AuditDb, TriggerAndVerifierAgreeOnAwkwardValues) {
  append("a.b", json::object{{"quote", "\"'\\"}, {"newline", "a\nb\tc"}, {"unicode", "é中🙂"},
                             {"nested", json::object{{"list", json::array{1, 2.5, nullptr}}}},
                             {"big", 12345678901234LL}, {"empty", ""}});
  AuditEntry nulls;
  nulls.type = "x";
  run_sync(io_, append_audit(pool(), nulls)).value();
  AuditEntry empties;
  empties.type = "x.y_z.w9";
  empties.ip = "";
  empties.subject = UserId{"subject-ü"};
  run_sync(io_, append_audit(pool(), empties)).value();
  append("z", json::object{{"long", std::string(70000, 'x')}});

  const auto report = verify();
  EXPECT_FALSE(report.broken.has_value()) << report.broken->seq;
  EXPECT_EQ(report.count, 4);
  EXPECT_EQ(report.head_seq, 4);
  EXPECT_EQ(report.head_hash, scalar("SELECT encode(hash, 'hex') FROM audit_events WHERE seq = 4"));
  // The row stores what was given, and the database's own clock.
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE seq = 1 AND type = 'a.b' AND ip = "
                   "'192.0.2.7' AND actor = 'a1b2c3d4-0000-4000-8000-000000000001' AND "
                   "detail->>'unicode' = 'é中🙂' AND at <= clock_timestamp()"),
            "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE seq = 2 AND actor IS NULL AND "
                   "subject IS NULL AND ip IS NULL AND detail = '{}'"),
            "1");
}

TEST_F(AuditDb, SeqIsGaplessAndRollsBackWithTheChange) {
  EXPECT_EQ(append("one"), 1);
  {
    auto lease = run_sync(io_, pool().acquire());
    ASSERT_TRUE(lease);
    ASSERT_TRUE(run_sync(io_, lease->execute("BEGIN")));
    ASSERT_TRUE(run_sync(io_, lease->query(
                                  "INSERT INTO users (tenant_id, object_id) VALUES ('t', 'rolled-back')")));
    AuditEntry e;
    e.type = "user.created";
    auto seq = run_sync(io_, append_audit(*lease, e));
    ASSERT_TRUE(seq) << seq.error().detail;
    EXPECT_EQ(*seq, 2);
    ASSERT_TRUE(run_sync(io_, lease->execute("ROLLBACK")));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE object_id = 'rolled-back'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'user.created'"), "0");
  EXPECT_EQ(append("two"), 2) << "a rolled-back append leaves no gap";
  EXPECT_FALSE(verify().broken.has_value());
}

TEST_F(AuditDb, InTransactionAppendRefusesALeaseWithoutATransaction) {
  auto lease = run_sync(io_, pool().acquire());
  ASSERT_TRUE(lease);
  AuditEntry e;
  e.type = "x";
  auto seq = run_sync(io_, append_audit(*lease, e));
  ASSERT_FALSE(seq);
  EXPECT_TRUE(seq.error().is(errc::db::audit_outside_transaction));
  EXPECT_FALSE(run_sync(io_, set_audit_actor(*lease, UserId{"u"})));
}

TEST_F(AuditDb, AppendingNeedsReadCommitted) {
  auto lease = run_sync(io_, pool().acquire());
  ASSERT_TRUE(lease);
  ASSERT_TRUE(run_sync(io_, lease->execute("BEGIN ISOLATION LEVEL REPEATABLE READ")));
  AuditEntry e;
  e.type = "x";
  auto seq = run_sync(io_, append_audit(*lease, e));
  ASSERT_FALSE(seq);
  EXPECT_NE(seq.error().detail.find("READ COMMITTED"), std::string::npos) << seq.error().detail;
  ASSERT_TRUE(run_sync(io_, lease->execute("ROLLBACK")));
}

TEST_F(AuditDb, RevocationsAreChainedWithTheActorOfTheirTransaction) {
  sql("INSERT INTO users (id, tenant_id, object_id) VALUES "
      "('11111111-1111-4111-8111-111111111111', 't', 'o')");
  sql("INSERT INTO sessions (id, user_id, expires_at) VALUES "
      "('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', "
      "now() + interval '1 hour')");
  append("before");
  {
    auto lease = run_sync(io_, pool().acquire());
    ASSERT_TRUE(lease);
    ASSERT_TRUE(run_sync(io_, lease->execute("BEGIN")));
    ASSERT_TRUE(run_sync(io_, set_audit_actor(*lease, UserId{"admin-id"})));
    ASSERT_TRUE(run_sync(io_, lease->execute(
                                  "UPDATE users SET disabled_at = now() WHERE object_id = 'o'")));
    ASSERT_TRUE(run_sync(io_, lease->execute("COMMIT")));
  }
  auto row = sql("SELECT seq, actor, subject, detail->>'session_id', detail->>'reason' "
                 "FROM audit_events WHERE type = 'session.revoked'");
  ASSERT_EQ(row.rows(), 1);
  EXPECT_EQ(row.int64(0, 0), 2);
  EXPECT_EQ(row.text(0, 1), "admin-id");
  EXPECT_EQ(row.text(0, 2), "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(row.text(0, 3), "22222222-2222-4222-8222-222222222222");
  EXPECT_EQ(row.text(0, 4), "user_disabled");
  // Outside such a transaction the actor is unknown, not left over.
  sql("INSERT INTO sessions (id, user_id, expires_at) VALUES "
      "('33333333-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', "
      "now() + interval '1 hour')");
  sql("UPDATE sessions SET revoked_at = now(), revoke_reason = 'sign_out' "
      "WHERE id = '33333333-2222-4222-8222-222222222222'");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'session.revoked' AND "
                   "actor IS NULL AND detail->>'reason' = 'sign_out'"),
            "1");
  EXPECT_FALSE(verify().broken.has_value());
}

TEST_F(AuditDb, ListFiltersNewestFirst) {
  append("sign_in.success");
  append("sign_in.failure");
  append("sign_in_other");
  append("sign_out");
  auto lease = run_sync(io_, pool().acquire());
  ASSERT_TRUE(lease);
  AuditFilter f;
  f.type = "sign_in";
  auto items = run_sync(io_, list_audit(*lease, f, 10));
  ASSERT_TRUE(items) << items.error().detail;
  ASSERT_EQ(items->size(), 2u) << "sign_in matches sign_in.*, not sign_in_other";
  EXPECT_EQ((*items)[0].type, "sign_in.failure");
  EXPECT_EQ((*items)[1].type, "sign_in.success");
  EXPECT_EQ((*items)[0].hash.size(), 64u);

  AuditFilter page;
  page.before_seq = 3;
  auto older = run_sync(io_, list_audit(*lease, page, 1));
  ASSERT_TRUE(older);
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].seq, 2);

  AuditFilter window;
  window.from = "2000-01-01 00:00:00+00";
  window.to = "2000-01-02 00:00:00+00";
  auto none = run_sync(io_, list_audit(*lease, window, 10));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  AuditFilter who;
  who.actor = "a1b2c3d4-0000-4000-8000-000000000001";
  who.subject = "nobody";
  auto nobody = run_sync(io_, list_audit(*lease, who, 10));
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->empty());
}

// ---- Tampering by a superuser, around the triggers.

TEST_F(AuditDb, AnEditedRowIsFoundWithTriggersBypassed) {
  append_n(6);
  script("SET session_replication_role = replica;"
         "UPDATE audit_events SET detail = '{\"i\": 99}' WHERE seq = 4;"
         "SET session_replication_role = origin");
  expect_broken_at(4, AuditChainBreak::Reason::hash_mismatch);
}

TEST_F(AuditDb, AnEditedRowIsFoundWithTriggersDisabled) {
  append_n(6);
  script("ALTER TABLE audit_events DISABLE TRIGGER ALL;"
         "UPDATE audit_events SET ip = '10.9.9.9' WHERE seq = 2;"
         "ALTER TABLE audit_events ENABLE TRIGGER ALL");
  expect_broken_at(2, AuditChainBreak::Reason::hash_mismatch);
}

TEST_F(AuditDb, AnEditedRowWhoseHashWasRecomputedBreaksTheNextRow) {
  append_n(6);
  script("SET session_replication_role = replica;"
         "UPDATE audit_events a SET type = 'forged', hash = sha256(p.hash || "
         "parley_audit_canonical(a.seq, a.at, 'forged', a.actor, a.subject, a.ip, a.detail)) "
         "FROM audit_events p WHERE a.seq = 3 AND p.seq = 2;"
         "SET session_replication_role = origin");
  expect_broken_at(4, AuditChainBreak::Reason::hash_mismatch);
}

TEST_F(AuditDb, ADeletedRowIsFound) {
  append_n(6);
  script("SET session_replication_role = replica;"
         "DELETE FROM audit_events WHERE seq = 5;"
         "SET session_replication_role = origin");
  expect_broken_at(5, AuditChainBreak::Reason::missing);
}

TEST_F(AuditDb, ReorderedRowsAreFound) {
  append_n(6);
  script("SET session_replication_role = replica;"
         "UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3);"
         "UPDATE audit_events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0;"
         "SET session_replication_role = origin");
  expect_broken_at(2, AuditChainBreak::Reason::hash_mismatch);
}

TEST_F(AuditDb, AForgedRowIsFound) {
  append_n(3);
  script("SET session_replication_role = replica;"
         "INSERT INTO audit_events (seq, at, type, detail, hash) "
         "VALUES (4, now(), 'forged', '{}', sha256('x'::bytea));"
         "SET session_replication_role = origin");
  expect_broken_at(4, AuditChainBreak::Reason::hash_mismatch);
}

// ---- The rows of the previous release.

TEST(AuditMigration, RowsOfThePreviousReleaseStartTheChain) {
  auto& pg = testing::shared_temp_postgres();
  const std::string url = pg.create_database("audit_legacy");
  asio::io_context io;
  PoolOptions o;
  o.url = url;
  Pool pool(io, o);
  std::vector<Migration> before;
  for (const Migration& m : embedded_migrations()) {
    if (m.version < 7) before.push_back(m);
  }
  ASSERT_TRUE(run_sync(io, migrate(pool, before)));
  auto lease = run_sync(io, pool.acquire());
  ASSERT_TRUE(lease);
  // What the previous release wrote: the sign-in flow, the revocation
  // trigger, a conversation deletion.
  ASSERT_TRUE(run_sync(io, lease->execute(
      "INSERT INTO users (id, tenant_id, object_id) VALUES ('11111111-1111-4111-8111-111111111111', 't', 'o');"
      "INSERT INTO sessions (id, user_id, expires_at) VALUES ('22222222-2222-4222-8222-222222222222',"
      " '11111111-1111-4111-8111-111111111111', now() + interval '1 hour');"
      "INSERT INTO audit_events (action, outcome, user_id, session_id, ip, request_id) VALUES"
      " ('sign_in', 'success', '11111111-1111-4111-8111-111111111111',"
      "  '22222222-2222-4222-8222-222222222222', '10.0.0.1', 'req-1');"
      "INSERT INTO audit_events (action, outcome, reason, ip, details) VALUES"
      " ('sign_in', 'failure', 'oidc.state_mismatch', '10.0.0.2', '{\"count\": 3}');"
      "UPDATE sessions SET revoked_at = now(), revoke_reason = 'sign_out';"
      "INSERT INTO audit_events (action, outcome, user_id, details) VALUES ('conversation_deleted',"
      " 'success', '11111111-1111-4111-8111-111111111111', '{\"messages\": 2}')")));
  lease = Lease();
  ASSERT_TRUE(run_sync(io, migrate(pool)));

  auto report = run_sync(io, verify_audit_chain(pool));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->broken.has_value());
  EXPECT_EQ(report->count, 4);
  auto rows = run_sync(io, pool.query(
      "SELECT seq, type, coalesce(actor, '-'), coalesce(subject, '-'), coalesce(ip, '-'), detail::text"
      " FROM audit_events ORDER BY seq"));
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows(), 4);
  const std::string user = "11111111-1111-4111-8111-111111111111";
  EXPECT_EQ(rows->text(0, 1), "sign_in.success");
  EXPECT_EQ(rows->text(0, 2), user);
  EXPECT_EQ(rows->text(0, 4), "10.0.0.1");
  EXPECT_EQ(rows->text(0, 5),
            R"({"request_id": "req-1", "session_id": "22222222-2222-4222-8222-222222222222"})");
  EXPECT_EQ(rows->text(1, 1), "sign_in.failure");
  EXPECT_EQ(rows->text(1, 5), R"({"count": 3, "reason": "oidc.state_mismatch"})");
  EXPECT_EQ(rows->text(2, 1), "session.revoked");
  EXPECT_EQ(rows->text(2, 2), "-");
  EXPECT_EQ(rows->text(2, 3), user);
  EXPECT_EQ(rows->text(3, 1), "conversation.deleted");

  // A replica of the previous release still appends during a rolling upgrade.
  auto old = run_sync(io, pool.query(
      "INSERT INTO audit_events (action, outcome, user_id, session_id, ip, request_id, details)"
      " VALUES ('sign_out', 'success', '11111111-1111-4111-8111-111111111111', NULL, '10.0.0.3',"
      " 'req-2', '{}') RETURNING id, seq"));
  ASSERT_TRUE(old) << old.error().detail;
  EXPECT_EQ(old->int64(0, 1), 5);
  auto mapped = run_sync(io, pool.query(
      "SELECT type, actor, detail->>'request_id', action IS NULL FROM audit_events WHERE seq = 5"));
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->text(0, 0), "sign_out");
  EXPECT_EQ(mapped->text(0, 1), user);
  EXPECT_EQ(mapped->text(0, 2), "req-2");
  EXPECT_EQ(mapped->text(0, 3), "t");
  report = run_sync(io, verify_audit_chain(pool));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->broken.has_value());
  EXPECT_EQ(report->count, 5);
}

// ---- The runtime role (deploy/postgres/grants.sql).

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(AuditDb, TheRuntimeRoleCanOnlyReadAndAppend) {
  append("before");
  std::string grants = read_file(testing::source_dir() + "/deploy/postgres/grants.sql");
  ASSERT_FALSE(grants.empty());
  for (std::size_t at; (at = grants.find(":\"app_role\"")) != std::string::npos;) {
    grants.replace(at, 11, "parley_app_test");
  }
  script("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parley_app_test') "
         "THEN CREATE ROLE parley_app_test LOGIN; END IF; END $$");
  script(grants);
  const std::string owner_url = url_;
  const auto at = owner_url.find("postgres@");
  ASSERT_NE(at, std::string::npos);
  open(owner_url.substr(0, at) + "parley_app_test@" + owner_url.substr(at + 9));

  EXPECT_TRUE(run_sync(io_, migrate(pool()))) << "nothing pending: start-up reads only";
  EXPECT_EQ(append("after"), 2);
  sql("INSERT INTO users (id, tenant_id, object_id) VALUES "
      "('11111111-1111-4111-8111-111111111111', 't', 'o')");
  sql("INSERT INTO sessions (id, user_id, expires_at) VALUES "
      "('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', "
      "now() + interval '1 hour')");
  sql("UPDATE sessions SET revoked_at = now(), revoke_reason = 'sign_out'");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'session.revoked'"), "1");

  for (const char* refused :
       {"UPDATE audit_events SET ip = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 1",
        "TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain",
        "DROP TRIGGER audit_events_append_only ON audit_events",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION parley_audit_chain() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN NEW; END $$",
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')"}) {
    auto r = run_sync(io_, pool().query(refused));
    EXPECT_FALSE(r) << refused;
    if (!r) {
      EXPECT_TRUE(r.error().is(errc::db::insufficient_privilege))
          << refused << ": " << r.error().detail;
    }
  }
  const auto report = verify();
  EXPECT_FALSE(report.broken.has_value());
  EXPECT_EQ(report.count, 3);
}

// ---- One line across replicas: 4 processes append 500 events each at once.

TEST_F(AuditDb, FourProcessesAppendingAtOnceKeepTheChainLinear) {
  constexpr int kProcesses = 4;
  constexpr int kEach = 500;
  const std::string barrier = "8215001";
  auto gate = run_sync(io_, pool().acquire());
  ASSERT_TRUE(gate);
  Params key{barrier};
  ASSERT_TRUE(run_sync(io_, gate->query("SELECT pg_advisory_lock($1::bigint)", key)));

  std::vector<std::unique_ptr<testing::ChildProcess>> processes;
  for (int p = 0; p < kProcesses; ++p) {
    testing::ChildProcess::Options o;
    o.argv = {testing::binary_dir() + "/tests/db/audit_append_load", url_, std::to_string(kEach),
              "p" + std::to_string(p), barrier};
    processes.push_back(std::make_unique<testing::ChildProcess>(o));
  }
  // Every process waits at the gate, then all start together.
  ASSERT_TRUE(testing::eventually(
      [&] {
        return scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                      "AND objid = " + barrier) == std::to_string(kProcesses);
      },
      60s));
  ASSERT_TRUE(run_sync(io_, gate->query("SELECT pg_advisory_unlock($1::bigint)", key)));
  for (auto& p : processes) {
    ASSERT_TRUE(testing::eventually([&] { return !p->running(); }, 120s, 20ms)) << p->output();
    EXPECT_EQ(p->terminate(), 0) << p->output();
  }

  const auto report = verify();
  EXPECT_FALSE(report.broken.has_value()) << report.broken->seq;
  EXPECT_EQ(report.count, kProcesses * kEach);
  EXPECT_EQ(scalar("SELECT count(DISTINCT (detail->>'process', detail->>'n')) FROM audit_events"),
            std::to_string(kProcesses * kEach));
  // How interleaved the appends were (reported, not asserted).
  const std::string switches = scalar(
      "SELECT count(*) FROM (SELECT detail->>'process' AS p, lag(detail->>'process') OVER "
      "(ORDER BY seq) AS q FROM audit_events) s WHERE p <> q");
  std::printf("appends switched between processes %s times in %d events\n", switches.c_str(),
              kProcesses * kEach);
}

}  // namespace
}  // namespace parley::db
