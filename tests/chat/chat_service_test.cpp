// ChatService with an in-memory store, a scripted model and simulated time:
// what a turn commits or refuses (and rolls back), what is sent upstream,
// streaming to the stored answer and the conversation's title, regenerate,
// stop (from this process, another replica, or a deletion), the periodic
// sweep of answers whose process died, and the exported counters.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "chat/errors.hpp"
#include "chat/fake_chat_model.hpp"
#include "chat/fake_chat_store.hpp"
#include "chat/fake_response_stream.hpp"
#include "chat/fake_timers.hpp"
#include "chat/service.hpp"
#include "db/errors.hpp"
#include "llm/errors.hpp"
#include "observability/metrics.hpp"

namespace parley::chat {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::events;
using test::FakeChatModel;
using test::FakeChatStore;
using test::FakeResponseStream;
using test::FakeTimers;
using test::Stall;

const db::UserId kAda{"ada"};
const db::UserId kGrace{"grace"};

db::ConversationId cid(const std::string& id) { return db::ConversationId{id}; }

class ChatServiceTest : public ::testing::Test {
 protected:
  ChatServiceTest()
      : store_(timers_),
        model_(timers_),
        service_(io_, store_, model_, timers_, options(), &registry_),
        t0_(timers_.now()) {}

  static ChatOptions options() {
    ChatOptions o;
    o.system_prompt = "Be brief.";
    o.instance_id = "replica-1";
    o.models = {{"gpt-4o", "dep-4o"}, {"small", "dep-mini"}};
    return o;
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(io_, std::move(op), [&](std::exception_ptr e, T v) {
      if (e) std::rethrow_exception(e);
      out.emplace(std::move(v));
    });
    test::run_simulated(io_, timers_, [&] { return out.has_value(); });
    return std::move(*out);
  }
  void run(asio::awaitable<void> op) {
    bool done = false;
    asio::co_spawn(io_, std::move(op), [&](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      done = true;
    });
    test::run_simulated(io_, timers_, [&] { return done; });
  }
  // Streams the turn to `out` until the answer's last frame.
  void stream(PreparedTurn turn, FakeResponseStream& out) {
    run(service_.stream(std::move(turn), out));
  }
  PreparedTurn message(const std::string& conversation, std::string content) {
    auto turn = run(service_.begin_message(kAda, cid(conversation), std::move(content)));
    if (!turn) throw std::runtime_error(std::string(turn.error().code));
    return std::move(*turn);
  }
  std::uint64_t answers(std::string_view status) {
    return registry_
        .counter("parley_chat_answers_total", "", "status=\"" + std::string(status) + "\"")
        .value();
  }
  const std::vector<FakeChatStore::Row>& rows(const std::string& conversation) {
    return store_.conversations.at(conversation).rows;
  }

