// Pure chat rules: validation, cursor, frames, answer folding, titles and
// error mapping (the rules of a turn: chat_turn_test.cpp).

#include <gtest/gtest.h>

#include "chat/models.hpp"
#include "chat/proto.hpp"
#include "db/errors.hpp"
#include "llm/errors.hpp"

namespace parley::chat {
namespace {

TEST(ChatCursor, RoundTripsAndIsOpaque) {
  const CursorKey key{"2026-11-29 04:10:00.123456+00", "123e4567-e89b-12d3-a456-426614174000"};
  const std::string c = encode_cursor(key);
  EXPECT_EQ(c.find('|'), std::string::npos);
  EXPECT_EQ(c.find('='), std::string::npos) << "base64url without padding";
  auto back = decode_cursor(c);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, key);
}

TEST(ChatCursor, RejectsWhatWeDidNotIssue) {
  const std::vector<std::string> bads = {
      "",
      "!!!",
      "djF8",
      encode_cursor({"2026-11-29 04:10:00+00", "not-a-uuid"}),
      encode_cursor({"'; drop table x; --", "123e4567-e89b-12d3-a456-426614174000"}),
      encode_cursor({"2026-11-29T04:10:00+00", "123e4567-e89b-12d3-a456-426614174000"}),
      std::string(300, 'A')};
  for (const std::string& bad : bads) {
    EXPECT_FALSE(decode_cursor(bad).has_value()) << bad;
  }
}

struct BodyCase {
  std::string body;
  std::string_view code;  // empty: accepted
};

TEST(ChatValidation, MessageBodies) {
  const std::vector<BodyCase> cases = {
      {R"({"content":"hello"})", ""},
      {R"({"content":"h\u00e9llo"})", ""},
      {R"({"content":"x","extra":1})", ""},
      {"", "chat.invalid_json"},
      {"not json", "chat.invalid_json"},
      {"[1,2]", "chat.invalid_json"},
      {R"("hello")", "chat.invalid_json"},
      {"{\"content\":\"\xff\"}", "chat.invalid_json"},
      {R"({"content":"\ud800"})", "chat.invalid_json"},  // a lone surrogate is not UTF-8
      {R"({})", "chat.bad_request"},
      {R"({"content":42})", "chat.bad_request"},
      {R"({"content":null})", "chat.bad_request"},
      {R"({"content":""})", "chat.bad_request"},
      {R"({"content":"  \n\t "})", "chat.bad_request"},
      {R"({"content":"a\u0000b"})", "chat.bad_request"},  // PostgreSQL would cut it at the NUL
      {R"({"content":")" + std::string(kMaxContentBytes, 'a') + R"("})", ""},
      {R"({"content":")" + std::string(kMaxContentBytes + 1, 'a') + R"("})", "chat.too_large"},
  };
  for (const auto& c : cases) {
    auto r = parse_message_body(c.body);
    if (c.code.empty()) {
      EXPECT_TRUE(r) << c.body.substr(0, 40) << " -> " << (r ? "" : r.error().code);
    } else {
      ASSERT_FALSE(r) << c.body.substr(0, 40);
      EXPECT_EQ(r.error().code, c.code) << c.body.substr(0, 40);
      EXPECT_FALSE(r.error().detail.empty());
    }
  }
}

TEST(ChatValidation, Titles) {
  EXPECT_FALSE(parse_create_body("")->title);
  EXPECT_FALSE(parse_create_body("{}")->title);
  EXPECT_FALSE(parse_create_body(R"({"title":null})")->title);
  EXPECT_EQ(*parse_create_body(R"({"title":"  Trip plans "})")->title, "Trip plans");
  EXPECT_EQ(parse_create_body(R"({"title":5})").error().code, "chat.bad_request");
  EXPECT_EQ(parse_create_body("{").error().code, "chat.invalid_json");
  EXPECT_EQ(*parse_update_body(R"({"title":"Renamed"})")->title, "Renamed");
  EXPECT_FALSE(parse_update_body(R"({"title":"Renamed"})")->has_model);
  EXPECT_EQ(parse_update_body("{}").error().code, "chat.bad_request");
  EXPECT_EQ(parse_update_body(R"({"title":"   "})").error().code, "chat.bad_request");
  EXPECT_EQ(parse_update_body(R"({"title":"a\nb"})").error().code, "chat.bad_request");
  const std::string t200(200, 'x');
  EXPECT_TRUE(parse_update_body(R"({"title":")" + t200 + R"("})"));
  EXPECT_EQ(parse_update_body(R"({"title":")" + t200 + R"(x"})").error().code, "chat.bad_request");
  // 200 code points of two bytes each are fine.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(parse_update_body(R"({"title":")" + accents + R"("})"));
}

TEST(ChatValidation, ModelIsANameOrNull) {
  auto created = parse_create_body(R"({"title":"T","model":"gpt-4o"})");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->model, "gpt-4o");
  EXPECT_EQ(created->title, "T");
  EXPECT_FALSE(parse_create_body(R"({"model":null})")->model);
  // PATCH: absent leaves the model, null resets it, a model alone is enough.
  auto reset = parse_update_body(R"({"model":null})");
  ASSERT_TRUE(reset);
  EXPECT_TRUE(reset->has_model);
  EXPECT_FALSE(reset->model);
  EXPECT_FALSE(reset->title);
  EXPECT_EQ(parse_update_body(R"({"model":"small"})")->model, "small");
  for (const char* bad : {R"({"model":5})", R"({"model":""})", R"({"model":["a"]})"}) {
    EXPECT_EQ(parse_update_body(bad).error().code, "chat.bad_request") << bad;
    EXPECT_EQ(parse_create_body(bad).error().code, "chat.bad_request") << bad;
  }
}

