#include "auth/redirect.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::auth {
namespace {

constexpr const char* kOrigin = "http://localhost:3000";

struct Case {
  std::string input;
  std::string expected;
};

TEST(SafeCallbackPath, KeepsSameOriginPaths) {
  const std::vector<Case> cases = {
      {"/", "/"},
      {"/c/1", "/c/1"},
      {"/c/1?x=1&y=2", "/c/1?x=1&y=2"},
      {"/c/1#frag", "/c/1"},
      {"/c/1?x=1#frag", "/c/1?x=1"},
      {"/a%20b", "/a%20b"},
      {"/caf%C3%A9", "/caf%C3%A9"},
      {"/search?q=a/b", "/search?q=a/b"},
      {"/search?next=//evil.com", "/search?next=//evil.com"},  // only the path decides
      {"/c/", "/c/"},
      {"/c?", "/c?"},
      {"http://localhost:3000/c/1", "/c/1"},
      {"http://localhost:3000/c/1?x=1#f", "/c/1?x=1"},
      {"http://localhost:3000", "/"},
      {"http://localhost:3000/", "/"},
      {"HTTP://LOCALHOST:3000/c/1", "/c/1"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(safe_callback_path(c.input, kOrigin), c.expected) << c.input;
  }
}

TEST(SafeCallbackPath, DefaultPortsMatch) {
  EXPECT_EQ(safe_callback_path("https://parley.example.com:443/c", "https://parley.example.com"),
            "/c");
  EXPECT_EQ(safe_callback_path("https://parley.example.com/c", "https://parley.example.com:443"),
            "/c");
  EXPECT_EQ(safe_callback_path("https://parley.example.com/c", "https://parley.example.com/"),
            "/c");
}

TEST(SafeCallbackPath, ReplacesHostileTargetsWithRoot) {
  const std::vector<std::string> hostile = {
      "",
      "//evil.com",
      "//evil.com/c",
      "///evil.com",
      "/\\evil.com",
      "\\\\evil.com",
      "\\/evil.com",
      "/c\\..\\x",
      "https://evil.com",
      "https://evil.com/c/1",
      "http://evil.com:3000/c",
      "http://localhost:3001/c",   // another port
      "https://localhost:3000/c",  // another scheme
      "http://localhost.evil.com:3000/c",
      "http://localhost:3000@evil.com/c",
      "http://user@localhost:3000/c",  // userinfo
      "http://localhost:/c",
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "javascript://localhost:3000/%0aalert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox",
      "c/1",
      "evil.com",
      ".//evil.com",
      "/%2f%2fevil.com",
      "/%2F%2Fevil.com",
      "/%2fevil.com",
      "/%5cevil.com",
      "/%5Cevil.com",
      "/c%0d%0aSet-Cookie:x=1",
      "/c%0aLocation:%20//evil.com",
      "/c%00",
      "/c\r\nSet-Cookie: x=1",
      "/c\nx",
      "/\t/evil.com",
      "/ /evil.com",
      " /c",
      "/c /d",
      "/\x7f",
      "/caf\xc3\xa9",
      "/%zz",
      "/%",
      "/%2",
      "/./c",
      "/.//evil.com",
      "/c/../x",
      "/c/%2e%2e/x",
      "/%2e/%2fevil.com",
      "/c?x=\"<script>",
      "/c<script>",
      "/" + std::string(3000, 'a'),
      "http:evil.com",
      "http:/evil.com",
      "https:",
      "http://",
  };
  for (const auto& h : hostile) {
    EXPECT_EQ(safe_callback_path(h, kOrigin), "/") << h;
  }
}

TEST(SafeCallbackPath, RejectsEverythingWhenTheOriginIsUnparseable) {
  EXPECT_EQ(safe_callback_path("http://localhost:3000/c", ""), "/");
  EXPECT_EQ(safe_callback_path("http://localhost:3000/c", "not a url"), "/");
  EXPECT_EQ(safe_callback_path("/c", ""), "/c");  // relative paths need no origin
}

}  // namespace
}  // namespace parley::auth
