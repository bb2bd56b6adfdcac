// The rules of a turn, without a database: conflict while an answer
// streams (and only while its lease lives), the history sent upstream, what
// regenerate answers and replaces, when an answer names the conversation;
// the status and role texts the database and the API use.

#include <gtest/gtest.h>

#include "chat/errors.hpp"
#include "chat/status.hpp"
#include "chat/turn.hpp"

namespace parley::chat {
namespace {

using namespace std::chrono_literals;

StoredMessage msg(std::string id, Role role, std::string content,
                  AnswerStatus status = AnswerStatus::complete,
                  std::chrono::milliseconds idle = 0ms) {
  return StoredMessage{id,  role, status, std::move(content), "2026-12-01 10:00:00." + id + "+00",
                       idle};
}

ConversationSnapshot conversation(std::vector<StoredMessage> messages,
                                  std::string title = std::string(kDefaultTitle)) {
  return ConversationSnapshot{std::move(title), std::move(messages), std::nullopt};
}

TEST(ChatStatus, TextIsWhatTheDatabaseAndTheApiUse) {
  const std::vector<std::pair<AnswerStatus, std::string_view>> statuses = {
      {AnswerStatus::streaming, "streaming"},
      {AnswerStatus::complete, "complete"},
      {AnswerStatus::stopped, "stopped"},
      {AnswerStatus::failed, "failed"},
      {AnswerStatus::filtered, "filtered"}};
  for (const auto& [status, text] : statuses) {
    EXPECT_EQ(to_string(status), text);
    EXPECT_EQ(parse_answer_status(text), status);
  }
  EXPECT_FALSE(parse_answer_status("Complete"));
  EXPECT_FALSE(parse_answer_status(""));
  for (Role r : {Role::user, Role::assistant, Role::system}) EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_EQ(to_string(Role::assistant), "assistant");
  EXPECT_FALSE(parse_role("tool"));
}

TEST(ChatTurn, AnAnswerWithALiveLeaseBlocksTheConversation) {
  const auto c = conversation(
      {msg("1", Role::user, "q"), msg("2", Role::assistant, "par", AnswerStatus::streaming, 119s)});
  EXPECT_TRUE(answer_in_progress(c, kStreamLease));
  auto m = plan_message(c, "again");
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(errc::chat::conflict));
  auto r = plan_regenerate(c);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::chat::conflict));
}

TEST(ChatTurn, AnAnswerWhoseLeaseExpiredNoLongerBlocks) {
  // Its process died; the sweep has not turned it 'failed' yet.
  const auto c = conversation(
      {msg("1", Role::user, "q"), msg("2", Role::assistant, "par", AnswerStatus::streaming, 120s)});
  EXPECT_FALSE(answer_in_progress(c, kStreamLease));
  auto m = plan_message(c, "next");
  ASSERT_TRUE(m) << m.error().code;
  EXPECT_EQ(m->history, (std::vector<llm::ChatMessage>{{"user", "q"}}))
      << "the dead answer is not history";
}

TEST(ChatTurn, HistoryHasUserMessagesAndCompleteOrStoppedAnswers) {
  const std::vector<StoredMessage> earlier = {
      msg("1", Role::user, "q1"),
      msg("2", Role::assistant, "a1"),
      msg("3", Role::user, "q2"),
      msg("4", Role::assistant, "partial", AnswerStatus::stopped),
      msg("5", Role::user, "q3"),
      msg("6", Role::assistant, "half", AnswerStatus::failed),
      msg("7", Role::user, "q4"),
      msg("8", Role::assistant, "bad", AnswerStatus::filtered),
      msg("9", Role::assistant, "", AnswerStatus::complete),
      msg("10", Role::system, "a system row"),
  };
  EXPECT_EQ(select_history(earlier), (std::vector<llm::ChatMessage>{{"user", "q1"},
                                                                    {"assistant", "a1"},
                                                                    {"user", "q2"},
                                                                    {"assistant", "partial"},
                                                                    {"user", "q3"},
                                                                    {"user", "q4"}}));
}

