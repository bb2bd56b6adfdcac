// Bearer access tokens for /v1: each hostile token of issue 14 is refused
// with its own code (401 class), a valid token lacking the role or scope gets
// a 403, and the two kinds of caller come out typed.
#include "auth/access_token.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>
#include <string>

#include "auth/errors.hpp"
#include "auth/support/jws_signer.hpp"
#include "core/public_error.hpp"

namespace parley::auth {
namespace {

namespace json = boost::json;
using test::shared_key;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kOtherTenant = "9122040d-6c67-4c5b-b112-36a304b66dad";
constexpr const char* kClient = "6e74172b-be56-4843-9ff4-e66a39bb12e3";  // Parley's app
constexpr const char* kCaller = "3f1d9c2a-5b7e-4c11-9a0d-8e2f6b4c1a77";  // a batch job's app
constexpr const char* kSp = "a1b2c3d4-0000-4000-8000-000000000001";      // its service principal
constexpr const char* kIssuer =
    "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";

// Shaped like the Entra v2.0 access token sample
// (shared/samples/entra-access-token-v2-claims): delegated, scp, no roles.
//   header  {"typ":"JWT","alg":"RS256","kid":"k0"}
json::object delegated_claims() {
  return json::parse(R"({
    "aud": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
    "iss": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
    "iat": 1700000000, "nbf": 1700000000, "exp": 1700003600,
    "azp": "3f1d9c2a-5b7e-4c11-9a0d-8e2f6b4c1a77", "azpacr": "0",
    "name": "Abe Lincoln", "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
    "preferred_username": "abeli@microsoft.com", "rh": "I", "scp": "User.Read Chat",
    "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "fqiBqXLPj0eQa82S-IYFAA",
    "ver": "2.0"
  })")
      .as_object();
}

// The app-only variant (client credentials): no scp, no user claims, roles,
// sub == oid == the service principal, idtyp "app".
json::object app_claims() {
  return json::parse(R"({
    "aud": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
    "iss": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
    "iat": 1700000000, "nbf": 1700000000, "exp": 1700003600,
    "azp": "3f1d9c2a-5b7e-4c11-9a0d-8e2f6b4c1a77", "azpacr": "1", "idtyp": "app",
    "oid": "a1b2c3d4-0000-4000-8000-000000000001", "rh": "I", "roles": ["Parley.Api"],
    "sub": "a1b2c3d4-0000-4000-8000-000000000001",
    "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "AbCdEf", "ver": "2.0"
  })")
      .as_object();
}

// A v2.0 ID token for Parley itself (shared/samples/entra-id-token-v2-claims).
json::object id_token_claims() {
  return json::parse(R"({
    "ver": "2.0",
    "iss": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
    "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    "aud": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
    "exp": 1700003600, "iat": 1700000000, "nbf": 1700000000,
    "name": "Abe Lincoln", "preferred_username": "AbeLi@microsoft.com",
    "oid": "00000000-0000-0000-66f3-3332eca7ea81",
    "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "nonce": "123523",
    "roles": ["Parley.Api"]
  })")
      .as_object();
}

json::object edit(json::object c, const std::function<void(json::object&)>& f) {
  f(c);
  return c;
}

AccessTokenRules rules() {
  AccessTokenRules r;
  r.issuer = kIssuer;
  r.audiences = default_api_audiences(kClient);
  return r;
}

const jose::Jwks& jwks() {
  static const jose::Jwks k = jose::parse_jwks(test::jwks_json({shared_key(0).public_jwk("k0"),
                                                                shared_key(1).public_jwk("k1")}))
                                  .value();
  return k;
}