  asio::io_context io_;
  FakeTimers timers_;
  FakeChatStore store_;
  FakeChatModel model_;
  metrics::Registry registry_;
  ChatService service_;
  Timers::time_point t0_;
};

TEST_F(ChatServiceTest, AMessageIsCommittedStreamedStoredAndNamesTheConversation) {
  const std::string c = store_.add_conversation(kAda);
  PreparedTurn turn = message(c, "How do I bake bread?");
  EXPECT_EQ(store_.commits, 1);
  ASSERT_EQ(rows(c).size(), 2u) << "committed before anything is streamed";
  EXPECT_EQ(rows(c)[1].status, AnswerStatus::streaming);
  EXPECT_EQ(rows(c)[1].owner, "replica-1");

  model_.script = {test::text("Knead "), test::text("it."), test::finish("stop", 12, 4)};
  model_.completion = std::string("Baking bread");
  FakeResponseStream out(io_);
  stream(std::move(turn), out);

  EXPECT_EQ(events(out.body),
            (std::vector<std::string>{"start", "delta", "delta", "title", "done"}));
  ASSERT_EQ(model_.stats->requests.size(), 1u);
  EXPECT_EQ(
      model_.stats->requests[0].messages,
      (std::vector<llm::ChatMessage>{{"system", "Be brief."}, {"user", "How do I bake bread?"}}));
  const auto& stored = rows(c);
  EXPECT_EQ(stored[0].content, "How do I bake bread?");
  EXPECT_EQ(stored[1].status, AnswerStatus::complete);
  EXPECT_EQ(stored[1].content, "Knead it.");
  EXPECT_EQ(stored[1].final_answer->prompt_tokens, 12);
  EXPECT_EQ(stored[1].owner, "");
  EXPECT_EQ(store_.conversations.at(c).title, "Baking bread");
  EXPECT_EQ(service_.active_answers(), 0u);
  EXPECT_EQ(answers("complete"), 1u);
  EXPECT_EQ(registry_.counter("parley_llm_tokens_total", "", R"(kind="prompt")").value(), 12u);
}

TEST_F(ChatServiceTest, TheNextMessageCarriesTheHistoryAndKeepsTheTitle) {
  const std::string c = store_.add_conversation(kAda);
  model_.script = {test::text("A1"), test::finish("stop")};
  FakeResponseStream first(io_);
  stream(message(c, "Q1"), first);
  const std::string title = store_.conversations.at(c).title;

  FakeResponseStream second(io_);
  stream(message(c, "Q2"), second);
  ASSERT_EQ(model_.stats->requests.size(), 2u);
  EXPECT_EQ(model_.stats->requests[1].messages,
            (std::vector<llm::ChatMessage>{
                {"system", "Be brief."}, {"user", "Q1"}, {"assistant", "A1"}, {"user", "Q2"}}));
  EXPECT_EQ(events(second.body), (std::vector<std::string>{"start", "delta", "done"}));
  EXPECT_EQ(model_.stats->completions.size(), 1u) << "only the first answer names it";
  EXPECT_EQ(store_.conversations.at(c).title, title);
}

TEST_F(ChatServiceTest, AnotherUsersConversationIsNotFoundAndNothingIsWritten) {
  const std::string c = store_.add_conversation(kAda);
  auto m = run(service_.begin_message(kGrace, cid(c), "mine now"));
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(errc::chat::not_found));
  auto r = run(service_.begin_regenerate(kGrace, cid(c)));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::chat::not_found));
  EXPECT_TRUE(rows(c).empty());
  EXPECT_EQ(store_.commits, 0);
  auto exists = run(service_.exists(kGrace, cid(c)));
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

TEST_F(ChatServiceTest, ASecondTurnWhileAnAnswerStreamsIsAConflictAndRollsBack) {
  const std::string c = store_.add_conversation(kAda);
  (void)message(c, "first");
  auto second = run(service_.begin_message(kAda, cid(c), "second"));
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(errc::chat::conflict));
  auto regenerate = run(service_.begin_regenerate(kAda, cid(c)));
  ASSERT_FALSE(regenerate);
  EXPECT_TRUE(regenerate.error().is(errc::chat::conflict));
  EXPECT_EQ(store_.rollbacks, 2);
  EXPECT_EQ(store_.commits, 1);
  EXPECT_EQ(rows(c).size(), 2u);
}

TEST_F(ChatServiceTest, AnAnswerLeftByADeadProcessBlocksOnlyUntilItsLeaseExpires) {
  const std::string c = store_.add_conversation(kAda);
  store_.add_row(c, Role::user, AnswerStatus::complete, "q");
  store_.add_row(c, Role::assistant, AnswerStatus::streaming, "partial");
  timers_.advance(kStreamLease - 1s);
  auto blocked = run(service_.begin_message(kAda, cid(c), "hello?"));
  ASSERT_FALSE(blocked);
  EXPECT_TRUE(blocked.error().is(errc::chat::conflict));
  timers_.advance(1s);
  auto accepted = run(service_.begin_message(kAda, cid(c), "hello?"));
  ASSERT_TRUE(accepted) << accepted.error().code;
  EXPECT_EQ(accepted->plan.history, (std::vector<llm::ChatMessage>{{"user", "q"}}));
}

