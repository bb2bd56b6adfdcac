#include "config/config.hpp"

#include <gtest/gtest.h>

#include "config_env.hpp"

namespace parley::config {
namespace {

using test::env_of;
using test::Vars;
using test::valid_env;

std::string error_of(const Vars& vars) {
  auto c = load_config(env_of(vars));
  if (c) return "";
  EXPECT_EQ(c.error().code, "config.invalid");
  return c.error().detail;
}

TEST(Config, LoadsAValidEnvironmentWithDefaults) {
  auto c = load_config(env_of(valid_env()));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->port, 3000);
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_EQ(c->session_max_age, 28800);
  EXPECT_EQ(c->session_absolute_max_age, 86400);
  EXPECT_EQ(c->callback_failures_per_minute, 60);
  EXPECT_EQ(c->auth_url.text, "http://localhost:3000");
  EXPECT_FALSE(c->auth_url.https());
  EXPECT_EQ(c->entra.tenant, "tid-1");
  EXPECT_FALSE(c->entra.multi_tenant);
  EXPECT_EQ(c->azure.endpoint, "https://example.openai.azure.com");
  EXPECT_EQ(c->azure.api_version, "2024-10-21");
  EXPECT_EQ(c->azure.auth, AzureAuthMode::api_key);
  EXPECT_EQ(c->history_max_chars, 24000u);
  EXPECT_EQ(c->admin_role, "Parley.Admin");
  EXPECT_EQ(c->retention_days, 0) << "retention is off unless configured";
}

TEST(Config, AdminRoleIsConfigurable) {
  Vars vars = valid_env();
  vars["PARLEY_ADMIN_ROLE"] = "Bank.Parley.Administrators";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->admin_role, "Bank.Parley.Administrators");
}

TEST(Config, EachRequiredVariableIsNamedWhenMissing) {
  for (const char* name : {"DATABASE_URL", "AUTH_SECRET", "AUTH_URL", "AUTH_MICROSOFT_ENTRA_ID_ID",
                           "AUTH_MICROSOFT_ENTRA_ID_SECRET", "AUTH_MICROSOFT_ENTRA_ID_ISSUER",
                           "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT"}) {
    Vars vars = valid_env();
    vars.erase(vars.find(std::string_view(name)));
    const std::string err = error_of(vars);
    EXPECT_TRUE(err.starts_with(std::string(name) + ":")) << name << " -> " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos);
  }
}

TEST(Config, RejectsMalformedValues) {
  struct Case {
    const char* var;
    const char* value;
  };
  for (auto [var, value] : {Case{"PORT", "http"}, Case{"PORT", "70000"},
                            Case{"AUTH_SECRET", "short"}, Case{"AUTH_URL", "ftp://x"},
                            Case{"AUTH_URL", "http://example.com"},  // plain http off loopback
                            Case{"AUTH_URL", "https://example.com/path"},
                            Case{"DATABASE_URL", "mysql://x"},
                            Case{"AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.example/"},
                            Case{"AUTH_MICROSOFT_ENTRA_ID_ISSUER", "http://idp.example.com/t/v2.0"},
                            Case{"AUTH_SESSION_MAX_AGE", "-1"}, Case{"AUTH_TRUST_HOST", "yes"},
                            Case{"AUTH_SESSION_ABSOLUTE_MAX_AGE", "59"},
                            Case{"AUTH_SESSION_ABSOLUTE_MAX_AGE", "1h"},
                            Case{"AUTH_CALLBACK_FAILURES_PER_MINUTE", "0"},
                            Case{"LOG_LEVEL", "verbose"}, Case{"AZURE_OPENAI_AUTH", "magic"},
                            Case{"AUTH_SECRET_1", "short"},
                            Case{"PARLEY_ADMIN_ROLE", "Parley Admin"},
                            Case{"PARLEY_ADMIN_ROLE", "Parley.Admin\n"},
                            Case{"PARLEY_RETENTION_DAYS", "-1"},
                            Case{"PARLEY_RETENTION_DAYS", "30d"},
                            Case{"PARLEY_RETENTION_DAYS", "36501"}}) {
    Vars vars = valid_env();
    vars[var] = value;
    const std::string err = error_of(vars);
    EXPECT_TRUE(err.starts_with(std::string(var) + ":")) << var << "=" << value << " -> " << err;
  }
}