TEST(ChatTurn, ANewMessageIsAnsweredWithEverythingBefore) {
  const auto c = conversation({msg("1", Role::user, "q1"), msg("2", Role::assistant, "a1")});
  auto plan = plan_message(c, "q2");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->user_content, "q2");
  EXPECT_FALSE(plan->regenerates) << "a new message is inserted";
  EXPECT_EQ(plan->history, (std::vector<llm::ChatMessage>{{"user", "q1"}, {"assistant", "a1"}}));
}

TEST(ChatTurn, OnlyTheFirstAnswerOfAnUnnamedConversationNamesIt) {
  EXPECT_TRUE(plan_message(conversation({}), "hi")->names_conversation);
  EXPECT_FALSE(plan_message(conversation({}, "Renamed"), "hi")->names_conversation);
  EXPECT_FALSE(plan_message(conversation({msg("1", Role::user, "q"),
                                          msg("2", Role::assistant, "", AnswerStatus::failed)}),
                            "again")
                   ->names_conversation)
      << "any earlier answer counts, even a failed one";
  // A conversation whose only answer is regenerated is still unnamed.
  EXPECT_TRUE(
      plan_regenerate(conversation({msg("1", Role::user, "q"), msg("2", Role::assistant, "a")}))
          ->names_conversation);
  EXPECT_FALSE(
      plan_regenerate(conversation({msg("1", Role::user, "q"), msg("2", Role::assistant, "a"),
                                    msg("3", Role::user, "q2"), msg("4", Role::assistant, "a2")}))
          ->names_conversation);
}

TEST(ChatTurn, RegenerateAnswersTheLastUserMessageAgain) {
  const auto c = conversation({msg("1", Role::user, "q1"), msg("2", Role::assistant, "a1"),
                               msg("3", Role::user, "q2"),
                               msg("4", Role::assistant, "a2", AnswerStatus::failed)});
  auto plan = plan_regenerate(c);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->user_content, "q2");
  ASSERT_TRUE(plan->regenerates);
  EXPECT_EQ(plan->regenerates->id, "3");
  EXPECT_EQ(plan->regenerates->created_at, c.messages[2].created_at);
  EXPECT_EQ(plan->history, (std::vector<llm::ChatMessage>{{"user", "q1"}, {"assistant", "a1"}}))
      << "only what came before the regenerated message";
}

TEST(ChatTurn, RegenerateWithoutAnAnswerYetAnswersTheLastMessage) {
  const auto c = conversation({msg("1", Role::user, "q1")});
  auto plan = plan_regenerate(c);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->regenerates->id, "1");
  EXPECT_TRUE(plan->history.empty());
}

TEST(ChatTurn, NothingToRegenerateWithoutAUserMessage) {
  for (const auto& c : {conversation({}), conversation({msg("1", Role::system, "hello")})}) {
    auto plan = plan_regenerate(c);
    ASSERT_FALSE(plan);
    EXPECT_TRUE(plan.error().is(errc::chat::nothing_to_regenerate));
  }
}

TEST(ChatTurn, MessagesSentUpstreamKeepTheSystemPromptAndTheNewestWithinTheBudget) {
  TurnPlan plan;
  plan.user_content = "newer";
  plan.history = {{"user", std::string(50, 'o')},
                  {"assistant", "old answer"},
                  {"user", "0123456789"},
                  {"assistant", "answer"}};
  auto m = turn_messages(plan, "Be brief.", 9 + 5 + 10 + 6);  // system + newest + two turns
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], (llm::ChatMessage{"system", "Be brief."}));
  EXPECT_EQ(m[1], (llm::ChatMessage{"user", "0123456789"}));
  EXPECT_EQ(m[2], (llm::ChatMessage{"assistant", "answer"}));
  EXPECT_EQ(m[3], (llm::ChatMessage{"user", "newer"}));
  m = turn_messages(plan, "", 1);
  ASSERT_EQ(m.size(), 1u) << "the newest message always goes";
  EXPECT_EQ(m[0].content, "newer");
}

}  // namespace
}  // namespace parley::chat