TEST_F(ChatServiceTest, AFailedWriteRollsTheTurnBack) {
  const std::string c = store_.add_conversation(kAda);
  store_.fail_writes = Error(errc::db::unavailable, "connection lost");
  auto turn = run(service_.begin_message(kAda, cid(c), "hi"));
  ASSERT_FALSE(turn);
  EXPECT_TRUE(turn.error().is(errc::db::unavailable));
  EXPECT_EQ(store_.rollbacks, 1);
  EXPECT_EQ(store_.commits, 0);
  EXPECT_TRUE(rows(c).empty());
}

TEST_F(ChatServiceTest, RegenerateReplacesTheLastAnswer) {
  const std::string c = store_.add_conversation(kAda, "Named");
  model_.script = {test::text("First try"), test::finish("stop")};
  FakeResponseStream first(io_);
  stream(message(c, "Question"), first);
  const std::string user_id = rows(c)[0].id;
  const std::string old_answer = rows(c)[1].id;

  model_.script = {test::text("Second try"), test::finish("stop")};
  auto again = run(service_.begin_regenerate(kAda, cid(c)));
  ASSERT_TRUE(again) << again.error().code;
  EXPECT_EQ(again->ids.user_message_id.value, user_id) << "the same question";
  FakeResponseStream second(io_);
  stream(std::move(*again), second);

  ASSERT_EQ(rows(c).size(), 2u);
  EXPECT_EQ(rows(c)[0].id, user_id);
  EXPECT_NE(rows(c)[1].id, old_answer);
  EXPECT_EQ(rows(c)[1].content, "Second try");
  EXPECT_EQ(model_.stats->requests[1].messages,
            (std::vector<llm::ChatMessage>{{"system", "Be brief."}, {"user", "Question"}}))
      << "the replaced answer is not history";
  EXPECT_TRUE(model_.stats->completions.empty()) << "a named conversation keeps its name";
}

TEST_F(ChatServiceTest, RegenerateWithoutAnyMessageIsRefused) {
  const std::string c = store_.add_conversation(kAda);
  auto r = run(service_.begin_regenerate(kAda, cid(c)));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::chat::nothing_to_regenerate));
  EXPECT_EQ(store_.rollbacks, 1);
}

TEST_F(ChatServiceTest, StopEndsTheAnswerStreamingHereAtOnce) {
  const std::string c = store_.add_conversation(kAda);
  PreparedTurn turn = message(c, "Tell me everything");
  model_.script = {test::text("Partial"), Stall{}};
  test::at(io_, timers_, 100ms,
           [this, c] { asio::co_spawn(io_, service_.stop(kAda, cid(c)), asio::detached); });
  FakeResponseStream out(io_);
  stream(std::move(turn), out);
  EXPECT_EQ(timers_.now() - t0_, 100ms) << "stopped when asked; the model stalls forever";
  EXPECT_EQ(events(out.body), (std::vector<std::string>{"start", "delta", "done"}));
  EXPECT_EQ(rows(c)[1].status, AnswerStatus::stopped);
  EXPECT_EQ(rows(c)[1].content, "Partial");
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(answers("stopped"), 1u);
  EXPECT_EQ(service_.active_answers(), 0u);
}

TEST_F(ChatServiceTest, AStopAnnouncedByAnotherReplicaEndsTheAnswer) {
  run(service_.start());
  ASSERT_TRUE(store_.listening());
  const std::string c = store_.add_conversation(kAda);
  PreparedTurn turn = message(c, "Tell me everything");
  const std::string answer = turn.ids.assistant_message_id.value;
  model_.script = {test::text("Partial"), Stall{}};
  test::at(io_, timers_, 250ms, [this, answer] { store_.announce_stop(answer); });
  FakeResponseStream out(io_);
  stream(std::move(turn), out);
  EXPECT_EQ(timers_.now() - t0_, 250ms);
  EXPECT_EQ(rows(c)[1].status, AnswerStatus::stopped);
  service_.shutdown();
  EXPECT_FALSE(store_.listening());
}