TEST(Config, AdministrationAndLimits) {
  auto d = load_config(env_of(valid_env()));
  ASSERT_TRUE(d) << d.error().detail;
  EXPECT_EQ(d->admin_role, "Parley.Admin");
  EXPECT_EQ(d->quota_daily_tokens, 0);
  EXPECT_EQ(d->quota_concurrent_streams, 3);
  EXPECT_EQ(d->max_output_tokens, 4096);
  EXPECT_NE(d->disabled_user_message.find("disabled"), std::string::npos);

  Vars vars = valid_env();
  vars["PARLEY_ADMIN_ROLE"] = "Bank.Admin";
  vars["PARLEY_QUOTA_DAILY_TOKENS"] = "250000";
  vars["PARLEY_QUOTA_CONCURRENT_STREAMS"] = "10";
  vars["PARLEY_MAX_OUTPUT_TOKENS"] = "1024";
  vars["PARLEY_DISABLED_USER_MESSAGE"] = "Call the service desk on 4242.";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->admin_role, "Bank.Admin");
  EXPECT_EQ(c->quota_daily_tokens, 250000);
  EXPECT_EQ(c->quota_concurrent_streams, 10);
  EXPECT_EQ(c->max_output_tokens, 1024);
  EXPECT_EQ(c->disabled_user_message, "Call the service desk on 4242.");

  for (auto [var, value] : std::vector<std::pair<const char*, const char*>>{
           {"PARLEY_ADMIN_ROLE", "two words"}, {"PARLEY_QUOTA_DAILY_TOKENS", "-1"},
           {"PARLEY_QUOTA_CONCURRENT_STREAMS", "0"}, {"PARLEY_QUOTA_CONCURRENT_STREAMS", "x"},
           {"PARLEY_MAX_OUTPUT_TOKENS", "0"}}) {
    Vars bad = valid_env();
    bad[var] = value;
    const std::string err = error_of(bad);
    EXPECT_TRUE(err.starts_with(std::string(var) + ":")) << var << "=" << value << " -> " << err;
  }
}

TEST(Config, MetricsPortIsOptionalInRangeAndNotThePort) {
  Vars vars = valid_env();
  auto unset = load_config(env_of(vars));
  ASSERT_TRUE(unset);
  EXPECT_FALSE(unset->metrics_port);
  vars["METRICS_PORT"] = "9464";
  auto set = load_config(env_of(vars));
  ASSERT_TRUE(set) << set.error().detail;
  EXPECT_EQ(set->metrics_port, 9464);
  for (const char* bad : {"http", "70000", "-1", "9464 "}) {
    vars["METRICS_PORT"] = bad;
    EXPECT_TRUE(error_of(vars).starts_with("METRICS_PORT: must be")) << bad;
  }
  vars["METRICS_PORT"] = "3000";  // PORT's default
  EXPECT_EQ(error_of(vars), "METRICS_PORT: must differ from PORT");
  vars["PORT"] = "8080";
  vars["METRICS_PORT"] = "8080";
  EXPECT_EQ(error_of(vars), "METRICS_PORT: must differ from PORT");
  // 0 picks a free port, as PORT=0 does: two different ones.
  vars["PORT"] = "0";
  vars["METRICS_PORT"] = "0";
  auto any = load_config(env_of(vars));
  ASSERT_TRUE(any) << any.error().detail;
  EXPECT_EQ(any->metrics_port, 0);
}

TEST(Config, SignInUsesASecretOrAFederatedTokenFileNeverBoth) {
  Vars vars = valid_env();
  auto with_secret = load_config(env_of(vars));
  ASSERT_TRUE(with_secret);
  EXPECT_EQ(with_secret->entra.client_secret.expose(), "secret");
  EXPECT_TRUE(with_secret->entra.federated_token_file.empty());

  vars["AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE"] = "/var/run/secrets/azure/tokens/token";
  EXPECT_EQ(error_of(vars),
            "AUTH_MICROSOFT_ENTRA_ID_SECRET: set it or "
            "AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE, not both");

  vars.erase(vars.find(std::string_view("AUTH_MICROSOFT_ENTRA_ID_SECRET")));
  auto federated = load_config(env_of(vars));
  ASSERT_TRUE(federated) << federated.error().detail;
  EXPECT_TRUE(federated->entra.client_secret.empty());
  EXPECT_EQ(federated->entra.federated_token_file, "/var/run/secrets/azure/tokens/token");
}

