// The service API's admission on PostgreSQL (db/api_calls_repo.hpp): the
// caller registered, its quota state read under its lock, the slot or the
// refusal's audit row committed; two batches (decisions 0017, 0018).
#include "db/api_calls_repo.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "db/stream_quota_repo.hpp"
#include "db/users_repo.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
namespace asio = boost::asio;

class ApiAdmissionDb : public ::testing::Test {
 protected:
  ApiAdmissionDb() : pool_(io_, options()) {}
  static PoolOptions options() {
    static const std::string url = test::migrated_database("apicalls");
    PoolOptions o;
    o.url = url;
    o.max_connections = 4;
    return o;
  }
  static ApiCallerKey app(const std::string& client_id) {
    return ApiCallerKey{true, client_id, "tenant", "sp-" + client_id, "", ""};
  }
  std::string scalar(const std::string& sql) {
    auto rows = run_sync(io_, pool_.query(sql));
    if (!rows) throw std::runtime_error(rows.error().detail);
    return rows->empty() ? std::string() : std::string(rows->text(0, 0));
  }
  // Opens and closes one admission; the slot's id ("" when none was taken).
  std::string admit(const ApiCallerKey& caller, bool take_slot, ApiAdmission* seen = nullptr) {
    auto lease = run_sync(io_, pool_.acquire());
    if (!lease) throw std::runtime_error(lease.error().detail);
    auto opened = run_sync(io_, open_api_admission(*lease, caller, 60s, "m"));
    if (!opened) throw std::runtime_error(opened.error().detail);
    if (seen) *seen = *opened;
    EXPECT_FALSE(opened->stream_id.empty()) << "the slot is taken before the decision";
    auto closed =
        take_slot ? run_sync(io_, commit_api_admission(*lease))
                  : run_sync(io_, refuse_api_admission(*lease, opened->stream_id, std::nullopt));
    if (!closed) throw std::runtime_error(closed.error().detail);
    EXPECT_FALSE(lease->connection().in_transaction());
    return take_slot ? opened->stream_id : std::string();
  }

  bool finish(const ApiCallEnd& end) {
    return static_cast<bool>(run_sync(io_, finish_api_call(pool_, end)));
  }

  asio::io_context io_;
  Pool pool_;
};

