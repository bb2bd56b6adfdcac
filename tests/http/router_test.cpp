#include "http/router.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::http {
namespace {

Router<std::string> make_router() {
  Router<std::string> r;
  r.add(Method::get, "/", "home");
  r.add(Method::get, "/api/conversations", "list");
  r.add(Method::post, "/api/conversations", "create");
  r.add(Method::get, "/api/conversations/{id}", "get");
  r.add(Method::patch, "/api/conversations/{id}", "patch");
  r.add(Method::delete_, "/api/conversations/{id}", "delete");
  r.add(Method::post, "/api/conversations/{id}/messages", "send");
  r.add(Method::get, "/api/conversations/{id}/messages/{message_id}", "message");
  r.add(Method::get, "/api/conversations/{id}/stats", "stats");
  r.add(Method::get, "/api/conversations/search", "search");
  return r;
}

TEST(Router, MatchesLiteralAndCapturedSegments) {
  const auto r = make_router();
  struct Case {
    Method method;
    std::string path;
    const char* route;  // nullptr: no match
  };
  const Case cases[] = {
      {Method::get, "/", "home"},
      {Method::get, "/api/conversations", "list"},
      {Method::post, "/api/conversations", "create"},
      {Method::get, "/api/conversations/abc", "get"},
      {Method::patch, "/api/conversations/abc", "patch"},
      {Method::delete_, "/api/conversations/abc", "delete"},
      {Method::post, "/api/conversations/abc/messages", "send"},
      {Method::get, "/api/conversations/a/messages/b", "message"},
      {Method::get, "/api/conversations/", nullptr},      // empty capture
      {Method::get, "/api/conversations/abc/", nullptr},  // trailing slash
      {Method::get, "/api/Conversations", nullptr},       // case-sensitive
      {Method::get, "/api", nullptr},
      {Method::get, "", nullptr},
      {Method::get, "api/conversations", nullptr},
      {Method::get, "/api/conversations//messages", nullptr},
  };
  for (const auto& c : cases) {
    const auto m = r.match(c.method, c.path);
    if (c.route == nullptr) {
      EXPECT_EQ(m.route, nullptr) << c.path;
    } else {
      ASSERT_NE(m.route, nullptr) << c.path;
      EXPECT_EQ(*m.route, c.route) << c.path;
    }
  }
}

TEST(Router, CapturesParamsByName) {
  const auto r = make_router();
  const auto m = r.match(Method::get, "/api/conversations/c1/messages/m2");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "c1");
  EXPECT_EQ(m.params[1].first, "message_id");
  EXPECT_EQ(m.params[1].second, "m2");
}

TEST(Router, LiteralSegmentBeatsCaptureWhateverTheOrder) {
  const auto r = make_router();
  const auto m = r.match(Method::get, "/api/conversations/search");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(*m.route, "search");
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, OtherMethodOnKnownPathIsMethodNotAllowedWithAllowList) {
  const auto r = make_router();
  const auto m = r.match(Method::put, "/api/conversations/abc");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_not_allowed);
  ASSERT_EQ(m.allow.size(), 3u);
  EXPECT_EQ(m.allow[0], Method::get);
  EXPECT_EQ(m.allow[1], Method::patch);
  EXPECT_EQ(m.allow[2], Method::delete_);
}

TEST(Router, UnknownPathIsNotMethodNotAllowed) {
  const auto r = make_router();
  const auto m = r.match(Method::get, "/nope");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.method_not_allowed);
}

TEST(Router, HeadFallsBackToGet) {
  const auto r = make_router();
  const auto m = r.match(Method::head, "/api/conversations/x");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(*m.route, "get");
  EXPECT_FALSE(r.match(Method::head, "/api/conversations/x/messages").route);
}

TEST(Router, RoutesEnumeratesEveryEntryInOrder) {
  const auto r = make_router();
  ASSERT_EQ(r.routes().size(), 10u);
  EXPECT_EQ(r.routes()[1].pattern, "/api/conversations");
  EXPECT_EQ(r.routes()[1].method, Method::get);
  EXPECT_EQ(r.routes()[1].route, "list");
}

TEST(Router, VeryDeepPathDoesNotMatchOrCrash) {
  const auto r = make_router();
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "/a";
  EXPECT_EQ(r.match(Method::get, deep).route, nullptr);
}

}  // namespace
}  // namespace parley::http
