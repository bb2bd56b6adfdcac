// The Next.js app's variable names (config/aliases.hpp): read as the new
// names, one warning each, refused when they contradict the new names.

#include "config/aliases.hpp"

#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"

namespace parley::config {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

Env env_of(const Vars& vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The environment of the seed's Next.js app (next-auth v4, Azure AD provider).
Vars nextjs_env() {
  return {
      {"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley"},
      {"NEXTAUTH_URL", "https://chat.bank.example/"},
      {"NEXTAUTH_SECRET", "nextauth-secret-0123456789abcdefghijklmnop"},
      {"AZURE_AD_CLIENT_ID", "app-client-id"},
      {"AZURE_AD_CLIENT_SECRET", "app-client-secret-value"},
      {"AZURE_AD_TENANT_ID", "7a1b2c3d-0000-4000-8000-123456789abc"},
      {"AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com"},
      {"AZURE_OPENAI_DEPLOYMENT", "gpt-4o"},
      {"AZURE_OPENAI_API_KEY", "key"},
  };
}

TEST(Aliases, WithoutOldNamesTheEnvironmentIsUntouched) {
  const Vars vars = {{"AUTH_URL", "https://parley.bank.example"}};
  auto r = resolve_aliases(env_of(vars));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->used.empty());
  EXPECT_EQ(r->env("AUTH_URL"), "https://parley.bank.example");
  EXPECT_EQ(r->env("AUTH_SECRET"), std::nullopt);
}

TEST(Aliases, EachOldNameIsReadAsItsNewName) {
  auto r = resolve_aliases(env_of(nextjs_env()));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->env("AUTH_URL"), "https://chat.bank.example/");
  EXPECT_EQ(r->env("AUTH_SECRET"), "nextauth-secret-0123456789abcdefghijklmnop");
  EXPECT_EQ(r->env("AUTH_MICROSOFT_ENTRA_ID_ID"), "app-client-id");
  EXPECT_EQ(r->env("AUTH_MICROSOFT_ENTRA_ID_SECRET"), "app-client-secret-value");
  // next-auth v4's Azure AD provider derives its issuer from the tenant id.
  EXPECT_EQ(r->env("AUTH_MICROSOFT_ENTRA_ID_ISSUER"),
            "https://login.microsoftonline.com/7a1b2c3d-0000-4000-8000-123456789abc/v2.0");
  // Everything else passes through.
  EXPECT_EQ(r->env("DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/parley");

  ASSERT_EQ(r->used.size(), 5u);
  const std::vector<std::pair<std::string_view, std::string_view>> expected = {
      {"NEXTAUTH_URL", "AUTH_URL"},
      {"NEXTAUTH_SECRET", "AUTH_SECRET"},
      {"AZURE_AD_CLIENT_ID", "AUTH_MICROSOFT_ENTRA_ID_ID"},
      {"AZURE_AD_CLIENT_SECRET", "AUTH_MICROSOFT_ENTRA_ID_SECRET"},
      {"AZURE_AD_TENANT_ID", "AUTH_MICROSOFT_ENTRA_ID_ISSUER"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->used[i].old_name, expected[i].first);
    EXPECT_EQ(r->used[i].new_name, expected[i].second);
    EXPECT_FALSE(r->used[i].redundant);
    const std::string warning = describe(r->used[i]);
    EXPECT_EQ(warning, std::string(expected[i].first) + " is read as " +
                           std::string(expected[i].second) + "; rename it to " +
                           std::string(expected[i].second));
  }
}

TEST(Aliases, AConfigurationOfTheNextJsAppLoadsAsIs) {
  auto c = load_config(env_of(nextjs_env()));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->auth_url.text, "https://chat.bank.example");
  EXPECT_EQ(c->auth_secrets.at(0).expose(), "nextauth-secret-0123456789abcdefghijklmnop");
  EXPECT_EQ(c->entra.client_id, "app-client-id");
  EXPECT_EQ(c->entra.client_secret.expose(), "app-client-secret-value");
  EXPECT_EQ(c->entra.tenant, "7a1b2c3d-0000-4000-8000-123456789abc");
  EXPECT_EQ(c->aliases_used.size(), 5u);
}

