#include "app/serve_options.hpp"

namespace parley::app {

using namespace std::chrono_literals;

auth::OidcClientOptions oidc_client_options(const config::Config& cfg) {
  auth::OidcClientOptions o;
  o.issuer = cfg.entra.issuer;
  o.client_id = cfg.entra.client_id;
  o.client_secret = cfg.entra.client_secret;
  o.client_assertion_file = cfg.entra.federated_token_file;
  return o;
}

auth::SignInOptions sign_in_options(const config::Config& cfg) {
  auth::SignInOptions o;
  o.public_origin = cfg.auth_url.text;
  o.redirect_uri = cfg.redirect_uri();
  o.client_id = cfg.entra.client_id;
  o.issuer = cfg.entra.issuer;
  o.allowed_tenants = cfg.entra.allowed_tenants;
  o.silent_sso = cfg.silent_sso;
  o.throttle.burst = static_cast<double>(cfg.callback_failures_per_minute);
  o.throttle.refill_per_second = static_cast<double>(cfg.callback_failures_per_minute) / 60.0;
  return o;
}

chat::ChatOptions chat_options(const config::Config& cfg, std::string instance_id) {
  chat::ChatOptions o;
  o.system_prompt = cfg.system_prompt;
  o.history_max_chars = cfg.history_max_chars;
  o.instance_id = std::move(instance_id);
  o.max_output_tokens = static_cast<int>(cfg.max_output_tokens);
  // The one PARLEY_MODELS list (/v1 reads it from cfg.api too).
  for (const auto& m : cfg.api.models) o.models.push_back(chat::ModelChoice{m.name, m.deployment});
  return o;
}

auth::AccessTokenRules bearer_rules(const config::Config& cfg) {
  auth::AccessTokenRules r;
  r.issuer = cfg.entra.issuer;
  r.allowed_tenants = cfg.entra.allowed_tenants;
  r.audiences = cfg.api.audiences;
  r.api_role = cfg.api.role;
  r.api_scope = cfg.api.scope;
  return r;
}

admin::QuotaDefaults quota_defaults(const config::Config& cfg) {
  return admin::QuotaDefaults{cfg.quota_daily_tokens, cfg.quota_concurrent_streams};
}

admin::MaintenanceOptions maintenance_options(const config::Config& cfg) {
  admin::MaintenanceOptions o;
  o.retention_days = cfg.retention_days;
  return o;
}

CookieNames cookie_names(bool https) {
  if (https) return {"__Host-parley.session", "__Host-parley.oidc"};
  return {"parley.session", "parley.oidc"};
}

http::ServerOptions main_server_options(const config::Config& cfg,
                                        const http::Headers& security_headers) {
  http::ServerOptions o;
  o.host = cfg.host;
  o.port = cfg.port;
  o.error_headers = security_headers;
  return o;
}

std::optional<http::ServerOptions> metrics_server_options(const config::Config& cfg,
                                                          const http::Headers& security_headers) {
  if (!cfg.metrics_port) return std::nullopt;
  http::ServerOptions o;
  o.host = cfg.host;
  o.port = *cfg.metrics_port;
  o.error_headers = security_headers;
  o.log_flush_interval = 0ms;  // the main server flushes
  return o;
}

}  // namespace parley::app
