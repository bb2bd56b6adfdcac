// Sessions across processes: revocation reaches every replica within 2 s
// (sign-out, and a user disabled by a plain SQL UPDATE), secret rotation
// keeps people signed in, and the log of a sign-in holds no secrets.

#include <boost/json.hpp>

#include <chrono>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kOldSecret = "test-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz";

std::unique_ptr<Parley> start_replica(int port, const std::string& db, const std::string& issuer,
                                      std::map<std::string, std::string> env = {}) {
  ParleyOptions o;
  o.port = port;
  o.database_url = db;
  o.issuer = issuer;
  o.env = std::move(env);
  return std::make_unique<Parley>(o);
}

// The same cookie presented to another origin port (replicas share AUTH_URL
// in production; here each has its own, which does not matter for cookies).
std::string session_on(int port, const std::string& cookie) {
  Browser b(port);
  return b.get("/api/auth/session", {{"Cookie", "parley.session=" + cookie}}).body;
}

TEST_F(E2E, SignOutOnOneReplicaEndsTheSessionOnAnotherWithinTwoSeconds) {
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  ASSERT_NE(session_on(replica->port(), cookie), "null") << "any replica accepts the session";

  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  ASSERT_EQ(b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                   "application/x-www-form-urlencoded", {{"Origin", b.origin()}})
                .status,
            302);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), cookie) == "null"; }, 2s));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0).count();
  RecordProperty("revocation_ms", static_cast<int>(ms));
}

TEST_F(E2E, DisablingAUserInSqlEndsTheirSessionsOnEveryReplica) {
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "grace@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  const std::string id(json::parse(session_json(b)).at("user").at("id").as_string());
  ASSERT_NE(session_on(replica->port(), cookie), "null");

  sql_exec("UPDATE users SET disabled_at = now() WHERE id = '" + id + "'");
  EXPECT_TRUE(eventually([&] { return session_on(parley().port(), cookie) == "null"; }, 2s));
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), cookie) == "null"; }, 2s));
  // A disabled user cannot sign in again either.
  Browser again = browser();
  expect_rejected(again, sign_in(again, "grace@example.com"), "account_disabled");

  // Enabled again: a new sign-in works at once on every replica (pushed,
  // not left to the next 30 s resync); the old session stays ended.
  sql_exec("UPDATE users SET disabled_at = NULL WHERE id = '" + id + "'");
  Browser back = browser();
  ASSERT_EQ(sign_in(back, "grace@example.com").callback.location(), "/");
  const std::string fresh = *back.cookie("parley.session");
  EXPECT_TRUE(eventually([&] { return session_on(parley().port(), fresh) != "null"; }, 2s));
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), fresh) != "null"; }, 2s));
  EXPECT_EQ(session_on(replica->port(), cookie), "null");
}

TEST_F(E2E, DeletingASessionRowEndsTheSessionOnEveryReplica) {
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  // Both processes have the session cached now.
  ASSERT_NE(session_on(parley().port(), cookie), "null");
  ASSERT_NE(session_on(replica->port(), cookie), "null");
  const std::string user_id(json::parse(session_json(b)).at("user").at("id").as_string());

  sql_exec("DELETE FROM sessions WHERE user_id = '" + user_id + "' AND revoked_at IS NULL");
  EXPECT_TRUE(eventually([&] { return session_on(parley().port(), cookie) == "null"; }, 2s));
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), cookie) == "null"; }, 2s));
}

TEST_F(E2E, DeletingAUserRowEndsTheirSessionsOnEveryReplica) {
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "grace@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  ASSERT_NE(session_on(parley().port(), cookie), "null");
  ASSERT_NE(session_on(replica->port(), cookie), "null");
  const std::string user_id(json::parse(session_json(b)).at("user").at("id").as_string());

  sql_exec("DELETE FROM users WHERE id = '" + user_id + "'");
  EXPECT_TRUE(eventually([&] { return session_on(parley().port(), cookie) == "null"; }, 2s));
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), cookie) == "null"; }, 2s));
}

