#include "core/result.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error("test.not_positive", "got " + std::to_string(v));
  return v;
}

TEST(Result, CarriesValueOrStableErrorCode) {
  auto ok = parse_positive(3);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "test.not_positive");
  EXPECT_EQ(bad.error().detail, "got -1");
}

TEST(Result, ValueOnErrorThrowsInsteadOfReadingGarbage) {
  auto bad = parse_positive(0);
  EXPECT_ANY_THROW((void)bad.value());
}

TEST(Result, StatusHoldsNoValue) {
  Status ok = {};
  EXPECT_TRUE(ok);
  Status bad = make_error("x.y");
  EXPECT_EQ(bad.error().code, "x.y");
}

}  // namespace
}  // namespace parley
