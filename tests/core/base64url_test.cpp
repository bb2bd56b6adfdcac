#include "core/base64url.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(Base64Url, EncodesWithoutPaddingUsingUrlAlphabet) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) {
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64Url, RejectsPaddingWhitespaceAndForeignCharacters) {
  for (std::string_view bad : {"Zg==", "Zm9 v", "Zm9+", "Zm9/", "Z", "Zm9v\n", "Zh"}) {
    auto r = base64url_decode(bad);
    ASSERT_TRUE(r.has_error()) << bad;
    EXPECT_EQ(r.error().code, "base64url.invalid");
  }
}

}  // namespace
}  // namespace parley