json::object header(std::string_view kid = "k0") {
  return json::object{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", kid}};
}

std::string sign(const json::object& claims, int key = 0, std::string_view kid = "k0") {
  return test::sign_compact(header(kid), claims, shared_key(key));
}

Result<Caller> check(const std::string& token, const AccessTokenRules& r = rules(),
                     std::int64_t now = kNow + 60) {
  return validate_access_token(token, jwks(), r, now);
}

// The code of the refusal, or "ok".
std::string code(const std::string& token, const AccessTokenRules& r = rules(),
                 std::int64_t now = kNow + 60) {
  auto res = check(token, r, now);
  return res ? "ok" : std::string(res.error().code);
}

TEST(AccessToken, AnAppOnlyTokenWithTheRoleActsAsTheApplication) {
  auto caller = check(sign(app_claims()));
  ASSERT_TRUE(caller) << caller.error().code << " " << caller.error().detail;
  const auto* app = std::get_if<ApplicationCaller>(&*caller);
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->tenant_id, kTenant);
  EXPECT_EQ(app->app_id, kCaller);
  EXPECT_EQ(app->object_id, kSp);
  EXPECT_EQ(app->roles, std::vector<std::string>{"Parley.Api"});
  EXPECT_EQ(app->expires_at, 1700003600);
}

TEST(AccessToken, ADelegatedTokenWithTheScopeActsAsTheUser) {
  auto caller = check(sign(delegated_claims()));
  ASSERT_TRUE(caller) << caller.error().code << " " << caller.error().detail;
  const auto* user = std::get_if<DelegatedUserCaller>(&*caller);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->tenant_id, kTenant);
  EXPECT_EQ(user->object_id, "690222be-ff1a-4d56-abd1-7e4f7d38e474");
  EXPECT_EQ(user->name, "Abe Lincoln");
  EXPECT_EQ(user->email, "abeli@microsoft.com");
  EXPECT_EQ(user->client_app_id, kCaller);
  EXPECT_EQ(user->scopes, (std::vector<std::string>{"User.Read", "Chat"}));
  EXPECT_TRUE(user->roles.empty());
}

TEST(AccessToken, EmailFallsBackFromEmailToPreferredUsernameToUpn) {
  auto with_email = check(sign(edit(delegated_claims(), [](auto& c) { c["email"] = "a@x.test"; })));
  ASSERT_TRUE(with_email);
  EXPECT_EQ(std::get<DelegatedUserCaller>(*with_email).email, "a@x.test");
  auto upn = check(sign(edit(delegated_claims(), [](auto& c) {
    c.erase("preferred_username");
    c["upn"] = "abe@contoso.test";
  })));
  ASSERT_TRUE(upn);
  EXPECT_EQ(std::get<DelegatedUserCaller>(*upn).email, "abe@contoso.test");
}

TEST(AccessToken, AcceptsTheAppIdUriAudienceAndConfiguredOnes) {
  EXPECT_EQ(
      code(sign(edit(app_claims(), [](auto& c) { c["aud"] = "api://" + std::string(kClient); }))),
      "ok");
  AccessTokenRules custom = rules();
  custom.audiences = {"api://parley.contoso.test"};
  EXPECT_EQ(code(sign(edit(app_claims(), [](auto& c) { c["aud"] = "api://parley.contoso.test"; })),
                 custom),
            "ok");
  EXPECT_EQ(code(sign(app_claims()), custom), "bearer.audience_mismatch");
}

TEST(AccessToken, RefusesAnotherAudience) {
  EXPECT_EQ(code(sign(edit(app_claims(), [](auto& c) { c["aud"] = "api://another-app"; }))),
            "bearer.audience_mismatch");
  EXPECT_EQ(code(sign(edit(app_claims(),
                           [](auto& c) {
                             c["aud"] = json::array{kClient, "api://another-app"};
                           }))),
            "bearer.audience_mismatch");
  EXPECT_EQ(code(sign(edit(app_claims(), [](auto& c) { c.erase("aud"); }))),
            "bearer.audience_mismatch");
}

TEST(AccessToken, RefusesAGraphToken) {
  for (const char* aud : {"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"}) {
    EXPECT_EQ(code(sign(edit(delegated_claims(), [&](auto& c) { c["aud"] = aud; }))),
              "bearer.audience_mismatch")
        << aud;
  }
}