TEST_F(ApiAdmissionDb, AnApplicationIsRegisteredAndItsSlotsCounted) {
  ApiAdmission first;
  const std::string slot = admit(app("svc-count"), true, &first);
  EXPECT_EQ(first.subject.kind, "app");
  EXPECT_EQ(first.subject.id, "svc-count");
  EXPECT_FALSE(first.disabled);
  EXPECT_EQ(first.state.open_streams, 0);
  EXPECT_EQ(first.state.used_today, 0);
  EXPECT_EQ(first.state.overrides.daily_tokens, std::nullopt);
  ASSERT_FALSE(slot.empty());
  EXPECT_EQ(scalar("SELECT object_id FROM apps WHERE client_id = 'svc-count'"), "sp-svc-count");

  scalar(
      "INSERT INTO quotas (subject_kind, subject, daily_tokens, concurrent_streams)"
      " VALUES ('app', 'svc-count', 500, 2) RETURNING 1");
  scalar(
      "INSERT INTO usage_daily (subject_kind, subject, day, model, prompt_tokens,"
      " completion_tokens, messages) VALUES ('app', 'svc-count',"
      " (now() AT TIME ZONE 'UTC')::date, 'm', 30, 12, 1) RETURNING 1");
  ApiAdmission second;
  EXPECT_EQ(admit(app("svc-count"), false, &second), "") << "refused: its slot deleted";
  EXPECT_EQ(second.state.open_streams, 1) << "the first call's slot, not its own";
  EXPECT_EQ(second.state.used_today, 42);
  EXPECT_EQ(second.state.overrides.daily_tokens, 500);
  EXPECT_EQ(second.state.overrides.concurrent_streams, 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM api_streams WHERE subject = 'svc-count'"), "1");

  scalar("UPDATE apps SET disabled_at = now() WHERE client_id = 'svc-count' RETURNING 1");
  ApiAdmission third;
  admit(app("svc-count"), false, &third);
  EXPECT_TRUE(third.disabled);
}

// A delegated caller is its users row (as at sign-in), and its streaming
// chat answers count with its /v1 slots.
TEST_F(ApiAdmissionDb, ADelegatedUserIsItsUsersRowAndItsChatStreamsCount) {
  SigninIdentity id{
      "tenant", "oid-delegated", std::string("dee@example.com"), std::string("Dee"), {}};
  auto user = run_sync(io_, upsert_user_on_signin(pool_, id));
  ASSERT_TRUE(user);
  scalar("WITH c AS (INSERT INTO conversations (user_id, title) VALUES ('" + user->id.value +
         "', 't') RETURNING id) INSERT INTO messages (conversation_id, user_id, role, content,"
         " status) SELECT id, '" +
         user->id.value + "', 'assistant', '', 'streaming' FROM c RETURNING 1");
  const ApiCallerKey caller{false, "some-client", "tenant", "oid-delegated", "", ""};
  ApiAdmission seen;
  ASSERT_FALSE(admit(caller, true, &seen).empty());
  EXPECT_EQ(seen.subject.kind, "user");
  EXPECT_EQ(seen.subject.id, user->id.value);
  EXPECT_EQ(seen.state.open_streams, 1) << "the streaming chat answer";
  EXPECT_EQ(
      scalar("SELECT coalesce(name, '') || '/' || coalesce(email, '') FROM users WHERE id = '" +
             user->id.value + "'"),
      "Dee/dee@example.com")
      << "a token without name or email keeps them";

  const ApiCallerKey fresh{false, "some-client", "tenant", "oid-new", "New Person", "new@x.test"};
  ApiAdmission created;
  admit(fresh, false, &created);
  EXPECT_EQ(scalar("SELECT id FROM users WHERE object_id = 'oid-new'"), created.subject.id);
}

// One limit per user across both surfaces: the chat gate counts the user's
// live /v1 slots as the /v1 gate counts the user's streaming answers.
TEST_F(ApiAdmissionDb, AUsersLiveV1SlotCountsInTheChatGate) {
  SigninIdentity id{"tenant", "oid-both", std::string("both@example.com"), std::string("Both"), {}};
  auto user = run_sync(io_, upsert_user_on_signin(pool_, id));
  ASSERT_TRUE(user);
  auto chat_state = [&]() -> std::int64_t {
    auto lease = run_sync(io_, pool_.acquire());
    if (!lease || !run_sync(io_, lease->execute("BEGIN"))) throw std::runtime_error("no lease");
    auto state = run_sync(io_, lock_quota_state(*lease, user->id, 60s));
    if (!state) throw std::runtime_error(state.error().detail);
    (void)run_sync(io_, lease->execute("ROLLBACK"));
    return state->open_streams;
  };
  EXPECT_EQ(chat_state(), 0);
  const ApiCallerKey caller{false, "some-client", "tenant", "oid-both", "", ""};
  ASSERT_FALSE(admit(caller, true).empty());
  EXPECT_EQ(chat_state(), 1) << "the delegated call's live slot";
  scalar("UPDATE api_streams SET renewed_at = now() - interval '2 minutes' WHERE subject = '" +
         user->id.value + "' RETURNING 1");
  EXPECT_EQ(chat_state(), 0) << "a slot not renewed within the lease no longer counts";
}

// Two replicas admitting the same caller at once: the second reads its
// state only after the first committed its slot (the lock, then a fresh
// snapshot), so a limit of one stream admits exactly one.
TEST_F(ApiAdmissionDb, ConcurrentAdmissionsOfOneCallerSeeEachOthersSlots) {
  admit(app("svc-race"), false);  // registered
  auto first = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(first);
  auto opened = run_sync(io_, open_api_admission(*first, app("svc-race"), 60s, "m"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->state.open_streams, 0);

  std::optional<Result<ApiAdmission>> second;
  auto other = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(other);
  const ApiCallerKey racer = app("svc-race");  // both outlive the spawned coroutine
  const std::string model = "m";
  asio::co_spawn(io_, open_api_admission(*other, racer, 60s, model),
                 [&](std::exception_ptr, Result<ApiAdmission> r) { second.emplace(std::move(r)); });
  EXPECT_FALSE(test::run_until(
      io_, [&] { return second.has_value(); }, 300ms))
      << "the second admission waits for the caller's lock";
  auto closed = run_sync(io_, commit_api_admission(*first));
  ASSERT_TRUE(closed);
  ASSERT_TRUE(test::run_until(
      io_, [&] { return second.has_value(); }, 10s));
  ASSERT_TRUE(*second) << (*second).error().detail;
  EXPECT_EQ((*second)->state.open_streams, 1);
  auto rolled = run_sync(io_, other->execute("ROLLBACK"));
  ASSERT_TRUE(rolled);
}

TEST_F(ApiAdmissionDb, ARefusalCommitsItsAuditRowAndNoSlot) {
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  auto opened = run_sync(io_, open_api_admission(*lease, app("svc-refused"), 60s, "m"));
  ASSERT_TRUE(opened);
  AuditEntry refusal;
  refusal.type = "api.refused";
  refusal.detail["caller"] = "svc-refused";
  const std::optional<AuditEntry> audit(refusal);
  auto closed = run_sync(io_, refuse_api_admission(*lease, opened->stream_id, audit));
  ASSERT_TRUE(closed) << closed.error().detail;
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'api.refused'"
                   " AND detail->>'caller' = 'svc-refused'"),
            "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM api_streams WHERE subject = 'svc-refused'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM apps WHERE client_id = 'svc-refused'"), "1")
      << "the refused caller is registered";
}

