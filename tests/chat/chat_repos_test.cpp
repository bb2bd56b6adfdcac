// Conversation and message repositories against a real PostgreSQL: every
// access is scoped by the user, pagination order, partitions, cascades; and
// turns as ChatService runs them on the PostgreSQL store (chat's rules over
// the repository's steps): one answer at a time, history, regenerate,
// leases measured by the database's clock.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "chat/errors.hpp"
#include "chat/fake_chat_model.hpp"
#include "chat/pg_store.hpp"
#include "chat/service.hpp"
#include "db/conversations_repo.hpp"
#include "db/db_test_util.hpp"
#include "db/messages_repo.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/users_repo.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
namespace asio = boost::asio;

const std::string& schema_url() {
  static const std::string url = test::migrated_database("chat");
  return url;
}

using chat::PreparedTurn;

class ChatRepos : public ::testing::Test {
 protected:
  ChatRepos()
      : pool_(io_, options()),
        store_(io_, pool_),
        model_(timers_),
        service_(io_, store_, model_, timers_, {}) {}
  static PoolOptions options() {
    PoolOptions o;
    o.url = schema_url();
    o.max_connections = 4;
    return o;
  }
  UserId user(const std::string& oid) {
    SigninIdentity id{"tenant", oid, oid + "@example.com", oid, {}};
    auto u = run_sync(io_, upsert_user_on_signin(pool_, id));
    if (!u) throw std::runtime_error(u.error().detail);
    return u->id;
  }
  Conversation create(const UserId& u, const std::string& title = "New chat") {
    auto c = run_sync(io_, create_conversation(pool_, u, title));
    if (!c) throw std::runtime_error(c.error().detail);
    return *c;
  }
  std::string scalar(const std::string& sql) {
    auto rows = run_sync(io_, pool_.query(sql));
    if (!rows) throw std::runtime_error(rows.error().detail);
    return rows->empty() ? std::string() : std::string(rows->text(0, 0));
  }
  PreparedTurn turn(const UserId& u, const Conversation& c, const std::string& text) {
    auto t = run_sync(io_, service_.begin_message(u, c.id, text));
    if (!t) throw std::runtime_error(std::string(t.error().code) + " " + t.error().detail);
    return *t;
  }
  void finish(const UserId& u, const Conversation& c, const PreparedTurn& t,
              const std::string& text, const std::string& status = "complete") {
    FinalAnswer a;
    a.content = text;
    a.status = status;
    a.model = "m";
    a.prompt_tokens = 3;
    a.completion_tokens = 4;
    a.finish_reason = "stop";
    auto r = run_sync(
        io_,
        finish_answer(
            pool_, AnswerRow{u, c.id, t.ids.assistant_message_id, t.ids.assistant_created_at}, a));
    ASSERT_TRUE(r && *r);
  }

  asio::io_context io_;
  Pool pool_;
  chat::PgChatStore store_;
  chat::SteadyTimers timers_;
  chat::test::FakeChatModel model_;
  chat::ChatService service_;
};

TEST_F(ChatRepos, AnotherUserCannotReadRenameDeletePostOrStop) {
  const UserId a = user("scope-a");
  const UserId b = user("scope-b");
  const Conversation c = create(a, "Mine");

  auto found = run_sync(io_, find_conversation(pool_, b, c.id));
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  auto renamed = run_sync(io_, update_conversation(pool_, b, c.id, {"Stolen", true, "m"}));
  ASSERT_TRUE(renamed);
  EXPECT_FALSE(renamed->has_value());
  auto deleted = run_sync(io_, delete_conversation(pool_, b, c.id, {}));
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted);
  auto posted = run_sync(io_, service_.begin_message(b, c.id, "hi"));
  ASSERT_FALSE(posted);
  EXPECT_TRUE(posted.error().is(errc::chat::not_found));
  auto regenerated = run_sync(io_, service_.begin_regenerate(b, c.id));
  ASSERT_FALSE(regenerated);
  EXPECT_TRUE(regenerated.error().is(errc::chat::not_found));
  auto listed = run_sync(io_, list_conversations(pool_, b, std::nullopt, 100));
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());

  const PreparedTurn t = turn(a, c, "hello");
  auto stolen_stop = run_sync(io_, request_stop(pool_, b, c.id));
  ASSERT_TRUE(stolen_stop);
  EXPECT_TRUE(stolen_stop->empty());
  auto msgs = run_sync(io_, list_messages(pool_, b, c.id));
  ASSERT_TRUE(msgs);
  EXPECT_TRUE(msgs->empty());

  auto mine = run_sync(io_, find_conversation(pool_, a, c.id));
  ASSERT_TRUE(mine && mine->has_value());
  EXPECT_EQ((*mine)->title, "Mine");
  auto own_stop = run_sync(io_, request_stop(pool_, a, c.id));
  ASSERT_TRUE(own_stop);
  ASSERT_EQ(own_stop->size(), 1u);
  EXPECT_EQ(own_stop->front(), t.ids.assistant_message_id);
}

