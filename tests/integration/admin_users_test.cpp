// /api/admin/users and /api/admin/usage through real processes: two
// replicas configured with Ada's role as PARLEY_ADMIN_ROLE, the fixture's
// parley as a third. Authorization of every route (401 anonymous, 403
// non-admin), search and paging, the detail with sign-ins (IP and user
// agent), disable / enable across replicas within 2 s with the configured
// sign-in page and 403 on the API, sign out everywhere, quota overrides,
// the usage report in JSON and CSV, and the audit rows of each change.

#include <boost/json.hpp>
#include <chrono>
#include <set>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kDisabledText = "Access paused by the Parley team; call extension 4242.";

struct Replicas {
  std::unique_ptr<Parley> a;
  std::unique_ptr<Parley> b;
};

// A client of one replica with someone's session cookie.
class Client {
 public:
  Client(int port, std::string cookie) : browser_(port), cookie_(std::move(cookie)) {}
  HttpResult get(const std::string& path) { return browser_.get(path, headers()); }
  HttpResult send(const std::string& method, const std::string& path,
                  const std::string& body = {}) {
    auto h = headers();
    h["Origin"] = browser_.origin();
    h["X-CSRF-Token"] = csrf();
    return browser_.request(method, path, body, "application/json", h);
  }
  std::string csrf() {
    if (token_.empty()) {
      token_ = std::string(
          json::parse(browser_.get("/api/auth/csrf", headers()).body).at("csrfToken").as_string());
    }
    return token_;
  }
  Browser& browser() { return browser_; }
  std::map<std::string, std::string> headers() const {
    return {{"Cookie", "parley.session=" + cookie_}};
  }

 private:
  Browser browser_;
  std::string cookie_;
  std::string token_;
};

class AdminE2E : public E2E {
 protected:
  // Signs `hint` in on the fixture's parley; returns the session cookie.
  std::string signed_in(const std::string& hint) {
    Browser b = browser();
    EXPECT_EQ(sign_in(b, hint).callback.location(), "/");
    return b.cookie("parley.session").value_or("");
  }
  std::string user_id_of(const std::string& cookie) {
    Browser b = browser();
    return std::string(
        json::parse(b.get("/api/auth/session", {{"Cookie", "parley.session=" + cookie}}).body)
            .at("user")
            .at("id")
            .as_string());
  }
  // Two replicas whose admin role is the first of Ada's roles.
  Replicas replicas(const std::string& ada_cookie) {
    Browser b = browser();
    const json::value s =
        json::parse(b.get("/api/auth/session", {{"Cookie", "parley.session=" + ada_cookie}}).body);
    const std::string role(s.at("user").at("roles").at(0).as_string());
    std::map<std::string, std::string> env{{"PARLEY_ADMIN_ROLE", role},
                                           {"PARLEY_DISABLED_USER_MESSAGE", kDisabledText},
                                           {"AUTH_TRUST_HOST", "true"}};
    Replicas r;
    for (int port : {second_port(), third_port()}) {
      ParleyOptions o;
      o.port = port;
      o.database_url = database_url();
      o.issuer = idp().issuer();
      o.env = env;
      (r.a ? r.b : r.a) = std::make_unique<Parley>(o);
    }
    return r;
  }
};

std::string error_code(const HttpResult& r) {
  return std::string(json::parse(r.body).at("error").at("code").as_string());
}

// The UI learns from the server whether to offer the admin area: it cannot
// know PARLEY_ADMIN_ROLE's value.
TEST_F(AdminE2E, ApiMeSaysWhoIsAnAdministratorUnderTheConfiguredRole) {
  const std::string ada = signed_in("ada@example.com");
  const std::string grace = signed_in("grace@example.com");
  Client admin(parley().port(), ada);
  Client plain(parley().port(), grace);
  const json::value a = json::parse(admin.get("/api/me").body);
  EXPECT_TRUE(a.at("admin").as_bool());
  EXPECT_EQ(a.at("admin_role").as_string(), "Parley.Admin");
  EXPECT_FALSE(json::parse(plain.get("/api/me").body).at("admin").as_bool());
  EXPECT_EQ(Browser(parley().port()).get("/api/me").status, 401);

  // Under another role name, the same user is not an administrator.
  ParleyOptions o;
  o.port = second_port();
  o.database_url = database_url();
  o.issuer = idp().issuer();
  o.env = {{"PARLEY_ADMIN_ROLE", "Parley.Operators"}};
  Parley other(o);
  Client elsewhere(other.port(), ada);
  const json::value e = json::parse(elsewhere.get("/api/me").body);
  EXPECT_FALSE(e.at("admin").as_bool());
  EXPECT_EQ(e.at("admin_role").as_string(), "Parley.Operators");
  EXPECT_EQ(elsewhere.get("/api/admin/users").status, 403);
}

