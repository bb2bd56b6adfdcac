#include "llm/chat_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/samples.hpp"

namespace parley::llm {
namespace {

SseEvent data(std::string d) { return SseEvent{"message", std::move(d), ""}; }

// Decodes a whole stream delivered in `pieces`; stops at the first error.
struct Decoded {
  std::vector<StreamItem> items;
  std::string error;
};

Decoded decode_pieces(const std::vector<std::string>& pieces) {
  SseParser parser;
  ChatStreamDecoder decoder;
  Decoded d;
  std::vector<SseEvent> events;
  for (const auto& piece : pieces) {
    if (auto st = parser.feed(piece, events); !st) {
      d.error = std::string(st.error().code);
      return d;
    }
    for (const auto& e : events) {
      if (auto st = decoder.decode(e, d.items); !st) {
        d.error = std::string(st.error().code);
        return d;
      }
    }
    events.clear();
  }
  (void)parser.finish(events);
  return d;
}

Decoded decode_text(const std::string& text) { return decode_pieces({text}); }

std::string joined_text(const std::vector<StreamItem>& items) {
  std::string out;
  for (const auto& i : items) {
    if (const auto* t = std::get_if<TextDelta>(&i)) out += t->text;
  }
  return out;
}

template <class T>
std::vector<T> all_of_type(const std::vector<StreamItem>& items) {
  std::vector<T> out;
  for (const auto& i : items) {
    if (const auto* t = std::get_if<T>(&i)) out.push_back(*t);
  }
  return out;
}

TEST(ChatStream, DecodesIncludeUsageSample) {
  const auto d = decode_text(testing::sample_stream("aoai-chat-stream-include-usage"));
  ASSERT_EQ(d.error, "");
  const std::vector<StreamItem> expected = {
      ModelName{"gpt-4o-mini-2024-07-18"},
      TextDelta{"hello"},
      TextDelta{"world"},
      Finish{"stop"},
      Usage{965, 93, 1058},
      Done{},
  };
  EXPECT_EQ(d.items, expected);
}

TEST(ChatStream, DecodesContentFilterBlockedSample) {
  const auto d = decode_text(testing::sample_stream("aoai-chat-stream-content-filter-blocked"));
  ASSERT_EQ(d.error, "");
  const std::vector<StreamItem> expected = {
      ModelName{"gpt-35-turbo"}, TextDelta{"Hey"},
      TextDelta{" Jude"},        TextDelta{","},
      TextDelta{" better"},      FilterAlarm{"completion", "protected_material_text"},
      Finish{"content_filter"},  Done{},
  };
  EXPECT_EQ(d.items, expected);
}

class DecodeChunking : public ::testing::TestWithParam<const char*> {};

TEST_P(DecodeChunking, SameItemsWhateverTheChunking) {
  const auto text = testing::sample_stream(GetParam());
  ASSERT_FALSE(text.empty());
  const auto whole = decode_text(text);
  ASSERT_EQ(whole.error, "");
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(decode_pieces(bytes).items, whole.items);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    ASSERT_EQ(decode_pieces({text.substr(0, cut), text.substr(cut)}).items, whole.items)
        << "cut at " << cut;
  }
  for (std::size_t a = 0; a < text.size(); a += 13) {  // three pieces, coarser grid
    for (std::size_t b = a; b <= text.size(); b += 29) {
      ASSERT_EQ(decode_pieces({text.substr(0, a), text.substr(a, b - a), text.substr(b)}).items,
                whole.items)
          << "cuts at " << a << "," << b;
    }
  }
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(decode_text(crlf).items, whole.items);
}

INSTANTIATE_TEST_SUITE_P(Samples, DecodeChunking,
                         ::testing::Values("aoai-chat-stream-include-usage",
                                           "aoai-chat-stream-content-filter-blocked"));

TEST(ChatStream, PromptFilterPreambleStartsNoAnswer) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false}}}]})"));
  ASSERT_TRUE(items);
  EXPECT_TRUE(items->empty());
}

