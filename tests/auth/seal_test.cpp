#include "auth/seal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/session_cookie.hpp"
#include "core/base64url.hpp"

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

SessionCookie sample_cookie() {
  SessionCookie c;
  c.session_id = parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950e").value();
  c.user_id = parse_uuid("7c9e6679-7425-40de-944b-e07fc1f90ae7").value();
  c.issued_at = kNow;
  c.expires_at = kNow + 28800;
  return c;
}

TEST(Sealer, RoundTrips) {
  const Sealer sealer(secrets({kNew}), "parley.test.v1");
  OpenSslRandom random;
  for (const std::string& plain :
       {std::string(), std::string("x"), std::string(1000, 'y'), std::string("\0\x01\xff", 3)}) {
    auto opened = sealer.open(sealer.seal(plain, random));
    ASSERT_TRUE(opened) << opened.error().code;
    EXPECT_EQ(*opened, plain);
  }
}

TEST(Sealer, UsesAFreshNonceEachTime) {
  const Sealer sealer(secrets({kNew}), "parley.test.v1");
  OpenSslRandom random;
  EXPECT_NE(sealer.seal("same", random), sealer.seal("same", random));
}

TEST(Sealer, NeverAcceptsAnyFlippedBit) {
  const Sealer sealer(secrets({kNew}), "parley.test.v1");
  OpenSslRandom random;
  const std::string raw = base64url_decode(sealer.seal("payload bytes", random)).value();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string tampered = raw;
      tampered[i] = static_cast<char>(static_cast<unsigned char>(tampered[i]) ^ mask);
      auto r = sealer.open(base64url_encode(tampered));
      ASSERT_FALSE(r) << "byte " << i;
      const char* expected = i == 0  ? "seal.malformed"
                             : i < 5 ? "seal.unknown_key"
                                     : "seal.bad_tag";
      EXPECT_EQ(r.error().code, expected) << "byte " << i;
    }
  }
}

TEST(Sealer, NeverAcceptsATruncatedValue) {
  const Sealer sealer(secrets({kNew}), "parley.test.v1");
  OpenSslRandom random;
  const std::string sealed = sealer.seal("payload bytes", random);
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(sealer.open(sealed.substr(0, n))) << n;
  }
  const std::string raw = base64url_decode(sealed).value();
  for (std::size_t n = 0; n < raw.size(); ++n) {
    EXPECT_FALSE(sealer.open(base64url_encode(raw.substr(0, n)))) << n;
  }
  EXPECT_FALSE(sealer.open(base64url_encode(raw + "x")));
}

TEST(Sealer, RejectsValuesSealedUnderAnUnknownSecret) {
  OpenSslRandom random;
  const Sealer foreign(secrets({"someone-elses-secret-0123456789abcdef"}), "parley.test.v1");
  const Sealer ours(secrets({kNew}), "parley.test.v1");
  auto r = ours.open(foreign.seal("x", random));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "seal.unknown_key");
}

TEST(Sealer, SeparatesPurposes) {
  OpenSslRandom random;
  const Sealer session(secrets({kNew}), "parley.session.v1");
  const Sealer oidc(secrets({kNew}), "parley.oidc.v1");
  EXPECT_FALSE(oidc.open(session.seal("x", random)));
  EXPECT_FALSE(session.open(oidc.seal("x", random)));
}

TEST(Sealer, OpensValuesSealedUnderARotatedOutSecret) {
  OpenSslRandom random;
  const Sealer before(secrets({kOld}), "parley.test.v1");
  const Sealer after(secrets({kNew, kOld}), "parley.test.v1");
  const std::string old_value = before.seal("kept", random);
  auto r = after.open(old_value);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(*r, "kept");
  // New values are sealed under the new secret only.
  const Sealer new_only(secrets({kNew}), "parley.test.v1");
  EXPECT_TRUE(new_only.open(after.seal("fresh", random)));
  EXPECT_FALSE(before.open(after.seal("fresh", random)));
  // Once the old secret is dropped, its values no longer open.
  EXPECT_EQ(new_only.open(old_value).error().code, "seal.unknown_key");
}

TEST(Sealer, RejectsGarbage) {
  const Sealer sealer(secrets({kNew}), "parley.test.v1");
  for (const std::string& v :
       {std::string(""), std::string("a"), std::string("!!!!"), std::string("AAAA"),
        std::string(40, 'A'), std::string(Sealer::kMaxSealedSize + 4, 'A')}) {
    auto r = sealer.open(v);
    ASSERT_FALSE(r);
  }
}

TEST(Sealer, RefusesAnEmptySecretList) {
  EXPECT_THROW(Sealer(std::vector<Secret>{}, "p"), std::invalid_argument);
  EXPECT_THROW(Sealer(secrets({""}), "p"), std::invalid_argument);
}

