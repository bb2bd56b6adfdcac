// The start-up configuration summary (audit event config.loaded) carries
// every setting and no secret.

#include "app/config_summary.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace parley::app {
namespace {

TEST(ConfigSummary, RedactsEverySecret) {
  config::Config c;
  c.database_url = Secret("postgres://parley:db-password-1@db.internal:5433/parley?sslmode=verify-full&sslpassword=ssl-secret-2");
  c.auth_secrets.emplace_back(std::string(40, 'S'));
  c.auth_secrets.emplace_back(std::string(40, 'T'));
  c.auth_url.text = "https://parley.bank.example";
  c.entra.client_id = "client-id";
  c.entra.client_secret = Secret("entra-secret-3");
  c.entra.issuer = "https://login.microsoftonline.com/tid/v2.0";
  c.azure.endpoint = "https://x.openai.azure.com";
  c.azure.deployment = "gpt-4o";
  c.azure.api_key = Secret("api-key-4");
  c.azure.client_secret = Secret("azure-secret-5");
  c.azure.identity_header = Secret("identity-header-6");
  c.system_prompt = "You are Parley.";
  c.admin_role = "Bank.Admin";

  const std::string text = boost::json::serialize(config_summary(c, "1.2.3", "host/1/abc"));
  for (const char* secret : {"db-password-1", "ssl-secret-2", "SSSSSSSS", "TTTTTTTT",
                             "entra-secret-3", "api-key-4", "azure-secret-5", "identity-header-6",
                             "You are Parley."}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
  for (const char* shown :
       {R"("host":"db.internal")", R"("port":5433)", R"("user":"parley")",
        R"("password":"[redacted]")", R"("sslmode":"verify-full")", R"("count":2)",
        R"("client_secret":"[redacted]")", R"("api_key":"[redacted]")", R"("identity_header":"[redacted]")",
        R"("admin_role":"Bank.Admin")", R"("version":"1.2.3")", R"("instance":"host/1/abc")",
        R"("url":"https://parley.bank.example")", R"("deployment":"gpt-4o")", R"("chars":15)"}) {
    EXPECT_NE(text.find(shown), std::string::npos) << shown << " not in " << text;
  }
}

TEST(ConfigSummary, UnsetSecretsAreNull) {
  config::Config c;
  c.database_url = Secret("postgres://localhost/parley");
  const std::string text = boost::json::serialize(config_summary(c, "v", "i"));
  EXPECT_NE(text.find(R"("client_secret":null)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("password":null)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("system_prompt":null)"), std::string::npos) << text;
}

}  // namespace
}  // namespace parley::app
