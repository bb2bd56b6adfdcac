// Replays a fixed corpus of garbage through every parser that reads
// attacker-controlled input: an error (or "/") must come back, never a crash.
// tests/fuzz runs the same entry points with generated input.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/jose.hpp"
#include "auth/oidc_transaction.hpp"
#include "auth/redirect.hpp"
#include "auth/session_cookie.hpp"
#include "core/base64url.hpp"

namespace parley::auth {
namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> c = {
      "",
      ".",
      "..",
      "...",
      "....",
      "a.b.c",
      "eyJ.eyJ.",
      "eyJhbGciOiJub25lIn0.e30.",
      "eyJhbGciOiJSUzI1NiJ9.e30.AAAA",
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.e30.",
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.W10.AAAA",
      "=====",
      "AAAA",
      "AQ",
      "A",
      std::string(1, '\0'),
      std::string("\0\0\0\0", 4),
      "\xff\xfe\xfd",
      "%00",
      "%",
      "%%%%",
      "//",
      "\\\\",
      "/\r\n",
      "javascript:",
      "{}",
      "[]",
      "null",
      "{\"alg\":\"RS256\"}",
      std::string(20000, 'A'),
      std::string(20000, '.'),
      std::string(9000, '%'),
      std::string(5000, '/'),
      "Zm9v.YmFy.YmF6",
      "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AAAAAAAAAAAAAAAA",
      "AQAAAAAA",
      "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  };
  // base64url of structured but meaningless bytes.
  for (int n : {1, 5, 17, 33, 49, 82, 200}) {
    std::string bytes(static_cast<std::size_t>(n), '\x01');
    c.push_back(base64url_encode(bytes));
  }
  std::string nested = "{\"a\":";
  for (int i = 0; i < 2000; ++i) nested += "[";
  c.push_back(base64url_encode(nested) + "." + base64url_encode(nested) + ".");
  return c;
}

TEST(MalformedCorpus, ParseCompactReturnsMalformedOrVerifyFails) {
  jose::Jwks jwks;
  for (const auto& input : corpus()) {
    auto jws = jose::parse_compact(input);
    if (jws) {
      EXPECT_FALSE(jose::verify(*jws, jwks)) << input.substr(0, 60);
    }
  }
}

TEST(MalformedCorpus, ParseJwksRejects) {
  for (const auto& input : corpus()) EXPECT_FALSE(jose::parse_jwks(input)) << input.substr(0, 60);
}

TEST(MalformedCorpus, OpenSessionRejects) {
  const std::vector<Secret> secrets{Secret("corpus-secret-0123456789abcdef0123456789")};
  const Sealer sealer(secrets, "parley.session.v1");
  for (const auto& input : corpus()) {
    EXPECT_FALSE(open_session(input, sealer, 1'700'000'000)) << input.substr(0, 60);
  }
}

TEST(MalformedCorpus, OpenTransactionRejects) {
  const std::vector<Secret> secrets{Secret("corpus-secret-0123456789abcdef0123456789")};
  const Sealer sealer(secrets, "parley.oidc.v1");
  for (const auto& input : corpus()) {
    auto r = open_transaction(input, sealer, 1'700'000'000);
    ASSERT_FALSE(r) << input.substr(0, 60);
    EXPECT_EQ(r.error().code, "oidc.transaction_invalid");
  }
}

TEST(MalformedCorpus, SafeCallbackPathFallsBackToRoot) {
  for (const auto& input : corpus()) {
    const std::string out = safe_callback_path(input, "http://localhost:3000");
    EXPECT_TRUE(out == "/" || (out.starts_with('/') && !out.starts_with("//")))
        << input.substr(0, 60);
  }
}

}  // namespace
}  // namespace parley::auth
