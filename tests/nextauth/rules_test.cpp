// The rules of `parley import nextauth` over plain rows.

#include "nextauth/rules.hpp"

#include <gtest/gtest.h>

#include "chat/proto.hpp"

namespace parley::nextauth {
namespace {

db::SourceMessage row(std::string key, std::string role, std::optional<std::string> content,
                      std::optional<std::string> at = "2025-03-01T10:00:00.000000Z") {
  return db::SourceMessage{std::move(key), std::move(role), std::move(content), std::move(at)};
}

TEST(ImportPlan, GroupsRowsByConversationKeyOldestFirst) {
  const std::vector<db::SourceMessage> rows = {
      row("a", "system", "Be brief.", "2025-03-01T09:59:00.000000Z"),
      row("a", "user", "How do I   reset my\ntoken?", "2025-03-01T10:00:00.000000Z"),
      row("a", "assistant", "Like this.", "2025-03-01T10:00:05.000000Z"),
      row("b", "assistant", "Hello.", "2025-04-02T08:00:00.000000Z"),
  };
  const MessagePlan plan = plan_conversations(rows);
  ASSERT_EQ(plan.conversations.size(), 2u);
  EXPECT_EQ(plan.rejected, 0);
  const auto& a = plan.conversations[0];
  EXPECT_EQ(a.key, "a");
  EXPECT_EQ(a.created_at, "2025-03-01T09:59:00.000000Z");
  ASSERT_EQ(a.messages.size(), 3u);
  EXPECT_EQ(a.messages[1].role, "user");
  EXPECT_EQ(a.messages[2].content, "Like this.");
  // The title is the first user message's start, as chat names an untitled one.
  EXPECT_EQ(a.title, chat::fallback_title("How do I   reset my\ntoken?"));
  EXPECT_NE(a.title.find("How do I"), std::string::npos);
  // No user message: a fixed title.
  EXPECT_EQ(plan.conversations[1].title, kUntitledImport);
}

TEST(ImportPlan, RejectsRowsParleyCannotHold) {
  const std::vector<db::SourceMessage> rows = {
      row("a", " User ", "kept: the role is trimmed and lower-cased"),
      row("a", "tool", "a role Parley has no place for"),
      row("a", "function", "neither"),
      row("a", "user", std::nullopt),
      row("a", "user", "no time", std::nullopt),
      row("a", "assistant", std::string(kMaxImportedMessageBytes + 1, 'x')),
      row("a", "assistant", std::string(kMaxImportedMessageBytes, 'x')),
  };
  const MessagePlan plan = plan_conversations(rows);
  EXPECT_EQ(plan.rejected, 5);
  ASSERT_EQ(plan.conversations.size(), 1u);
  ASSERT_EQ(plan.conversations[0].messages.size(), 2u);
  EXPECT_EQ(plan.conversations[0].messages[0].role, "user");
  EXPECT_EQ(plan.conversations[0].messages[1].content.size(), kMaxImportedMessageBytes);
}

TEST(ImportPlan, AConversationOfOnlyRejectedRowsIsNotCreated) {
  const std::vector<db::SourceMessage> rows = {row("a", "tool", "x"), row("b", "user", "hi")};
  const MessagePlan plan = plan_conversations(rows);
  ASSERT_EQ(plan.conversations.size(), 1u);
  EXPECT_EQ(plan.conversations[0].key, "b");
}

TEST(ImportSummaryText, SaysWhatWasAndWasNotImported) {
  ImportSummary s;
  s.users_imported = 3;
  s.users_already = 1;
  s.accounts_imported = 3;
  s.conversations_imported = 4;
  s.conversations_deleted = 1;
  s.messages_imported = 12;
  s.messages_rejected = 2;
  const std::string text = summary_text(s);
  EXPECT_NE(text.find("users: 3 imported, 1 already imported, 0 failed\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("conversations: 4 imported, 0 already imported, 1 deleted"),
            std::string::npos);
  EXPECT_NE(text.find("messages: 12 imported, 0 already imported, 2 rejected\n"),
            std::string::npos);
  EXPECT_EQ(text.find("dry run"), std::string::npos);

  s.dry_run = true;
  s.messages_view_found = false;
  s.users_failed = 12;
  for (int i = 0; i < 10; ++i) s.failures.push_back("u" + std::to_string(i) + ": db.query");
  const std::string dry = summary_text(s);
  EXPECT_TRUE(dry.starts_with("dry run: nothing was written")) << dry;
  EXPECT_NE(dry.find("the messages view does not exist"), std::string::npos);
  EXPECT_NE(dry.find("failed: u0: db.query\n"), std::string::npos);
  EXPECT_NE(dry.find("failed: 2 more\n"), std::string::npos);
}

}  // namespace
}  // namespace parley::nextauth
