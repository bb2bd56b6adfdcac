// The quota gate inside real chat turns (PostgreSQL): the concurrent-streams
// limit counts live 'streaming' rows, the daily budget counts usage_daily,
// a refused turn stores nothing, finishing an answer counts its usage once
// (and deleting the conversation keeps it), and a turn reads a bounded
// number of messages.

#include "admin/quota_gate.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <random>

#include "admin/errors.hpp"
#include "chat/pg_store.hpp"
#include "chat/turn.hpp"
#include "db/conversations_repo.hpp"
#include "db/db_test_util.hpp"
#include "db/messages_repo.hpp"
#include "db/pool.hpp"
#include "db/users_repo.hpp"

namespace parley::admin {
namespace {

using db::test::run_sync;

const std::string& schema_url() {
  static const std::string url = db::test::migrated_database("quota_gate");
  return url;
}

class QuotaGateDb : public ::testing::Test {
 protected:
  QuotaGateDb()
      : pool_(io_, options()),
        gate_(QuotaDefaults{0, 3}, clock_, chat::kStreamLease),
        store_(io_, pool_, [this](db::Lease& tx, const db::UserId& user) {
          return gate_.admit(tx, user);
        }) {}
  static db::PoolOptions options() {
    db::PoolOptions o;
    o.url = schema_url();
    o.max_connections = 4;
    return o;
  }
  db::UserId user() {
    static const unsigned base = std::random_device{}();
    static int counter = 0;
    const std::string oid = "q" + std::to_string(base) + "-" + std::to_string(++counter);
    db::SigninIdentity id{"tenant", oid, oid + "@example.com", oid, {}};
    auto u = run_sync(io_, db::upsert_user_on_signin(pool_, id));
    if (!u) throw std::runtime_error(u.error().detail);
    return u->id;
  }
  db::ConversationId conversation(const db::UserId& u) {
    auto c = run_sync(io_, db::create_conversation(pool_, u, "t"));
    if (!c) throw std::runtime_error(c.error().detail);
    return c->id;
  }
  // A new message as ChatService writes it: open, plan, write, commit (where
  // the gate runs).
  struct Turn {
    chat::TurnPlan plan;
    chat::TurnIds ids;
    std::size_t messages_read = 0;
  };
  Result<Turn> turn(const db::UserId& u, const db::ConversationId& c) {
    return run_sync(io_, [&]() -> boost::asio::awaitable<Result<Turn>> {
      auto opened = co_await store_.open_turn(u, c);
      if (!opened) co_return opened.error();
      if (!*opened) co_return Error(errc::admin::user_not_found, "no such conversation");
      chat::OpenTurn& open = **opened;
      Turn t;
      t.messages_read = open.conversation.messages.size();
      auto plan = chat::plan_message(open.conversation, "question");
      if (!plan) co_return plan.error();
      t.plan = std::move(*plan);
      auto ids = co_await open.transaction->write(t.plan, "owner");
      if (!ids) co_return ids.error();
      t.ids = std::move(*ids);
      if (auto committed = co_await open.transaction->commit(); !committed) {
        co_return committed.error();
      }
      co_return t;
    }());
  }
  void finish(const db::UserId& u, const db::ConversationId& c, const Turn& t) {
    db::FinalAnswer a;
    a.content = "answer";
    a.status = "complete";
    a.model = "gpt-q";
    a.prompt_tokens = 3;
    a.completion_tokens = 4;
    auto r = run_sync(
        io_, db::finish_answer(
                 pool_, db::AnswerRow{u, c, t.ids.assistant_message_id, t.ids.assistant_created_at}, a));
    ASSERT_TRUE(r && *r);
  }
  std::string scalar(const std::string& sql) {
    auto rows = run_sync(io_, pool_.query(sql));
    if (!rows || rows->empty()) throw std::runtime_error("query failed: " + sql);
    return std::string(rows->text(0, 0));
  }
  void set_quota(const db::UserId& u, const std::string& daily, const std::string& streams) {
    (void)scalar(
        "INSERT INTO quotas (subject_kind, subject, daily_tokens, concurrent_streams)"
        " VALUES ('user', '" +
        u.value + "', " + daily + ", " + streams +
        ") ON CONFLICT (subject_kind, subject) DO UPDATE SET daily_tokens ="
        " EXCLUDED.daily_tokens, concurrent_streams = EXCLUDED.concurrent_streams"
        " RETURNING 1");
  }