TEST_F(ChatRepos, PagesAreOrderedByUpdatedAtThenIdDescendingWithTies) {
  const UserId u = user("pages");
  std::vector<Conversation> made;
  for (int i = 0; i < 7; ++i) made.push_back(create(u));
  // Three share one updated_at: the id breaks the tie.
  scalar("UPDATE conversations SET updated_at = '2026-01-01 00:00:00.123456+00' WHERE id IN ('" +
         made[1].id.value + "','" + made[2].id.value + "','" + made[3].id.value + "') RETURNING 1");
  auto all = run_sync(io_, list_conversations(pool_, u, std::nullopt, 100));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 7u);
  for (std::size_t i = 1; i < all->size(); ++i) {
    const auto& p = (*all)[i - 1];
    const auto& q = (*all)[i];
    const bool ordered =
        scalar("SELECT ('" + p.updated_at + "'::timestamptz, '" + p.id.value + "'::uuid) > ('" +
               q.updated_at + "'::timestamptz, '" + q.id.value + "'::uuid)") == "t";
    EXPECT_TRUE(ordered) << i;
  }
  // Walking pages of 2 visits every item once, in the same order.
  std::vector<std::string> walked;
  std::optional<PageKey> after;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = run_sync(io_, list_conversations(pool_, u, after, 2));
    ASSERT_TRUE(page);
    for (std::size_t i = 0; i < page->size(); ++i) walked.push_back(std::string(page->id(i)));
    if (page->size() < 2) break;
    const Conversation last = (*page)[page->size() - 1];
    after = PageKey{last.updated_at, last.id};
  }
  ASSERT_EQ(walked.size(), 7u);
  for (std::size_t i = 0; i < walked.size(); ++i) EXPECT_EQ(walked[i], (*all)[i].id.value);
}

TEST_F(ChatRepos, MessagesGoToMonthPartitionsAndDefault) {
  const UserId u = user("partitions");
  const Conversation c = create(u);
  const PreparedTurn t = turn(u, c, "partitioned");
  const std::string partition =
      scalar("SELECT tableoid::regclass::text FROM messages WHERE id = '" +
             t.ids.user_message_id.value + "'");
  EXPECT_TRUE(partition.starts_with("messages_2")) << partition;
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'messages'::regclass"), "3");
  // A row far in the future lands in the default partition.
  scalar(
      "INSERT INTO messages (conversation_id, user_id, role, content, status, created_at)"
      " VALUES ('" +
      c.id.value + "','" + u.value +
      "','user','later','complete',"
      " '2099-01-01') RETURNING 1");
  EXPECT_EQ(scalar("SELECT count(*) FROM messages_default WHERE content = 'later'"), "1");
}

