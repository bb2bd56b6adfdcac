// The response head and framing rules, without sockets.
#include "http/response_head.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

constexpr std::string_view kDate = "Thu, 03 Dec 2026 22:00:00 GMT";

HeadFields fields(int status, std::string_view request_id) {
  HeadFields f;
  f.status = status;
  f.date = kDate;
  f.request_id = request_id;
  return f;
}

std::string head_of(const HeadFields& f, const Headers& h = {}) {
  std::string out = "stale bytes from the previous response";
  build_response_head(out, f, h);
  return out;
}

TEST(ResponseHead, PlainKeepAliveResponse) {
  Headers h;
  ASSERT_TRUE(h.set("Content-Type", "application/json"));
  HeadFields f = fields(200, "abc");
  f.content_length = 2;
  EXPECT_EQ(head_of(f, h),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Date: Thu, 03 Dec 2026 22:00:00 GMT\r\n"
            "X-Request-Id: abc\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
}

TEST(ResponseHead, ChunkedCloseAndHttp10KeepAlive) {
  HeadFields chunked = fields(200, "i");
  chunked.keep_alive = false;
  chunked.chunked = true;
  EXPECT_EQ(head_of(chunked),
            "HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 22:00:00 GMT\r\nX-Request-Id: i\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  HeadFields http10 = fields(204, "i");
  http10.http10 = true;
  EXPECT_EQ(head_of(http10),
            "HTTP/1.0 204 No Content\r\nDate: Thu, 03 Dec 2026 22:00:00 GMT\r\n"
            "X-Request-Id: i\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ResponseHead, DropsServerOwnedAndUnsafeFields) {
  Headers h;
  // append_parsed skips validation: the head builder must still refuse.
  h.append_parsed("X-Evil", "a\r\nSet-Cookie: injected=1");
  h.append_parsed("Bad Name", "v");
  h.append_parsed("Content-Length", "999");
  h.append_parsed("transfer-encoding", "chunked");
  h.append_parsed("Date", "yesterday");
  h.append_parsed("X-Request-Id", "forged");
  h.append_parsed("Connection", "upgrade");
  h.append_parsed("Keep-Alive", "timeout=1");
  h.append_parsed("X-Ok", "fine");
  HeadFields f = fields(200, "real");
  f.content_length = 0;
  const std::string out = head_of(f, h);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nDate: Thu, 03 Dec 2026 22:00:00 GMT\r\n"
            "X-Request-Id: real\r\nContent-Length: 0\r\n\r\n");
}

// The server-wide set (Response::shared_headers) follows the handler's
// fields; a name the handler set is not written twice, and the set's
// fields pass the same checks.
TEST(ResponseHead, SharedHeadersFillInWhatTheHandlerDidNotSet) {
  Headers shared;
  ASSERT_TRUE(shared.set("Content-Security-Policy", "default-src 'self'"));
  ASSERT_TRUE(shared.set("X-Frame-Options", "DENY"));
  shared.append_parsed("Content-Length", "5");
  Headers own;
  ASSERT_TRUE(own.set("x-frame-options", "SAMEORIGIN"));
  HeadFields f = fields(200, "r");
  f.content_length = 0;
  std::string out;
  build_response_head(out, f, own, &shared);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nx-frame-options: SAMEORIGIN\r\n"
            "Content-Security-Policy: default-src 'self'\r\n"
            "Date: Thu, 03 Dec 2026 22:00:00 GMT\r\nX-Request-Id: r\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, ServerOwnedIsCaseInsensitiveAndExact) {
  for (const char* n : {"date", "DATE", "Connection", "keep-alive", "X-REQUEST-ID",
                        "content-length", "Transfer-Encoding"}) {
    EXPECT_TRUE(server_owned(n)) << n;
  }
  for (const char* n : {"Dates", "X-Request", "Content-Type", "Transfer-Encodings", ""}) {
    EXPECT_FALSE(server_owned(n)) << n;
  }
}

TEST(ResponseHead, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(302), "Found");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(599), "Network Connect Timeout Error");
  EXPECT_EQ(reason_phrase(299), "Status");  // unregistered
  EXPECT_EQ(reason_phrase(418), "Status");
}

TEST(Framing, PlainBodyHasItsLength) {
  const Framing f = decide_framing(200, false, false, false, true, 42);
  EXPECT_FALSE(f.streamed);
  EXPECT_EQ(f.content_length, 42u);
  EXPECT_TRUE(f.send_body);
  EXPECT_TRUE(f.keep_alive);
}

TEST(Framing, HeadAnnouncesTheLengthButSendsNoBody) {
  const Framing f = decide_framing(200, false, true, false, true, 42);
  EXPECT_EQ(f.content_length, 42u);
  EXPECT_FALSE(f.send_body);
}

TEST(Framing, NoContentAndNotModifiedCarryNoBodyNorLength) {
  for (int status : {204, 304}) {
    for (bool stream : {false, true}) {
      const Framing f = decide_framing(status, stream, false, false, true, 42);
      EXPECT_FALSE(f.streamed) << status;
      EXPECT_FALSE(f.content_length) << status;
      EXPECT_FALSE(f.send_body) << status;
      EXPECT_TRUE(f.keep_alive) << status;
    }
  }
}

TEST(Framing, StreamsAreChunkedOnHttp11AndCloseOnHttp10) {
  const Framing f11 = decide_framing(200, true, false, false, true, 0);
  EXPECT_TRUE(f11.streamed);
  EXPECT_TRUE(f11.chunked);
  EXPECT_FALSE(f11.content_length);
  EXPECT_TRUE(f11.keep_alive);
  const Framing f10 = decide_framing(200, true, false, true, true, 0);
  EXPECT_TRUE(f10.streamed);
  EXPECT_FALSE(f10.chunked);
  EXPECT_FALSE(f10.keep_alive);  // the end of the body is the end of the connection
}

TEST(Framing, KeepsARefusedKeepAlive) {
  EXPECT_FALSE(decide_framing(200, false, false, false, false, 1).keep_alive);
  EXPECT_FALSE(decide_framing(200, true, false, false, false, 1).keep_alive);
}

TEST(ErrorReply, BodyAndHeaders) {
  Headers extra;
  ASSERT_TRUE(extra.set("X-Frame-Options", "DENY"));
  ASSERT_TRUE(extra.set("Cache-Control", "private"));  // the server's no-store wins
  const Response r = error_response(kHeaderTooLarge, extra);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body,
            R"({"error":{"code":"header_too_large","message":"Request header fields too large"}})");
  EXPECT_EQ(r.headers.get("Content-Type").value(), "application/json");
  EXPECT_EQ(r.headers.get("Cache-Control").value(), "no-store");
  EXPECT_EQ(r.headers.get("X-Frame-Options").value(), "DENY");
  EXPECT_EQ(r.headers.fields().size(), 3u);
}

}  // namespace
}  // namespace parley::http
