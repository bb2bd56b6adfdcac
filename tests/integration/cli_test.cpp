// The parley binary's other faces: configuration errors, `doctor`,
// `migrate`, `version`, graceful shutdown on SIGTERM.

#include <boost/json.hpp>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::map<std::string, std::string> base_env(const std::string& db, const std::string& issuer) {
  return {{"DATABASE_URL", db},
          {"AUTH_SECRET", kAuthSecret},
          {"AUTH_URL", "http://127.0.0.1:3999"},
          {"AUTH_MICROSOFT_ENTRA_ID_ID", kClientId},
          {"AUTH_MICROSOFT_ENTRA_ID_SECRET", kClientSecret},
          {"AUTH_MICROSOFT_ENTRA_ID_ISSUER", issuer},
          {"AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9"},
          {"AZURE_OPENAI_DEPLOYMENT", "d"},
          {"AZURE_OPENAI_API_KEY", "k"}};
}

struct CliRun {
  int status;
  std::string output;
};

CliRun run_parley(std::vector<std::string> args, std::map<std::string, std::string> env) {
  ChildProcess::Options o;
  o.argv = {parley_binary()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = std::move(env);
  ChildProcess p(o);
  EXPECT_TRUE(eventually([&] { return !p.running(); }, 30s));
  return CliRun{p.terminate(), p.output()};
}

TEST_F(E2E, MissingOrMalformedConfigurationExitsWithStatus2AndOneLine) {
  auto env = base_env(database_url(), idp().issuer());
  env.erase("AUTH_SECRET");
  CliRun r = run_parley({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("AUTH_SECRET"), std::string::npos);
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  env = base_env(database_url(), idp().issuer());
  env["PORT"] = "not-a-port";
  r = run_parley({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("PORT"), std::string::npos);
}

TEST_F(E2E, DoctorPassesAgainstAHealthySetupAndPrintsTheRedirectUri) {
  CliRun r = run_parley({"doctor"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("http://127.0.0.1:3999/api/auth/callback/microsoft-entra-id"),
            std::string::npos);
  for (const char* check : {"discovery", "issuer", "jwks", "clock_skew", "database", "migrations"}) {
    EXPECT_NE(r.output.find(check), std::string::npos) << check;
  }
  EXPECT_EQ(r.output.find("fail"), std::string::npos) << r.output;

  CliRun j = run_parley({"doctor", "--json"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(j.status, 0);
  const json::value v = json::parse(j.output);
  ASSERT_TRUE(v.is_array());
  for (const auto& item : v.as_array()) {
    EXPECT_TRUE(item.as_object().contains("status"));
    EXPECT_TRUE(item.as_object().contains("name"));
  }
}

TEST_F(E2E, DoctorFailsOnAWrongIssuerAndAnUnreachableDatabase) {
  auto env = base_env("postgres://nobody@127.0.0.1:1/none", idp().base() + "/wrong-tenant/v2.0");
  CliRun r = run_parley({"doctor"}, env);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("fail  discovery"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fail  database"), std::string::npos) << r.output;
}

TEST_F(E2E, MigrateIsIdempotentAndVersionPrints) {
  CliRun m = run_parley({"migrate"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(m.status, 0) << m.output;
  CliRun again = run_parley({"migrate"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(again.status, 0) << again.output;
  CliRun v = run_parley({"version"}, {});
  EXPECT_EQ(v.status, 0);
  EXPECT_TRUE(v.output.starts_with("parley "));
}

TEST_F(E2E, SigtermFinishesInFlightWorkAndExitsZero) {
  ParleyOptions o;
  o.port = third_port();
  o.database_url = database_url();
  o.issuer = idp().issuer();
  Parley p(o);
  Browser b(p.port());
  EXPECT_EQ(b.get("/readyz").status, 200);
  EXPECT_EQ(p.process().terminate(10s), 0);
  EXPECT_NE(p.log().find("server.stopped"), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