TEST_F(ChatRepos, DeletingAConversationDeletesItsMessagesAndIsAudited) {
  const UserId u = user("cascade");
  const Conversation c = create(u);
  const Conversation keep = create(u);
  finish(u, c, turn(u, c, "one"), "answer one");
  (void)turn(u, keep, "kept");
  DeleteContext ctx;
  ctx.ip = "127.0.0.1";
  ctx.request_id = "req-1";
  auto deleted = run_sync(io_, delete_conversation(pool_, u, c.id, ctx));
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + c.id.value + "'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + keep.id.value + "'"),
            "2");
  EXPECT_EQ(scalar("SELECT detail->>'messages' FROM audit_events WHERE type = "
                   "'conversation.deleted' AND actor = '" +
                   u.value + "'"),
            "2");
  auto again = run_sync(io_, delete_conversation(pool_, u, c.id, ctx));
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(ChatRepos, TurnsStreamOneAtATimeAndCarryHistory) {
  const UserId u = user("turns");
  const Conversation c = create(u);
  const PreparedTurn first = turn(u, c, "first question");
  EXPECT_TRUE(first.plan.history.empty());
  EXPECT_TRUE(first.plan.names_conversation) << "default title, first answer";
  auto busy = run_sync(io_, service_.begin_message(u, c.id, "again"));
  ASSERT_FALSE(busy);
  EXPECT_TRUE(busy.error().is(errc::chat::conflict));
  EXPECT_EQ(scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + c.id.value + "'"),
            "2")
      << "the refused turn was rolled back";
  finish(u, c, first, "first answer");
  const PreparedTurn second = turn(u, c, "second question");
  ASSERT_EQ(second.plan.history.size(), 2u);
  EXPECT_EQ(second.plan.history[0].role, "user");
  EXPECT_EQ(second.plan.history[1].content, "first answer");
  EXPECT_FALSE(second.plan.names_conversation);
  finish(u, c, second, "partial", "failed");

  auto msgs = run_sync(io_, list_messages(pool_, u, c.id));
  ASSERT_TRUE(msgs);
  ASSERT_EQ(msgs->size(), 4u);
  EXPECT_EQ((*msgs)[0].content, "first question");
  EXPECT_EQ((*msgs)[1].status, "complete");
  EXPECT_EQ((*msgs)[1].prompt_tokens, 3);
  EXPECT_EQ((*msgs)[3].status, "failed");

  // Regenerate replaces the last answer and answers the last question again.
  auto regen = run_sync(io_, service_.begin_regenerate(u, c.id));
  ASSERT_TRUE(regen) << regen.error().code;
  EXPECT_EQ(regen->ids.user_message_id, second.ids.user_message_id);
  EXPECT_EQ(regen->plan.user_content, "second question");
  EXPECT_EQ(regen->plan.history.size(), 2u);
  msgs = run_sync(io_, list_messages(pool_, u, c.id));
  ASSERT_TRUE(msgs);
  ASSERT_EQ(msgs->size(), 4u);
  EXPECT_EQ((*msgs)[3].id, regen->ids.assistant_message_id);
  EXPECT_EQ((*msgs)[3].status, "streaming");
}

TEST_F(ChatRepos, AnAnswerWhoseLeaseExpiredByTheDatabasesClockNoLongerBlocks) {
  const UserId u = user("expired");
  const Conversation c = create(u);
  const PreparedTurn t = turn(u, c, "q");
  scalar("UPDATE messages SET updated_at = now() - interval '119 seconds' WHERE id = '" +
         t.ids.assistant_message_id.value + "' RETURNING 1");
  auto busy = run_sync(io_, service_.begin_message(u, c.id, "again"));
  ASSERT_FALSE(busy);
  EXPECT_TRUE(busy.error().is(errc::chat::conflict));
  scalar("UPDATE messages SET updated_at = now() - interval '121 seconds' WHERE id = '" +
         t.ids.assistant_message_id.value + "' RETURNING 1");
  auto next = run_sync(io_, service_.begin_message(u, c.id, "again"));
  ASSERT_TRUE(next) << next.error().code;
  EXPECT_EQ(next->plan.history.size(), 1u) << "the dead answer is not history";
}