TEST_F(ChatServiceTest, DeletingAConversationStopsItsAnswer) {
  const std::string c = store_.add_conversation(kAda);
  PreparedTurn turn = message(c, "Long answer please");
  model_.script = {test::text("Partial"), Stall{}};
  test::at(io_, timers_, 100ms,
           [this, c] { asio::co_spawn(io_, service_.remove(kAda, cid(c), {}), asio::detached); });
  FakeResponseStream out(io_);
  stream(std::move(turn), out);
  EXPECT_EQ(timers_.now() - t0_, 100ms);
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(store_.conversations.count(c), 0u);
}

TEST_F(ChatServiceTest, AModelFailureIsCountedAndStoredFailed) {
  const std::string c = store_.add_conversation(kAda);
  PreparedTurn turn = message(c, "hi");
  model_.open_error = Error(errc::llm::unavailable, "503");
  FakeResponseStream out(io_);
  stream(std::move(turn), out);
  EXPECT_EQ(events(out.body), (std::vector<std::string>{"start", "error"}));
  EXPECT_EQ(rows(c)[1].status, AnswerStatus::failed);
  EXPECT_EQ(rows(c)[1].final_answer->error_code, "upstream_unavailable");
  EXPECT_EQ(answers("failed"), 1u);
  EXPECT_EQ(answers("complete"), 0u);
}

TEST_F(ChatServiceTest, StartSweepsAndThenEverySweepIntervalUntilShutdown) {
  const std::string c = store_.add_conversation(kAda);
  store_.add_row(c, Role::user, AnswerStatus::complete, "q");
  store_.add_row(c, Role::assistant, AnswerStatus::streaming, "partial");  // its process died
  run(service_.start());
  EXPECT_EQ(store_.sweeps, 1);
  EXPECT_EQ(rows(c)[1].status, AnswerStatus::streaming) << "its lease is still alive";
  test::run_simulated(io_, timers_, [&] { return rows(c)[1].status == AnswerStatus::failed; });
  EXPECT_EQ(timers_.now() - t0_, kStreamLease) << "the first sweep after the lease expired";
  EXPECT_EQ(store_.sweeps, 1 + static_cast<int>(kStreamLease / ChatOptions{}.sweep_interval));

  service_.shutdown();
  io_.poll();
  EXPECT_EQ(timers_.pending_sleeps(), 0u) << "the sweep loop ended";
}

TEST_F(ChatServiceTest, ListRejectsCursorsItDidNotIssueWithoutAQuery) {
  auto page = run(service_.list(kAda, std::string("not-a-cursor"), 20));
  ASSERT_FALSE(page);
  EXPECT_TRUE(page.error().is(errc::chat::bad_cursor));
  // The right shape, a date that does not exist.
  page = run(service_.list(
      kAda, encode_cursor({"2026-02-30 10:00:00+00", "123e4567-e89b-12d3-a456-426614174000"}), 20));
  ASSERT_FALSE(page);
  EXPECT_TRUE(page.error().is(errc::chat::bad_cursor));
  EXPECT_TRUE(store_.listed_limits.empty());
}

TEST_F(ChatServiceTest, ListReadsOneMoreThanThePageAfterTheCursor) {
  const CursorKey key{"2026-11-29 04:10:00.123456+00", "123e4567-e89b-12d3-a456-426614174000"};
  auto page = run(service_.list(kAda, encode_cursor(key), 20));
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->next_cursor) << "no row beyond the page";
  ASSERT_EQ(store_.listed_limits, std::vector<int>{21});
  ASSERT_TRUE(store_.listed_after[0]);
  EXPECT_EQ(store_.listed_after[0]->updated_at, key.updated_at);
  EXPECT_EQ(store_.listed_after[0]->id.value, key.id);
}

