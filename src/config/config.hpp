#pragma once
// The environment, read once at start-up into a typed Config (DESIGN.md,
// "Configuration"). load_config() names the first missing or malformed
// variable in a one-line error; `parley` prints it and exits with status 2.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/service_api.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "observability/log.hpp"

namespace parley::config {

using Env = std::function<std::optional<std::string>(std::string_view name)>;
Env process_env();

// The sign-in callback answers at the Auth.js v5 path and at the two paths
// next-auth used before it (v4's azure-ad provider, early v5's entra-id), so
// an app registration carries over unchanged (DESIGN.md, "Migrating from the
// Next.js app"). AUTH_CALLBACK_PATH picks the one sent as redirect_uri.
inline constexpr std::string_view kDefaultCallbackPath = "/api/auth/callback/microsoft-entra-id";
inline constexpr std::array<std::string_view, 3> kCallbackPaths = {
    kDefaultCallbackPath, "/api/auth/callback/azure-ad", "/api/auth/callback/entra-id"};

// An old (Next.js app) variable name that was read as its new one
// (config/aliases.hpp); serve logs one warning per use, doctor lists them.
struct AliasUse {
  std::string_view old_name;
  std::string_view new_name;
  bool redundant = false;  // both set to the same value: the old one can go
};

struct Origin {
  std::string scheme;  // "http" | "https"
  std::string host;    // as written (lowercased), without brackets for IPv6
  std::uint16_t port = 0;
  std::string text;  // canonical "scheme://host[:port]" (default port omitted)
  bool https() const { return scheme == "https"; }
};

struct EntraConfig {
  std::string client_id;
  Secret client_secret;               // AUTH_MICROSOFT_ENTRA_ID_SECRET, or
  std::string federated_token_file;   // ..._FEDERATED_TOKEN_FILE (client assertion)
  std::string issuer;          // as configured, e.g. https://login.microsoftonline.com/<tid>/v2.0
  std::string tenant;          // the path segment: a tenant id, "organizations" or "common"
  bool multi_tenant = false;   // tenant is organizations/common
  std::vector<std::string> allowed_tenants;
};

enum class AzureAuthMode {
  api_key,
  client_secret,
  workload_identity,
  managed_identity,
  azure_cli,  // `az account get-access-token` (local development; never inferred)
};
std::string_view to_string(AzureAuthMode mode);

struct AzureOpenAiConfig {
  std::string endpoint;  // without trailing slash
  std::string deployment;
  std::string api_version = "2024-10-21";
  AzureAuthMode auth = AzureAuthMode::api_key;
  Secret api_key;
  std::string tenant_id;
  std::string client_id;
  Secret client_secret;
  std::string federated_token_file;
  std::string authority_host = "https://login.microsoftonline.com";
  std::string identity_endpoint;  // empty with managed identity: the instance metadata endpoint
  Secret identity_header;
};

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3000;
  // METRICS_PORT: /metrics only there (on `host`), and 404 on `port`.
  std::optional<std::uint16_t> metrics_port;
  Secret database_url;
  std::vector<Secret> auth_secrets;  // AUTH_SECRET first, then AUTH_SECRET_1, _2, ...
  Origin auth_url;
  bool trust_host = false;
  std::int64_t session_max_age = 28800;  // sliding: renewed while active
  // Hard limit from sign-in, whatever the activity (renewal stays inside it).
  std::int64_t session_absolute_max_age = 86400;
  // Failed sign-in callbacks one client IP may cause per minute before its
  // callbacks are refused unprocessed (decision 0004).
  std::int64_t callback_failures_per_minute = 60;
  bool silent_sso = false;
  std::string callback_path{kDefaultCallbackPath};  // AUTH_CALLBACK_PATH, one of kCallbackPaths
  EntraConfig entra;
  AzureOpenAiConfig azure;
  // The app role (ID token `roles`) that makes a user an administrator.
  std::string admin_role = "Parley.Admin";
  // PARLEY_DISABLED_USER_MESSAGE: what a disabled user reads when sign-in
  // refuses them (plain text, shown escaped).
  std::string disabled_user_message =
      "Your access to Parley was disabled. Contact your administrator to have it restored.";
  // Quotas per user or app (overridable per subject): tokens per UTC day
  // (0 = unlimited) and answers streaming at once.
  std::int64_t quota_daily_tokens = 0;
  std::int64_t quota_concurrent_streams = 3;
  // Sent upstream as max_tokens on every answer.
  std::int64_t max_output_tokens = 4096;
  std::string system_prompt;
  std::size_t history_max_chars = 24000;
  // Conversations last updated more than this many days ago are deleted
  // with their messages (the maintenance task); 0 keeps everything.
  int retention_days = 0;
  log::Level log_level = log::Level::info;
  std::vector<AliasUse> aliases_used;
  ServiceApiConfig api;  // /v1 and the model list (config/service_api.hpp)

  // The redirect_uri sent to Entra (authorize and token exchange).
  std::string redirect_uri() const { return auth_url.text + callback_path; }
};

// Error code "config.invalid"; detail is the one line to print, naming the variable.
// The Next.js app's variable names are resolved first (config/aliases.hpp).
Result<Config> load_config(const Env& env);
// DATABASE_URL alone (for `parley migrate`).
Result<Secret> load_database_url(const Env& env);

// Parses an absolute http(s) URL's origin. Plain http is accepted only for
// loopback hosts (127.0.0.0/8, ::1, localhost).
Result<Origin> parse_origin(std::string_view url, bool allow_path);
bool is_loopback_host(std::string_view host);

}  // namespace parley::config