TEST_F(E2E, TheAbsoluteLifetimeCountsFromSignInOnEveryReplica) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  const std::string user_id(json::parse(session_json(b)).at("user").at("id").as_string());
  // Signed in 23 h 59 min ago (default AUTH_SESSION_ABSOLUTE_MAX_AGE: 24 h):
  // still valid on a replica that reads the row ...
  sql_exec("UPDATE sessions SET created_at = now() - interval '23 hours 59 minutes'"
           " WHERE user_id = '" + user_id + "'");
  {
    auto replica = start_replica(second_port(), database_url(), idp().issuer());
    EXPECT_NE(session_on(replica->port(), cookie), "null");
  }
  // ... and ended once 24 h have passed, however active the session was.
  sql_exec("UPDATE sessions SET created_at = now() - interval '24 hours 1 second'"
           " WHERE user_id = '" + user_id + "'");
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  EXPECT_EQ(session_on(replica->port(), cookie), "null");
}

// The iframe sources on mock-entra-id's logout page (one per registered app).
std::vector<std::string> frontchannel_frames(const std::string& page) {
  std::vector<std::string> out;
  const std::string marker = "<iframe hidden class=\"fcl\" src=\"";
  for (auto pos = page.find(marker); pos != std::string::npos; pos = page.find(marker, pos)) {
    pos += marker.size();
    std::string src = page.substr(pos, page.find('"', pos) - pos);
    for (auto amp = src.find("&amp;"); amp != std::string::npos; amp = src.find("&amp;"))
      src.replace(amp, 5, "&");
    out.push_back(src);
  }
  return out;
}

TEST_F(E2E, EntraFrontChannelLogoutEndsThatEntraSessionsSessionsOnEveryReplica) {
  const std::string audited = "select count(*) from audit_events where type ="
                              " 'session.revoked' and detail->>'reason' = 'frontchannel_logout'";
  const int audited_before = std::stoi(sql_scalar(audited));
  auto replica = start_replica(second_port(), database_url(), idp().issuer());
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  ASSERT_NE(session_on(parley().port(), cookie), "null");
  ASSERT_NE(session_on(replica->port(), cookie), "null");
  Browser bystander = browser();  // another Entra session: must survive
  ASSERT_EQ(sign_in(bystander, "grace@example.com").callback.location(), "/");

  // The user signs out of another app: Entra's logout page loads our
  // front-channel logout URL with ?sid= in a hidden iframe.
  const std::string issuer = idp().issuer();
  const std::string logout = issuer.substr(0, issuer.size() - 5) + "/oauth2/v2.0/logout";
  HttpResult page = b.get(logout);
  ASSERT_EQ(page.status, 200) << page.body;
  std::string ours;
  for (const auto& src : frontchannel_frames(page.body)) {
    if (src.starts_with(parley().origin() + "/api/auth/frontchannel-logout?sid=")) ours = src;
  }
  ASSERT_FALSE(ours.empty()) << page.body;
  Browser frame = browser();  // a cross-site iframe carries no Lax cookie
  HttpResult answer = frame.get(ours);
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.header("content-security-policy").find("frame-ancestors " + idp().base()),
            std::string::npos)
      << answer.header("content-security-policy");
  EXPECT_EQ(answer.header("x-frame-options"), "") << "the one page the IdP may frame";
  EXPECT_NE(answer.header("cache-control").find("no-store"), std::string::npos);

  EXPECT_TRUE(eventually([&] { return session_on(parley().port(), cookie) == "null"; }, 2s));
  EXPECT_TRUE(eventually([&] { return session_on(replica->port(), cookie) == "null"; }, 2s));
  EXPECT_NE(session_json(bystander), "null") << "only that Entra session's Parley sessions end";
  EXPECT_EQ(frame.get(ours).status, 200) << "idempotent";
  EXPECT_EQ(std::stoi(sql_scalar(audited)), audited_before + 1);
}

TEST_F(E2E, FrontChannelLogoutRefusesAForeignIssuerAndMalformedSids) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string sid = sql_scalar(
      "select s.idp_session_id from sessions s join users u on u.id = s.user_id"
      " where u.email = 'ada@example.com' and s.revoked_at is null"
      " order by s.created_at desc limit 1");
  ASSERT_EQ(sid.size(), 36u) << "the ID token's sid is kept with the session";
  Browser frame = browser();
  const std::string path = "/api/auth/frontchannel-logout?sid=" + sid;
  EXPECT_EQ(frame.get(path + "&iss=" + url_encode("https://evil.example/x/v2.0")).status, 400);
  EXPECT_EQ(frame.get("/api/auth/frontchannel-logout").status, 400);
  EXPECT_EQ(frame.get("/api/auth/frontchannel-logout?sid=" + url_encode("a\"<b>")).status, 400);
  EXPECT_EQ(frame.get("/api/auth/frontchannel-logout?sid=" + std::string(200, 'a')).status, 400);
  EXPECT_NE(session_json(b), "null") << "refused requests end nothing";
  // The specification's form, with the right issuer, works too.
  EXPECT_EQ(frame.get(path + "&iss=" + url_encode(idp().issuer())).status, 200);
  EXPECT_TRUE(eventually([&] { return session_json(b) == "null"; }, 2s));
}

