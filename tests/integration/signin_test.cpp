// End-to-end sign-in over HTTP: parley + mock-entra-id + PostgreSQL, driven
// by a cookie-keeping browser on a different HTTP stack.

#include <boost/json.hpp>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr const char* kAda = "ada@example.com";
constexpr const char* kGrace = "grace@example.com";
constexpr const char* kHeavy = "heavy@example.com";

TEST_F(E2E, FullSignInLandsOnThePageWithNameEmailAndDatabaseId) {
  Browser b = browser();
  // A signed-out page visit goes straight to sign-in, keeping the path.
  HttpResult home = b.get("/");
  ASSERT_EQ(home.status, 302);
  // (cpp-httplib hands header values over percent-decoded.)
  EXPECT_EQ(home.location(), "/api/auth/signin/microsoft-entra-id?callbackUrl=/");

  SignInAttempt a = sign_in(b, kAda);
  // The authorize redirect carries PKCE S256, state and nonce.
  const std::string authorize = a.start.location();
  EXPECT_NE(authorize.find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(authorize.find("&state="), std::string::npos);
  EXPECT_NE(authorize.find("&nonce="), std::string::npos);
  EXPECT_TRUE(a.start.header("set-cookie").starts_with("parley.oidc="));

  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/");
  ASSERT_TRUE(b.cookie("parley.session").has_value());
  EXPECT_FALSE(b.cookie("parley.oidc").has_value()) << "the transaction cookie is single-use";

  const json::value session = json::parse(session_json(b));
  ASSERT_TRUE(session.is_object());
  const auto& user = session.at("user").as_object();
  EXPECT_EQ(user.at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(user.at("email").as_string(), kAda);
  EXPECT_TRUE(user.at("roles").is_array());
  const std::string id(user.at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_TRUE(session.at("expires").as_string().ends_with("Z"));

  // The page is the web UI's shell; it shows the session's user (browser
  // tests cover the rendering).
  HttpResult page = b.get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(page.header("content-type").starts_with("text/html"));
  EXPECT_EQ(page.header("cache-control"), "no-cache");
  EXPECT_NE(page.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("referrer-policy"), "strict-origin-when-cross-origin");

  EXPECT_NE(sql_scalar("select count(*) from audit_events where type = 'sign_in.success' and "
                       "actor = '" + id + "' and subject = '" + id + "' and ip is not null and "
                       "detail ? 'session_id' and detail ? 'user_agent'"),
            "0");
}

TEST_F(E2E, SessionCookieIsHttpOnlyLaxAndSmallEvenWith250Roles) {
  Browser b = browser();
  SignInAttempt a = sign_in(b, kHeavy);
  ASSERT_EQ(a.callback.status, 302);
  ASSERT_FALSE(a.callback.set_cookies.empty());
  for (const auto& c : a.callback.set_cookies) {
    EXPECT_LT(c.size(), 4096u) << c.substr(0, 40);
    EXPECT_LT(c.size(), 400u) << "the cookie carries ids and expiry only";
  }
  const std::string& session_cookie = a.callback.set_cookies.front().starts_with("parley.session")
                                          ? a.callback.set_cookies.front()
                                          : a.callback.set_cookies.back();
  EXPECT_NE(session_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(session_cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(session_cookie.find("Path=/"), std::string::npos);
  // Their ID token is about 20 KB (250 "Project.<guid>.Member" roles): it is
  // accepted, the roles are stored and the session shows them.
  const json::value session = json::parse(session_json(b));
  const auto& roles = session.at("user").at("roles").as_array();
  ASSERT_EQ(roles.size(), 250u);
  EXPECT_EQ(roles[0].as_string(), "Project.3f000001-7c1d-4e2f-9a3b-000000001001.Member");
  EXPECT_EQ(roles[249].as_string(), "Project.3f0000fa-7c1d-4e2f-9a3b-0000000010fa.Member");
  const std::string id(session.at("user").at("id").as_string());
  EXPECT_EQ(sql_scalar("select cardinality(roles) from users where id = '" + id + "'"), "250");
}

TEST_F(E2E, SameTenantAndObjectIdIsTheSameUserAndRolesAreRefreshed) {
  Browser first = browser();
  ASSERT_EQ(sign_in(first, kGrace).callback.status, 302);
  const std::string id1(json::parse(session_json(first)).at("user").at("id").as_string());
  Browser second = browser();
  ASSERT_EQ(sign_in(second, kGrace).callback.status, 302);
  const std::string id2(json::parse(session_json(second)).at("user").at("id").as_string());
  EXPECT_EQ(id1, id2);
  EXPECT_EQ(sql_scalar("select count(*) from users where email = 'grace@example.com'"), "1");
  EXPECT_EQ(sql_scalar("select last_login_at is not null from users where id = '" + id1 + "'"), "t");
}

// The admin area's pages are the UI's shell behind sign-in like "/": the
// admin API, not the page, decides who is an administrator.
TEST_F(E2E, AdminPagesAreTheShellBehindSignIn) {
  Browser b = browser();
  HttpResult signed_out = b.get("/admin/users/123");
  ASSERT_EQ(signed_out.status, 302);
  EXPECT_EQ(signed_out.location(), "/api/auth/signin/microsoft-entra-id?callbackUrl=/admin/users/123");

  SignInAttempt a = sign_in(b, kGrace, "/admin/audit?type=x");
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/admin/audit?type=x");
  for (const char* path :
       {"/admin", "/admin/users", "/admin/users/123", "/admin/usage", "/admin/audit"}) {
    HttpResult page = b.get(path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_TRUE(page.header("content-type").starts_with("text/html")) << path;
    EXPECT_EQ(page.header("cache-control"), "no-cache") << path;
  }
  EXPECT_EQ(b.get("/admin/elsewhere").status, 404);
}

// A browser fetching a page path on its own (a favicon under the
// "access disabled" page, an <img>) is told 401: redirecting it into Entra
// would only break the page's CSP (img-src) and load the IdP.
TEST_F(E2E, SignedOutSubresourceRequestsGet401NotTheSignInRedirect) {
  Browser b = browser();
  HttpResult image = b.get("/favicon.ico", {{"Sec-Fetch-Mode", "no-cors"}, {"Sec-Fetch-Dest", "image"}});
  EXPECT_EQ(image.status, 401);
  EXPECT_EQ(image.location(), "");
  HttpResult navigation = b.get("/favicon.ico", {{"Sec-Fetch-Mode", "navigate"}});
  EXPECT_EQ(navigation.status, 302);
  EXPECT_EQ(navigation.location(), "/api/auth/signin/microsoft-entra-id?callbackUrl=/favicon.ico");

  SignInAttempt a = sign_in(b, kGrace, "/");
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(b.get("/favicon.ico", {{"Sec-Fetch-Mode", "no-cors"}}).status, 404);
}

TEST_F(E2E, UnsafeCallbackUrlIsReplacedBySlash) {
  for (const std::string target : {"https://evil.example/", "//evil.example/x", "/\\evil.example"}) {
    Browser b = browser();
    SignInAttempt a = sign_in(b, kAda, target);
    ASSERT_EQ(a.callback.status, 302);
    EXPECT_EQ(a.callback.location(), "/") << target;
  }
  Browser b = browser();
  SignInAttempt a = sign_in(b, kAda, "/c/123?x=1");
  EXPECT_EQ(a.callback.location(), "/c/123?x=1");
}

// --- hostile identity provider -------------------------------------------

struct HostileCase {
  const char* name;
  const char* behaviour;  // JSON for /_mock/behaviour
  const char* reason;     // public reason on the error page
};

class HostileIdp : public E2E, public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileIdp, EndsWithoutSessionOrServerError) {
  const HostileCase& c = GetParam();
  const std::string count_failures =
      "select count(*) from audit_events where type = 'sign_in.failure' and detail ? 'reason'";
  const int before = std::stoi(sql_scalar(count_failures));
  ASSERT_EQ(idp().control("/_mock/behaviour", c.behaviour), 200);
  Browser b = browser();
  SignInAttempt a = sign_in(b, kAda);
  expect_rejected(b, a, c.reason);
  EXPECT_EQ(std::stoi(sql_scalar(count_failures)), before + 1) << "one audited failure";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HostileIdp,
    ::testing::Values(
        HostileCase{"WrongAudience", R"({"id_token":{"aud":"someone-else"}})", "invalid_token"},
        HostileCase{"AudienceArrayWithUntrustedExtra",
                    R"({"id_token":{"aud":["parley-test-client","attacker-app"]}})", "invalid_token"},
        HostileCase{"WrongIssuer", R"({"id_token":{"iss":"https://login.evil.example/x/v2.0"}})",
                    "invalid_token"},
        HostileCase{"V1Issuer",
                    R"({"id_token":{"iss":"https://sts.windows.net/11111111-2222-3333-4444-555555555555/"}})",
                    "invalid_token"},
        HostileCase{"Expired", R"({"id_token":{"exp_offset":-600}})", "invalid_token"},
        HostileCase{"NotYetValid", R"({"id_token":{"nbf_offset":900}})", "invalid_token"},
        HostileCase{"IssuedInTheFuture", R"({"id_token":{"iat_offset":900}})", "invalid_token"},
        HostileCase{"NonceMismatch", R"({"id_token":{"nonce":"not-the-nonce"}})", "invalid_token"},
        HostileCase{"NonceMissing", R"({"id_token":{"nonce":null}})", "invalid_token"},
        HostileCase{"OtherTenant", R"({"id_token":{"tid":"99999999-9999-9999-9999-999999999999"}})",
                    "tenant_not_allowed"},
        HostileCase{"MissingOid", R"({"id_token":{"omit":["oid"]}})", "invalid_token"},
        HostileCase{"MissingTid", R"({"id_token":{"omit":["tid"]}})", "invalid_token"},
        HostileCase{"AlgNone", R"({"id_token":{"alg":"none"}})", "invalid_token"},
        HostileCase{"Hs256WithPublicKey", R"({"id_token":{"alg":"HS256"}})", "invalid_token"},
        HostileCase{"UnknownKid", R"({"id_token":{"kid":"unknown-kid"}})", "invalid_token"},
        HostileCase{"EmbeddedJwkHeader",
                    R"({"id_token":{"sign_with":"next","kid":"attacker","extra_header":{"jku":"http://127.0.0.1:1/keys","x5u":"http://127.0.0.1:1/x"}}})",
                    "invalid_token"},
        HostileCase{"TokenEndpoint500", R"({"token_endpoint":{"status":500,"body":"{}"}})",
                    "provider_unavailable"},
        HostileCase{"TokenEndpointNotJson",
                    R"({"token_endpoint":{"status":200,"body":"<html>oops</html>","content_type":"text/html"}})",
                    "provider_unavailable"},
        HostileCase{"TokenResponseWithoutIdToken", R"({"token_endpoint":{"omit_id_token":true}})",
                    "invalid_token"}),
    [](const ::testing::TestParamInfo<HostileCase>& param_info) { return std::string(param_info.param.name); });

TEST_F(E2E, AccessDeniedIsShownWithoutReflectingTheDescription) {
  ASSERT_EQ(idp().control("/_mock/behaviour",
                          R"({"authorize":{"error":"access_denied","error_description":"<script>alert(1)</script>"}})"),
            200);
  Browser b = browser();
  SignInAttempt a = sign_in(b, kAda);
  expect_rejected(b, a, "access_denied");
  const HttpResult page = b.get(a.callback.location());
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("alert(1)"), std::string::npos);
}

TEST_F(E2E, StateMismatchIsRejected) {
  Browser b = browser();
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id");
  HttpResult authorize = b.get(start.location() + "&login_hint=" + url_encode(kAda));
  std::string callback = authorize.location();
  const auto pos = callback.find("state=");
  ASSERT_NE(pos, std::string::npos);
  callback.insert(pos + 6, "x");
  SignInAttempt a{start, authorize, b.get(callback)};
  expect_rejected(b, a, "session_expired");
}

TEST_F(E2E, ReplayedCallbackIsRejectedEvenWithTheTransactionCookie) {
  Browser b = browser();
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id");
  const std::string oidc_cookie = *b.cookie("parley.oidc");
  HttpResult authorize = b.get(start.location() + "&login_hint=" + url_encode(kAda));
  HttpResult first = b.get(authorize.location());
  ASSERT_EQ(first.status, 302);
  ASSERT_EQ(first.location(), "/");
  // An attacker who captured the callback URL and the transaction cookie.
  Browser attacker = browser();
  attacker.cookies()["parley.oidc"] = oidc_cookie;
  SignInAttempt replay{start, authorize, attacker.get(authorize.location())};
  expect_rejected(attacker, replay, "session_expired");
}

TEST_F(E2E, CallbackDeliveredToAnotherBrowserIsRejected) {
  Browser victim = browser();
  HttpResult start = victim.get("/api/auth/signin/microsoft-entra-id");
  HttpResult authorize = victim.get(start.location() + "&login_hint=" + url_encode(kAda));
  Browser other = browser();
  SignInAttempt a{start, authorize, other.get(authorize.location())};
  expect_rejected(other, a, "session_expired");
}

TEST_F(E2E, KeyRotationIsAcceptedAfterAJwksRefresh) {
  // Its own IdP and server: rotation must not disturb the shared ones.
  const int port = free_port();
  MockEntra rotating_idp({Parley::callback_uri(port)});
  ParleyOptions o;
  o.port = port;
  o.database_url = database_url();
  o.issuer = rotating_idp.issuer();
  Parley server(o);
  auto sign_in_at = [&](Browser& b) {
    HttpResult start = b.get("/api/auth/signin/microsoft-entra-id");
    HttpResult authorize = b.get(start.location() + "&login_hint=" + url_encode(kAda));
    return b.get(authorize.location());
  };
  Browser before(port);
  ASSERT_EQ(sign_in_at(before).location(), "/");
  ASSERT_EQ(rotating_idp.control("/_mock/rotate-keys"), 200);
  const std::string jwks_before = rotating_idp.get("/_mock/stats");
  Browser after(port);
  EXPECT_EQ(sign_in_at(after).location(), "/") << "the new kid triggers one JWKS refresh";
  EXPECT_NE(after.get("/api/auth/session").body, "null");
  EXPECT_NE(rotating_idp.get("/_mock/stats"), jwks_before);
  // Sessions made before the rotation are unaffected.
  EXPECT_NE(before.get("/api/auth/session").body, "null");
}

TEST_F(E2E, CachedKeysKeepWorkingWhileTheJwksEndpointFails) {
  Browser warm = browser();
  ASSERT_EQ(sign_in(warm, kAda).callback.location(), "/");
  ASSERT_EQ(idp().control("/_mock/behaviour", R"({"jwks":{"status":500}})"), 200);
  Browser b = browser();
  SignInAttempt a = sign_in(b, kAda);
  EXPECT_EQ(a.callback.location(), "/");
  EXPECT_NE(session_json(b), "null");
}

// --- sessions, CSRF, sign-out -----------------------------------------------

TEST_F(E2E, MalformedSessionCookiesAreTreatedAsSignedOut) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string good = *b.cookie("parley.session");
  std::string tampered = good;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {tampered, good.substr(0, good.size() - 3), std::string("garbage"), std::string(""),
        std::string(5000, 'x'), std::string("%00%0d%0a"), good + "A"}) {
    Browser other = browser();
    HttpResult r = other.get("/api/auth/session", {{"Cookie", "parley.session=" + bad}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "null");
    HttpResult page = other.get("/", {{"Cookie", "parley.session=" + bad}});
    EXPECT_EQ(page.status, 302);
  }
  // A cookie sealed under an unknown secret: a second server with another secret.
  EXPECT_EQ(b.get("/healthz").status, 200);
}

TEST_F(E2E, UnauthenticatedApiCallsGet401JsonNotARedirect) {
  Browser b = browser();
  HttpResult r = b.get("/api/conversations");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("\"unauthorized\""), std::string::npos);
  HttpResult missing = b.get("/api/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"code\""), std::string::npos);
}

TEST_F(E2E, SignOutNeedsTheCsrfTokenAndASameOrigin) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  ASSERT_FALSE(token.empty());

  HttpResult no_token = b.post("/api/auth/signout", "", "application/x-www-form-urlencoded",
                               {{"Origin", b.origin()}});
  EXPECT_EQ(no_token.status, 403);
  EXPECT_NE(no_token.body.find("\"csrf\""), std::string::npos);
  HttpResult wrong_token = b.post("/api/auth/signout", "csrfToken=abc",
                                  "application/x-www-form-urlencoded", {{"Origin", b.origin()}});
  EXPECT_EQ(wrong_token.status, 403);
  HttpResult foreign = b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                              "application/x-www-form-urlencoded",
                              {{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.status, 403);
  HttpResult no_origin = b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                                "application/x-www-form-urlencoded");
  EXPECT_EQ(no_origin.status, 403);
  EXPECT_NE(session_json(b), "null") << "refused sign-outs change nothing";
}