  boost::asio::io_context io_;
  FakeClock clock_{1'767'225'600};
  db::Pool pool_;
  QuotaGate gate_;
  chat::PgChatStore store_;
};

TEST_F(QuotaGateDb, OpenStreamsAreCountedAndARefusedTurnStoresNothing) {
  const auto u = user();
  set_quota(u, "NULL", "1");
  const auto a = conversation(u);
  const auto b = conversation(u);
  auto first = turn(u, a);
  ASSERT_TRUE(first) << first.error().code;
  auto second = turn(u, b);
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(errc::admin::quota_concurrent_streams));
  EXPECT_EQ(second.error().kind, Kind::rate_limited);
  EXPECT_EQ(scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + b.value + "'"), "0");
  finish(u, a, *first);
  EXPECT_TRUE(turn(u, b)) << "the finished answer freed its slot";
  // Another user is not affected by this one's streams.
  const auto other = user();
  EXPECT_TRUE(turn(other, conversation(other)));
}

TEST_F(QuotaGateDb, TheDailyBudgetCountsFinishedAnswers) {
  const auto u = user();
  set_quota(u, "7", "NULL");
  const auto c = conversation(u);
  auto first = turn(u, c);
  ASSERT_TRUE(first);
  finish(u, c, *first);  // 3 + 4 tokens: the budget is used up
  auto refused = turn(u, c);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(errc::admin::quota_daily_tokens));
  EXPECT_EQ(quota_retry_after(refused.error(), clock_.now_seconds()).value_or(-1), 86400);
  set_quota(u, "0", "NULL");  // 0 = unlimited
  EXPECT_TRUE(turn(u, c));
}

TEST_F(QuotaGateDb, UsageIsCountedOnceAndOutlivesTheConversation) {
  const auto u = user();
  const auto c = conversation(u);
  auto t = turn(u, c);
  ASSERT_TRUE(t);
  finish(u, c, *t);
  const std::string where = " FROM usage_daily WHERE subject_kind = 'user' AND subject = '" +
                            u.value + "' AND model = 'gpt-q'";
  EXPECT_EQ(scalar("SELECT prompt_tokens || '/' || completion_tokens || '/' || messages" + where),
            "3/4/1");
  auto deleted = run_sync(io_, db::delete_conversation(pool_, u, c, db::DeleteContext{}));
  ASSERT_TRUE(deleted && *deleted);
  EXPECT_EQ(scalar("SELECT messages" + where), "1");
}

TEST_F(QuotaGateDb, ATurnReadsABoundedNumberOfMessages) {
  const auto u = user();
  const auto c = conversation(u);
  (void)scalar(
      "INSERT INTO messages (conversation_id, user_id, role, content, status, created_at)"
      " SELECT '" +
      c.value + "', '" + u.value +
      "', CASE WHEN i % 2 = 0 THEN 'user'"
      " ELSE 'assistant' END, 'm' || i, 'complete', now() - make_interval(secs => 1000 - i)"
      " FROM generate_series(0, 299) i RETURNING 1");
  auto t = turn(u, c);
  ASSERT_TRUE(t) << t.error().code;
  EXPECT_EQ(t->messages_read, static_cast<std::size_t>(db::kTurnMessagesMax));
  ASSERT_FALSE(t->plan.history.empty());
  EXPECT_EQ(t->plan.history.back().content, "m299") << "the newest are kept";
}

}  // namespace
}  // namespace parley::admin
