#include "core/ascii.hpp"

#include <gtest/gtest.h>

#include "core/percent.hpp"

namespace parley {
namespace {

TEST(Ascii, HexDigitsInEitherCase) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('\0'), -1);
  EXPECT_EQ(hex_digit_value('\xff'), -1);
}

TEST(Ascii, UuidShape) {
  EXPECT_TRUE(is_uuid_text("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid_text("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(is_uuid_text("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid_text("123e4567-e89b-12d3-a456-42661417400z"));
  EXPECT_FALSE(is_uuid_text("123e4567-e89b-12d3-a456_426614174000"));
  EXPECT_FALSE(is_uuid_text(""));
  EXPECT_FALSE(is_uuid_text("../../etc/passwd"));
}

TEST(Percent, DecodesOnceAndRefusesMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%2Fb%252F", false), "a/b%2F");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%zz", false));
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(Percent, EncodesAllButUnreserved) {
  EXPECT_EQ(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(percent_encode("/ ?&=\r\n"), "%2F%20%3F%26%3D%0D%0A");
  EXPECT_EQ(percent_decode(percent_encode("x\xff y"), false), "x\xff y");
}

}  // namespace
}  // namespace parley