TEST_F(E2E, SignOutEndsTheSessionAndReturnsThroughTheIdpToSignedOut) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string old_cookie = *b.cookie("parley.session");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  HttpResult out = b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                          "application/x-www-form-urlencoded", {{"Origin", b.origin()}});
  ASSERT_EQ(out.status, 302);
  EXPECT_TRUE(out.location().starts_with(idp().base())) << out.location();
  EXPECT_NE(out.location().find("post_logout_redirect_uri=" + b.origin() + "/signed-out"),
            std::string::npos);
  EXPECT_FALSE(b.cookie("parley.session").has_value());
  HttpResult landed = b.follow(out);
  EXPECT_EQ(landed.status, 200);
  EXPECT_NE(landed.body.find("signed out"), std::string::npos);
  EXPECT_EQ(session_json(b), "null");
  // The old cookie no longer works, even if a client kept it.
  Browser thief = browser();
  EXPECT_EQ(thief.get("/api/auth/session", {{"Cookie", "parley.session=" + old_cookie}}).body, "null");
  EXPECT_NE(sql_scalar("select count(*) from audit_events where type = 'sign_out'"), "0");
}

TEST_F(E2E, SignOutWithAnEndedSessionClearsTheCookieAndStillReachesEntra) {
  // A shared PC: the session expired or was revoked while the page stayed
  // open. Signing out must still end the Entra session.
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  const std::string user_id(json::parse(session_json(b)).at("user").at("id").as_string());
  sql_exec("UPDATE sessions SET revoked_at = now(), revoke_reason = 'test' WHERE user_id = '" +
           user_id + "'");
  ASSERT_TRUE(eventually([&] { return session_json(b) == "null"; }, std::chrono::seconds(2)));
  ASSERT_TRUE(b.cookie("parley.session").has_value()) << "the browser still holds the cookie";

  HttpResult out = b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                          "application/x-www-form-urlencoded", {{"Origin", b.origin()}});
  ASSERT_EQ(out.status, 302) << out.body;
  EXPECT_TRUE(out.location().starts_with(idp().base())) << out.location();
  EXPECT_NE(out.location().find("post_logout_redirect_uri="), std::string::npos);
  EXPECT_FALSE(b.cookie("parley.session").has_value()) << "the cookie is cleared";

  // Without any cookie or token too; but a foreign or missing Origin is refused.
  Browser fresh = browser();
  EXPECT_EQ(fresh.post("/api/auth/signout", "", "application/x-www-form-urlencoded",
                       {{"Origin", fresh.origin()}}).status,
            302);
  EXPECT_EQ(fresh.post("/api/auth/signout", "", "application/x-www-form-urlencoded",
                       {{"Origin", "https://evil.example"}}).status,
            403);
  EXPECT_EQ(fresh.post("/api/auth/signout", "", "application/x-www-form-urlencoded").status, 403);
}

