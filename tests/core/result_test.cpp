#include "core/result.hpp"

#include <gtest/gtest.h>

#include "core/public_error.hpp"

namespace parley {
namespace {

constexpr ErrorCode kNotPositive{Kind::bad_request, "test.not_positive", {}, "The value must be positive"};
constexpr ErrorCode kStoreDown{Kind::unavailable, "test.store_down"};
constexpr ErrorCode kBug{Kind::internal, "test.bug"};
constexpr ErrorCode kWrongMethod{Kind::bad_request, "test.method", "method_not_allowed", "No", 405};

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(kNotPositive, "got " + std::to_string(v));
  return v;
}

TEST(Result, CarriesValueOrANamedErrorWithItsKind) {
  auto ok = parse_positive(3);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "test.not_positive");
  EXPECT_TRUE(bad.error().is(kNotPositive));
  EXPECT_FALSE(bad.error().is(kStoreDown));
  EXPECT_EQ(bad.error().kind, Kind::bad_request);
  EXPECT_EQ(bad.error().detail, "got -1");
}

TEST(Result, ValueOnErrorThrowsInsteadOfReadingGarbage) {
  auto bad = parse_positive(0);
  EXPECT_ANY_THROW((void)bad.value());
}

TEST(Result, StatusHoldsNoValue) {
  Status ok = {};
  EXPECT_TRUE(ok);
  Status bad = make_error(kStoreDown);
  EXPECT_EQ(bad.error().code, "test.store_down");
}

TEST(PublicError, EachKindHasOneStatus) {
  EXPECT_EQ(http_status(Kind::bad_request), 400);
  EXPECT_EQ(http_status(Kind::unauthorized), 401);
  EXPECT_EQ(http_status(Kind::forbidden), 403);
  EXPECT_EQ(http_status(Kind::not_found), 404);
  EXPECT_EQ(http_status(Kind::conflict), 409);
  EXPECT_EQ(http_status(Kind::too_large), 413);
  EXPECT_EQ(http_status(Kind::rate_limited), 429);
  EXPECT_EQ(http_status(Kind::unavailable), 503);
  EXPECT_EQ(http_status(Kind::upstream), 502);
  EXPECT_EQ(http_status(Kind::internal), 500);
}

TEST(PublicError, ShowsThePublicFaceNeverTheDetail) {
  const PublicError a = public_error(make_error(kNotPositive, "secret detail 42"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code, "bad_request");
  EXPECT_EQ(a.message, "The value must be positive");
  const PublicError b = public_error(make_error(kBug, "SQL: relation x does not exist"));
  EXPECT_EQ(b.status, 500);
  EXPECT_EQ(b.code, "internal");
  EXPECT_EQ(b.message.find("SQL"), std::string::npos);
  const PublicError c = public_error(make_error(kWrongMethod));
  EXPECT_EQ(c.status, 405);
  EXPECT_EQ(c.code, "method_not_allowed");
  const PublicError d = public_error(make_public_error(kNotPositive, "limit must be positive"));
  EXPECT_EQ(d.message, "limit must be positive");
  EXPECT_EQ(public_error(Error()).status, 500);
}

TEST(PublicError, JsonEscapesCodeAndMessage) {
  EXPECT_EQ(error_json("bad_request", "a \"b\"\n\\c\x01"),
            R"({"error":{"code":"bad_request","message":"a \"b\"\n\\c\u0001"}})");
}

}  // namespace
}  // namespace parley
