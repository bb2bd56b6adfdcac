// Headers, percent-decoding and traceparent: the pure message helpers.
#include "http/message.hpp"

#include <gtest/gtest.h>

#include "core/random.hpp"
#include "http/traceparent.hpp"

namespace parley::http {
namespace {

TEST(Headers, SetRefusesCrLfAndNulInValues) {
  Headers h;
  EXPECT_FALSE(h.set("Location", "/x\r\nSet-Cookie: a=1"));
  EXPECT_FALSE(h.set("Location", "/x\nSet-Cookie: a=1"));
  EXPECT_FALSE(h.set("Location", "/x\rb"));
  EXPECT_FALSE(h.set("Location", std::string("/x\0b", 4)));
  EXPECT_FALSE(h.add("Set-Cookie", "a=1\r\nX: y"));
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.set("Location", "/ok"));
  EXPECT_EQ(h.get("location").value(), "/ok");
}

TEST(Headers, SetRefusesNamesThatAreNotTokens) {
  Headers h;
  EXPECT_FALSE(h.set("Bad Name", "v"));
  EXPECT_FALSE(h.set("X:Y", "v"));
  EXPECT_FALSE(h.set("", "v"));
  EXPECT_FALSE(h.set("X\r\nY", "v"));
  EXPECT_TRUE(h.empty());
}

TEST(Headers, FailedSetKeepsThePreviousValue) {
  Headers h;
  ASSERT_TRUE(h.set("Location", "/a"));
  EXPECT_FALSE(h.set("Location", "/b\r\n"));
  EXPECT_EQ(h.get("Location").value(), "/a");
}

TEST(Headers, SetReplacesAddAppends) {
  Headers h;
  ASSERT_TRUE(h.set("X-A", "1"));
  ASSERT_TRUE(h.set("x-a", "2"));
  ASSERT_TRUE(h.add("Set-Cookie", "a=1"));
  ASSERT_TRUE(h.add("Set-Cookie", "b=2"));
  ASSERT_EQ(h.fields().size(), 3u);
  EXPECT_EQ(h.get("X-A").value(), "2");
}

TEST(PercentDecode, Table) {
  struct Case {
    std::string in;
    bool plus;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"/a%20b", false, "/a b"},
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"%41%6a", false, "Aj"},
      {"%zz", false, std::nullopt},
      {"%", false, std::nullopt},
      {"%4", false, std::nullopt},
      {"a%", false, std::nullopt},
      {"%g1", false, std::nullopt},
      {"%00", false, std::string("\0", 1)},
      {"", false, ""},
      {"%2F", false, "/"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(percent_decode(c.in, c.plus), c.want) << c.in;
  }
}

TEST(PercentEncode, RoundTripsAndKeepsUnreserved) {
  EXPECT_EQ(percent_encode("a b/c~-._"), "a%20b%2Fc~-._");
  EXPECT_EQ(percent_decode(percent_encode("\r\n\x01\xff"), false).value(), "\r\n\x01\xff");
}

TEST(RequestQueryParam, DecodesFirstMatch) {
  Request r;
  r.query = "code=a%2Bb&state=x+y&code=2&flag";
  EXPECT_EQ(r.query_param("code").value(), "a+b");
  EXPECT_EQ(r.query_param("state").value(), "x y");
  EXPECT_EQ(r.query_param("flag").value(), "");
  EXPECT_FALSE(r.query_param("nope").has_value());
}

TEST(Traceparent, ParsingTable) {
  const std::string good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  struct Case {
    std::string in;
    bool valid;
  };
  const Case cases[] = {
      {good, true},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true},  // future version
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false},  // 00: exact
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", false},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", false},
      {"0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736x00f067aa0ba902b7-01", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false},
      {"", false},
      {"garbage", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_traceparent(c.in).has_value(), c.valid) << c.in;
  }
  const auto tp = parse_traceparent(good).value();
  EXPECT_EQ(tp.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp.parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tp.flags, 1);
}

TEST(Traceparent, GeneratesAndFormatsIds) {
  CountingRandom random;
  const auto trace = new_trace_id(random);
  const auto span = new_span_id(random);
  EXPECT_EQ(trace, "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(span, "1112131415161718");
  const auto header = format_traceparent(trace, span);
  EXPECT_EQ(header, "00-0102030405060708090a0b0c0d0e0f10-1112131415161718-01");
  EXPECT_TRUE(parse_traceparent(header).has_value());
}

}  // namespace
}  // namespace parley::http
