#include "http/sse.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(SseFrame, EventAndOneLineData) {
  EXPECT_EQ(sse_frame("delta", R"({"text":"hi"})"), "event: delta\ndata: {\"text\":\"hi\"}\n\n");
}

TEST(SseFrame, LineBreaksInDataBecomeSeparateDataLines) {
  EXPECT_EQ(sse_frame("x", "a\nb\r\nc\rd"), "event: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
}

TEST(SseFrame, LineBreaksInEventNameAreDropped) {
  EXPECT_EQ(sse_frame("do\r\nne", "{}"), "event: done\ndata: {}\n\n");
}

TEST(SseFrame, EmptyEventNameLeavesTheFieldOut) { EXPECT_EQ(sse_frame("", "{}"), "data: {}\n\n"); }

TEST(SseFrame, AppendAddsToExistingBuffer) {
  std::string out = "x";
  append_sse_frame(out, "e", "1");
  EXPECT_EQ(out, "xevent: e\ndata: 1\n\n");
}

TEST(SseComment, KeepAlivePing) {
  EXPECT_EQ(sse_comment("ping"), ": ping\n\n");
  EXPECT_EQ(sse_comment("a\nb"), ": a b\n\n");
}

}  // namespace
}  // namespace parley::http