TEST(Aliases, BothNamesWithTheSameValueWarnThatTheOldOneIsRedundant) {
  Vars vars = nextjs_env();
  vars["AUTH_URL"] = "https://chat.bank.example";  // without the slash: the same origin
  vars["AUTH_SECRET"] = vars["NEXTAUTH_SECRET"];
  vars["AUTH_MICROSOFT_ENTRA_ID_ISSUER"] =
      "https://login.microsoftonline.com/7a1b2c3d-0000-4000-8000-123456789abc/v2.0/";
  auto r = resolve_aliases(env_of(vars));
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->used.size(), 5u);
  EXPECT_TRUE(r->used[0].redundant);
  EXPECT_TRUE(r->used[1].redundant);
  EXPECT_FALSE(r->used[2].redundant);
  EXPECT_TRUE(r->used[4].redundant);
  EXPECT_EQ(r->env("AUTH_URL"), "https://chat.bank.example");  // the new name as written
  EXPECT_EQ(describe(r->used[0]),
            "NEXTAUTH_URL is redundant: AUTH_URL is set to the same value; remove NEXTAUTH_URL");
}

TEST(Aliases, BothNamesWithDifferentValuesAreRefusedNamingBothNeverTheValues) {
  struct Case {
    const char* old_name;
    const char* new_name;
    const char* new_value;
  };
  for (auto [old_name, new_name, new_value] :
       {Case{"NEXTAUTH_URL", "AUTH_URL", "https://parley.bank.example"},
        Case{"NEXTAUTH_SECRET", "AUTH_SECRET", "another-secret-0123456789abcdefghijklmnop"},
        Case{"AZURE_AD_CLIENT_ID", "AUTH_MICROSOFT_ENTRA_ID_ID", "other-client"},
        Case{"AZURE_AD_CLIENT_SECRET", "AUTH_MICROSOFT_ENTRA_ID_SECRET", "other-secret"},
        Case{"AZURE_AD_TENANT_ID", "AUTH_MICROSOFT_ENTRA_ID_ISSUER",
             "https://login.microsoftonline.com/other-tenant/v2.0"}}) {
    Vars vars = nextjs_env();
    vars[new_name] = new_value;
    auto c = load_config(env_of(vars));
    ASSERT_FALSE(c) << old_name;
    EXPECT_EQ(c.error().code, "config.invalid");
    EXPECT_EQ(c.error().detail, std::string(old_name) + ": set to another value than " + new_name +
                                    ", its new name; keep only " + new_name);
    EXPECT_EQ(c.error().detail.find(vars[old_name]), std::string::npos);
  }
}

TEST(Aliases, AnEmptyOldNameCountsAsUnset) {
  Vars vars = {{"NEXTAUTH_URL", ""}, {"AUTH_URL", "https://parley.bank.example"}};
  auto r = resolve_aliases(env_of(vars));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->used.empty());
  EXPECT_EQ(r->env("AUTH_URL"), "https://parley.bank.example");
}

TEST(Aliases, ATenantIdThatIsNoPathSegmentIsRefused) {
  for (const char* bad : {"a/b", "..", "tenant?x=1", "https://login.microsoftonline.com/t/v2.0"}) {
    Vars vars = nextjs_env();
    vars["AZURE_AD_TENANT_ID"] = bad;
    auto c = load_config(env_of(vars));
    ASSERT_FALSE(c) << bad;
    EXPECT_TRUE(c.error().detail.starts_with("AZURE_AD_TENANT_ID: must be a tenant id or domain"))
        << c.error().detail;
  }
  for (const char* good : {"contoso.onmicrosoft.com", "organizations"}) {
    Vars vars = nextjs_env();
    vars["AZURE_AD_TENANT_ID"] = good;
    vars["AUTH_MICROSOFT_ENTRA_ID_ALLOWED_TENANTS"] = "t1";
    auto c = load_config(env_of(vars));
    ASSERT_TRUE(c) << good << ": " << c.error().detail;
    EXPECT_EQ(c->entra.tenant, good);
  }
}

TEST(Aliases, AzureClientIdKeepsItsAzureIdentityMeaning) {
  // AZURE_CLIENT_ID is the credential toward Azure OpenAI, never the sign-in app.
  Vars vars = nextjs_env();
  vars.erase(vars.find(std::string_view("AZURE_AD_CLIENT_ID")));
  vars["AZURE_CLIENT_ID"] = "workload-identity-client";
  auto c = load_config(env_of(vars));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().detail.starts_with("AUTH_MICROSOFT_ENTRA_ID_ID:")) << c.error().detail;

  vars["AZURE_AD_CLIENT_ID"] = "app-client-id";
  auto r = resolve_aliases(env_of(vars));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->env("AZURE_CLIENT_ID"), "workload-identity-client");
  auto loaded = load_config(env_of(vars));
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->entra.client_id, "app-client-id");
  EXPECT_EQ(loaded->azure.client_id, "workload-identity-client");
}

}  // namespace
}  // namespace parley::config
