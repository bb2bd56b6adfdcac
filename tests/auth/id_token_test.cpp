#include "auth/id_token.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>
#include <string>

namespace parley::auth {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kTenant = "9122040d-6c67-4c5b-b112-36a304b66dad";
constexpr const char* kOtherTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClient = "6cb04018-a3f5-46a7-b995-940c78f5aef3";
constexpr const char* kIssuer =
    "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0";
constexpr const char* kTemplate = "https://login.microsoftonline.com/{tenantid}/v2.0";

// Shaped like the Entra v2.0 sample ID token (shared/samples/entra-id-token-v2-claims).
json::object entra_claims() {
  return json::parse(R"({
    "ver": "2.0",
    "iss": "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0",
    "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    "aud": "6cb04018-a3f5-46a7-b995-940c78f5aef3",
    "exp": 1700003600,
    "iat": 1700000000,
    "nbf": 1700000000,
    "name": "Abe Lincoln",
    "preferred_username": "AbeLi@microsoft.com",
    "oid": "00000000-0000-0000-66f3-3332eca7ea81",
    "tid": "9122040d-6c67-4c5b-b112-36a304b66dad",
    "nonce": "123523",
    "aio": "Df2UVXL1ix"
  })")
      .as_object();
}

IdTokenRules rules() {
  IdTokenRules r;
  r.issuer = kIssuer;
  r.client_id = kClient;
  r.expected_nonce = "123523";
  r.now = kNow;
  return r;
}

std::string code(const json::object& claims, const IdTokenRules& r = rules()) {
  auto res = validate_id_token_claims(claims, r);
  return res ? "ok" : std::string(res.error().code);
}

json::object with(std::function<void(json::object&)> edit) {
  json::object c = entra_claims();
  edit(c);
  return c;
}

TEST(IdTokenClaims, AcceptsTheEntraSampleAndExtractsIdentity) {
  auto id = validate_id_token_claims(entra_claims(), rules());
  ASSERT_TRUE(id) << id.error().code;
  EXPECT_EQ(id->tenant_id, kTenant);
  EXPECT_EQ(id->object_id, "00000000-0000-0000-66f3-3332eca7ea81");
  EXPECT_EQ(id->subject, "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ");
  EXPECT_EQ(id->email, "AbeLi@microsoft.com");  // no email claim: preferred_username
  EXPECT_EQ(id->name, "Abe Lincoln");
  EXPECT_TRUE(id->roles.empty());
  EXPECT_EQ(id->expires_at, 1700003600);
}

TEST(IdTokenClaims, PrefersEmailOverPreferredUsername) {
  auto id =
      validate_id_token_claims(with([](auto& c) { c["email"] = "abe@example.com"; }), rules());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->email, "abe@example.com");
  auto neither =
      validate_id_token_claims(with([](auto& c) { c.erase("preferred_username"); }), rules());
  ASSERT_TRUE(neither);
  EXPECT_EQ(neither->email, "");
}

// The email an imported Next.js user may be linked by: only one the tenant
// vouches for (nextauth/linker.hpp).
TEST(IdTokenClaims, VerifiedEmailIsTheUpnOrAnOwnerVerifiedEmail) {
  auto verified = [](std::function<void(json::object&)> edit) {
    auto id = validate_id_token_claims(with(std::move(edit)), rules());
    return id ? id->verified_email : std::string("error");
  };
  EXPECT_EQ(verified([](auto&) {}), "AbeLi@microsoft.com");  // the UPN alone
  EXPECT_EQ(verified([](auto& c) { c["email"] = "abeli@MICROSOFT.com"; }), "AbeLi@microsoft.com");
  // An email other than the UPN is the user's to set: not without xms_edov.
  EXPECT_EQ(verified([](auto& c) { c["email"] = "ceo@bank.example"; }), "");
  EXPECT_EQ(verified([](auto& c) {
              c["email"] = "abe@bank.example";
              c["xms_edov"] = true;
            }),
            "abe@bank.example");
  EXPECT_EQ(verified([](auto& c) {
              c["email"] = "abe@bank.example";
              c["xms_edov"] = "1";
            }),
            "abe@bank.example");
  EXPECT_EQ(verified([](auto& c) {
              c["email"] = "abe@bank.example";
              c["xms_edov"] = false;
            }),
            "");
  // A guest's UPN and email belong to their home tenant.
  EXPECT_EQ(verified([](auto& c) {
              c["idp"] = "https://sts.windows.net/" + std::string(kOtherTenant) + "/";
            }),
            "");
  EXPECT_EQ(verified([](auto& c) {
              c["idp"] = "live.com";
              c["email"] = "abe@bank.example";
              c["xms_edov"] = true;
            }),
            "");
  EXPECT_EQ(verified([](auto& c) { c["preferred_username"] = "not-an-address"; }), "");
  EXPECT_EQ(verified([](auto& c) { c.erase("preferred_username"); }), "");
}