TEST(AccessToken, RefusesAnotherTenant) {
  // Another tenant's token, with that tenant's (genuine-looking) issuer.
  EXPECT_EQ(code(sign(edit(app_claims(),
                           [](auto& c) {
                             c["tid"] = kOtherTenant;
                             c["iss"] = "https://login.microsoftonline.com/" +
                                        std::string(kOtherTenant) + "/v2.0";
                           }))),
            "bearer.tenant_not_allowed");
  // Our issuer, another tid.
  EXPECT_EQ(code(sign(edit(app_claims(), [](auto& c) { c["tid"] = kOtherTenant; }))),
            "bearer.tenant_not_allowed");
  // Our tid, another tenant's issuer.
  EXPECT_EQ(code(sign(edit(app_claims(),
                           [](auto& c) {
                             c["iss"] = "https://login.microsoftonline.com/" +
                                        std::string(kOtherTenant) + "/v2.0";
                           }))),
            "bearer.issuer_mismatch");
}

TEST(AccessToken, AMultiTenantIssuerTemplateAcceptsOnlyTheAllowedTenants) {
  AccessTokenRules r = rules();
  r.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
  r.allowed_tenants = {kOtherTenant};
  const auto other = edit(app_claims(), [](auto& c) {
    c["tid"] = kOtherTenant;
    c["iss"] = "https://login.microsoftonline.com/" + std::string(kOtherTenant) + "/v2.0";
  });
  EXPECT_EQ(code(sign(other), r), "ok");
  EXPECT_EQ(code(sign(app_claims()), r), "bearer.tenant_not_allowed");
}

TEST(AccessToken, AcceptsAV1TokenFromTheStsIssuerWithAppid) {
  const auto v1 = edit(app_claims(), [](auto& c) {
    c["ver"] = "1.0";
    c["iss"] = "https://sts.windows.net/" + std::string(kTenant) + "/";
    c["aud"] = "api://" + std::string(kClient);
    c.erase("azp");
    c["appid"] = kCaller;
  });
  auto caller = check(sign(v1));
  ASSERT_TRUE(caller) << caller.error().code;
  EXPECT_EQ(std::get<ApplicationCaller>(*caller).app_id, kCaller);
  // A v1 token with the v2 issuer, or a v2 token with the v1 issuer: refused.
  EXPECT_EQ(code(sign(edit(v1, [](auto& c) { c["iss"] = kIssuer; }))), "bearer.issuer_mismatch");
  EXPECT_EQ(code(sign(edit(app_claims(),
                           [](auto& c) {
                             c["iss"] = "https://sts.windows.net/" + std::string(kTenant) + "/";
                           }))),
            "bearer.issuer_mismatch");
  // Another tenant's STS.
  EXPECT_EQ(code(sign(edit(v1,
                           [](auto& c) {
                             c["tid"] = kOtherTenant;
                             c["iss"] =
                                 "https://sts.windows.net/" + std::string(kOtherTenant) + "/";
                           }))),
            "bearer.tenant_not_allowed");
}

TEST(AccessToken, RefusesAnExpiredTokenBeyondFiveMinutesOfSkew) {
  const std::string t = sign(app_claims());  // exp = kNow + 3600
  EXPECT_EQ(code(t, rules(), kNow + 3600 + 299), "ok");
  EXPECT_EQ(code(t, rules(), kNow + 3600 + 300), "bearer.expired");
}

TEST(AccessToken, RefusesATokenNotYetValidBeyondFiveMinutesOfSkew) {
  const std::string t = sign(app_claims());  // nbf = iat = kNow
  EXPECT_EQ(code(t, rules(), kNow - 300), "ok");
  EXPECT_EQ(code(t, rules(), kNow - 301), "bearer.not_yet_valid");
  const auto future_iat = edit(app_claims(), [](auto& c) {
    c.erase("nbf");
    c["iat"] = kNow + 1000;
  });
  EXPECT_EQ(code(sign(future_iat)), "bearer.not_yet_valid");
}

TEST(AccessToken, RefusesAlgNone) {
  const std::string payload_token = sign(app_claims());
  // header {"alg":"none","typ":"JWT"} + the payload + an empty signature.
  const std::string unsigned_token =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0" +
      payload_token.substr(payload_token.find('.'),
                           payload_token.rfind('.') - payload_token.find('.')) +
      ".";
  EXPECT_EQ(code(unsigned_token), "bearer.alg_not_allowed");
  const std::string with_sig =
      test::sign_compact(json::object{{"alg", "none"}, {"kid", "k0"}}, app_claims(), shared_key(0));
  EXPECT_EQ(code(with_sig), "bearer.alg_not_allowed");
}

