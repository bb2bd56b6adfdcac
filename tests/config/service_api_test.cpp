// The service API's variables: defaults from the app registration and the
// deployment, and every malformed value an exit-2 error naming its variable.
#include "config/service_api.hpp"

#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"
#include "config_env.hpp"

namespace parley::config {
namespace {

using test::env_of;
using test::Vars;

Result<ServiceApiConfig> load(const Vars& vars) {
  return load_service_api(env_of(vars), "6e74172b-be56-4843-9ff4-e66a39bb12e3", "gpt-4o");
}

// The error line, which must start with the variable's name.
std::string error_of(const Vars& vars) {
  auto c = load(vars);
  if (c) return "";
  EXPECT_EQ(c.error().code, "config.invalid");
  return c.error().detail;
}

TEST(ServiceApiConfig, DefaultsComeFromTheAppRegistrationAndTheDeployment) {
  auto c = load({});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->audiences, (std::vector<std::string>{"api://6e74172b-be56-4843-9ff4-e66a39bb12e3",
                                                    "6e74172b-be56-4843-9ff4-e66a39bb12e3"}));
  EXPECT_EQ(c->role, "Parley.Api");
  EXPECT_EQ(c->scope, "Chat");
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->default_model().name, "gpt-4o");
  EXPECT_EQ(c->default_model().deployment, "gpt-4o");
  EXPECT_FALSE(c->audit_content);
}

TEST(ServiceApiConfig, ReadsEveryVariable) {
  auto c = load({{"PARLEY_API_AUDIENCE", "api://parley.contoso.test, 6e74172b"},
                 {"PARLEY_API_ROLE", "Batch.Chat"},
                 {"PARLEY_API_SCOPE", "access_as_user"},
                 {"PARLEY_MODELS", "gpt-4o=prod-gpt4o, gpt-4o-mini = prod-mini,o1=o1-2024-12-17"},
                 {"PARLEY_AUDIT_API_CONTENT", "true"}});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->audiences, (std::vector<std::string>{"api://parley.contoso.test", "6e74172b"}));
  EXPECT_EQ(c->role, "Batch.Chat");
  EXPECT_EQ(c->scope, "access_as_user");
  ASSERT_EQ(c->models.size(), 3u);
  EXPECT_EQ(c->default_model().name, "gpt-4o") << "the first entry is the default";
  ASSERT_NE(c->find_model("gpt-4o-mini"), nullptr);
  EXPECT_EQ(c->find_model("gpt-4o-mini")->deployment, "prod-mini");
  EXPECT_EQ(c->find_model("o1")->deployment, "o1-2024-12-17");
  EXPECT_EQ(c->find_model("GPT-4O"), nullptr) << "names are case-sensitive";
  EXPECT_EQ(c->find_model("prod-mini"), nullptr) << "a deployment is not a name";
  EXPECT_TRUE(c->audit_content);
}

TEST(ServiceApiConfig, TheSameDeploymentMayServeTwoNames) {
  auto c = load({{"PARLEY_MODELS", "gpt-4o=prod,default=prod"}});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->models.size(), 2u);
}

TEST(ServiceApiConfig, ADuplicateModelNameIsAConfigError) {
  const std::string e = error_of({{"PARLEY_MODELS", "gpt-4o=a,gpt-4o-mini=b,gpt-4o=c"}});
  EXPECT_TRUE(e.starts_with("PARLEY_MODELS:")) << e;
  EXPECT_NE(e.find("gpt-4o twice"), std::string::npos) << e;
}

TEST(ServiceApiConfig, MalformedModelListsNameTheVariable) {
  for (const char* bad :
       {"gpt-4o", "=prod", "gpt-4o=", "gpt 4o=prod", "gpt-4o=prod/x", "gpt-4o=..", "gpt-4o=a,,b=c",
        ",", "gpt-4o=prod?api-version=1", "a=b=c", "gpt-4o=pr%6fd"}) {
    EXPECT_TRUE(error_of({{"PARLEY_MODELS", bad}}).starts_with("PARLEY_MODELS:")) << bad;
  }
  EXPECT_TRUE(
      error_of({{"PARLEY_MODELS", std::string(65, 'm') + "=prod"}}).starts_with("PARLEY_MODELS:"));
}