TEST_F(AdminE2E, EveryAdminRouteRefusesAnonymousCallersAndNonAdmins) {
  const std::string ada = signed_in("ada@example.com");
  const std::string grace = signed_in("grace@example.com");
  auto r = replicas(ada);
  const std::string id = user_id_of(grace);
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/admin/users"},
      {"GET", "/api/admin/users/" + id},
      {"POST", "/api/admin/users/" + id + "/disable"},
      {"POST", "/api/admin/users/" + id + "/enable"},
      {"DELETE", "/api/admin/users/" + id + "/sessions"},
      {"PUT", "/api/admin/users/" + id + "/quota"},
      {"GET", "/api/admin/usage?from=2026-01-01&to=2026-01-31"},
      {"GET", "/api/admin/audit"},
      {"GET", "/api/admin/audit/verify"},
      {"DELETE", "/api/admin/users/" + id + "/data"},
      {"GET", "/api/admin/apps"},
      {"POST", "/api/admin/apps/some-client/disable"},
      {"POST", "/api/admin/apps/some-client/enable"},
      {"PUT", "/api/admin/apps/some-client/quota"},
  };
  // Every admin route of the table (tests/app/routes_test.cpp checks each
  // has Policy::admin; this checks the server enforces it).
  Browser anonymous(r.a->port());
  Client plain(r.a->port(), grace);
  for (const auto& [method, path] : routes) {
    const HttpResult anon =
        anonymous.request(method, path, "", "application/json", {{"Origin", anonymous.origin()}});
    EXPECT_EQ(anon.status, 401) << method << " " << path;
    const HttpResult user = method == "GET" ? plain.get(path) : plain.send(method, path);
    EXPECT_EQ(user.status, 403) << method << " " << path;
    EXPECT_EQ(error_code(user), "forbidden") << method << " " << path;
  }
  // An admin's unsafe call without the CSRF token is refused too.
  Client admin(r.a->port(), ada);
  const HttpResult no_token = admin.browser().post(
      "/api/admin/users/" + id + "/disable", "", "application/json",
      {{"Cookie", "parley.session=" + ada}, {"Origin", admin.browser().origin()}});
  EXPECT_EQ(no_token.status, 403);
  EXPECT_EQ(error_code(no_token), "csrf");
}

TEST_F(AdminE2E, AnAdminSearchesAndPagesUsers) {
  const std::string ada = signed_in("ada@example.com");
  (void)signed_in("grace@example.com");
  auto r = replicas(ada);
  Client admin(r.a->port(), ada);

  HttpResult found = admin.get("/api/admin/users?q=LOVEL");
  ASSERT_EQ(found.status, 200) << found.body;
  json::array items = json::parse(found.body).at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("email").as_string(), "ada@example.com");
  EXPECT_TRUE(items[0].at("disabled_at").is_null());
  EXPECT_TRUE(items[0].at("roles").is_array());
  // Email, any case, anywhere; wildcards are literal.
  EXPECT_EQ(
      json::parse(admin.get("/api/admin/users?q=Grace%40Exa").body).at("items").as_array().size(),
      1u);
  EXPECT_EQ(json::parse(admin.get("/api/admin/users?q=%25").body).at("items").as_array().size(),
            0u);

  // Paging: one by one, no user twice, ends with a null cursor.
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    HttpResult p = admin.get("/api/admin/users?q=example.com&limit=1" +
                             (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(p.status, 200) << p.body;
    json::value v = json::parse(p.body);
    for (const auto& it : v.at("items").as_array()) {
      EXPECT_TRUE(seen.insert(std::string(it.at("id").as_string())).second);
    }
    if (v.at("next_cursor").is_null()) break;
    cursor = std::string(v.at("next_cursor").as_string());
  }
  EXPECT_GE(seen.size(), 2u);
  EXPECT_EQ(admin.get("/api/admin/users?status=sleeping").status, 400);
  EXPECT_EQ(admin.get("/api/admin/users?limit=0").status, 400);
  EXPECT_EQ(admin.get("/api/admin/users?cursor=nonsense").status, 400);
  EXPECT_EQ(admin.get("/api/admin/users/not-a-uuid").status, 404);
  EXPECT_EQ(admin.get("/api/admin/users/00000000-0000-4000-8000-000000000000").status, 404);
}