// Both list statements read only the covering index (migration 012 added
// the model to it): no heap fetch per row, no sort.
TEST_F(ChatRepos, TheListIsAnIndexOnlyScanOfItsCoveringIndex) {
  const UserId u = user("plan");
  for (int i = 0; i < 30; ++i) create(u);
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  // The choice among index paths, not the table's size, is under test.
  ASSERT_TRUE(run_sync(io_, lease->execute("SET enable_seqscan = off; SET enable_bitmapscan = off")));
  const std::string first = "PREPARE plan_first AS " + std::string(list_first_page_sql());
  const std::string next = "PREPARE plan_next AS " + std::string(list_next_page_sql());
  ASSERT_TRUE(run_sync(io_, lease->execute(first)));
  ASSERT_TRUE(run_sync(io_, lease->execute(next)));
  for (const std::string& explain :
       {"EXPLAIN (COSTS OFF) EXECUTE plan_first('" + u.value + "', 21)",
        "EXPLAIN (COSTS OFF) EXECUTE plan_next('" + u.value +
            "', 21, now(), 'ffffffff-ffff-ffff-ffff-ffffffffffff')"}) {
    auto plan = run_sync(io_, lease->query(explain));
    ASSERT_TRUE(plan) << plan.error().detail;
    std::string text;
    for (int r = 0; r < plan->rows(); ++r) text += std::string(plan->text(r, 0)) + "\n";
    EXPECT_NE(text.find("Index Only Scan using conversations_user_updated_list"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
  }
  ASSERT_TRUE(run_sync(io_, lease->execute("DEALLOCATE ALL; RESET ALL")));
}

TEST_F(ChatRepos, AConversationRemembersItsModel) {
  const UserId u = user("models");
  auto created = run_sync(io_, create_conversation(pool_, u, "Picked", std::string("small")));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->model, "small");
  const Conversation plain = create(u, "Default");
  EXPECT_EQ(plain.model, std::nullopt) << "null: the default model";

  // Read back everywhere: the item, the list (binary rows) and the turn's lock.
  auto found = run_sync(io_, find_conversation(pool_, u, created->id));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->model, "small");
  auto listed = run_sync(io_, list_conversations(pool_, u, std::nullopt, 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->model(0), std::nullopt) << "newest first";
  EXPECT_EQ(listed->model(1), std::optional<std::string_view>("small"));
  EXPECT_EQ((*listed)[1].model, "small");

  // A title alone keeps the model; set_model with nullopt clears it.
  auto renamed = run_sync(io_, update_conversation(pool_, u, created->id, {"Renamed", false, {}}));
  ASSERT_TRUE(renamed && *renamed);
  EXPECT_EQ((*renamed)->title, "Renamed");
  EXPECT_EQ((*renamed)->model, "small");
  auto switched = run_sync(io_, update_conversation(pool_, u, created->id, {{}, true, "gpt-4o"}));
  ASSERT_TRUE(switched && *switched);
  EXPECT_EQ((*switched)->title, "Renamed") << "no title keeps the title";
  EXPECT_EQ((*switched)->model, "gpt-4o");
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  auto started = run_sync(io_, begin_turn(*lease, u, created->id));
  ASSERT_TRUE(started && *started);
  EXPECT_EQ((*started)->conversation.model, "gpt-4o");
  ASSERT_TRUE(run_sync(io_, lease->execute("ROLLBACK")));
  auto cleared = run_sync(io_, update_conversation(pool_, u, created->id, {{}, true, {}}));
  ASSERT_TRUE(cleared && *cleared);
  EXPECT_EQ((*cleared)->model, std::nullopt);
  EXPECT_EQ(scalar("SELECT count(*) FROM conversations WHERE model IS NULL AND user_id = '" +
                   u.value + "'"),
            "2");
}

TEST_F(ChatRepos, ATurnReadsItsConversationInsideTheLock) {
  const UserId u = user("steps");
  const Conversation c = create(u, "Named");
  const PreparedTurn t = turn(u, c, "question");
  finish(u, c, t, "answer");
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  auto started = run_sync(io_, begin_turn(*lease, u, c.id));
  ASSERT_TRUE(started && *started);
  EXPECT_TRUE(lease->connection().in_transaction()) << "the turn's transaction stays open";
  EXPECT_EQ((*started)->conversation.title, "Named");
  EXPECT_EQ((*started)->conversation.model, std::nullopt);
  const auto& rows = (*started)->rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].role, "user");
  EXPECT_EQ(rows[0].status, "complete");
  EXPECT_EQ(rows[1].id, t.ids.assistant_message_id);
  EXPECT_EQ(rows[1].content, "answer");
  EXPECT_GE(rows[1].idle_ms, 0);
  EXPECT_LT(rows[1].idle_ms, 60'000);
  ASSERT_TRUE(run_sync(io_, lease->execute("ROLLBACK")));

  auto other = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(other);
  auto foreign = run_sync(io_, begin_turn(*other, user("steps-other"), c.id));
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(foreign->has_value()) << "another user's conversation";
  ASSERT_TRUE(run_sync(io_, other->execute("ROLLBACK")));
}