TEST(ServiceApiConfig, MalformedAudiencesRolesAndScopesNameTheVariable) {
  EXPECT_TRUE(
      error_of({{"PARLEY_API_AUDIENCE", "api://a,,api://b"}}).starts_with("PARLEY_API_AUDIENCE:"));
  EXPECT_TRUE(
      error_of({{"PARLEY_API_AUDIENCE", "api://a,api://a"}}).starts_with("PARLEY_API_AUDIENCE:"));
  EXPECT_TRUE(error_of({{"PARLEY_API_AUDIENCE", "api://a b"}}).starts_with("PARLEY_API_AUDIENCE:"));
  EXPECT_TRUE(error_of({{"PARLEY_API_ROLE", "Parley Api"}}).starts_with("PARLEY_API_ROLE:"));
  EXPECT_TRUE(error_of({{"PARLEY_API_ROLE", "a,b"}}).starts_with("PARLEY_API_ROLE:"));
  EXPECT_TRUE(error_of({{"PARLEY_API_SCOPE", "Chat\tAll"}}).starts_with("PARLEY_API_SCOPE:"));
  EXPECT_TRUE(
      error_of({{"PARLEY_API_SCOPE", std::string(257, 's')}}).starts_with("PARLEY_API_SCOPE:"));
}

TEST(ServiceApiConfig, AuditContentIsABoolean) {
  EXPECT_FALSE(load({{"PARLEY_AUDIT_API_CONTENT", "false"}})->audit_content);
  EXPECT_TRUE(load({{"PARLEY_AUDIT_API_CONTENT", "1"}})->audit_content);
  EXPECT_TRUE(
      error_of({{"PARLEY_AUDIT_API_CONTENT", "yes"}}).starts_with("PARLEY_AUDIT_API_CONTENT:"));
}

TEST(ServiceApiConfig, LoadConfigReadsItAndFailsOnIt) {
  Vars vars{
      {"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley"},
      {"AUTH_SECRET", std::string(32, 'k')},
      {"AUTH_URL", "http://localhost:3000"},
      {"AUTH_MICROSOFT_ENTRA_ID_ID", "client"},
      {"AUTH_MICROSOFT_ENTRA_ID_SECRET", "secret"},
      {"AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.microsoftonline.com/tid-1/v2.0"},
      {"AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"},
      {"AZURE_OPENAI_DEPLOYMENT", "gpt-4o-prod"},
      {"AZURE_OPENAI_API_KEY", "key"},
  };
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->api.audiences, (std::vector<std::string>{"api://client", "client"}));
  EXPECT_EQ(c->api.default_model().name, "gpt-4o-prod");
  vars["PARLEY_MODELS"] = "a=x,a=y";
  auto bad = load_config(env_of(vars));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().detail.starts_with("PARLEY_MODELS:")) << bad.error().detail;
}

TEST(ModelNames, FollowOpenAiAndAzureShapes) {
  for (const char* ok : {"gpt-4o", "gpt-4o-2024-08-06", "ft:gpt-4o:org:custom", "o1", "gpt-3.5"}) {
    EXPECT_TRUE(is_valid_model_name(ok)) << ok;
  }
  for (const char* bad : {"", "a b", "a/b", "a\"b", "é"})
    EXPECT_FALSE(is_valid_model_name(bad)) << bad;
  EXPECT_TRUE(is_valid_deployment_name("prod_gpt-4o.1"));
  for (const char* bad : {"", ".", "..", "a:b", "a/b", "a?b"}) {
    EXPECT_FALSE(is_valid_deployment_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::config