TEST(ChatStream, FilteredFalseEmptyAndErrorAnnotationsAreNotAlarms) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"error":{"code":"content_filter_error","message":"The contents are not filtered"},"custom_blocklists":{"filtered":false,"details":[]},"profanity":{}}}],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"error":{}}},{"prompt_index":1,"content_filter_results":{}}]})"));
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, std::vector<StreamItem>{TextDelta{"x"}});
}

TEST(ChatStream, FilteredTrueAnnotationsAreAlarms) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"jailbreak":{"filtered":true,"detected":true},"custom_blocklists":[{"filtered":true,"id":"b1"}]}}]})"));
  ASSERT_TRUE(items);
  const std::vector<StreamItem> expected = {FilterAlarm{"prompt", "jailbreak"},
                                            FilterAlarm{"prompt", "custom_blocklists"}};
  EXPECT_EQ(*items, expected);
}

TEST(ChatStream, EmptyChoicesAndRoleChunksYieldNothing) {
  ChatStreamDecoder d;
  auto a = d.decode(data(R"({"choices":[],"usage":null})"));
  auto b = d.decode(data(
      R"({"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant","content":""}}],"usage":null})"));
  auto c = d.decode(data(R"({"choices":[{"index":0,"delta":{"content":null}}]})"));
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->empty());
  EXPECT_TRUE(b->empty());
  EXPECT_TRUE(c->empty());
}

TEST(ChatStream, NulInContentBecomesTheReplacementCharacter) {
  ChatStreamDecoder d;
  auto items = d.decode(data(R"({"choices":[{"index":0,"delta":{"content":"a\u0000b"}}]})"));
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, std::vector<StreamItem>{TextDelta{"a\xEF\xBF\xBD" "b"}});
}

TEST(ChatStream, FinishReasonsPassThrough) {
  for (const char* reason : {"stop", "length", "content_filter", "tool_calls"}) {
    ChatStreamDecoder d;
    auto items =
        d.decode(data(std::string(R"({"choices":[{"index":0,"delta":{},"finish_reason":")") +
                      reason + R"("}]})"));
    ASSERT_TRUE(items);
    EXPECT_EQ(*items, std::vector<StreamItem>{Finish{reason}});
  }
}

TEST(ChatStream, UsageChunk) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"choices":[],"usage":{"completion_tokens":5,"prompt_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}})"));
  ASSERT_TRUE(items);
  const std::vector<StreamItem> expected = {Usage{7, 5, 12}};
  EXPECT_EQ(*items, expected);
}

TEST(ChatStream, ModelNameReportedOnceFromFirstNonEmpty) {
  ChatStreamDecoder d;
  std::vector<StreamItem> items;
  ASSERT_TRUE(d.decode(data(R"({"model":"","choices":[]})"), items));
  ASSERT_TRUE(d.decode(data(R"({"model":"gpt-4o","choices":[]})"), items));
  ASSERT_TRUE(d.decode(data(R"({"model":"other","choices":[]})"), items));
  EXPECT_EQ(items, std::vector<StreamItem>{ModelName{"gpt-4o"}});
}

TEST(ChatStream, OnlyChoiceZeroIsRead) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"choices":[{"index":1,"delta":{"content":"no"}},{"index":0,"delta":{"content":"yes"}}]})"));
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, std::vector<StreamItem>{TextDelta{"yes"}});
}

TEST(ChatStream, DoneSentinelAndNothingAfter) {
  ChatStreamDecoder d;
  std::vector<StreamItem> items;
  ASSERT_TRUE(d.decode(data("[DONE]"), items));
  EXPECT_TRUE(d.done());
  ASSERT_TRUE(d.decode(data(R"({"choices":[{"index":0,"delta":{"content":"late"}}]})"), items));
  ASSERT_TRUE(d.decode(data("not json"), items));
  EXPECT_EQ(items, std::vector<StreamItem>{Done{}});
}

TEST(ChatStream, EmptyDataIsKeepAlive) {
  ChatStreamDecoder d;
  auto items = d.decode(data(""));
  ASSERT_TRUE(items);
  EXPECT_TRUE(items->empty());
}

TEST(ChatStream, MalformedJsonIsBadChunk) {
  for (const char* bad :
       {R"({"choices":[{"delta":{"content":"oops")", "[1,2]", "42", "\"str\"", "{,}", "nul"}) {
    ChatStreamDecoder d;
    auto items = d.decode(data(bad));
    ASSERT_FALSE(items) << bad;
    EXPECT_EQ(items.error().code, "llm.bad_chunk") << bad;
  }
}

