#include "llm/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/samples.hpp"

namespace parley::llm {
namespace {

using namespace std::string_literals;

std::vector<SseEvent> parse_pieces(const std::vector<std::string>& pieces, bool* ok = nullptr) {
  SseParser p;
  std::vector<SseEvent> out;
  bool good = true;
  for (const auto& piece : pieces) good = static_cast<bool>(p.feed(piece, out)) && good;
  good = static_cast<bool>(p.finish(out)) && good;
  if (ok) *ok = good;
  return out;
}

std::vector<SseEvent> parse(const std::string& text) { return parse_pieces({text}); }

SseEvent ev(std::string data, std::string event = "message", std::string id = "") {
  return SseEvent{std::move(event), std::move(data), std::move(id)};
}

TEST(SseParser, DispatchesOnlyOnBlankLine) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: a\n", out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(p.feed("\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ev("a"));
}

TEST(SseParser, JoinsMultiLineData) {
  EXPECT_EQ(parse("data: one\ndata: two\ndata:three\n\n"), std::vector{ev("one\ntwo\nthree")});
}

TEST(SseParser, StripsOnlyOneLeadingSpace) {
  EXPECT_EQ(parse("data:  two spaces\n\n"), std::vector{ev(" two spaces")});
  EXPECT_EQ(parse("data:x\n\n"), std::vector{ev("x")});
}

TEST(SseParser, IgnoresComments) {
  EXPECT_EQ(parse(": keep-alive\n\n:another\ndata: x\n: mid\n\n"), std::vector{ev("x")});
}

TEST(SseParser, FieldWithoutColonHasEmptyValue) {
  // "data" alone appends an empty line; two of them give "\n".
  EXPECT_EQ(parse("data\ndata\n\n"), std::vector{ev("\n")});
  EXPECT_EQ(parse("data\n\n"), std::vector{ev("")});
}

TEST(SseParser, EventWithoutDataIsNotDispatched) {
  EXPECT_TRUE(parse("event: ping\n\n").empty());
  EXPECT_EQ(parse("event: ping\n\ndata: x\n\n"), std::vector{ev("x")});  // type reset
}

TEST(SseParser, EventFieldSetsTypeAndIdPersists) {
  const auto out = parse("event: delta\nid: 7\ndata: a\n\ndata: b\n\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], ev("a", "delta", "7"));
  EXPECT_EQ(out[1], ev("b", "message", "7"));
}

TEST(SseParser, IdWithNulIsIgnored) {
  const auto out = parse("id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n"s);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].id, "1");
}

TEST(SseParser, UnknownFieldsAndRetryIgnored) {
  EXPECT_EQ(parse("retry: 100\nfoo: bar\ndata: x\n\n"), std::vector{ev("x")});
}

TEST(SseParser, HandlesCrLfAndBareCr) {
  const std::vector expected{ev("a\nb"), ev("c")};
  EXPECT_EQ(parse("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"), expected);
  EXPECT_EQ(parse("data: a\rdata: b\r\rdata: c\r\r"), expected);
  EXPECT_EQ(parse("data: a\rdata: b\n\r\ndata: c\n\n"), expected);
}

TEST(SseParser, CrAtEndOfOneFeedAndLfAtStartOfNext) {
  EXPECT_EQ(parse_pieces({"data: a\r", "\ndata: b\r", "\n\r", "\n"}), std::vector{ev("a\nb")});
}

TEST(SseParser, StripsLeadingBomEvenWhenSplit) {
  EXPECT_EQ(parse("\xEF\xBB\xBF"
                  "data: x\n\n"),
            std::vector{ev("x")});
  EXPECT_EQ(parse_pieces({"\xEF", "\xBB",
                          "\xBF"
                          "data: x\n\n"}),
            std::vector{ev("x")});
  // Only at stream start, and only one.
  EXPECT_EQ(parse("data: \xEF\xBB\xBFx\n\n"), std::vector{ev("\xEF\xBB\xBFx")});
  // A partial BOM prefix is data.
  EXPECT_EQ(parse_pieces({"\xEF", "data: x\n\n"}).size(), 0u);  // "\xEF" "data" is an unknown field
}

TEST(SseParser, IncompleteEventAtEndIsDiscardedAndReported) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: a\n\ndata: partial\n", out));
  auto st = p.finish(out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "sse.truncated");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a");
}

TEST(SseParser, RejectsEventLargerThanLimit) {
  SseParser p(64);
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: small\n\n", out));
  auto st = p.feed("data: " + std::string(100, 'x'), out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "sse.too_large");
  EXPECT_EQ(out.size(), 1u);
  auto again = p.feed("\n\ndata: y\n\n", out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "sse.too_large");
}

TEST(SseParser, LimitCountsAccumulatedDataLines) {
  SseParser p(64);
  std::vector<SseEvent> out;
  Status st = {};
  for (int i = 0; i < 10 && st; ++i) st = p.feed("data: 0123456789\n", out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "sse.too_large");
}

class SampleChunking : public ::testing::TestWithParam<const char*> {};

TEST_P(SampleChunking, EverySplitGivesTheSameEvents) {
  const auto text = testing::sample_stream(GetParam());
  ASSERT_FALSE(text.empty()) << "sample missing: " << GetParam();
  bool ok = false;
  const auto whole = parse_pieces({text}, &ok);
  ASSERT_TRUE(ok);
  ASSERT_GE(whole.size(), 5u);
  EXPECT_EQ(whole.back().data, "[DONE]");

  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(parse_pieces(bytes), whole) << "byte by byte";

  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    ASSERT_EQ(parse_pieces({text.substr(0, cut), text.substr(cut)}), whole) << "cut at " << cut;
  }
}

TEST_P(SampleChunking, CrLfVariantGivesTheSameEvents) {
  const auto text = testing::sample_stream(GetParam());
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const auto expected = parse(text);
  EXPECT_EQ(parse(crlf), expected);
  for (std::size_t cut = 0; cut <= crlf.size(); cut += 7) {
    ASSERT_EQ(parse_pieces({crlf.substr(0, cut), crlf.substr(cut)}), expected) << "cut at " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleChunking,
                         ::testing::Values("aoai-chat-stream-include-usage",
                                           "aoai-chat-stream-content-filter-blocked"));

TEST(SseParser, RepoSampleCopiesMatchSharedSamples) {
  for (const char* name :
       {"aoai-chat-stream-include-usage", "aoai-chat-stream-content-filter-blocked"}) {
    const auto shared = testing::shared_sample(std::string(name) + ".sse.txt");
    if (shared.empty()) GTEST_SKIP() << "shared/ not beside the repo";
    EXPECT_EQ(testing::read_file(testing::source_dir() + "/tests/data/llm/" + name + ".sse"),
              shared)
        << name;
  }
}

}  // namespace
}  // namespace parley::llm