TEST(ChatModels, AConversationAnswersWithItsModelWhileItIsConfigured) {
  const std::vector<ModelChoice> models{{"gpt-4o", "dep-4o"}, {"small", "dep-mini"}};
  EXPECT_EQ(answering_model(models, std::nullopt), models[0]) << "null is the default";
  EXPECT_EQ(answering_model(models, std::string("small")), models[1]);
  EXPECT_EQ(answering_model(models, std::string("retired")), models[0]);
  EXPECT_EQ(answering_model(models, std::string("Small")), models[0]) << "case-sensitive";
  EXPECT_EQ(answering_model({}, std::string("small")), ModelChoice{}) << "the client's own";

  EXPECT_EQ(shown_model(models, std::string_view("small")), "small");
  EXPECT_EQ(shown_model(models, std::string_view("retired")), std::nullopt);
  EXPECT_EQ(shown_model(models, std::nullopt), std::nullopt);
  EXPECT_EQ(find_model(models, "gpt-4o"), &models[0]);
  EXPECT_EQ(find_model(models, "gpt"), nullptr);
}

TEST(ChatValidation, LimitsAndIds) {
  EXPECT_EQ(*parse_limit(std::nullopt), 20);
  EXPECT_EQ(*parse_limit(std::string("1")), 1);
  EXPECT_EQ(*parse_limit(std::string("100")), 100);
  for (const char* bad : {"0", "101", "-1", "abc", "", "1000", "1e2"}) {
    EXPECT_FALSE(parse_limit(std::string(bad))) << bad;
  }
  EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456_426614174000"));
}

TEST(ChatValidation, Utf8) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(valid_utf8("\x80"));
}

TEST(ChatFrames, AreOneLineJsonWithTheContractNames) {
  EXPECT_EQ(start_frame("u1", "a1"),
            "event: start\ndata: {\"user_message_id\":\"u1\",\"assistant_message_id\":\"a1\"}\n\n");
  EXPECT_EQ(delta_frame("line 1\nline \"2\""),
            "event: delta\ndata: {\"text\":\"line 1\\nline \\\"2\\\"\"}\n\n");
  EXPECT_EQ(title_frame("Trip"), "event: title\ndata: {\"title\":\"Trip\"}\n\n");
  EXPECT_EQ(done_frame("a1", "complete", std::string("stop"), UsageCounts{5, 2}),
            "event: done\ndata: {\"message_id\":\"a1\",\"status\":\"complete\",\"finish_reason\":"
            "\"stop\",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n");
  EXPECT_EQ(done_frame("a1", "stopped", std::nullopt, std::nullopt),
            "event: done\ndata: {\"message_id\":\"a1\",\"status\":\"stopped\",\"finish_reason\":"
            "null,\"usage\":null}\n\n");
  EXPECT_EQ(error_frame("rate_limited", "Busy", "a1"),
            "event: error\ndata: {\"code\":\"rate_limited\",\"message\":\"Busy\",\"message_id\":"
            "\"a1\"}\n\n");
}

