#pragma once
// What `parley serve` derives from the configuration for each part it
// builds (sign-in, OIDC, chat, maintenance, cookies, listeners). Pure
// functions, so the derivations are tested without starting anything;
// serve.cpp only builds and connects the parts.

#include <optional>
#include <string>

#include "admin/maintenance.hpp"
#include "admin/quota_rules.hpp"
#include "auth/access_token.hpp"
#include "auth/oidc_client.hpp"
#include "auth/sign_in.hpp"
#include "chat/service.hpp"
#include "config/config.hpp"
#include "http/message.hpp"
#include "http/server.hpp"

namespace parley::app {

auth::OidcClientOptions oidc_client_options(const config::Config& cfg);
// The callback URI is AUTH_URL + the Auth.js callback path (what Entra has
// registered); the failure throttle refills its burst once a minute.
auth::SignInOptions sign_in_options(const config::Config& cfg);
chat::ChatOptions chat_options(const config::Config& cfg, std::string instance_id);
// The service API's bearer rules (issuer, tenants, PARLEY_API_*).
auth::AccessTokenRules bearer_rules(const config::Config& cfg);
// PARLEY_QUOTA_DAILY_TOKENS and PARLEY_QUOTA_CONCURRENT_STREAMS.
admin::QuotaDefaults quota_defaults(const config::Config& cfg);
admin::MaintenanceOptions maintenance_options(const config::Config& cfg);

// __Host- cookies need Secure, so only over https; plain http (local
// development) uses the bare names.
struct CookieNames {
  std::string session;
  std::string transaction;
};
CookieNames cookie_names(bool https);

// The main listener (HOSTNAME:PORT), with the security headers on the
// responses it writes itself.
http::ServerOptions main_server_options(const config::Config& cfg,
                                        const http::Headers& security_headers);
// METRICS_PORT: a second listener on the same address serving /metrics
// only; the main server flushes the log. nullopt when not configured.
std::optional<http::ServerOptions> metrics_server_options(const config::Config& cfg,
                                                          const http::Headers& security_headers);

}  // namespace parley::app
