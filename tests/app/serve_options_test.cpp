// What `parley serve` derives from the configuration for each part it builds.
#include "app/serve_options.hpp"

#include <gtest/gtest.h>

namespace parley::app {
namespace {

config::Config sample_config() {
  config::Config c;
  c.auth_url.text = "https://parley.bank.example";
  c.entra.issuer = "https://login.microsoftonline.com/tid/v2.0";
  c.entra.client_id = "client-id";
  c.entra.client_secret = Secret("entra-secret");
  c.entra.federated_token_file = "/var/run/secrets/token";
  c.entra.allowed_tenants = {"tid"};
  c.silent_sso = true;
  c.callback_failures_per_minute = 120;
  c.system_prompt = "You are Parley.";
  c.history_max_chars = 1000;
  c.retention_days = 90;
  c.host = "127.0.0.1";
  c.port = 3443;
  c.api.models = {{"gpt-4o", "dep-4o"}, {"small", "dep-mini"}};
  return c;
}

http::Headers sample_security_headers() {
  http::Headers h;
  EXPECT_TRUE(h.set("X-Frame-Options", "DENY"));
  return h;
}

TEST(ServeOptions, OidcClientFromEntraSettings) {
  const auto o = oidc_client_options(sample_config());
  EXPECT_EQ(o.issuer, "https://login.microsoftonline.com/tid/v2.0");
  EXPECT_EQ(o.client_id, "client-id");
  EXPECT_EQ(o.client_secret.expose(), "entra-secret");
  EXPECT_EQ(o.client_assertion_file, "/var/run/secrets/token");
}

TEST(ServeOptions, SignInCallbackIsTheAuthJsPathUnderAuthUrl) {
  const auto o = sign_in_options(sample_config());
  EXPECT_EQ(o.public_origin, "https://parley.bank.example");
  EXPECT_EQ(o.redirect_uri, "https://parley.bank.example/api/auth/callback/microsoft-entra-id");
  EXPECT_EQ(o.client_id, "client-id");
  EXPECT_EQ(o.issuer, "https://login.microsoftonline.com/tid/v2.0");
  EXPECT_EQ(o.allowed_tenants, std::vector<std::string>{"tid"});
  EXPECT_TRUE(o.silent_sso);
}

TEST(ServeOptions, SignInThrottleRefillsItsBurstOnceAMinute) {
  const auto o = sign_in_options(sample_config());
  EXPECT_DOUBLE_EQ(o.throttle.burst, 120.0);
  EXPECT_DOUBLE_EQ(o.throttle.refill_per_second, 2.0);
}

TEST(ServeOptions, ChatAndMaintenance) {
  const auto chat = chat_options(sample_config(), "host/1/abc");
  EXPECT_EQ(chat.system_prompt, "You are Parley.");
  EXPECT_EQ(chat.history_max_chars, 1000u);
  EXPECT_EQ(chat.instance_id, "host/1/abc");
  // The UI's models are PARLEY_MODELS, in order (the first the default).
  const std::vector<chat::ModelChoice> models{{"gpt-4o", "dep-4o"}, {"small", "dep-mini"}};
  EXPECT_EQ(chat.models, models);
  const auto m = maintenance_options(sample_config());
  EXPECT_EQ(m.retention_days, 90);
  EXPECT_EQ(m.months_ahead, admin::MaintenanceOptions{}.months_ahead);
}

TEST(ServeOptions, HostPrefixedCookiesOnlyOverHttps) {
  EXPECT_EQ(cookie_names(true).session, "__Host-parley.session");
  EXPECT_EQ(cookie_names(true).transaction, "__Host-parley.oidc");
  EXPECT_EQ(cookie_names(false).session, "parley.session");
  EXPECT_EQ(cookie_names(false).transaction, "parley.oidc");
}

TEST(ServeOptions, MainListener) {
  const auto o = main_server_options(sample_config(), sample_security_headers());
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 3443);
  EXPECT_EQ(o.error_headers.get("X-Frame-Options").value(), "DENY");
  EXPECT_EQ(o.log_flush_interval, http::ServerOptions{}.log_flush_interval);
  EXPECT_TRUE(o.access_log);
}

TEST(ServeOptions, MetricsListenerOnlyWhenConfiguredAndLeavesFlushingToTheMain) {
  auto cfg = sample_config();
  EXPECT_FALSE(metrics_server_options(cfg, sample_security_headers()));
  cfg.metrics_port = 9464;
  const auto o = metrics_server_options(cfg, sample_security_headers());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 9464);
  EXPECT_EQ(o->error_headers.get("X-Frame-Options").value(), "DENY");
  EXPECT_EQ(o->log_flush_interval.count(), 0);
}

}  // namespace
}  // namespace parley::app