TEST_F(AdminE2E, DisablingEndsSessionsOnEveryReplicaAndRefusesSignIn) {
  const std::string ada = signed_in("ada@example.com");
  const std::string grace = signed_in("grace@example.com");
  const std::string id = user_id_of(grace);
  auto r = replicas(ada);
  Client admin(r.a->port(), ada);
  Client victim(r.b->port(), grace);
  ASSERT_EQ(victim.get("/api/conversations").status, 200);
  const std::string ada_id = user_id_of(ada);
  auto audited = [&] {
    return sql_scalar("SELECT count(*) FROM audit_events WHERE subject = '" + id +
                      "' AND type IN ('user.disabled', 'user.enabled')"
                      " AND actor = '" +
                      ada_id + "'");
  };
  const int audited_before = std::stoi(audited());

  HttpResult disabled = admin.send("POST", "/api/admin/users/" + id + "/disable");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(json::parse(disabled.body).at("disabled_at").is_null());
  // Their API calls get 403 on the other replica within 2 s.
  EXPECT_TRUE(eventually([&] { return victim.get("/api/conversations").status == 403; }, 2s));
  EXPECT_EQ(error_code(victim.get("/api/conversations")), "account_disabled");
  EXPECT_EQ(victim.get("/api/auth/session").body, "null");
  // Sign-in is refused with the configured page.
  Browser again(r.b->port());
  SignInAttempt a = sign_in(again, "grace@example.com");
  EXPECT_EQ(a.callback.location(), "/api/auth/error?error=account_disabled");
  const HttpResult page = again.get(a.callback.location());
  EXPECT_EQ(page.status, 403);
  EXPECT_NE(page.body.find("call extension 4242"), std::string::npos) << page.body;
  // An admin cannot lock themselves out.
  EXPECT_EQ(admin.send("POST", "/api/admin/users/" + ada_id + "/disable").status, 409);

  HttpResult enabled = admin.send("POST", "/api/admin/users/" + id + "/enable");
  ASSERT_EQ(enabled.status, 200);
  EXPECT_TRUE(json::parse(enabled.body).at("disabled_at").is_null());
  Browser back(r.b->port());
  EXPECT_EQ(sign_in(back, "grace@example.com").callback.location(), "/");
  EXPECT_EQ(std::stoi(audited()), audited_before + 2);
}

