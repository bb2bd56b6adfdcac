#include "observability/log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace parley::log {
namespace {

class LogCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    set_sink(&captured);
    set_level(Level::info);
  }
  void TearDown() override {
    set_sink(nullptr);
    set_level(Level::info);
  }
  std::string captured;
};

TEST_F(LogCapture, WritesOneJsonLinePerEventWithTypedFields) {
  info("http.request").str("path", "/api/x").num("status", 200).boolean("ok", true).real("ms", 1.5);
  ASSERT_EQ(std::count(captured.begin(), captured.end(), '\n'), 1);
  EXPECT_NE(captured.find(R"("level":"info","msg":"http.request","path":"/api/x","status":200,"ok":true,"ms":1.500})"),
            std::string::npos)
      << captured;
  EXPECT_TRUE(captured.starts_with(R"({"ts":")"));
}

TEST_F(LogCapture, EscapesControlCharactersQuotesAndNewlinesSoALineStaysOneLine) {
  warn("x").str("v", "a\"b\\c\nd\re\x01" "f\x7f");
  EXPECT_NE(captured.find(R"("v":"a\"b\\c\nd\re\u0001f\u007f")"), std::string::npos) << captured;
  EXPECT_EQ(std::count(captured.begin(), captured.end(), '\n'), 1);
}

TEST_F(LogCapture, EventsBelowTheLevelAreDropped) {
  debug("hidden").str("k", "v");
  EXPECT_TRUE(captured.empty());
  set_level(Level::error);
  warn("also hidden");
  EXPECT_TRUE(captured.empty());
  error("shown");
  EXPECT_NE(captured.find("shown"), std::string::npos);
}

TEST(LogLevel, ParsesTheFourNamesOnly) {
  Level l{};
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::debug);
  EXPECT_TRUE(parse_level("error", l));
  EXPECT_EQ(l, Level::error);
  EXPECT_FALSE(parse_level("verbose", l));
  EXPECT_FALSE(parse_level("INFO", l));
}

std::string logs_while_evaluated() {
  info("inner").str("k", "v");
  return "x";
}

// The line is built in a per-thread buffer; an event built while another is
// (a value that logs) must not write into the outer event's line.
TEST_F(LogCapture, AnEventBuiltWhileAnotherIsBuildingKeepsBothLinesWhole) {
  info("outer").str("a", "1").str("b", logs_while_evaluated()).num("n", 2);
  const auto inner = captured.find(R"("msg":"inner","k":"v"})");
  const auto outer = captured.find(R"("msg":"outer","a":"1","b":"x","n":2})");
  EXPECT_NE(inner, std::string::npos) << captured;
  EXPECT_NE(outer, std::string::npos) << captured;
  EXPECT_LT(inner, outer) << "the inner event ends first";
  EXPECT_EQ(std::count(captured.begin(), captured.end(), '\n'), 2);
}

TEST_F(LogCapture, ConsecutiveEventsStartFromAnEmptyLine) {
  info("first").str("long", std::string(10000, 'a'));
  info("second").num("n", 1);
  const auto second = captured.find("\n") + 1;
  EXPECT_TRUE(captured.compare(second, 7, R"({"ts":")") == 0) << captured.substr(second);
  EXPECT_NE(captured.find(R"("msg":"second","n":1})", second), std::string::npos);
  EXPECT_EQ(captured.find('a', second), std::string::npos);
}

TEST_F(LogCapture, RealsHaveThreeCorrectlyRoundedDecimals) {
  info("r").real("a", 0.0424).real("b", 12345.6789).real("c", 0.0).real("d", -2.5);
  EXPECT_NE(captured.find(R"("a":0.042,"b":12345.679,"c":0.000,"d":-2.500})"), std::string::npos)
      << captured;
}

TEST_F(LogCapture, TimestampHasMillisecondsAndZ) {
  info("t");
  // {"ts":"2026-12-03T23:20:00.123Z",...
  ASSERT_GE(captured.size(), 32u);
  EXPECT_EQ(captured[26], '.');
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(captured[27])));
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(captured[29])));
  EXPECT_EQ(captured[30], 'Z');
}

}  // namespace
}  // namespace parley::log