TEST_F(E2E, RevocationsMadeWhileAReplicaWasDownAreKnownAfterItStarts) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  ASSERT_EQ(b.post("/api/auth/signout", "csrfToken=" + url_encode(token),
                   "application/x-www-form-urlencoded", {{"Origin", b.origin()}})
                .status,
            302);
  auto late = start_replica(third_port(), database_url(), idp().issuer());
  EXPECT_EQ(session_on(late->port(), cookie), "null");
}

TEST_F(E2E, RotatedSecretKeepsSessionsAndUnknownSecretsAreSignedOut) {
  Browser b = browser();
  ASSERT_EQ(sign_in(b, "ada@example.com").callback.location(), "/");
  const std::string cookie = *b.cookie("parley.session");
  const std::string new_secret = "rotated-secret-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";
  {
    auto rotated = start_replica(second_port(), database_url(), idp().issuer(),
                                 {{"AUTH_SECRET", new_secret}, {"AUTH_SECRET_1", kOldSecret}});
    EXPECT_NE(session_on(rotated->port(), cookie), "null") << "old cookies survive rotation";
  }
  auto foreign = start_replica(second_port(), database_url(), idp().issuer(),
                               {{"AUTH_SECRET", new_secret}});
  EXPECT_EQ(session_on(foreign->port(), cookie), "null") << "unknown secret: signed out";
}

TEST_F(E2E, TheLogOfASignInHoldsNoCodeTokenCookieOrSecret) {
  Browser b = browser();
  const std::size_t log_start = parley().log().size();
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=%2F");
  const std::string oidc_cookie = *b.cookie("parley.oidc");
  HttpResult authorize = b.get(start.location() + "&login_hint=ada%40example.com");
  const std::string callback = authorize.location();
  const auto code_pos = callback.find("code=");
  ASSERT_NE(code_pos, std::string::npos);
  const std::string code = callback.substr(code_pos + 5, callback.find('&', code_pos) - code_pos - 5);
  HttpResult done = b.get(callback);
  ASSERT_EQ(done.location(), "/");
  const std::string session_cookie = *b.cookie("parley.session");
  b.get("/api/auth/session");
  const std::string token(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());

  ASSERT_TRUE(eventually([&] {
    return parley().log().find("/api/auth/csrf", log_start) != std::string::npos;
  }, 3s)) << "the access log is flushed";
  const std::string log = parley().log().substr(log_start);
  EXPECT_NE(log.find("/api/auth/callback/microsoft-entra-id"), std::string::npos);
  for (const std::string& secret :
       {code, oidc_cookie, session_cookie, token, std::string(kClientSecret),
        std::string(kAuthSecret)}) {
    ASSERT_GE(secret.size(), 8u);
    EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret.substr(0, 6) << "...";
  }
  EXPECT_EQ(log.find("state="), std::string::npos);
  EXPECT_EQ(log.find("eyJ"), std::string::npos) << "no JWT in the log";
}

TEST_F(E2E, MalformedRequestsGet4xxAndTheServerKeepsServing) {
  for (const std::string path : {"/%zz", "/a%00b", "/api/auth/session?%%%", "/..%2f..%2fetc/passwd"}) {
    Browser b = browser();
    HttpResult r = b.get(path);
    EXPECT_GT(r.status, 0) << path;
    EXPECT_LT(r.status, 500) << path;
  }
  Browser b = browser();
  EXPECT_LT(b.get("/", {{"Cookie", std::string(6000, ';')}}).status, 500);
  EXPECT_LT(b.get("/api/auth/session", {{"Cookie", "parley.session=\"unterminated"}}).status, 500);
  EXPECT_EQ(b.get("/healthz").status, 200);
  EXPECT_EQ(b.get("/readyz").status, 200);
}

}  // namespace
}  // namespace parley::testing
