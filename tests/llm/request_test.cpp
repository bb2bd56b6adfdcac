#include "llm/request.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace parley::llm {
namespace {

namespace json = boost::json;

TEST(BuildChatRequest, StreamsWithUsageByDefault) {
  const auto body = build_chat_request({{"system", "be brief"}, {"user", "hi \"there\"\n"}}, {});
  const auto v = json::parse(body);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("stream"), true);
  EXPECT_EQ(o.at("stream_options").at("include_usage"), true);
  ASSERT_EQ(o.at("messages").as_array().size(), 2u);
  EXPECT_EQ(o.at("messages").at(1).at("role"), "user");
  EXPECT_EQ(o.at("messages").at(1).at("content"), "hi \"there\"\n");
  EXPECT_FALSE(o.contains("max_tokens"));
  EXPECT_FALSE(o.contains("temperature"));
  EXPECT_FALSE(o.contains("top_p"));
  EXPECT_FALSE(o.contains("stop"));
}

TEST(BuildChatRequest, OptionalFieldsAndNonStreaming) {
  ChatOptions opt;
  opt.stream = false;
  opt.max_tokens = 20;
  opt.temperature = 0.5;
  const auto v = json::parse(build_chat_request({{"user", "title?"}}, opt));
  const auto& o = v.as_object();
  EXPECT_FALSE(o.contains("stream"));
  EXPECT_FALSE(o.contains("stream_options"));
  EXPECT_EQ(o.at("max_tokens"), 20);
  EXPECT_EQ(o.at("temperature"), 0.5);
}

// The /v1 service API relays the caller's sampling parameters.
TEST(BuildChatRequest, TopPAndStopSequences) {
  ChatOptions opt;
  opt.top_p = 0.25;
  opt.stop = {"END", "\n\n"};
  const auto v = json::parse(build_chat_request({{"user", "x"}}, opt));
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("top_p"), 0.25);
  ASSERT_EQ(o.at("stop").as_array().size(), 2u);
  EXPECT_EQ(o.at("stop").at(0), "END");
  EXPECT_EQ(o.at("stop").at(1), "\n\n");
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);      // é
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);  // emoji
}

std::vector<ChatMessage> turns(int n) {
  std::vector<ChatMessage> h;
  for (int i = 0; i < n; ++i) {
    h.push_back({i % 2 == 0 ? "user" : "assistant", std::string(10, static_cast<char>('a' + i))});
  }
  return h;
}

struct BoundCase {
  const char* name;
  std::string system;
  int history_turns;  // each 10 chars
  std::string newest;
  std::size_t max_chars;
  std::size_t expected_history_kept;
};

void PrintTo(const BoundCase& c, std::ostream* os) { *os << c.name; }

class BoundHistoryTable : public ::testing::TestWithParam<BoundCase> {};

TEST_P(BoundHistoryTable, KeepsNewestTurnsWithinBudget) {
  const auto& c = GetParam();
  const auto history = turns(c.history_turns);
  const auto out = bound_history(c.system, history, c.newest, c.max_chars);
  const std::size_t sys = c.system.empty() ? 0 : 1;
  ASSERT_EQ(out.size(), sys + c.expected_history_kept + 1) << c.name;
  if (sys) {
    EXPECT_EQ(out.front(), (ChatMessage{"system", c.system}));
  }
  EXPECT_EQ(out.back(), (ChatMessage{"user", c.newest}));
  for (std::size_t i = 0; i < c.expected_history_kept; ++i) {
    EXPECT_EQ(out[sys + i], history[history.size() - c.expected_history_kept + i]) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BoundHistoryTable,
    ::testing::Values(BoundCase{"all_fit", "sys", 4, "new", 1000, 4},
                      BoundCase{"exact_fit", "sys", 4, "new", 46, 4},
                      BoundCase{"one_short_drops_oldest", "sys", 4, "new", 45, 3},
                      BoundCase{"only_newest_turn", "sys", 4, "new", 16, 1},
                      BoundCase{"none_fit", "sys", 4, "new", 15, 0},
                      BoundCase{"system_and_newest_over_budget_still_sent", std::string(50, 's'), 4,
                                std::string(50, 'n'), 10, 0},
                      BoundCase{"no_system_prompt", "", 3, "q", 21, 2},
                      BoundCase{"zero_budget", "", 3, "q", 0, 0},
                      BoundCase{"empty_history", "sys", 0, "q", 100, 0}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(BoundHistory, DropsContiguouslyNotSkipping) {
  std::vector<ChatMessage> history = {
      {"user", "short"}, {"assistant", std::string(100, 'x')}, {"user", "recent"}};
  const auto out = bound_history("", history, "now", 20);
  // "recent" fits, the 100-char turn does not; "short" would fit but must not be kept alone.
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].content, "recent");
}

TEST(BoundHistory, CountsCharactersNotBytes) {
  std::vector<ChatMessage> history = {{"user", "\xC3\xA9\xC3\xA9\xC3\xA9"}};  // 3 chars, 6 bytes
  EXPECT_EQ(bound_history("", history, "q", 4).size(), 2u);
  EXPECT_EQ(bound_history("", history, "q", 3).size(), 1u);
}

}  // namespace
}  // namespace parley::llm