TEST_F(ChatServiceTest, ANewConversationHasTheDefaultTitleAndModel) {
  auto created = run(service_.create(kAda, ConversationFields{}));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->title, kDefaultTitle);
  EXPECT_EQ(created->model, std::nullopt);
  auto named = run(service_.create(kAda, ConversationFields{std::string("Trip"), false, {}}));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->title, "Trip");
}

TEST_F(ChatServiceTest, AConversationKeepsAConfiguredModelAndRefusesOthers) {
  auto small = run(service_.create(kAda, ConversationFields{std::nullopt, true, "small"}));
  ASSERT_TRUE(small);
  EXPECT_EQ(store_.conversations.at(small->id.value).model, "small");

  auto unknown = run(service_.create(kAda, ConversationFields{std::nullopt, true, "gpt-5"}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "chat.model_not_found");
  // Names are case-sensitive, as on /v1.
  auto other_case =
      run(service_.update(kAda, small->id, ConversationFields{std::nullopt, true, "Small"}));
  ASSERT_FALSE(other_case);
  EXPECT_EQ(other_case.error().code, "chat.model_not_found");
  EXPECT_EQ(store_.conversations.at(small->id.value).model, "small") << "nothing changed";

  // A title alone leaves the model; null goes back to the default.
  auto renamed =
      run(service_.update(kAda, small->id, ConversationFields{std::string("T"), false, {}}));
  ASSERT_TRUE(renamed && *renamed);
  EXPECT_EQ((*renamed)->model, "small");
  auto reset = run(service_.update(kAda, small->id, ConversationFields{std::nullopt, true, {}}));
  ASSERT_TRUE(reset && *reset);
  EXPECT_EQ((*reset)->model, std::nullopt);
  EXPECT_EQ((*reset)->title, "T");
}

TEST_F(ChatServiceTest, AnswersGoToTheConversationsModelDeployment) {
  const std::string c = store_.add_conversation(kAda);
  store_.conversations.at(c).model = "small";
  model_.script = {test::text("Hi."), test::finish("stop", 3, 1)};
  PreparedTurn turn = message(c, "Hello");
  EXPECT_EQ(turn.model, (ModelChoice{"small", "dep-mini"}));
  FakeResponseStream out(io_);
  stream(std::move(turn), out);
  ASSERT_EQ(model_.stats->requests.size(), 1u);
  EXPECT_EQ(model_.stats->requests[0].deployment, "dep-mini");
  ASSERT_EQ(model_.stats->completions.size(), 1u);
  EXPECT_EQ(model_.stats->completions[0].deployment, "dep-mini") << "the title too";
  // The upstream named no model: the deployment that answered is stored.
  ASSERT_TRUE(rows(c)[1].final_answer);
  EXPECT_EQ(rows(c)[1].final_answer->model, "dep-mini");

  // Regenerate after switching back to the default.
  store_.conversations.at(c).model.reset();
  auto again = run(service_.begin_regenerate(kAda, cid(c)));
  ASSERT_TRUE(again);
  FakeResponseStream out2(io_);
  stream(std::move(*again), out2);
  ASSERT_EQ(model_.stats->requests.size(), 2u);
  EXPECT_EQ(model_.stats->requests[1].deployment, "dep-4o");
}

TEST_F(ChatServiceTest, AModelNoLongerConfiguredFallsBackToTheDefault) {
  const std::string c = store_.add_conversation(kAda);
  store_.conversations.at(c).model = "retired";
  PreparedTurn turn = message(c, "Hello");
  EXPECT_EQ(turn.model, (ModelChoice{"gpt-4o", "dep-4o"}));
}

}  // namespace
}  // namespace parley::chat
