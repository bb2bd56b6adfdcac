// What the server accepts as a request-target (RFC 9112 3.2), without sockets.
#include "http/request_target.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(RequestTarget, OriginFormSplitsPathAndQuery) {
  auto t = parse_request_target("/api/x%20y?a=1&b=%20", Method::get);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/api/x%20y");
  EXPECT_EQ(t->path, "/api/x y");
  EXPECT_EQ(t->query, "a=1&b=%20");  // the query stays raw: handlers decode per parameter
}

TEST(RequestTarget, NoQueryAndEmptyQueryAreBothEmpty) {
  EXPECT_EQ(parse_request_target("/a", Method::get)->query, "");
  auto t = parse_request_target("/a?", Method::get);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/a");
  EXPECT_EQ(t->query, "");
}

TEST(RequestTarget, AbsoluteFormDropsTheAuthority) {
  auto t = parse_request_target("http://evil.example/api/me?x=1", Method::get);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/api/me");
  EXPECT_EQ(t->path, "/api/me");
  EXPECT_EQ(t->query, "x=1");
  auto s = parse_request_target("HTTPS://h", Method::get);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "/");
  auto q = parse_request_target("http://h?x=1", Method::get);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->path, "/");
  EXPECT_EQ(q->query, "x=1");
}

TEST(RequestTarget, AsteriskOnlyForOptions) {
  auto t = parse_request_target("*", Method::options);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "*");
  EXPECT_FALSE(parse_request_target("*", Method::get));
}

TEST(RequestTarget, RefusesOtherForms) {
  for (const char* bad : {"", "api/x", "ftp://h/x", "h:80", "javascript:alert(1)"}) {
    EXPECT_FALSE(parse_request_target(bad, Method::get)) << bad;
  }
  EXPECT_TRUE(parse_request_target("//", Method::get));  // origin-form: an odd path, not a host
}

TEST(RequestTarget, RefusesBadPercentEncodingAndNul) {
  EXPECT_FALSE(parse_request_target("/a%zz", Method::get));
  EXPECT_FALSE(parse_request_target("/a%4", Method::get));
  EXPECT_FALSE(parse_request_target("/a%00b", Method::get));
  // A NUL in the query is the handler's business: only the path is decoded here.
  EXPECT_TRUE(parse_request_target("/a?x=%00", Method::get));
}

}  // namespace
}  // namespace parley::http