// Two turns of one conversation: the second's read starts after the first
// released the row lock, so it sees the first's messages (the read is a
// statement of its own after the lock, in the same round trip).
TEST_F(ChatRepos, ATurnWaitsForThePreviousTurnAndReadsWhatItCommitted) {
  const UserId u = user("serial");
  const Conversation c = create(u, "Serial");
  auto first = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(first);
  auto opened = run_sync(io_, begin_turn(*first, u, c.id));
  ASSERT_TRUE(opened && *opened);
  EXPECT_TRUE((*opened)->rows.empty());

  auto second = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(second);
  std::optional<Result<std::optional<TurnStart>>> next;
  asio::co_spawn(io_, begin_turn(*second, u, c.id),
                 [&](std::exception_ptr, Result<std::optional<TurnStart>> r) {
                   next.emplace(std::move(r));
                 });
  EXPECT_FALSE(test::run_until(io_, [&] { return next.has_value(); }, 300ms))
      << "the second turn waits for the conversation's lock";
  auto inserted = run_sync(io_, insert_turn(*first, u, c.id, "first question", "owner-1"));
  ASSERT_TRUE(inserted) << inserted.error().detail;
  ASSERT_TRUE(run_sync(io_, first->execute("COMMIT")));
  ASSERT_TRUE(test::run_until(io_, [&] { return next.has_value(); }, 10s));
  ASSERT_TRUE(*next && **next);
  EXPECT_EQ((**next)->rows.size(), 2u) << "the first turn's question and answer row";
  ASSERT_TRUE(run_sync(io_, second->execute("ROLLBACK")));
}

TEST_F(ChatRepos, ProgressReportsStopRequestsAndSweepFailsExpiredLeases) {
  const UserId u = user("lease");
  const Conversation c = create(u);
  const PreparedTurn t = turn(u, c, "q");
  const AnswerRow row{u, c.id, t.ids.assistant_message_id, t.ids.assistant_created_at};
  auto p = run_sync(io_, save_progress(pool_, row, "par"));
  ASSERT_TRUE(p);
  EXPECT_FALSE(*p);
  ASSERT_TRUE(run_sync(io_, request_stop(pool_, u, c.id)));
  p = run_sync(io_, save_progress(pool_, row, "parti"));
  ASSERT_TRUE(p);
  EXPECT_TRUE(*p);
  // An expired lease is swept to failed/interrupted with its text kept.
  scalar("UPDATE messages SET updated_at = now() - interval '3 minutes' WHERE id = '" +
         t.ids.assistant_message_id.value + "' RETURNING 1");
  auto swept = run_sync(io_, sweep_interrupted(pool_, chat::kStreamLease));
  ASSERT_TRUE(swept);
  EXPECT_GE(*swept, 1);
  EXPECT_EQ(
      scalar("SELECT status || '/' || error_code || '/' || content FROM messages WHERE id = '" +
             t.ids.assistant_message_id.value + "'"),
      "failed/interrupted/parti");
  // And the conversation accepts a new message again.
  EXPECT_TRUE(run_sync(io_, service_.begin_message(u, c.id, "next")));
}


}  // namespace
}  // namespace parley::db