TEST_F(E2E, SigningInAgainInTheSameBrowserRevokesTheReplacedSession) {
  const std::string replaced =
      "select count(*) from sessions s join users u on u.id = s.user_id"
      " where u.email = 'ada@example.com' and s.revoke_reason = 'replaced'";
  const int before = std::stoi(sql_scalar(replaced));
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string first = *b.cookie("parley.session");
  ASSERT_EQ(sign_in(b, kGrace).callback.location(), "/");
  const std::string second = *b.cookie("parley.session");
  ASSERT_NE(first, second);
  EXPECT_EQ(json::parse(session_json(b)).at("user").at("email").as_string(), kGrace);
  Browser kept = browser();
  EXPECT_EQ(kept.get("/api/auth/session", {{"Cookie", "parley.session=" + first}}).body, "null")
      << "the replaced session no longer works, even if a client kept its cookie";
  EXPECT_EQ(std::stoi(sql_scalar(replaced)), before + 1);
}

// A flood of bogus callbacks from one client IP (as the ingress reports it):
// with no transaction cookie, with a forged one, and with a genuine one and a
// garbage code. Past the per-IP allowance the callbacks are refused
// unprocessed: no audit row each, no token request, a rate in /metrics.
TEST_F(E2E, ACallbackFloodNeitherGrowsTheAuditTrailNorReachesTheTokenEndpoint) {
  Parley guarded({.port = third_port(),
                  .database_url = database_url(),
                  .issuer = idp().issuer(),
                  .env = {{"AUTH_TRUST_HOST", "true"},
                          {"AUTH_CALLBACK_FAILURES_PER_MINUTE", ""}}});  // the default: 60
  const std::map<std::string, std::string> attacker = {{"X-Forwarded-For", "198.51.100.7"}};
  const std::string failures =
      "select count(*) from audit_events where type = 'sign_in.failure'";
  const int audited_before = std::stoi(sql_scalar(failures));
  ASSERT_EQ(idp().control("/_mock/stats/reset"), 200);

  Browser b(guarded.port());
  int throttled = 0;
  int admitted_genuine = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    HttpResult r;
    if (i % 3 == 0) {
      r = b.get("/api/auth/callback/microsoft-entra-id?code=x&state=y", attacker);
    } else if (i % 3 == 1) {
      r = b.get("/api/auth/callback/microsoft-entra-id?code=x&state=y",
                {{"X-Forwarded-For", "198.51.100.7"}, {"Cookie", "parley.oidc=forged" +
                                                                   std::to_string(i)}});
    } else {
      // A genuine transaction (state and cookie from /signin) with a garbage code.
      HttpResult start = b.get("/api/auth/signin/microsoft-entra-id", attacker);
      const std::string location = start.location();
      const auto at = location.find("&state=");
      const std::string state =
          location.substr(at + 7, location.find('&', at + 7) - (at + 7));
      r = b.get("/api/auth/callback/microsoft-entra-id?code=garbage&state=" + state, attacker);
    }
    ASSERT_TRUE(r.status == 302 || r.status == 429) << r.status;
    if (r.status == 429) {
      ++throttled;
      EXPECT_EQ(r.header("retry-after"), "60");
      EXPECT_NE(r.body.find("Too many sign-in attempts"), std::string::npos);
    } else if (i % 3 == 2) {
      ++admitted_genuine;
    }
  }
  // The allowance: 60 at once, then one a second (the rule, whatever the
  // machine's speed: the elapsed time bounds the refill).
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - started).count();
  const int admitted = 300 - throttled;
  EXPECT_LE(admitted, 60 + elapsed + 1);
  EXPECT_GT(throttled, 0);
  const int audited = std::stoi(sql_scalar(failures)) - audited_before;
  EXPECT_EQ(audited, admitted) << "a refused callback writes no audit row";
  EXPECT_LE(json::parse(idp().get("/_mock/stats")).at("authorization_code_requests").as_int64(),
            admitted_genuine)
      << "a refused callback never reaches the token endpoint";
  const std::string metrics = b.get("/metrics").body;
  EXPECT_NE(metrics.find("parley_auth_callbacks_throttled_total " + std::to_string(throttled)),
            std::string::npos)
      << metrics;

  // Another client IP signs in undisturbed.
  const std::map<std::string, std::string> user = {{"X-Forwarded-For", "203.0.113.9"}};
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id", user);
  HttpResult code = b.get(start.location() + "&login_hint=" + url_encode(kAda));
  HttpResult done = b.get(code.location(), user);
  EXPECT_EQ(done.status, 302);
  EXPECT_EQ(done.location(), "/");
  EXPECT_TRUE(b.cookie("parley.session").has_value());
}

