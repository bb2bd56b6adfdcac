// The parley binary's other faces: configuration errors, `doctor`,
// `migrate`, `version`, graceful shutdown on SIGTERM.

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> base_env(const std::string& db, const std::string& issuer) {
  return parley_env(db, issuer, 3999);
}

TEST_F(E2E, MissingOrMalformedConfigurationExitsWithStatus2AndOneLine) {
  auto env = base_env(database_url(), idp().issuer());
  env.erase("AUTH_SECRET");
  CommandResult r = run_parley_command({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("AUTH_SECRET"), std::string::npos);
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  env = base_env(database_url(), idp().issuer());
  env["PORT"] = "not-a-port";
  r = run_parley_command({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("PORT"), std::string::npos);
}

TEST_F(E2E, DoctorFailsOnAWrongIssuerAndAnUnreachableDatabase) {
  auto env = base_env("postgres://nobody@127.0.0.1:1/none", idp().base() + "/wrong-tenant/v2.0");
  CommandResult r = run_parley_command({"doctor"}, env);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("fail  discovery"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fail  database"), std::string::npos) << r.output;
  // AZURE_OPENAI_ENDPOINT is a closed port: the deployment probe says so.
  EXPECT_NE(r.output.find("fail  azure_openai.deployment"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("llm.unavailable"), std::string::npos) << r.output;
}

TEST_F(E2E, MigrateIsIdempotentAndVersionPrints) {
  CommandResult m = run_parley_command({"migrate"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(m.status, 0) << m.output;
  CommandResult again = run_parley_command({"migrate"}, base_env(database_url(), idp().issuer()));
  EXPECT_EQ(again.status, 0) << again.output;
  CommandResult v = run_parley_command({"version"}, {});
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
  EXPECT_EQ(p.process().terminate(10s), 0) << p.log();
  EXPECT_NE(p.log().find("server.stopped"), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