TEST(ChatAnswerState, FoldsItems) {
  AnswerState s;
  std::string delta;
  s.apply(llm::ModelName{"gpt-x"}, delta);
  s.apply(llm::TextDelta{"Hel"}, delta);
  s.apply(llm::TextDelta{"lo"}, delta);
  s.apply(llm::Finish{"stop"}, delta);
  s.apply(llm::Usage{4, 2, 6}, delta);
  s.apply(llm::Done{}, delta);
  EXPECT_EQ(delta, "Hello");
  EXPECT_EQ(s.text, "Hello");
  EXPECT_EQ(s.model, "gpt-x");
  EXPECT_EQ(s.ended_status(), AnswerStatus::complete);
  EXPECT_EQ(s.usage->completion_tokens, 2);
  EXPECT_TRUE(s.done);
  AnswerState f;
  f.apply(llm::Finish{"content_filter"}, delta);
  EXPECT_EQ(f.ended_status(), AnswerStatus::filtered);
}

TEST(ChatErrors, ModelErrorsMapToStablePublicCodes) {
  EXPECT_EQ(public_error(Error(errc::llm::rate_limited)).code, "rate_limited");
  EXPECT_EQ(public_error(Error(errc::llm::cut)).code, "upstream_interrupted");
  EXPECT_EQ(public_error(Error(errc::llm::timeout)).code, "upstream_timeout");
  EXPECT_EQ(public_error(Error(errc::llm::auth, "secret detail")).code, "upstream_unavailable");
  EXPECT_EQ(public_error(Error(errc::llm::auth, "secret detail")).message.find("secret"),
            std::string::npos);
  EXPECT_EQ(public_error(Error(errc::db::unavailable)).code, "unavailable");
}

TEST(ChatTitles, FallbackAndCleanup) {
  EXPECT_EQ(fallback_title("  How do   I\nbake bread?  "), "How do I bake bread?");
  const std::string long_text(
      "Please explain the difference between a mutex and a semaphore in operating systems");
  const std::string t = fallback_title(long_text);
  EXPECT_LE(llm::utf8_length(t), kMaxGeneratedTitleChars);
  EXPECT_TRUE(t.starts_with("Please explain the difference"));
  EXPECT_EQ(fallback_title("   "), "New chat");
  EXPECT_EQ(*clean_generated_title("\"Baking Bread.\"\nextra"), "Baking Bread");
  EXPECT_EQ(*clean_generated_title("Title: Mutex vs semaphore"), "Mutex vs semaphore");
  EXPECT_FALSE(clean_generated_title("  \"\" ").has_value());
  EXPECT_FALSE(clean_generated_title(std::string("Bad\0title", 9)).has_value());
  EXPECT_LE(llm::utf8_length(*clean_generated_title(std::string(500, 'x'))),
            kMaxGeneratedTitleChars);
}

TEST(ChatTitles, TheModelsTitleCleanedElseTheStartOfTheMessage) {
  EXPECT_EQ(conversation_title(std::string_view("\"Baking Bread.\""), "how to bake?"),
            "Baking Bread");
  EXPECT_EQ(conversation_title(std::string_view("  \"\" "), "how to bake?"), "how to bake?")
      << "nothing usable left";
  EXPECT_EQ(conversation_title(std::nullopt, "  how   to\nbake? "), "how to bake?")
      << "the model failed";
}

}  // namespace
}  // namespace parley::chat