TEST(AccessToken, RefusesHs256KeyedWithThePublicKey) {
  for (const std::string& secret : {shared_key(0).public_pem(), shared_key(0).public_der()}) {
    const std::string t = test::sign_hs256(
        json::object{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "k0"}}, app_claims(), secret);
    EXPECT_EQ(code(t), "bearer.alg_not_allowed");
  }
}

TEST(AccessToken, RefusesAnUnknownKidSoTheCallerCanRefreshOnce) {
  EXPECT_EQ(code(sign(app_claims(), 2, "k-new")), "bearer.unknown_kid");
  EXPECT_EQ(code(test::sign_compact(json::object{{"alg", "RS256"}}, app_claims(), shared_key(0))),
            "bearer.malformed");  // no kid at all
}

TEST(AccessToken, RefusesAnotherKeyUnderAKnownKid) {
  EXPECT_EQ(code(sign(app_claims(), 2, "k0")), "bearer.bad_signature");
  EXPECT_EQ(code(sign(app_claims(), 1, "k0")), "bearer.bad_signature");
}

TEST(AccessToken, RefusesAnIdToken) {
  // Parley's own ID token, even with the API role assigned to the user.
  EXPECT_EQ(code(sign(id_token_claims())), "bearer.id_token");
  // Without its nonce (ROPC, hybrid flows): still no azp.
  EXPECT_EQ(code(sign(edit(id_token_claims(), [](auto& c) { c.erase("nonce"); }))),
            "bearer.id_token");
  // Even with an azp: no scp and the subject is not the service principal.
  EXPECT_EQ(code(sign(edit(id_token_claims(),
                           [](auto& c) {
                             c.erase("nonce");
                             c["azp"] = kClient;
                           }))),
            "bearer.id_token");
  // idtyp says "user" but there is no scp.
  EXPECT_EQ(code(sign(edit(app_claims(), [](auto& c) { c["idtyp"] = "user"; }))),
            "bearer.id_token");
}

TEST(AccessToken, AValidTokenWithoutTheRoleOrScopeIsForbidden) {
  auto no_role = check(sign(edit(app_claims(), [](auto& c) { c.erase("roles"); })));
  ASSERT_FALSE(no_role);
  EXPECT_TRUE(no_role.error().is(errc::bearer::role_missing));
  EXPECT_EQ(public_error(no_role.error()).status, 403);
  EXPECT_EQ(public_error(no_role.error()).message,
            "The application lacks the app role Parley.Api.");
  auto other_role =
      check(sign(edit(app_claims(), [](auto& c) { c["roles"] = json::array{"Parley.Admin"}; })));
  ASSERT_FALSE(other_role);
  EXPECT_TRUE(other_role.error().is(errc::bearer::role_missing));

  auto no_scope = check(sign(edit(delegated_claims(), [](auto& c) { c["scp"] = "User.Read"; })));
  ASSERT_FALSE(no_scope);
  EXPECT_TRUE(no_scope.error().is(errc::bearer::scope_missing));
  EXPECT_EQ(public_error(no_scope.error()).status, 403);
  // A prefix of the scope is not the scope.
  EXPECT_EQ(code(sign(edit(delegated_claims(), [](auto& c) { c["scp"] = "Chatty"; }))),
            "bearer.scope_missing");
}

TEST(AccessToken, TheRoleAndScopeAreConfigurable) {
  AccessTokenRules r = rules();
  r.api_role = "Batch.Chat";
  r.api_scope = "access_as_user";
  EXPECT_EQ(code(sign(app_claims()), r), "bearer.role_missing");
  EXPECT_EQ(
      code(sign(edit(app_claims(), [](auto& c) { c["roles"] = json::array{"Batch.Chat"}; })), r),
      "ok");
  EXPECT_EQ(code(sign(edit(delegated_claims(), [](auto& c) { c["scp"] = "access_as_user"; })), r),
            "ok");
}

