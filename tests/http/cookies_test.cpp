#include "http/cookies.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::http {
namespace {

TEST(FindCookie, TolerantParsingTable) {
  struct Case {
    std::string header;
    std::string name;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"a=1", "a", "1"},
      {"a=1; b=2", "b", "2"},
      {"a=1;b=2", "b", "2"},
      {"  a = 1 ;  b = 2  ", "b", "2"},
      {"a=1;\tb=2", "b", "2"},
      {"a=\"quoted\"", "a", "quoted"},
      {"a=", "a", ""},
      {"a=1; a=2", "a", "1"},      // first wins
      {"garbage; a=1", "a", "1"},  // pair without '='
      {"=x; a=1", "a", "1"},       // empty name
      {";;; a=1 ;;", "a", "1"},
      {"a=x\x01y; a=2", "a", "2"},  // control char: skipped
      {"ab=1", "a", std::nullopt},
      {"a=1", "A", std::nullopt},  // names are case-sensitive
      {"", "a", std::nullopt},
      {"parley.session=abc.def-ghi_; other=1", "parley.session", "abc.def-ghi_"},
      {"x=1; parley.session=v1; parley.session=v2", "parley.session", "v1"},
      {"a=1=2", "a", "1=2"},
  };
  for (const auto& c : cases) {
    const auto got = find_cookie(c.header, c.name);
    if (c.want) {
      ASSERT_TRUE(got.has_value()) << c.header;
      EXPECT_EQ(*got, *c.want) << c.header;
    } else {
      EXPECT_FALSE(got.has_value()) << c.header;
    }
  }
}

TEST(FindCookie, JoinedCookieHeadersParseLikeOne) {
  EXPECT_EQ(find_cookie("a=1; b=2; c=3", "c").value(), "3");
}

TEST(FindCookie, HugeHeaderIsBoundedAndDoesNotCrash) {
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "k" + std::to_string(i) + "=v; ";
  huge += "late=1";
  EXPECT_FALSE(find_cookie(huge, "late").has_value());  // beyond the bound
  EXPECT_EQ(find_cookie(huge, "k5").value(), "v");
  const std::string garbage(1 << 20, ';');
  EXPECT_FALSE(find_cookie(garbage, "a").has_value());
}

TEST(FindCookie, EmptyNameNeverMatches) { EXPECT_FALSE(find_cookie("=1", "").has_value()); }

TEST(SetCookieSerialize, DefaultsAreHttpOnlyLaxRootPath) {
  SetCookie c;
  c.name = "parley.session";
  c.value = "abc";
  EXPECT_EQ(serialize(c).value(), "parley.session=abc; Path=/; HttpOnly; SameSite=Lax");
}

TEST(SetCookieSerialize, AllAttributes) {
  SetCookie c;
  c.name = "__Host-parley.session";
  c.value = "v";
  c.max_age = 3600;
  c.secure = true;
  c.same_site = "Strict";
  EXPECT_EQ(serialize(c).value(),
            "__Host-parley.session=v; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
}

TEST(SetCookieSerialize, ZeroOrNegativeMaxAgeExpiresNow) {
  SetCookie c;
  c.name = "a";
  c.value = "";
  c.max_age = -5;
  EXPECT_EQ(serialize(c).value(),
            "a=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
}

TEST(SetCookieSerialize, RefusesInjectionInNameValueAndPath) {
  const std::string bad_values[] = {"a\r\nSet-Cookie: x=1", "a;b", "a b", "a,b", "a\"b", "a\\b",
                                    std::string("a\0b", 3), "a\nb"};
  for (const auto& v : bad_values) {
    SetCookie c;
    c.name = "n";
    c.value = v;
    auto r = serialize(c);
    ASSERT_FALSE(r.has_value()) << v;
    EXPECT_EQ(r.error().code, "cookie.invalid");
  }
  const std::string bad_names[] = {"", "a=b", "a;b", "a b", "a\r\n", "a(b)"};
  for (const auto& n : bad_names) {
    SetCookie c;
    c.name = n;
    c.value = "v";
    EXPECT_FALSE(serialize(c).has_value()) << n;
  }
  SetCookie p;
  p.name = "n";
  p.value = "v";
  p.path = "/;Domain=evil";
  EXPECT_FALSE(serialize(p).has_value());
  p.path = "/\r\nX: y";
  EXPECT_FALSE(serialize(p).has_value());
  p.path = "/";
  p.same_site = "Lax\r\nX: y";
  EXPECT_FALSE(serialize(p).has_value());
}

}  // namespace
}  // namespace parley::http
