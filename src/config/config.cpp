#include "config/config.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "config/aliases.hpp"
#include "config/errors.hpp"

namespace parley::config {

namespace {

Error invalid(std::string_view var, std::string_view why) {
  return make_error(errc::config::invalid, std::string(var) + ": " + std::string(why));
}

std::optional<std::string> get(const Env& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;  // an empty variable counts as unset
  return v;
}

Result<std::string> require(const Env& env, std::string_view name) {
  auto v = get(env, name);
  if (!v) return invalid(name, "is required but not set");
  return *v;
}

template <class Int>
Result<Int> parse_int(std::string_view var, std::string_view text, Int min, Int max) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return invalid(var, "must be an integer");
  if (value < min || value > max) {
    return invalid(var, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

Result<bool> parse_bool(std::string_view var, std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return invalid(var, "must be true or false");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string strip_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Status check_url(std::string_view var, std::string_view url, bool allow_path) {
  auto origin = parse_origin(url, allow_path);
  if (!origin) return invalid(var, origin.error().detail);
  return {};
}

Result<EntraConfig> load_entra(const Env& env) {
  EntraConfig e;
  auto id = require(env, "AUTH_MICROSOFT_ENTRA_ID_ID");
  if (!id) return id.error();
  e.client_id = *id;
  // The app proves itself with a secret, or (no secret at all) with a
  // federated token file as client assertion; never a silent choice.
  auto token_file = get(env, "AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE");
  if (token_file) {
    if (get(env, "AUTH_MICROSOFT_ENTRA_ID_SECRET")) {
      return invalid("AUTH_MICROSOFT_ENTRA_ID_SECRET",
                     "set it or AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE, not both");
    }
    e.federated_token_file = *token_file;
  } else {
    auto secret = require(env, "AUTH_MICROSOFT_ENTRA_ID_SECRET");
    if (!secret) return secret.error();
    e.client_secret = Secret(*secret);
  }
  auto issuer = require(env, "AUTH_MICROSOFT_ENTRA_ID_ISSUER");
  if (!issuer) return issuer.error();
  e.issuer = strip_trailing_slash(*issuer);
  if (auto st = check_url("AUTH_MICROSOFT_ENTRA_ID_ISSUER", e.issuer, true); !st) return st.error();
  // Entra v2.0 issuers end in /<tenant>/v2.0.
  constexpr std::string_view kSuffix = "/v2.0";
  if (e.issuer.size() <= kSuffix.size() || !e.issuer.ends_with(kSuffix)) {
    return invalid("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "must end with /<tenant>/v2.0");
  }
  const std::string without = e.issuer.substr(0, e.issuer.size() - kSuffix.size());
  const auto slash = without.rfind('/');
  e.tenant = without.substr(slash + 1);
  if (e.tenant.empty() || e.tenant.find(':') != std::string::npos) {
    return invalid("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "must end with /<tenant>/v2.0");
  }
  e.multi_tenant = (e.tenant == "organizations" || e.tenant == "common");
  if (auto allowed = get(env, "AUTH_MICROSOFT_ENTRA_ID_ALLOWED_TENANTS")) {
    e.allowed_tenants = split_list(*allowed);
  }
  if (e.multi_tenant && e.allowed_tenants.empty()) {
    return invalid("AUTH_MICROSOFT_ENTRA_ID_ALLOWED_TENANTS",
                   "is required with an organizations/common issuer");
  }
  return e;
}

Result<AzureOpenAiConfig> load_azure(const Env& env) {
  AzureOpenAiConfig a;
  auto endpoint = require(env, "AZURE_OPENAI_ENDPOINT");
  if (!endpoint) return endpoint.error();
  a.endpoint = strip_trailing_slash(*endpoint);
  if (auto st = check_url("AZURE_OPENAI_ENDPOINT", a.endpoint, true); !st) return st.error();
  auto deployment = require(env, "AZURE_OPENAI_DEPLOYMENT");
  if (!deployment) return deployment.error();
  a.deployment = *deployment;
  if (a.deployment.find_first_of("/?#% ") != std::string::npos) {
    return invalid("AZURE_OPENAI_DEPLOYMENT", "must be a plain deployment name");
  }
  if (auto v = get(env, "AZURE_OPENAI_API_VERSION")) a.api_version = *v;

  if (auto v = get(env, "AZURE_OPENAI_API_KEY")) a.api_key = Secret(*v);
  a.tenant_id = get(env, "AZURE_TENANT_ID").value_or("");
  a.client_id = get(env, "AZURE_CLIENT_ID").value_or("");
  if (auto v = get(env, "AZURE_CLIENT_SECRET")) a.client_secret = Secret(*v);
  a.federated_token_file = get(env, "AZURE_FEDERATED_TOKEN_FILE").value_or("");
  if (auto v = get(env, "AZURE_AUTHORITY_HOST")) {
    a.authority_host = strip_trailing_slash(*v);
    if (auto st = check_url("AZURE_AUTHORITY_HOST", a.authority_host, false); !st) return st.error();
  }
  a.identity_endpoint = get(env, "IDENTITY_ENDPOINT").value_or("");
  if (auto v = get(env, "IDENTITY_HEADER")) a.identity_header = Secret(*v);
  if (!a.identity_endpoint.empty()) {
    if (auto st = check_url("IDENTITY_ENDPOINT", a.identity_endpoint, true); !st) return st.error();
  }

  const bool has_key = !a.api_key.empty();
  const bool has_secret = !a.client_secret.empty();
  const bool has_federated = !a.federated_token_file.empty();
  const bool has_managed = !a.identity_endpoint.empty();

  if (auto mode = get(env, "AZURE_OPENAI_AUTH")) {
    if (*mode == "api-key") a.auth = AzureAuthMode::api_key;
    else if (*mode == "client-secret") a.auth = AzureAuthMode::client_secret;
    else if (*mode == "workload-identity") a.auth = AzureAuthMode::workload_identity;
    else if (*mode == "managed-identity") a.auth = AzureAuthMode::managed_identity;
    else if (*mode == "azure-cli") a.auth = AzureAuthMode::azure_cli;
    else {
      return invalid("AZURE_OPENAI_AUTH",
                     "must be api-key, client-secret, workload-identity, managed-identity or "
                     "azure-cli");
    }
  } else {
    // No silent fallback chain: exactly one mode's variables must be present.
    std::vector<std::string_view> present;
    if (has_key) present.push_back("api-key (AZURE_OPENAI_API_KEY)");
    if (has_secret) present.push_back("client-secret (AZURE_CLIENT_SECRET)");
    if (has_federated) present.push_back("workload-identity (AZURE_FEDERATED_TOKEN_FILE)");
    if (has_managed) present.push_back("managed-identity (IDENTITY_ENDPOINT)");
    if (present.empty()) {
      return invalid("AZURE_OPENAI_AUTH",
                     "no credential configured: set AZURE_OPENAI_API_KEY, AZURE_CLIENT_SECRET, "
                     "AZURE_FEDERATED_TOKEN_FILE or IDENTITY_ENDPOINT, or choose a mode");
    }
    if (present.size() > 1) {
      std::string list;
      for (auto p : present) list += (list.empty() ? "" : ", ") + std::string(p);
      return invalid("AZURE_OPENAI_AUTH", "several credentials configured (" + list +
                                              "); set AZURE_OPENAI_AUTH to choose one");
    }
    if (has_key) a.auth = AzureAuthMode::api_key;
    else if (has_secret) a.auth = AzureAuthMode::client_secret;
    else if (has_federated) a.auth = AzureAuthMode::workload_identity;
    else a.auth = AzureAuthMode::managed_identity;
  }

  switch (a.auth) {
    case AzureAuthMode::api_key:
      if (!has_key) return invalid("AZURE_OPENAI_API_KEY", "is required with AZURE_OPENAI_AUTH=api-key");
      break;
    case AzureAuthMode::client_secret:
      if (a.tenant_id.empty()) return invalid("AZURE_TENANT_ID", "is required with client-secret");
      if (a.client_id.empty()) return invalid("AZURE_CLIENT_ID", "is required with client-secret");
      if (!has_secret) return invalid("AZURE_CLIENT_SECRET", "is required with client-secret");
      break;
    case AzureAuthMode::workload_identity:
      if (a.tenant_id.empty()) return invalid("AZURE_TENANT_ID", "is required with workload-identity");
      if (a.client_id.empty()) return invalid("AZURE_CLIENT_ID", "is required with workload-identity");
      if (!has_federated) {
        return invalid("AZURE_FEDERATED_TOKEN_FILE", "is required with workload-identity");
      }
      break;
    case AzureAuthMode::managed_identity:
      if (has_managed && a.identity_header.empty()) {
        return invalid("IDENTITY_HEADER", "is required with IDENTITY_ENDPOINT");
      }
      break;
    case AzureAuthMode::azure_cli:
      break;  // whatever account `az login` chose; the other variables are not used
  }
  return a;
}

}  // namespace

std::string_view to_string(AzureAuthMode mode) {
  switch (mode) {
    case AzureAuthMode::api_key: return "api-key";
    case AzureAuthMode::client_secret: return "client-secret";
    case AzureAuthMode::workload_identity: return "workload-identity";
    case AzureAuthMode::managed_identity: return "managed-identity";
    case AzureAuthMode::azure_cli: return "azure-cli";
  }
  return "api-key";
}

Env process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    const char* v = std::getenv(key.c_str());  // NOLINT(concurrency-mt-unsafe): read at start-up
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  return host.starts_with("127.") && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

Result<Origin> parse_origin(std::string_view url, bool allow_path) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return make_error(errc::config::invalid, "must be an absolute http(s) URL");
  Origin o;
  o.scheme = lower(std::string(parsed->scheme()));
  if (o.scheme != "http" && o.scheme != "https") {
    return make_error(errc::config::invalid, "must be an http(s) URL");
  }
  if (parsed->has_userinfo()) {
    return make_error(errc::config::invalid, "must not contain credentials");
  }
  if (parsed->has_query() || parsed->has_fragment()) {
    return make_error(errc::config::invalid, "must not have a query or fragment");
  }
  o.host = lower(std::string(parsed->encoded_host()));
  if (o.host.empty()) return make_error(errc::config::invalid, "must have a host");
  if (o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  if (!allow_path && !parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return make_error(errc::config::invalid, "must be an origin without a path");
  }
  const std::uint16_t default_port = o.scheme == "https" ? 443 : 80;
  o.port = parsed->has_port() ? parsed->port_number() : default_port;
  if (parsed->has_port() && o.port == 0) {
    return make_error(errc::config::invalid, "has an invalid port");
  }
  if (o.scheme == "http" && !is_loopback_host(o.host)) {
    return make_error(errc::config::invalid, "plain http is accepted only for loopback hosts");
  }
  const std::string host_text = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  o.text = o.scheme + "://" + host_text;
  if (o.port != default_port) o.text += ":" + std::to_string(o.port);
  return o;
}

Result<Secret> load_database_url(const Env& env) {
  auto db = require(env, "DATABASE_URL");
  if (!db) return db.error();
  if (!db->starts_with("postgres://") && !db->starts_with("postgresql://")) {
    return invalid("DATABASE_URL", "must be a postgres:// connection URL");
  }
  return Secret(*db);
}

Result<Config> load_config(const Env& given) {
  auto resolved = resolve_aliases(given);
  if (!resolved) return resolved.error();
  const Env& env = resolved->env;
  Config c;
  c.aliases_used = std::move(resolved->used);
  // Kubernetes sets HOSTNAME to the pod name; only an address is a listen
  // address, so a pod name falls back to 0.0.0.0 (manifests set it explicitly).
  if (auto v = get(env, "HOSTNAME")) {
    const bool looks_like_address =
        v->find_first_not_of("0123456789.") == std::string::npos || v->find(':') != std::string::npos ||
        *v == "localhost";
    if (looks_like_address) c.host = *v;
  }
  if (auto v = get(env, "PORT")) {
    auto port = parse_int<int>("PORT", *v, 0, 65535);
    if (!port) return port.error();
    c.port = static_cast<std::uint16_t>(*port);
  }
  if (auto v = get(env, "METRICS_PORT")) {
    auto port = parse_int<int>("METRICS_PORT", *v, 0, 65535);
    if (!port) return port.error();
    if (*port != 0 && *port == c.port) return invalid("METRICS_PORT", "must differ from PORT");
    c.metrics_port = static_cast<std::uint16_t>(*port);
  }

  auto db = load_database_url(env);
  if (!db) return db.error();
  c.database_url = std::move(*db);

  auto secret = require(env, "AUTH_SECRET");
  if (!secret) return secret.error();
  if (secret->size() < 32) return invalid("AUTH_SECRET", "must be at least 32 bytes");
  c.auth_secrets.emplace_back(*secret);
  for (int i = 1;; ++i) {
    const std::string name = "AUTH_SECRET_" + std::to_string(i);
    auto old = get(env, name);
    if (!old) break;
    if (old->size() < 32) return invalid(name, "must be at least 32 bytes");
    c.auth_secrets.emplace_back(*old);
  }

  auto auth_url = require(env, "AUTH_URL");
  if (!auth_url) return auth_url.error();
  auto origin = parse_origin(strip_trailing_slash(*auth_url), false);
  if (!origin) return invalid("AUTH_URL", origin.error().detail);
  c.auth_url = *origin;

  if (auto v = get(env, "AUTH_TRUST_HOST")) {
    auto b = parse_bool("AUTH_TRUST_HOST", *v);
    if (!b) return b.error();
    c.trust_host = *b;
  }
  if (auto v = get(env, "AUTH_SESSION_MAX_AGE")) {
    auto age = parse_int<std::int64_t>("AUTH_SESSION_MAX_AGE", *v, 60, 90LL * 24 * 3600);
    if (!age) return age.error();
    c.session_max_age = *age;
  }
  if (auto v = get(env, "AUTH_SESSION_ABSOLUTE_MAX_AGE")) {
    auto age =
        parse_int<std::int64_t>("AUTH_SESSION_ABSOLUTE_MAX_AGE", *v, 60, 90LL * 24 * 3600);
    if (!age) return age.error();
    c.session_absolute_max_age = *age;
  }
  if (auto v = get(env, "AUTH_CALLBACK_FAILURES_PER_MINUTE")) {
    auto n = parse_int<std::int64_t>("AUTH_CALLBACK_FAILURES_PER_MINUTE", *v, 1, 1'000'000);
    if (!n) return n.error();
    c.callback_failures_per_minute = *n;
  }
  if (auto v = get(env, "AUTH_SILENT_SSO")) {
    auto b = parse_bool("AUTH_SILENT_SSO", *v);
    if (!b) return b.error();
    c.silent_sso = *b;
  }

  if (auto v = get(env, "AUTH_CALLBACK_PATH")) {
    if (std::find(kCallbackPaths.begin(), kCallbackPaths.end(), *v) == kCallbackPaths.end()) {
      std::string known;
      for (auto path : kCallbackPaths) known += (known.empty() ? "" : ", ") + std::string(path);
      return invalid("AUTH_CALLBACK_PATH", "must be one of " + known);
    }
    c.callback_path = *v;
  }

  auto entra = load_entra(env);
  if (!entra) return entra.error();
  c.entra = std::move(*entra);
  auto azure = load_azure(env);
  if (!azure) return azure.error();
  c.azure = std::move(*azure);
  auto api = load_service_api(env, c.entra.client_id, c.azure.deployment);
  if (!api) return api.error();
  c.api = std::move(*api);

  if (auto v = get(env, "PARLEY_ADMIN_ROLE")) {
    // Entra app role values: printable, no spaces, at most 250 characters.
    const bool printable = std::all_of(v->begin(), v->end(), [](unsigned char ch) {
      return ch > 0x20 && ch < 0x7f;
    });
    if (!printable || v->size() > 250) {
      return invalid("PARLEY_ADMIN_ROLE", "must be an app role value (printable, no spaces)");
    }
    c.admin_role = *v;
  }
  if (auto v = get(env, "PARLEY_DISABLED_USER_MESSAGE")) {
    if (v->empty() || v->size() > 1000) {
      return invalid("PARLEY_DISABLED_USER_MESSAGE", "must be 1-1000 characters");
    }
    c.disabled_user_message = *v;
  }
  if (auto v = get(env, "PARLEY_QUOTA_DAILY_TOKENS")) {
    auto n = parse_int<std::int64_t>("PARLEY_QUOTA_DAILY_TOKENS", *v, 0, 1'000'000'000'000);
    if (!n) return n.error();
    c.quota_daily_tokens = *n;
  }
  if (auto v = get(env, "PARLEY_QUOTA_CONCURRENT_STREAMS")) {
    auto n = parse_int<std::int64_t>("PARLEY_QUOTA_CONCURRENT_STREAMS", *v, 1, 1000);
    if (!n) return n.error();
    c.quota_concurrent_streams = *n;
  }
  if (auto v = get(env, "PARLEY_MAX_OUTPUT_TOKENS")) {
    auto n = parse_int<std::int64_t>("PARLEY_MAX_OUTPUT_TOKENS", *v, 1, 1'000'000);
    if (!n) return n.error();
    c.max_output_tokens = *n;
  }

  c.system_prompt = get(env, "PARLEY_SYSTEM_PROMPT").value_or("");
  if (auto v = get(env, "PARLEY_HISTORY_MAX_CHARS")) {
    auto n = parse_int<std::int64_t>("PARLEY_HISTORY_MAX_CHARS", *v, 100, 10'000'000);
    if (!n) return n.error();
    c.history_max_chars = static_cast<std::size_t>(*n);
  }
  if (auto v = get(env, "PARLEY_RETENTION_DAYS")) {
    // Up to 100 years; 0 (the default) keeps everything.
    auto n = parse_int<int>("PARLEY_RETENTION_DAYS", *v, 0, 36500);
    if (!n) return n.error();
    c.retention_days = *n;
  }
  if (auto v = get(env, "LOG_LEVEL")) {
    if (!log::parse_level(*v, c.log_level)) {
      return invalid("LOG_LEVEL", "must be debug, info, warn or error");
    }
  }
  return c;
}

}  // namespace parley::config