TEST(Config, RetentionDaysAreRead) {
  Vars vars = valid_env();
  vars["PARLEY_RETENTION_DAYS"] = "365";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->retention_days, 365);
}

TEST(Config, SessionLifetimesAcceptSixtySecondsForTests) {
  Vars vars = valid_env();
  vars["AUTH_SESSION_MAX_AGE"] = "60";
  vars["AUTH_SESSION_ABSOLUTE_MAX_AGE"] = "60";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->session_max_age, 60);
  EXPECT_EQ(c->session_absolute_max_age, 60);
}

TEST(Config, CollectsRotatedSecretsInOrder) {
  Vars vars = valid_env();
  vars["AUTH_SECRET_1"] = std::string(40, 'a');
  vars["AUTH_SECRET_2"] = std::string(40, 'b');
  vars["AUTH_SECRET_4"] = std::string(40, 'c');  // gap: not read
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->auth_secrets.size(), 3u);
  EXPECT_EQ(c->auth_secrets[1].expose(), std::string(40, 'a'));
  EXPECT_EQ(c->auth_secrets[2].expose(), std::string(40, 'b'));
}

TEST(Config, MultiTenantIssuerRequiresAllowedTenants) {
  Vars vars = valid_env();
  vars["AUTH_MICROSOFT_ENTRA_ID_ISSUER"] = "https://login.microsoftonline.com/organizations/v2.0";
  EXPECT_TRUE(error_of(vars).starts_with("AUTH_MICROSOFT_ENTRA_ID_ALLOWED_TENANTS:"));
  vars["AUTH_MICROSOFT_ENTRA_ID_ALLOWED_TENANTS"] = "t1, t2";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->entra.multi_tenant);
  EXPECT_EQ(c->entra.allowed_tenants, (std::vector<std::string>{"t1", "t2"}));
}

TEST(Config, CredentialIsChosenOnlyWhenUnambiguous) {
  Vars vars = valid_env();
  vars["AZURE_CLIENT_SECRET"] = "s";
  vars["AZURE_TENANT_ID"] = "t";
  vars["AZURE_CLIENT_ID"] = "c";
  EXPECT_TRUE(error_of(vars).find("several credentials") != std::string::npos);
  vars["AZURE_OPENAI_AUTH"] = "client-secret";
  auto c = load_config(env_of(vars));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->azure.auth, AzureAuthMode::client_secret);

  Vars none = valid_env();
  none.erase(none.find(std::string_view("AZURE_OPENAI_API_KEY")));
  EXPECT_TRUE(error_of(none).starts_with("AZURE_OPENAI_AUTH:"));

  Vars workload = none;
  workload["AZURE_FEDERATED_TOKEN_FILE"] = "/var/run/token";
  workload["AZURE_TENANT_ID"] = "t";
  workload["AZURE_CLIENT_ID"] = "c";
  auto w = load_config(env_of(workload));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->azure.auth, AzureAuthMode::workload_identity);

  Vars managed = none;
  managed["IDENTITY_ENDPOINT"] = "http://127.0.0.1:9999/msi/token";
  EXPECT_TRUE(error_of(managed).starts_with("IDENTITY_HEADER:"));
  managed["IDENTITY_HEADER"] = "h";
  auto m = load_config(env_of(managed));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->azure.auth, AzureAuthMode::managed_identity);
}

TEST(Config, PodNameInHostnameDoesNotBecomeTheListenAddress) {
  Vars vars = valid_env();
  vars["HOSTNAME"] = "parley-5d8f7c9b8-x2x7q";
  EXPECT_EQ(load_config(env_of(vars))->host, "0.0.0.0");
  vars["HOSTNAME"] = "127.0.0.1";
  EXPECT_EQ(load_config(env_of(vars))->host, "127.0.0.1");
}

TEST(Config, HttpsOriginIsCanonical) {
  auto o = parse_origin("https://Parley.Bank.Example:443", false);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->text, "https://parley.bank.example");
  EXPECT_TRUE(o->https());
  auto loop = parse_origin("http://127.0.0.1:8080", false);
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->text, "http://127.0.0.1:8080");
}

}  // namespace
}  // namespace parley::config
