#include "auth/oidc_transaction.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "auth/csrf.hpp"

namespace parley::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

std::vector<Secret> secrets(std::initializer_list<const char*> values) {
  std::vector<Secret> out;
  for (const char* v : values) out.emplace_back(v);
  return out;
}

const char* const kNew = "new-secret-0123456789abcdef0123456789abcdef";
const char* const kOld = "old-secret-0123456789abcdef0123456789abcdef";

TEST(Pkce, MatchesRfc7636AppendixB) {
  EXPECT_EQ(pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(OidcTransaction, NewTransactionHasFreshHighEntropyValues) {
  OpenSslRandom random;
  const OidcTransaction a = new_transaction(random, "/c/1", kNow, false);
  const OidcTransaction b = new_transaction(random, "/c/1", kNow, true);
  EXPECT_EQ(a.state.size(), 43u);
  EXPECT_EQ(a.nonce.size(), 43u);
  EXPECT_EQ(a.code_verifier.size(), 43u);  // RFC 7636 §4.1: 43..128 characters
  EXPECT_NE(a.state, b.state);
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_NE(a.code_verifier, b.code_verifier);
  EXPECT_NE(a.state, a.nonce);
  EXPECT_EQ(a.callback_url, "/c/1");
  EXPECT_EQ(a.created_at, kNow);
  EXPECT_FALSE(a.silent);
  EXPECT_TRUE(b.silent);
}

TEST(OidcTransaction, RoundTripsThroughTheCookie) {
  OpenSslRandom random;
  const Sealer sealer(secrets({kNew}), "parley.oidc.v1");
  const OidcTransaction tx = new_transaction(random, "/c/1?x=%20y", kNow, true);
  const std::string cookie = seal_transaction(tx, sealer, random);
  EXPECT_LT(cookie.size(), 1024u);
  auto opened = open_transaction(cookie, sealer, kNow + 10);
  ASSERT_TRUE(opened) << opened.error().code;
  EXPECT_EQ(opened->state, tx.state);
  EXPECT_EQ(opened->nonce, tx.nonce);
  EXPECT_EQ(opened->code_verifier, tx.code_verifier);
  EXPECT_EQ(opened->callback_url, tx.callback_url);
  EXPECT_EQ(opened->created_at, kNow);
  EXPECT_TRUE(opened->silent);
}

TEST(OidcTransaction, ExpiresAfterMaxAge) {
  OpenSslRandom random;
  const Sealer sealer(secrets({kNew}), "parley.oidc.v1");
  const std::string cookie =
      seal_transaction(new_transaction(random, "/", kNow, false), sealer, random);
  EXPECT_TRUE(open_transaction(cookie, sealer, kNow + 599));
  EXPECT_EQ(open_transaction(cookie, sealer, kNow + 600).error().code, "oidc.transaction_expired");
  EXPECT_EQ(open_transaction(cookie, sealer, kNow + 60, 60).error().code,
            "oidc.transaction_expired");
}

TEST(OidcTransaction, CreatedFarInTheFutureIsInvalid) {
  OpenSslRandom random;
  const Sealer sealer(secrets({kNew}), "parley.oidc.v1");
  const std::string cookie =
      seal_transaction(new_transaction(random, "/", kNow + 3600, false), sealer, random);
  EXPECT_EQ(open_transaction(cookie, sealer, kNow).error().code, "oidc.transaction_invalid");
}

TEST(OidcTransaction, TamperedForeignOrWrongShapeIsInvalid) {
  OpenSslRandom random;
  const Sealer sealer(secrets({kNew}), "parley.oidc.v1");
  const Sealer session(secrets({kNew}), "parley.session.v1");
  const Sealer foreign(secrets({kOld}), "parley.oidc.v1");
  const OidcTransaction tx = new_transaction(random, "/", kNow, false);
  std::string cookie = seal_transaction(tx, sealer, random);
  cookie[cookie.size() / 2] = cookie[cookie.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_transaction(cookie, sealer, kNow).error().code, "oidc.transaction_invalid");
  EXPECT_EQ(open_transaction(seal_transaction(tx, session, random), sealer, kNow).error().code,
            "oidc.transaction_invalid");
  EXPECT_EQ(open_transaction(seal_transaction(tx, foreign, random), sealer, kNow).error().code,
            "oidc.transaction_invalid");
  for (const char* body : {"", "null", "[]", "{}", R"({"v":2})",
                           R"({"v":1,"s":"a","n":"b","p":"c","c":"/","t":"1","q":false})",
                           R"({"v":1,"s":"","n":"b","p":"c","c":"/","t":1700000000,"q":false})"}) {
    EXPECT_EQ(open_transaction(sealer.seal(body, random), sealer, kNow).error().code,
              "oidc.transaction_invalid")
        << body;
  }
}

TEST(Csrf, TokenVerifiesForItsSession) {
  const CsrfKeys keys(secrets({kNew}));
  const std::string token = keys.token("0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(token, keys.token("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_TRUE(keys.verify("0f8fad5b-d9cb-469f-a165-70867728950e", token));
}

TEST(Csrf, RejectsATokenOfAnotherSession) {
  const CsrfKeys keys(secrets({kNew}));
  EXPECT_FALSE(keys.verify("7c9e6679-7425-40de-944b-e07fc1f90ae7",
                           keys.token("0f8fad5b-d9cb-469f-a165-70867728950e")));
}

TEST(Csrf, RejectsWrongTruncatedOrEmptyTokens) {
  const CsrfKeys keys(secrets({kNew}));
  const std::string sid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  std::string token = keys.token(sid);
  EXPECT_FALSE(keys.verify(sid, ""));
  EXPECT_FALSE(keys.verify(sid, "abc"));
  EXPECT_FALSE(keys.verify(sid, token.substr(0, 42)));
  EXPECT_FALSE(keys.verify(sid, token + "A"));
  token[0] = token[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.verify(sid, token));
  EXPECT_FALSE(keys.verify("", keys.token("")));
}

TEST(Csrf, TokensFromAForeignSecretAreRejected) {
  const CsrfKeys ours(secrets({kNew}));
  const CsrfKeys theirs(secrets({kOld}));
  EXPECT_FALSE(ours.verify("s", theirs.token("s")));
}

TEST(Csrf, AcceptsTokensUnderARotatedOutSecret) {
  const CsrfKeys before(secrets({kOld}));
  const CsrfKeys after(secrets({kNew, kOld}));
  EXPECT_TRUE(after.verify("s", before.token("s")));
  EXPECT_EQ(after.token("s"), CsrfKeys(secrets({kNew})).token("s"));
}

TEST(Csrf, IsIndependentOfTheSealingKeys) {
  // The CSRF key is not the session key: the token for "x" is not a MAC
  // anyone could derive from a cookie.
  const CsrfKeys keys(secrets({kNew}));
  const CsrfKeys other(secrets({std::string(kNew).append("x").c_str()}));
  EXPECT_NE(keys.token("x"), other.token("x"));
}

}  // namespace
}  // namespace parley::auth
