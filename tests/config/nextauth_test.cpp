// Configuration for a team moving from the Next.js app (DESIGN.md,
// "Migrating from the Next.js app"): the callback path sent as redirect_uri,
// and the Azure CLI credential for local development.

#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"
#include "config_env.hpp"

namespace parley::config {
namespace {

using test::env_of;
using test::Vars;

// An https AUTH_URL with a trailing slash, as operators write it.
Vars valid_env() { return test::valid_env("https://parley.bank.example/"); }

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