TEST(ChatStream, MalformedJsonMidStreamStopsDecoding) {
  const auto d = decode_text(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\n\n"
      "data: [DONE]\n\n");
  EXPECT_EQ(d.error, "llm.bad_chunk");
  EXPECT_EQ(joined_text(d.items), "a");
}

TEST(ChatStream, ErrorObjectInStreamIsUpstreamError) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}})"));
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, "llm.upstream_error");
  EXPECT_NE(items.error().detail.find("server had an error"), std::string::npos);
}

TEST(ChatStream, ContentFilterErrorInStreamFinishesFiltered) {
  ChatStreamDecoder d;
  auto items = d.decode(data(
      R"({"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400}})"));
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, std::vector<StreamItem>{Finish{"content_filter"}});
}

TEST(ChatStream, NullErrorKeyIsIgnored) {
  ChatStreamDecoder d;
  auto items = d.decode(data(R"({"error":null,"choices":[{"index":0,"delta":{"content":"ok"}}]})"));
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, std::vector<StreamItem>{TextDelta{"ok"}});
}

TEST(ChatStream, MultiLineDataEventIsOneChunk) {
  const auto d = decode_text(
      "data: {\"choices\":[{\"index\":0,\n"
      "data: \"delta\":{\"content\":\"joined\"}}]}\n\n"
      ": comment\n\n"
      "data: [DONE]\n\n");
  ASSERT_EQ(d.error, "");
  const std::vector<StreamItem> expected = {TextDelta{"joined"}, Done{}};
  EXPECT_EQ(d.items, expected);
}

TEST(FilterMessages, UserReadableWithCategoryLabelsOnly) {
  EXPECT_EQ(content_filter_answer_message({}), "The answer was stopped by the content filter.");
  EXPECT_EQ(content_filter_answer_message({"protected_material_text"}),
            "The answer was stopped by the content filter (protected material).");
  EXPECT_EQ(content_filter_request_message({"hate", "self-harm", "violence"}),
            "The request was blocked by the content filter (hate, self-harm, violence).");
  EXPECT_EQ(filter_category_label("<script>"), "policy");
}

TEST(FilterMessages, FilteredCategoriesInAnnotationText) {
  const auto cats = filtered_categories_in(
      R"({"hate":{"filtered":true},"sexual":{"filtered":false},"error":{"code":"x"}})");
  EXPECT_EQ(cats, std::vector<std::string>{"hate"});
  EXPECT_TRUE(filtered_categories_in("not json").empty());
}

}  // namespace
}  // namespace parley::llm

namespace parley::llm {
namespace {

// Malformed input corpus: any bytes give events or an error code, never a crash.
TEST(ChatStreamRobustness, RandomBytesAndMutatedSamplesNeverCrash) {
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1664525U + 1013904223U;
    return seed >> 8U;
  };
  const auto sample = testing::sample_stream("aoai-chat-stream-include-usage");
  for (int round = 0; round < 300; ++round) {
    std::string input = sample;
    const int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const auto at = next() % input.size();
      switch (next() % 3) {
        case 0:
          input[at] = static_cast<char>(next() & 0xFFU);
          break;
        case 1:
          input.erase(at, 1 + next() % 20);
          break;
        default:
          input.insert(at, std::string(1 + next() % 4, "\r\n:{\"\0"[next() % 6]));
          break;
      }
    }
    SseParser parser(4096);
    ChatStreamDecoder decoder;
    std::vector<SseEvent> events;
    std::vector<StreamItem> items;
    for (std::size_t i = 0; i < input.size(); i += 1 + next() % 50) {
      if (!parser.feed(std::string_view(input).substr(i, 1 + next() % 50), events)) break;
    }
    (void)parser.finish(events);
    for (const auto& ev : events) {
      auto st = decoder.decode(ev, items);
      if (!st) {
        EXPECT_TRUE(st.error().code == "llm.bad_chunk" || st.error().code == "llm.upstream_error");
      }
    }
  }
}

}  // namespace
}  // namespace parley::llm
