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
  sql_exec("UPDATE users SET disabled_at = NULL WHERE id = '" + id + "'");
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