// The COMMIT goes out with the upstream request (decision 0018): when it
// fails, the slot taken in advance is gone with the transaction.
TEST_F(ApiAdmissionDb, AnAdmissionWhoseCommitFailsLeavesNoSlot) {
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  auto opened = run_sync(io_, open_api_admission(*lease, app("svc-lost"), 60s, "m"));
  ASSERT_TRUE(opened) << opened.error().detail;
  auto pid = run_sync(io_, lease->query("SELECT pg_backend_pid()"));
  ASSERT_TRUE(pid);
  Params victim{pid->int64(0, 0)};
  auto killed = run_sync(io_, pool_.query("SELECT pg_terminate_backend($1::int)", victim));
  ASSERT_TRUE(killed);
  ASSERT_TRUE(killed->boolean(0, 0));
  auto committed = run_sync(io_, commit_api_admission(*lease));
  EXPECT_FALSE(committed) << "the COMMIT of a lost connection cannot succeed";
  EXPECT_EQ(scalar("SELECT count(*) FROM api_streams WHERE subject = 'svc-lost'"), "0");
}

// The end of a call in one batch: slot gone, usage counted, audit row.
TEST_F(ApiAdmissionDb, FinishingACallReleasesCountsAndAudits) {
  const std::string slot = admit(app("svc-end"), true);
  ApiCallEnd end;
  end.stream_id = slot;
  end.subject = Subject{"app", "svc-end"};
  end.model = "m-2024";
  end.prompt_tokens = 5;
  end.completion_tokens = 8;
  end.audit.type = "api.call";
  end.audit.detail["caller"] = "svc-end";
  EXPECT_TRUE(finish(end));
  EXPECT_EQ(scalar("SELECT count(*) FROM api_streams WHERE subject = 'svc-end'"), "0");
  EXPECT_EQ(scalar("SELECT prompt_tokens || '/' || completion_tokens || '/' || messages"
                   " FROM usage_daily WHERE subject = 'svc-end' AND model = 'm-2024'"),
            "5/8/1");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'api.call'"
                   " AND detail->>'caller' = 'svc-end'"),
            "1");

  // A failing step leaves nothing: an audit type the table refuses.
  const std::string other = admit(app("svc-end"), true);
  end.stream_id = other;
  end.audit.type = "";
  EXPECT_FALSE(finish(end));
  EXPECT_EQ(scalar("SELECT count(*) FROM api_streams WHERE subject = 'svc-end'"), "1")
      << "the slot delete rolled back with the rest";
  EXPECT_EQ(scalar("SELECT messages FROM usage_daily WHERE subject = 'svc-end'"
                   " AND model = 'm-2024'"),
            "1");
}

}  // namespace
}  // namespace parley::db