TEST_F(E2E, CsrfHeaderWorksForJsonClients) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, kAda).callback.location(), "/");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  HttpResult out = b.post("/api/auth/signout", "", "application/json",
                          {{"Origin", b.origin()}, {"X-CSRF-Token", token}});
  EXPECT_EQ(out.status, 302);
  EXPECT_EQ(session_json(b), "null");
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

TEST_F(E2E, SilentSsoTriesPromptNoneAndFallsBackToInteractiveSignIn) {
  ParleyOptions o;
  o.port = third_port();
  o.database_url = database_url();
  o.issuer = idp().issuer();
  o.env = {{"AUTH_SILENT_SSO", "true"}};
  Parley silent(o);
  Browser b(silent.port());

  // No IdP session yet: prompt=none comes back with login_required and the
  // callback restarts an interactive sign-in.
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=%2Fc%2F42");
  ASSERT_EQ(start.status, 302);
  EXPECT_NE(start.location().find("prompt=none"), std::string::npos);
  HttpResult silent_answer = b.get(start.location());
  ASSERT_EQ(silent_answer.status, 302);
  EXPECT_NE(silent_answer.location().find("error=login_required"), std::string::npos);
  HttpResult restart = b.get(silent_answer.location());
  ASSERT_EQ(restart.status, 302);
  EXPECT_TRUE(restart.location().starts_with(idp().base())) << restart.location();
  EXPECT_EQ(restart.location().find("prompt=none"), std::string::npos);
  HttpResult code = b.get(restart.location() + "&login_hint=" + url_encode(kAda));
  HttpResult done = b.get(code.location());
  EXPECT_EQ(done.location(), "/c/42") << "the return path survives the fallback";
  ASSERT_TRUE(b.cookie("parley.session").has_value());

  // With an IdP session, a new Parley session is made without interaction.
  b.cookies().clear();
  HttpResult again = b.get("/api/auth/signin/microsoft-entra-id");
  HttpResult silent_code = b.get(again.location());
  ASSERT_EQ(silent_code.status, 302);
  EXPECT_NE(silent_code.location().find("code="), std::string::npos) << silent_code.location();
  EXPECT_EQ(b.get(silent_code.location()).location(), "/");
  EXPECT_NE(b.get("/api/auth/session").body, "null");
}

}  // namespace
}  // namespace parley::testing
