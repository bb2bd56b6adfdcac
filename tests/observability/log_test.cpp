#include "observability/log.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace parley::log