TEST(AccessToken, MissingOrMistypedClaimsAreUnauthorized) {
  const std::vector<std::function<void(json::object&)>> edits = {
      [](auto& c) { c.erase("ver"); },
      [](auto& c) { c["ver"] = "3.0"; },
      [](auto& c) { c.erase("tid"); },
      [](auto& c) { c.erase("oid"); },
      [](auto& c) { c.erase("exp"); },
      [](auto& c) { c["exp"] = "soon"; },
      [](auto& c) { c["exp"] = 1.7e9; },
      [](auto& c) { c["nbf"] = "x"; },
      [](auto& c) { c["roles"] = "Parley.Api"; },
      [](auto& c) { c["scp"] = 7; },
      [](auto& c) { c["tid"] = std::string("72f9\0x", 6); },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    auto res = check(sign(edit(app_claims(), edits[i])));
    ASSERT_FALSE(res) << i;
    EXPECT_EQ(public_error(res.error()).status, 401) << i << " " << res.error().code;
  }
}

TEST(AccessToken, EveryRefusalOfABadTokenIs401WithInvalidToken) {
  for (const std::string& t : {std::string("not-a-jwt"), std::string("a.b.c"),
                               sign(id_token_claims()), sign(app_claims(), 2, "k0")}) {
    auto res = check(t);
    ASSERT_FALSE(res);
    const PublicError pe = public_error(res.error());
    EXPECT_EQ(pe.status, 401);
    EXPECT_EQ(pe.code, "invalid_token");
  }
}

TEST(AccessTokenCache, AnAcceptedTokenIsAnsweredFromTheCacheUntilItExpires) {
  AccessTokenCache cache;
  const std::string t = sign(app_claims());
  ASSERT_TRUE(validate_access_token(t, jwks(), rules(), kNow, &cache));
  EXPECT_EQ(cache.size(), 1u);
  auto again = validate_access_token(t, jwks(), rules(), kNow + 10, &cache);
  ASSERT_TRUE(again);
  EXPECT_EQ(std::get<ApplicationCaller>(*again).app_id, kCaller);
  // Past exp + skew the entry is gone and the full check refuses it.
  auto late = validate_access_token(t, jwks(), rules(), kNow + 3600 + 300, &cache);
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(errc::bearer::expired));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AccessTokenCache, RefusalsAreNotCached) {
  AccessTokenCache cache;
  const std::string t = sign(edit(app_claims(), [](auto& c) { c.erase("roles"); }));
  EXPECT_FALSE(validate_access_token(t, jwks(), rules(), kNow, &cache));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AccessTokenCache, AnEntryDiesWithItsKey) {
  AccessTokenCache cache;
  const std::string t = sign(app_claims());
  ASSERT_TRUE(validate_access_token(t, jwks(), rules(), kNow, &cache));
  // The IdP replaced k0 with another key: the cached acceptance no longer holds.
  const jose::Jwks rotated =
      jose::parse_jwks(test::jwks_json({shared_key(2).public_jwk("k0")})).value();
  auto res = validate_access_token(t, rotated, rules(), kNow, &cache);
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().is(errc::bearer::bad_signature));
}

TEST(AccessTokenCache, StaysWithinItsCapacity) {
  AccessTokenCache cache(2);
  for (int i = 0; i < 5; ++i) {
    const std::string t = sign(edit(app_claims(), [i](auto& c) { c["uti"] = std::to_string(i); }));
    ASSERT_TRUE(validate_access_token(t, jwks(), rules(), kNow, &cache));
    EXPECT_LE(cache.size(), 2u);
  }
}

TEST(BearerToken, TakesTheTokenOfABearerAuthorizationHeader) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("BEARER   abc.def.ghi  "), "abc.def.ghi");
  EXPECT_EQ(bearer_token(""), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Bearer a b"), "");
  EXPECT_EQ(bearer_token("Bearer a,Bearer b"), "");
}

}  // namespace
}  // namespace parley::auth
