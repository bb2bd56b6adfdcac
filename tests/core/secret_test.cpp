// Secrets kept in files (projected service-account tokens).

#include "core/secret.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"

namespace parley {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("parley-secret-" + std::to_string(::getpid()));
  void TearDown() override { std::filesystem::remove(file); }
  void write(const std::string& content) { std::ofstream(file, std::ios::trunc) << content; }
};

TEST_F(SecretFileTest, ReadsTheValueWithoutSurroundingWhitespace) {
  write("  eyJhbGciOi.payload.sig\n");
  auto s = read_secret_file(file.string());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expose(), "eyJhbGciOi.payload.sig");
}

TEST_F(SecretFileTest, AnEmptyFileIsAnErrorNamingThePath) {
  write(" \n\t");
  auto s = read_secret_file(file.string());
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::secret_file::empty));
  EXPECT_NE(s.error().detail.find(file.string()), std::string::npos);
}

TEST_F(SecretFileTest, AMissingFileIsUnreadable) {
  auto s = read_secret_file((file / "absent").string());
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::secret_file::unreadable));
}

}  // namespace
}  // namespace parley
