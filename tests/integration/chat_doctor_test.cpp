// `parley doctor` toward Azure OpenAI: which credential is in use, whether
// it yields a token, and whether the deployment answers — against
// mock-entra-id and mock-azure-openai (api-key only, so a bearer token is
// refused by the deployment, as a real resource without a role assignment
// would refuse it).

#include <boost/json.hpp>
#include <sstream>

#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

class Doctor : public ChatE2E {
 protected:
  static std::map<std::string, std::string> env() {
    auto e = parley_env(database_url(), idp().issuer(), 3999);
    e["AZURE_OPENAI_ENDPOINT"] = aoai().base();
    return e;
  }
  // The same environment with the client-secret credential instead of the key.
  static std::map<std::string, std::string> client_secret_env(const std::string& secret) {
    auto e = env();
    e.erase("AZURE_OPENAI_API_KEY");
    e["AZURE_TENANT_ID"] = kTenant;
    e["AZURE_CLIENT_ID"] = kClientId;
    e["AZURE_CLIENT_SECRET"] = secret;
    e["AZURE_AUTHORITY_HOST"] = idp().base();
    return e;
  }
  struct Verdict {
    std::string status, detail;
  };
  // The line of check `name` in doctor's text output ("<status> <name> <detail>").
  static Verdict check(const std::string& output, const std::string& name) {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      Verdict v;
      std::string n;
      fields >> v.status >> n >> std::ws;
      if (n != name) continue;
      std::getline(fields, v.detail);
      return v;
    }
    return {"missing", output};
  }
};

TEST_F(Doctor, PassesAgainstAHealthySetupAndProbesTheDeployment) {
  CommandResult r = run_parley_command({"doctor"}, env());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("http://127.0.0.1:3999/api/auth/callback/microsoft-entra-id"),
            std::string::npos);
  for (const char* name : {"discovery", "issuer", "jwks", "database.tls", "database",
                           "database.datestyle", "migrations"}) {
    EXPECT_EQ(check(r.output, name).status, "ok") << name << "\n" << r.output;
  }
  EXPECT_TRUE(check(r.output, "database.tls").detail.starts_with("loopback or a local socket only"))
      << r.output;
  EXPECT_EQ(check(r.output, "azure_openai.credential").detail, "api-key (AZURE_OPENAI_API_KEY)");
  EXPECT_EQ(check(r.output, "azure_openai.token").status, "ok");
  const Verdict deployment = check(r.output, "azure_openai.deployment");
  EXPECT_EQ(deployment.status, "ok") << r.output;
  EXPECT_TRUE(deployment.detail.starts_with("test-deployment answered at " + aoai().base()))
      << deployment.detail;
  EXPECT_EQ(r.output.find("fail"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("test-key"), std::string::npos) << "the api key is never printed";
  EXPECT_NE(aoai().stats().find("Reply with the single word OK."), std::string::npos)
      << "the probe reached the deployment";

  CommandResult j = run_parley_command({"doctor", "--json"}, env());
  EXPECT_EQ(j.status, 0);
  const json::value v = json::parse(j.output);
  ASSERT_TRUE(v.is_array());
  bool saw_deployment = false;
  for (const auto& item : v.as_array()) {
    const auto& o = item.as_object();
    EXPECT_TRUE(o.contains("status") && o.contains("name") && o.contains("detail"));
    saw_deployment = saw_deployment || o.at("name") == "azure_openai.deployment";
  }
  EXPECT_TRUE(saw_deployment);
}

TEST_F(Doctor, AMissingDeploymentOrARefusingUpstreamFails) {
  ASSERT_EQ(aoai().behaviour(R"({"fault":"500","times":1})"), 200);
  CommandResult r = run_parley_command({"doctor"}, env());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_EQ(check(r.output, "azure_openai.deployment").status, "fail") << r.output;
  EXPECT_NE(check(r.output, "azure_openai.deployment").detail.find("llm.unavailable"),
            std::string::npos);

  auto wrong_key = env();
  wrong_key["AZURE_OPENAI_API_KEY"] = "not-the-key";
  r = run_parley_command({"doctor"}, wrong_key);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(check(r.output, "azure_openai.deployment").status, "fail") << r.output;
  EXPECT_NE(check(r.output, "azure_openai.deployment").detail.find("llm.auth"), std::string::npos);
  EXPECT_EQ(r.output.find("not-the-key"), std::string::npos);
}

TEST_F(Doctor, ReportsTheTokenCredentialAndWhetherATokenIsObtained) {
  CommandResult ok = run_parley_command({"doctor"}, client_secret_env(kClientSecret));
  const Verdict credential = check(ok.output, "azure_openai.credential");
  EXPECT_EQ(credential.status, "ok");
  EXPECT_TRUE(credential.detail.starts_with(std::string("client-secret (tenant ") + kTenant +
                                            ", client " + kClientId + ", authority " +
                                            idp().base()))
      << credential.detail;
  EXPECT_EQ(check(ok.output, "azure_openai.token").status, "ok") << ok.output;
  EXPECT_EQ(check(ok.output, "azure_openai.token").detail,
            "obtained for https://cognitiveservices.azure.com/.default");
  // This mock takes api keys only: the deployment refuses the bearer token.
  EXPECT_EQ(check(ok.output, "azure_openai.deployment").status, "fail");
  EXPECT_NE(check(ok.output, "azure_openai.deployment").detail.find("llm.auth"), std::string::npos);

  CommandResult bad = run_parley_command({"doctor"}, client_secret_env("wrong-secret-value"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(check(bad.output, "azure_openai.token").status, "fail") << bad.output;
  EXPECT_NE(check(bad.output, "azure_openai.token").detail.find("AADSTS7000215"),
            std::string::npos);
  EXPECT_EQ(check(bad.output, "azure_openai.deployment").detail, "not probed: no token");
  EXPECT_EQ(bad.output.find("wrong-secret-value"), std::string::npos);
  EXPECT_EQ(bad.output.find(kClientSecret), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