TEST(IdTokenClaims, RolesAbsentEmptyOrArrayOfStrings) {
  auto id = validate_id_token_claims(with([](auto& c) {
                                       c["roles"] = json::array{"admin", "user"};
                                     }),
                                     rules());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(code(with([](auto& c) { c["roles"] = json::array{}; })), "ok");
  EXPECT_EQ(code(with([](auto& c) { c["roles"] = "admin"; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) {
              c["roles"] = json::array{"admin", 1};
            })),
            "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["roles"] = nullptr; })), "oidc.missing_claim");
}

TEST(IdTokenClaims, MissingOrMistypedRequiredClaims) {
  for (const char* name : {"exp", "iat", "oid", "tid", "sub"}) {
    EXPECT_EQ(code(with([&](auto& c) { c.erase(name); })), "oidc.missing_claim") << name;
  }
  EXPECT_EQ(code(with([](auto& c) { c["exp"] = "1700003600"; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["exp"] = 1700003600.5; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["iat"] = true; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["nbf"] = "0"; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["oid"] = 5; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["tid"] = json::array{kTenant}; })), "oidc.missing_claim");
  EXPECT_EQ(code(with([](auto& c) { c["sub"] = ""; })), "oidc.missing_claim");
}

// A NUL would be cut off by the database: an identity claim holding one is
// refused, a display claim holding one is dropped.
TEST(IdTokenClaims, ClaimsWithANulCharacter) {
  const std::string nul("x\0y", 3);
  for (const char* name : {"oid", "tid", "sub", "nonce"}) {
    EXPECT_NE(code(with([&](auto& c) { c[name] = std::string(c[name].as_string()) + nul; })), "ok")
        << name;
  }
  EXPECT_EQ(code(with([&](auto& c) {
              c["roles"] = json::array{"admin", nul};
            })),
            "oidc.missing_claim");
  auto id = validate_id_token_claims(with([&](auto& c) {
                                       c["name"] = nul;
                                       c["email"] = "victim@example.com" + nul;
                                     }),
                                     rules());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->name, "");
  EXPECT_EQ(id->email, "AbeLi@microsoft.com");
}

TEST(IdTokenClaims, IssuerMustMatchExactly) {
  EXPECT_EQ(code(with([](auto& c) { c.erase("iss"); })), "oidc.issuer_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["iss"] = std::string(kIssuer) + "/"; })),
            "oidc.issuer_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["iss"] = "https://login.microsoftonline.com/common/v2.0"; })),
            "oidc.issuer_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["iss"] = 1; })), "oidc.issuer_mismatch");
}

TEST(IdTokenClaims, RejectsTheV1Issuer) {
  EXPECT_EQ(code(with([](auto& c) {
              c["iss"] = std::string("https://sts.windows.net/") + kTenant + "/";
              c["ver"] = "1.0";
            })),
            "oidc.issuer_mismatch");
}

TEST(IdTokenClaims, RejectsAnotherTenantUnderASingleTenantIssuer) {
  EXPECT_EQ(code(with([](auto& c) { c["tid"] = kOtherTenant; })), "oidc.wrong_tenant");
}

TEST(IdTokenClaims, MultiTenantTemplateAcceptsAllowedTenants) {
  IdTokenRules r = rules();
  r.issuer = kTemplate;
  r.allowed_tenants = {kOtherTenant, kTenant};
  EXPECT_EQ(code(entra_claims(), r), "ok");
}

TEST(IdTokenClaims, MultiTenantTemplateRejectsOtherTenants) {
  IdTokenRules r = rules();
  r.issuer = kTemplate;
  r.allowed_tenants = {kOtherTenant};
  EXPECT_EQ(code(entra_claims(), r), "oidc.tenant_not_allowed");
  r.allowed_tenants.clear();  // a template without an allow-list accepts nobody
  EXPECT_EQ(code(entra_claims(), r), "oidc.tenant_not_allowed");
}

TEST(IdTokenClaims, MultiTenantTemplateRequiresIssToNameTheSameTenant) {
  IdTokenRules r = rules();
  r.issuer = kTemplate;
  r.allowed_tenants = {kOtherTenant, kTenant};
  // tid allowed, but iss names another tenant.
  EXPECT_EQ(code(with([](auto& c) { c["tid"] = kOtherTenant; }), r), "oidc.issuer_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["iss"] = kTemplate; }), r), "oidc.issuer_mismatch");
}

TEST(IdTokenClaims, AudienceMustBeTheClientId) {
  EXPECT_EQ(code(with([](auto& c) { c["aud"] = "someone-else"; })), "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c.erase("aud"); })), "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["aud"] = 7; })), "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["aud"] = json::array{}; })), "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["aud"] = json::array{kClient}; })), "ok");
  EXPECT_EQ(code(with([](auto& c) { c["aud"] = json::array{kClient, kClient}; })), "ok");
}

