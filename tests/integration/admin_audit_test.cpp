// The audit trail end to end: who may read it (401 / 403 / 200), what the
// sign-in flow and start-up write into it, its filters and paging, and
// `parley audit verify` on intact and tampered chains.

#include <boost/json.hpp>

#include "integration/signin_fixture.hpp"
#include "support/sql.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kAda = "ada@example.com";      // Parley.Admin in mock-entra-id
constexpr const char* kGrace = "grace@example.com";  // no roles

std::string user_id(Browser& b) {
  const json::value s = json::parse(b.get("/api/auth/session").body);
  return std::string(s.at("user").at("id").as_string());
}

std::string error_code(const HttpResult& r) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "<" + r.body + ">";
  return std::string(v.at("error").at("code").as_string());
}

class AdminAudit : public E2E {
 protected:
  Browser signed_in(const char* who) {
    Browser b = browser();
    const SignInAttempt a = sign_in(b, who);
    EXPECT_EQ(a.callback.location(), "/");
    return b;
  }
  json::object page(Browser& b, const std::string& query) {
    const HttpResult r = b.get("/api/admin/audit" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    return json::parse(r.body).as_object();
  }
  // A database of its own with `n` events, for tampering.
  std::string chain_of(int n) {
    const std::string url = shared_temp_postgres().create_database("audit_cli");
    CommandResult m = run_parley_command({"migrate"}, parley_env(url, idp().issuer(), 3999));
    EXPECT_EQ(m.status, 0) << m.output;
    testing::sql_exec(url,
                      "INSERT INTO audit_events (type, detail) SELECT 'test.event', "
                      "jsonb_build_object('i', i) FROM generate_series(1, " +
                          std::to_string(n) + ") i");
    return url;
  }
  CommandResult verify(const std::string& url) {
    return run_parley_command({"audit", "verify"}, {{"DATABASE_URL", url}});
  }
};

TEST_F(AdminAudit, AnonymousCallersGet401AndNonAdminsGet403) {
  Browser anonymous = browser();
  Browser grace = signed_in(kGrace);
  Browser ada = signed_in(kAda);
  for (const char* path :
       {"/api/admin/audit", "/api/admin/audit/verify", "/api/admin/audit?type=sign_in"}) {
    const HttpResult a = anonymous.get(path);
    EXPECT_EQ(a.status, 401) << path;
    EXPECT_EQ(error_code(a), "unauthorized") << path;
    const HttpResult g = grace.get(path);
    EXPECT_EQ(g.status, 403) << path;
    EXPECT_EQ(error_code(g), "forbidden") << path;
    EXPECT_EQ(ada.get(path).status, 200) << path;
  }
  // The role comes from the ID token; Ada's session says so.
  const json::value s = json::parse(ada.get("/api/auth/session").body);
  EXPECT_EQ(s.at("user").at("roles"), (json::array{"Parley.Admin"}));
}

TEST_F(AdminAudit, SignInsAreListedNewestFirstWithFiltersAndPages) {
  Browser grace = signed_in(kGrace);
  const std::string grace_id = user_id(grace);
  // A callback without its transaction cookie: an audited failure.
  Browser stranger = browser();
  EXPECT_EQ(stranger.get("/api/auth/callback/microsoft-entra-id?code=x&state=y").status, 302);
  Browser ada = signed_in(kAda);
  const std::string ada_id = user_id(ada);

  json::object all = page(ada, "?type=sign_in&limit=200");
  const json::array& items = all.at("items").as_array();
  ASSERT_GE(items.size(), 3u);
  std::int64_t previous = std::numeric_limits<std::int64_t>::max();
  for (const auto& v : items) {
    const json::object& item = v.as_object();
    for (const char* field : {"seq", "at", "type", "actor", "subject", "ip", "detail", "hash"}) {
      EXPECT_TRUE(item.contains(field)) << field << " in " << json::serialize(item);
    }
    const std::int64_t seq = item.at("seq").as_int64();
    EXPECT_LT(seq, previous) << "newest first";
    previous = seq;
    EXPECT_TRUE(std::string_view(item.at("type").as_string()).starts_with("sign_in."));
    EXPECT_EQ(item.at("hash").as_string().size(), 64u);
    EXPECT_TRUE(item.at("detail").is_object());
  }
  const json::object& newest = items[0].as_object();
  EXPECT_EQ(newest.at("type").as_string(), "sign_in.success");
  EXPECT_EQ(newest.at("actor"), json::value(ada_id));
  EXPECT_EQ(newest.at("subject"), json::value(ada_id));
  EXPECT_EQ(newest.at("ip").as_string(), "127.0.0.1");
  EXPECT_EQ(newest.at("detail").at("user_agent").as_string(), "parley-test-browser");
  EXPECT_TRUE(std::string_view(newest.at("at").as_string()).ends_with("Z"));

  json::object failures = page(ada, "?type=sign_in.failure&limit=1");
  ASSERT_EQ(failures.at("items").as_array().size(), 1u);
  const json::object& failure = failures.at("items").as_array()[0].as_object();
  EXPECT_EQ(failure.at("detail").at("reason").as_string(), "oidc.transaction_missing");
  EXPECT_TRUE(failure.at("actor").is_null());

  // Everything about Grace, then page by page.
  json::object about_grace = page(ada, "?subject=" + grace_id + "&limit=1");
  ASSERT_EQ(about_grace.at("items").as_array().size(), 1u);
  EXPECT_EQ(about_grace.at("items").as_array()[0].at("type").as_string(), "sign_in.success");
  ASSERT_TRUE(about_grace.at("next_cursor").is_string());
  const std::int64_t first_seq = about_grace.at("items").as_array()[0].at("seq").as_int64();
  const std::string cursor(about_grace.at("next_cursor").as_string());
  json::object next = page(ada, "?subject=" + grace_id + "&limit=1&cursor=" + url_encode(cursor));
  for (const auto& v : next.at("items").as_array()) {
    EXPECT_LT(v.at("seq").as_int64(), first_seq);
    EXPECT_EQ(v.at("subject"), json::value(grace_id));
  }

  // A window in the past holds none of it.
  json::object old = page(ada, "?from=2000-01-01&to=2000-12-31");
  EXPECT_TRUE(old.at("items").as_array().empty());
  EXPECT_TRUE(old.at("next_cursor").is_null());

  // The reads themselves are on the record, with the filters.
  json::object reads = page(ada, "?type=admin.read_audit&actor=" + ada_id + "&limit=200");
  ASSERT_GE(reads.at("items").as_array().size(), 5u);
  bool saw_subject = false;
  for (const auto& v : reads.at("items").as_array()) {
    const json::object& detail = v.at("detail").as_object();
    if (detail.contains("subject") && detail.at("subject") == json::value(grace_id)) {
      saw_subject = detail.contains("other_user") && detail.at("other_user") == json::value(true);
    }
  }
  EXPECT_TRUE(saw_subject);
}

TEST_F(AdminAudit, BadQueriesAre400) {
  Browser ada = signed_in(kAda);
  for (const char* query : {"?type=Bad", "?from=yesterday", "?to=2026-02-30", "?limit=0",
                            "?limit=1000", "?cursor=abc", "?from=2026-03-02&to=2026-03-01"}) {
    const HttpResult r = ada.get(std::string("/api/admin/audit") + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_EQ(error_code(r), "bad_request") << query;
  }
}

TEST_F(AdminAudit, StartUpRecordsTheConfigurationWithoutSecrets) {
  const std::string detail = sql_scalar(
      "SELECT detail::text FROM audit_events WHERE type = 'config.loaded' "
      "ORDER BY seq DESC LIMIT 1");
  ASSERT_FALSE(detail.empty());
  for (const char* secret : {kAuthSecret, kClientSecret, "test-key"}) {
    EXPECT_EQ(detail.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(detail.find(R"("admin_role": "Parley.Admin")"), std::string::npos) << detail;
  EXPECT_NE(detail.find(R"("client_id": ")" + std::string(kClientId)), std::string::npos) << detail;
}

TEST_F(AdminAudit, SignOutAndItsRevocationAreRecorded) {
  Browser grace = signed_in(kGrace);
  const std::string id = user_id(grace);
  const std::string csrf(json::parse(grace.get("/api/auth/csrf").body).at("csrfToken").as_string());
  const HttpResult out = grace.post("/api/auth/signout", "", "application/json",
                                    {{"Origin", grace.origin()}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 302);
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM audit_events WHERE type = 'sign_out' AND actor = '" +
                       id + "' AND ip = '127.0.0.1'"),
            "1");
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM audit_events WHERE type = 'session.revoked' AND "
                       "subject = '" +
                       id + "' AND detail->>'reason' = 'sign_out'"),
            "1");
}

TEST_F(AdminAudit, TheChainOfThisServerVerifiesThroughTheApiAndTheCli) {
  Browser ada = signed_in(kAda);
  const HttpResult r = ada.get("/api/admin/audit/verify");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value report = json::parse(r.body);
  EXPECT_TRUE(report.at("intact").as_bool());
  EXPECT_GE(report.at("count").as_int64(), 2);
  EXPECT_TRUE(report.at("broken").is_null());
  EXPECT_EQ(report.at("head").at("hash").as_string().size(), 64u);

  const CommandResult cli = verify(database_url());
  EXPECT_EQ(cli.status, 0) << cli.output;
  EXPECT_NE(cli.output.find("audit chain intact: "), std::string::npos) << cli.output;
}

TEST_F(AdminAudit, VerifyNamesTheFirstBrokenSeq) {
  struct Case {
    const char* name;
    const char* tamper;
    const char* broken;
  };
  for (const Case& c : {
           Case{"edited, triggers bypassed",
                "SET session_replication_role = replica;"
                "UPDATE audit_events SET detail = '{\"i\": 42}' WHERE seq = 3",
                "audit chain broken at seq 3: hash mismatch"},
           Case{"edited, triggers disabled",
                "ALTER TABLE audit_events DISABLE TRIGGER ALL;"
                "UPDATE audit_events SET type = 'test.other' WHERE seq = 2;"
                "ALTER TABLE audit_events ENABLE TRIGGER ALL",
                "audit chain broken at seq 2: hash mismatch"},
           Case{"deleted",
                "SET session_replication_role = replica;"
                "DELETE FROM audit_events WHERE seq = 4",
                "audit chain broken at seq 4: missing"},
           Case{"reordered",
                "SET session_replication_role = replica;"
                "UPDATE audit_events SET seq = -seq WHERE seq IN (4, 5);"
                "UPDATE audit_events SET seq = CASE seq WHEN -4 THEN 5 ELSE 4 END WHERE seq < 0",
                "audit chain broken at seq 4: hash mismatch"},
       }) {
    const std::string url = chain_of(6);
    const CommandResult intact = verify(url);
    EXPECT_EQ(intact.status, 0) << c.name << ": " << intact.output;
    EXPECT_NE(intact.output.find("audit chain intact: 6 events"), std::string::npos)
        << intact.output;
    testing::sql_exec(url, c.tamper);
    const CommandResult broken = verify(url);
    EXPECT_EQ(broken.status, 1) << c.name << ": " << broken.output;
    EXPECT_NE(broken.output.find(c.broken), std::string::npos) << c.name << ": " << broken.output;
  }
}

TEST_F(AdminAudit, VerifyWithoutADatabaseExits3) {
  const CommandResult r = verify("postgres://nobody@127.0.0.1:1/none");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("parley audit verify: db."), std::string::npos) << r.output;
  const CommandResult missing = run_parley_command({"audit", "verify"}, {});
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("DATABASE_URL"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace parley::testing