TEST_F(AdminE2E, TheDetailShowsSignInsSessionsUsageAndQuotaAndIsAudited) {
  const std::string ada = signed_in("ada@example.com");
  const std::string grace = signed_in("grace@example.com");
  const std::string id = user_id_of(grace);
  auto r = replicas(ada);
  Client admin(r.a->port(), ada);
  sql_exec(
      "INSERT INTO usage_daily (subject_kind, subject, day, model, prompt_tokens,"
      " completion_tokens, messages) VALUES ('user', '" +
      id +
      "', (now() AT TIME ZONE 'UTC')::date, 'gpt-test', 100, 20, 2)"
      " ON CONFLICT DO NOTHING");

  HttpResult got = admin.get("/api/admin/users/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  json::value d = json::parse(got.body);
  EXPECT_EQ(d.at("email").as_string(), "grace@example.com");
  ASSERT_FALSE(d.at("sign_ins").as_array().empty());
  const json::value& last = d.at("sign_ins").at(0);
  EXPECT_EQ(last.at("result").as_string(), "success");
  EXPECT_EQ(last.at("user_agent").as_string(), "parley-test-browser");
  EXPECT_EQ(last.at("ip").as_string(), "127.0.0.1");
  EXPECT_FALSE(d.at("sessions").as_array().empty());
  EXPECT_GE(d.at("usage").at("today").at("prompt_tokens").as_int64(), 100);
  EXPECT_GE(d.at("usage").at("last_30_days").at("messages").as_int64(), 2);
  EXPECT_TRUE(d.at("quota").at("daily_tokens").is_null());
  EXPECT_EQ(d.at("quota").at("effective_concurrent_streams").as_int64(), 3);
  EXPECT_EQ(sql_scalar("SELECT count(*) > 0 FROM audit_events WHERE type = 'admin.read_user'"
                       " AND subject = '" +
                       id + "'"),
            "t");

  // Quota overrides: audited; null goes back to the default.
  const int quota_audits = std::stoi(sql_scalar(
      "SELECT count(*) FROM audit_events WHERE type = 'quota.changed' AND subject = '" + id + "'"));
  HttpResult q = admin.send("PUT", "/api/admin/users/" + id + "/quota",
                            R"({"daily_tokens":5000,"concurrent_streams":null})");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(json::parse(q.body).at("daily_tokens").as_int64(), 5000);
  EXPECT_EQ(json::parse(q.body).at("effective_daily_tokens").as_int64(), 5000);
  EXPECT_TRUE(json::parse(q.body).at("concurrent_streams").is_null());
  EXPECT_EQ(json::parse(admin.get("/api/admin/users/" + id).body)
                .at("quota")
                .at("daily_tokens")
                .as_int64(),
            5000);
  EXPECT_EQ(admin
                .send("PUT", "/api/admin/users/" + id + "/quota",
                      R"({"daily_tokens":-1,"concurrent_streams":null})")
                .status,
            400);
  EXPECT_EQ(admin.send("PUT", "/api/admin/users/" + id + "/quota", "{}").status, 400);
  EXPECT_EQ(admin
                .send("PUT", "/api/admin/users/" + id + "/quota",
                      R"({"daily_tokens":null,"concurrent_streams":null})")
                .status,
            200);
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM quotas WHERE subject = '" + id + "'"), "0");
  EXPECT_EQ(std::stoi(sql_scalar("SELECT count(*) FROM audit_events WHERE type = 'quota.changed'"
                                 " AND subject = '" +
                                 id + "'")),
            quota_audits + 2);

  // Sign out everywhere: 204, and the sessions end on every replica.
  Client victim(r.b->port(), grace);
  ASSERT_EQ(victim.get("/api/conversations").status, 200);
  EXPECT_EQ(admin.send("DELETE", "/api/admin/users/" + id + "/sessions").status, 204);
  EXPECT_TRUE(eventually([&] { return victim.get("/api/conversations").status == 401; }, 2s));
  EXPECT_EQ(json::parse(admin.get("/api/admin/users/" + id).body).at("sessions").as_array().size(),
            0u);
  EXPECT_EQ(
      admin.send("DELETE", "/api/admin/users/00000000-0000-4000-8000-000000000000/sessions").status,
      404);

  // Usage report.
  HttpResult usage = admin.get("/api/admin/usage?from=2000-01-01&to=2000-12-31&group_by=model");
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(usage.body, R"({"rows":[]})");
  const std::string today =
      sql_scalar("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')");
  usage = admin.get("/api/admin/usage?from=" + today + "&to=" + today + "&group_by=user");
  ASSERT_EQ(usage.status, 200);
  bool grace_row = false;
  const json::value report = json::parse(usage.body);
  for (const auto& row : report.at("rows").as_array()) {
    if (row.at("key").as_string() == id) grace_row = row.at("prompt_tokens").as_int64() >= 100;
  }
  EXPECT_TRUE(grace_row) << usage.body;
  HttpResult csv =
      admin.get("/api/admin/usage?from=" + today + "&to=" + today + "&group_by=model&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type").rfind("text/csv", 0), 0u);
  EXPECT_EQ(csv.body.rfind("key,prompt_tokens,completion_tokens,messages\r\n", 0), 0u);
  EXPECT_NE(csv.body.find("gpt-test,"), std::string::npos);
  EXPECT_EQ(admin.get("/api/admin/usage?from=2026-02-01&to=2026-01-01").status, 400);
  EXPECT_EQ(admin.get("/api/admin/usage?from=2026-01-01&to=2026-01-02&group_by=x").status, 400);
}

}  // namespace
}  // namespace parley::testing