TEST(IdTokenClaims, RejectsAnAudienceArrayWithAnUntrustedExtraAudience) {
  EXPECT_EQ(code(with([](auto& c) {
              c["aud"] = json::array{kClient, "api://attacker"};
            })),
            "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) {
              c["aud"] = json::array{"api://attacker", kClient};
            })),
            "oidc.audience_mismatch");
}

TEST(IdTokenClaims, AzpWhenPresentMustBeTheClientId) {
  EXPECT_EQ(code(with([](auto& c) { c["azp"] = kClient; })), "ok");
  EXPECT_EQ(code(with([](auto& c) { c["azp"] = "other-app"; })), "oidc.audience_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["azp"] = nullptr; })), "oidc.audience_mismatch");
}

TEST(IdTokenClaims, ExpiryHonoursAtMostFiveMinutesSkew) {
  // exp + 300 <= now is expired.
  EXPECT_EQ(code(with([](auto& c) {
              c["exp"] = kNow - 299;
              c["iat"] = kNow - 3600;
              c["nbf"] = kNow - 3600;
            })),
            "ok");
  EXPECT_EQ(code(with([](auto& c) {
              c["exp"] = kNow - 300;
              c["iat"] = kNow - 3600;
              c["nbf"] = kNow - 3600;
            })),
            "oidc.expired");
  EXPECT_EQ(code(with([](auto& c) {
              c["exp"] = kNow - 301;
              c["iat"] = kNow - 3600;
              c["nbf"] = kNow - 3600;
            })),
            "oidc.expired");
}

TEST(IdTokenClaims, NotBeforeHonoursAtMostFiveMinutesSkew) {
  EXPECT_EQ(code(with([](auto& c) {
              c["nbf"] = kNow + 300;
              c["iat"] = kNow;
            })),
            "ok");
  EXPECT_EQ(code(with([](auto& c) {
              c["nbf"] = kNow + 301;
              c["iat"] = kNow;
            })),
            "oidc.not_yet_valid");
  EXPECT_EQ(code(with([](auto& c) { c.erase("nbf"); })), "ok");
}

TEST(IdTokenClaims, IssuedAtHonoursAtMostFiveMinutesSkew) {
  EXPECT_EQ(code(with([](auto& c) {
              c["iat"] = kNow + 300;
              c["nbf"] = kNow;
            })),
            "ok");
  EXPECT_EQ(code(with([](auto& c) {
              c["iat"] = kNow + 301;
              c["nbf"] = kNow;
            })),
            "oidc.issued_in_future");
}

TEST(IdTokenClaims, ExtremeTimesDoNotOverflow) {
  EXPECT_EQ(code(with([](auto& c) { c["exp"] = std::numeric_limits<std::int64_t>::max(); })), "ok");
  EXPECT_EQ(code(with([](auto& c) { c["exp"] = std::numeric_limits<std::int64_t>::min(); })),
            "oidc.expired");
  EXPECT_EQ(code(with([](auto& c) { c["iat"] = std::numeric_limits<std::int64_t>::min(); })), "ok");
  EXPECT_EQ(code(with([](auto& c) { c["nbf"] = std::numeric_limits<std::int64_t>::max(); })),
            "oidc.not_yet_valid");
  EXPECT_EQ(code(with([](auto& c) { c["exp"] = std::numeric_limits<std::uint64_t>::max(); })),
            "oidc.missing_claim");
}

TEST(IdTokenClaims, NonceMustMatch) {
  EXPECT_EQ(code(with([](auto& c) { c.erase("nonce"); })), "oidc.nonce_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["nonce"] = "123524"; })), "oidc.nonce_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["nonce"] = "12352"; })), "oidc.nonce_mismatch");
  EXPECT_EQ(code(with([](auto& c) { c["nonce"] = 123523; })), "oidc.nonce_mismatch");
  IdTokenRules r = rules();
  r.expected_nonce.clear();
  EXPECT_EQ(code(with([](auto& c) { c["nonce"] = ""; }), r), "oidc.nonce_mismatch");
}

}  // namespace
}  // namespace parley::auth
