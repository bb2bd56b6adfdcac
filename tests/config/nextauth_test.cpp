// Configuration for a team moving from the Next.js app (DESIGN.md,
// "Migrating from the Next.js app"): the callback path sent as redirect_uri,
// and the Azure CLI credential for local development.

#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"

namespace parley::config {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

Vars valid_env() {
  return {
      {"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley"},
      {"AUTH_SECRET", std::string(32, 'k')},
      {"AUTH_URL", "https://parley.bank.example/"},
      {"AUTH_MICROSOFT_ENTRA_ID_ID", "client"},
      {"AUTH_MICROSOFT_ENTRA_ID_SECRET", "secret"},
      {"AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.microsoftonline.com/tid-1/v2.0"},
      {"AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"},
      {"AZURE_OPENAI_DEPLOYMENT", "gpt-4o"},
      {"AZURE_OPENAI_API_KEY", "key"},
  };
}

Env env_of(const Vars& vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CallbackPath, DefaultsToTheAuthJsV5Path) {
  auto c = load_config(env_of(valid_env()));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->callback_path, "/api/auth/callback/microsoft-entra-id");
  EXPECT_EQ(c->redirect_uri(), "https://parley.bank.example/api/auth/callback/microsoft-entra-id");
}

TEST(CallbackPath, AcceptsEachPathNextAuthUsed) {
  for (const char* path : {"/api/auth/callback/microsoft-entra-id", "/api/auth/callback/azure-ad",
                           "/api/auth/callback/entra-id"}) {
    Vars vars = valid_env();
    vars["AUTH_CALLBACK_PATH"] = path;
    auto c = load_config(env_of(vars));
    ASSERT_TRUE(c) << path << ": " << c.error().detail;
    EXPECT_EQ(c->redirect_uri(), std::string("https://parley.bank.example") + path);
  }
  Vars empty = valid_env();
  empty["AUTH_CALLBACK_PATH"] = "";  // an empty variable counts as unset
  EXPECT_EQ(load_config(env_of(empty))->callback_path, kDefaultCallbackPath);
}

TEST(CallbackPath, AnyOtherPathIsRefusedNamingTheVariable) {
  // Parley answers only these three: another redirect_uri would send users
  // back to a 404 after Entra, so it is refused at start-up.
  for (const char* path : {"/api/auth/callback/google", "api/auth/callback/azure-ad",
                           "/api/auth/callback/azure-ad/", "/api/auth/callback/Azure-AD",
                           "https://parley.bank.example/api/auth/callback/azure-ad", "/"}) {
    Vars vars = valid_env();
    vars["AUTH_CALLBACK_PATH"] = path;
    auto c = load_config(env_of(vars));
    ASSERT_FALSE(c) << path;
    EXPECT_EQ(c.error().detail,
              "AUTH_CALLBACK_PATH: must be one of /api/auth/callback/microsoft-entra-id, "
              "/api/auth/callback/azure-ad, /api/auth/callback/entra-id")
        << path;
  }
}

TEST(AzureCliCredential, IsUsedOnlyWhenChosenAndNeedsNoOtherVariable) {
  Vars vars = valid_env();
  vars.erase(vars.find(std::string_view("AZURE_OPENAI_API_KEY")));
  vars["AZURE_OPENAI_AUTH"] = "azure-cli";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->azure.auth, AzureAuthMode::azure_cli);
  EXPECT_EQ(to_string(c->azure.auth), "azure-cli");
  // Never inferred: without AZURE_OPENAI_AUTH there is no credential at all.
  vars.erase(vars.find(std::string_view("AZURE_OPENAI_AUTH")));
  auto none = load_config(env_of(vars));
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().detail.starts_with("AZURE_OPENAI_AUTH: no credential configured"));
}

}  // namespace
}  // namespace parley::config