TEST(Uuid, RendersCanonicalLowercaseAndParsesBothCases) {
  const auto id = parse_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(id);
  EXPECT_EQ(uuid_string(*id), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(uuid_string(Uuid{}), "00000000-0000-0000-0000-000000000000");
}

TEST(Uuid, RejectsNonCanonicalForms) {
  for (const char* bad :
       {"", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950e0",
        "0f8fad5bd9cb469fa16570867728950e", "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        "0f8fad5b-d9cb-469f-a165_70867728950e", "0g8fad5b-d9cb-469f-a165-70867728950e",
        "0f8fad5b-d9cb-469f-a16-570867728950e", " f8fad5b-d9cb-469f-a165-70867728950e"}) {
    auto r = parse_uuid(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "uuid.invalid");
  }
}

TEST(SessionCookie, RoundTripsAndStaysSmall) {
  const Sealer sealer(secrets({kNew}), "parley.session.v1");
  OpenSslRandom random;
  const SessionCookie c = sample_cookie();
  const std::string value = seal_session(c, sealer, random);
  EXPECT_LT(value.size(), 200u);
  auto opened = open_session(value, sealer, kNow + 1);
  ASSERT_TRUE(opened) << opened.error().code;
  EXPECT_EQ(opened->session_id, c.session_id);
  EXPECT_EQ(opened->user_id, c.user_id);
  EXPECT_EQ(opened->issued_at, c.issued_at);
  EXPECT_EQ(opened->expires_at, c.expires_at);
}

TEST(SessionCookie, ExpiresAtExpiresAt) {
  const Sealer sealer(secrets({kNew}), "parley.session.v1");
  OpenSslRandom random;
  const std::string value = seal_session(sample_cookie(), sealer, random);
  EXPECT_TRUE(open_session(value, sealer, kNow + 28799));
  EXPECT_EQ(open_session(value, sealer, kNow + 28800).error().code, "session.expired");
  EXPECT_EQ(open_session(value, sealer, kNow + 99999).error().code, "session.expired");
}

TEST(SessionCookie, TamperedOrTruncatedIsBadSeal) {
  const Sealer sealer(secrets({kNew}), "parley.session.v1");
  OpenSslRandom random;
  const std::string value = seal_session(sample_cookie(), sealer, random);
  const std::string raw = base64url_decode(value).value();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string t = raw;
    t[i] = static_cast<char>(t[i] ^ 0x20);
    EXPECT_EQ(open_session(base64url_encode(t), sealer, kNow).error().code, "session.bad_seal")
        << i;
  }
  for (std::size_t n = 0; n < value.size(); ++n) {
    EXPECT_EQ(open_session(value.substr(0, n), sealer, kNow).error().code, "session.bad_seal") << n;
  }
}

TEST(SessionCookie, AuthenticButWrongShapeIsMalformed) {
  const Sealer sealer(secrets({kNew}), "parley.session.v1");
  OpenSslRandom random;
  EXPECT_EQ(open_session(sealer.seal("short", random), sealer, kNow).error().code,
            "session.malformed");
  std::string wrong_version(49, '\0');
  wrong_version[0] = 2;
  EXPECT_EQ(open_session(sealer.seal(wrong_version, random), sealer, kNow).error().code,
            "session.malformed");
}

TEST(SessionCookie, ForeignSecretOrPurposeIsBadSeal) {
  OpenSslRandom random;
  const Sealer ours(secrets({kNew}), "parley.session.v1");
  const Sealer theirs(secrets({kOld}), "parley.session.v1");
  const Sealer oidc(secrets({kNew}), "parley.oidc.v1");
  EXPECT_EQ(open_session(seal_session(sample_cookie(), theirs, random), ours, kNow).error().code,
            "session.bad_seal");
  EXPECT_EQ(open_session(seal_session(sample_cookie(), oidc, random), ours, kNow).error().code,
            "session.bad_seal");
}

TEST(SessionCookie, RotationKeepsOldCookiesValid) {
  OpenSslRandom random;
  const Sealer before(secrets({kOld}), "parley.session.v1");
  const Sealer after(secrets({kNew, kOld}), "parley.session.v1");
  EXPECT_TRUE(open_session(seal_session(sample_cookie(), before, random), after, kNow));
}

TEST(SessionCookie, NeedsResealAfterHalfItsLifetime) {
  const SessionCookie c = sample_cookie();
  EXPECT_FALSE(needs_reseal(c, kNow, 28800));
  EXPECT_FALSE(needs_reseal(c, kNow + 14399, 28800));
  EXPECT_TRUE(needs_reseal(c, kNow + 14400, 28800));
  EXPECT_TRUE(needs_reseal(c, kNow + 28000, 28800));
}

}  // namespace
}  // namespace parley::auth
