#include "llm/credential.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "http/message.hpp"
#include "llm/errors.hpp"
#include "observability/log.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// After a failed refresh while the old token is still valid, wait this long
// before asking the token endpoint again (no hammering during an outage).
constexpr std::int64_t kFailedRefreshPauseSeconds = 30;
// A token obtained after a 401 that is refused again within this time is
// kept: the cause is not a stale token, and each answer asking Entra for a
// new one would only add load (and Entra throttles repeated requests).
constexpr std::int64_t kRejectedTokenPauseSeconds = 30;

std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> json_int(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  if (v->is_string()) {
    auto s = trim(std::string_view(v->get_string()));
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

// "AADSTS7000215" from error_codes[0], else from the start of error_description.
std::string aadsts_code(const json::object& o) {
  if (const auto* codes = o.if_contains("error_codes"); codes && codes->is_array()) {
    const auto& a = codes->get_array();
    if (!a.empty()) {
      if (auto n = json_int(&a.front())) return "AADSTS" + std::to_string(*n);
    }
  }
  if (const auto* d = o.if_contains("error_description"); d && d->is_string()) {
    std::string_view s = d->get_string();
    if (s.substr(0, 6) == "AADSTS") {
      std::size_t i = 6;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i > 6) return std::string(s.substr(0, i));
    }
  }
  return {};
}

std::string form_field(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + http::percent_encode(value);
}

// ---------------------------------------------------------------------------

class ApiKeyCredential final : public Credential {
 public:
  explicit ApiKeyCredential(Secret key) : key_(std::move(key)) {}
  awaitable<Result<AuthHeader>> header() override {
    if (key_.empty()) co_return make_error(errc::llm::credential, "AZURE_OPENAI_API_KEY is empty");
    co_return AuthHeader{"api-key", std::string(key_.expose())};
  }
  std::string_view name() const override { return "api-key"; }

 private:
  Secret key_;
};

// The token cache. All state is touched on the io_context thread only.
class TokenCredential final : public Credential {
 public:
  TokenCredential(asio::io_context& io, std::unique_ptr<TokenSource> source, const Clock& clock,
                  TokenCacheOptions options)
      : io_(io), source_(std::move(source)), clock_(clock), options_(options) {}

  std::string_view name() const override { return source_->name(); }

  awaitable<Result<AuthHeader>> header() override {
    const std::int64_t now = clock_.now_seconds();
    const std::int64_t margin = options_.refresh_margin.count();
    if (cached_ && now < cached_->expires_on - margin) co_return bearer(*cached_);
    const bool old_valid = cached_ && now < cached_->expires_on;
    // Keep serving a valid token while a refresh runs or after one failed recently.
    if (old_valid && (flight_ || now < pause_until_)) co_return bearer(*cached_);
    if (flight_) {
      auto flight = flight_;  // keeps the timer alive while we wait
      co_await flight->done.async_wait(use_tuple);
      if (!flight->result) co_return make_error(errc::llm::credential, "token request abandoned");
      if (!*flight->result) co_return flight->result->error();
      co_return bearer(**flight->result);
    }

    auto flight = std::make_shared<Flight>(io_.get_executor());
    flight_ = flight;
    auto fetched = co_await source_->fetch();
    if (flight_ == flight) flight_.reset();
    const std::int64_t after = clock_.now_seconds();
    if (fetched) {
      cached_ = std::move(*fetched);
      pause_until_ = 0;
      flight->result = *cached_;
    } else if (cached_ && after < cached_->expires_on) {
      log::warn("llm.credential_refresh_failed")
          .str("credential", source_->name())
          .str("error", fetched.error().code)
          .str("detail", fetched.error().detail)
          .num("expires_in_s", cached_->expires_on - after);
      pause_until_ = after + kFailedRefreshPauseSeconds;
      flight->result = *cached_;
    } else {
      log::warn("llm.credential_failed")
          .str("credential", source_->name())
          .str("error", fetched.error().code)
          .str("detail", fetched.error().detail);
      flight->result = fetched.error();
    }
    flight->done.cancel();  // wakes every waiter
    if (!*flight->result) co_return flight->result->error();
    co_return bearer(**flight->result);
  }

  bool on_unauthorized(const AuthHeader& rejected) override {
    // Already dropped by another caller refused with the same token (a
    // refresh runs or is done): the next header() is newer, or waits for it.
    if (!cached_ || !carries(rejected, *cached_)) return true;
    const std::int64_t now = clock_.now_seconds();
    if (now < rejected_pause_until_) return false;
    log::warn("llm.token_rejected")
        .str("credential", source_->name())
        .num("expires_in_s", cached_->expires_on - now);
    cached_.reset();
    rejected_pause_until_ = now + kRejectedTokenPauseSeconds;
    return true;
  }

 private:
  struct Flight {
    explicit Flight(const asio::any_io_executor& ex) : done(ex) {
      done.expires_at(asio::steady_timer::time_point::max());
    }
    asio::steady_timer done;
    std::optional<Result<AccessToken>> result;
  };

  static Result<AuthHeader> bearer(const AccessToken& t) {
    return AuthHeader{"Authorization", std::string(kBearerPrefix) + std::string(t.token.expose())};
  }
  static bool carries(const AuthHeader& h, const AccessToken& t) {
    const std::string_view v = h.value;
    return v.starts_with(kBearerPrefix) && v.substr(kBearerPrefix.size()) == t.token.expose();
  }
  static constexpr std::string_view kBearerPrefix = "Bearer ";

  asio::io_context& io_;
  std::unique_ptr<TokenSource> source_;
  const Clock& clock_;
  TokenCacheOptions options_;
  std::optional<AccessToken> cached_;
  std::shared_ptr<Flight> flight_;
  std::int64_t pause_until_ = 0;
  std::int64_t rejected_pause_until_ = 0;
};

// ---------------------------------------------------------------------------

class EntraSource : public TokenSource {
 public:
  EntraSource(http::HttpClient& http, const config::AzureOpenAiConfig& cfg, const Clock& clock)
      : http_(http), url_(entra_token_url(cfg)), client_id_(cfg.client_id), clock_(clock) {}

 protected:
  awaitable<Result<AccessToken>> post(std::string body) {
    http::ClientRequest req;
    req.method = http::Method::post;
    req.url = url_;
    (void)req.headers.set("Content-Type", "application/x-www-form-urlencoded");
    (void)req.headers.set("Accept", "application/json");
    req.body = std::move(body);
    auto response = co_await http_.send(std::move(req));
    if (!response) {
      co_return make_error(errc::llm::credential,
                           "token endpoint unreachable: " + std::string(response.error().code));
    }
    co_return parse_token_response(*response, clock_.now_seconds());
  }

  std::string common_fields() const {
    return form_field("grant_type", "client_credentials") + "&" +
           form_field("client_id", client_id_) + "&" + form_field("scope", kCognitiveServicesScope);
  }

  http::HttpClient& http_;
  std::string url_;
  std::string client_id_;
  const Clock& clock_;
};

class ClientSecretSource final : public EntraSource {
 public:
  ClientSecretSource(http::HttpClient& http, const config::AzureOpenAiConfig& cfg,
                     const Clock& clock)
      : EntraSource(http, cfg, clock), secret_(cfg.client_secret) {}
  std::string_view name() const override { return "client-secret"; }
  awaitable<Result<AccessToken>> fetch() override {
    co_return co_await post(common_fields() + "&" + form_field("client_secret", secret_.expose()));
  }

 private:
  Secret secret_;
};

class WorkloadIdentitySource final : public EntraSource {
 public:
  WorkloadIdentitySource(http::HttpClient& http, const config::AzureOpenAiConfig& cfg,
                         const Clock& clock)
      : EntraSource(http, cfg, clock), file_(cfg.federated_token_file) {}
  std::string_view name() const override { return "workload-identity"; }
  awaitable<Result<AccessToken>> fetch() override {
    // Re-read on every request: Kubernetes rotates the projected token.
    auto assertion = read_secret_file(file_);
    if (!assertion) {
      co_return make_error(errc::llm::credential,
                           "AZURE_FEDERATED_TOKEN_FILE: " + assertion.error().detail);
    }
    co_return co_await post(common_fields() + "&" +
                            form_field("client_assertion_type",
                                       "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                            "&" + form_field("client_assertion", assertion->expose()));
  }

 private:
  std::string file_;
};

class ManagedIdentitySource final : public TokenSource {
 public:
  ManagedIdentitySource(http::HttpClient& http, const config::AzureOpenAiConfig& cfg,
                        const Clock& clock)
      : http_(http), request_(managed_identity_request(cfg)), clock_(clock) {}
  std::string_view name() const override { return "managed-identity"; }
  awaitable<Result<AccessToken>> fetch() override {
    auto response = co_await http_.send(request_);
    if (!response) {
      co_return make_error(errc::llm::credential, "managed identity endpoint unreachable: " +
                                                      std::string(response.error().code));
    }
    co_return parse_token_response(*response, clock_.now_seconds());
  }

 private:
  http::HttpClient& http_;
  http::ClientRequest request_;
  const Clock& clock_;
};

// Owns the IMDS-only client next to the credential that uses it.
class OwningCredential final : public Credential {
 public:
  OwningCredential(std::unique_ptr<http::HttpClient> http, std::unique_ptr<Credential> inner)
      : http_(std::move(http)), inner_(std::move(inner)) {}
  awaitable<Result<AuthHeader>> header() override { return inner_->header(); }
  bool on_unauthorized(const AuthHeader& rejected) override {
    return inner_->on_unauthorized(rejected);
  }
  std::string_view name() const override { return inner_->name(); }

 private:
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<Credential> inner_;
};

}  // namespace

std::string entra_token_url(const config::AzureOpenAiConfig& cfg) {
  return strip_trailing_slashes(cfg.authority_host) + "/" + http::percent_encode(cfg.tenant_id) +
         "/oauth2/v2.0/token";
}

http::ClientRequest managed_identity_request(const config::AzureOpenAiConfig& cfg) {
  http::ClientRequest req;
  req.method = http::Method::get;
  const std::string resource = http::percent_encode(kCognitiveServicesResource);
  const std::string client_id =
      cfg.client_id.empty() ? std::string() : "&client_id=" + http::percent_encode(cfg.client_id);
  if (!cfg.identity_endpoint.empty()) {
    // App Service / Functions / Container Apps protocol (api-version 2019-08-01).
    const char sep = cfg.identity_endpoint.find('?') == std::string::npos ? '?' : '&';
    req.url = cfg.identity_endpoint + sep + "resource=" + resource + "&api-version=2019-08-01" +
              client_id;
    (void)req.headers.set("X-IDENTITY-HEADER", cfg.identity_header.expose());
  } else {
    req.url = "http://" + std::string(kImdsHost) +
              "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + resource +
              client_id;
    (void)req.headers.set("Metadata", "true");
  }
  req.timeout = std::chrono::seconds(10);
  return req;
}

Result<AccessToken> parse_token_response(const http::ClientResponse& response,
                                         std::int64_t now_epoch_seconds) {
  boost::system::error_code ec;
  auto parsed = json::parse(response.body, ec);
  const json::object* o = (!ec && parsed.is_object()) ? &parsed.get_object() : nullptr;
  if (response.status != 200) {
    std::string detail = "token endpoint " + std::to_string(response.status);
    if (o != nullptr) {
      if (const auto* e = o->if_contains("error"); e && e->is_string()) {
        detail += " ";
        detail += e->get_string();
      }
      if (auto code = aadsts_code(*o); !code.empty()) detail += " " + code;
    }
    return make_error(errc::llm::credential, std::move(detail));
  }
  if (o == nullptr) return make_error(errc::llm::credential, "token endpoint answer is not JSON");
  const auto* token = o->if_contains("access_token");
  if (token == nullptr || !token->is_string() || token->get_string().empty()) {
    return make_error(errc::llm::credential, "token endpoint answer without access_token");
  }
  AccessToken out;
  out.token = Secret(std::string(token->get_string()));
  if (auto on = json_int(o->if_contains("expires_on")); on && *on > 0) {
    out.expires_on = *on;
  } else if (auto in = json_int(o->if_contains("expires_in")); in && *in > 0) {
    out.expires_on = now_epoch_seconds + *in;
  } else {
    return make_error(errc::llm::credential, "token endpoint answer without expires_in/expires_on");
  }
  return out;
}

std::unique_ptr<Credential> make_token_credential(asio::io_context& io,
                                                  std::unique_ptr<TokenSource> source,
                                                  const Clock& clock, TokenCacheOptions options) {
  return std::make_unique<TokenCredential>(io, std::move(source), clock, options);
}

std::unique_ptr<Credential> make_api_key_credential(Secret api_key) {
  return std::make_unique<ApiKeyCredential>(std::move(api_key));
}

std::unique_ptr<TokenSource> make_client_secret_source(http::HttpClient& http,
                                                       const config::AzureOpenAiConfig& cfg,
                                                       const Clock& clock) {
  return std::make_unique<ClientSecretSource>(http, cfg, clock);
}

std::unique_ptr<TokenSource> make_workload_identity_source(http::HttpClient& http,
                                                           const config::AzureOpenAiConfig& cfg,
                                                           const Clock& clock) {
  return std::make_unique<WorkloadIdentitySource>(http, cfg, clock);
}

std::unique_ptr<TokenSource> make_managed_identity_source(http::HttpClient& http,
                                                          const config::AzureOpenAiConfig& cfg,
                                                          const Clock& clock) {
  return std::make_unique<ManagedIdentitySource>(http, cfg, clock);
}

std::string describe_credential(const config::AzureOpenAiConfig& cfg) {
  std::string out(config::to_string(cfg.auth));
  switch (cfg.auth) {
    case config::AzureAuthMode::api_key:
      return out + " (AZURE_OPENAI_API_KEY)";
    case config::AzureAuthMode::client_secret:
      return out + " (tenant " + cfg.tenant_id + ", client " + cfg.client_id + ", authority " +
             cfg.authority_host + ")";
    case config::AzureAuthMode::workload_identity:
      return out + " (tenant " + cfg.tenant_id + ", client " + cfg.client_id + ", token file " +
             cfg.federated_token_file + ", authority " + cfg.authority_host + ")";
    case config::AzureAuthMode::managed_identity:
      return out + (cfg.identity_endpoint.empty() ? " (instance metadata endpoint"
                                                  : " (IDENTITY_ENDPOINT " + cfg.identity_endpoint) +
             (cfg.client_id.empty() ? "" : ", client " + cfg.client_id) + ")";
    case config::AzureAuthMode::azure_cli:
      return out + " (az account get-access-token, the account of `az login`)";
  }
  return out;
}

std::unique_ptr<Credential> make_credential(asio::io_context& io, http::HttpClient& http,
                                            const config::AzureOpenAiConfig& cfg,
                                            const Clock& clock) {
  switch (cfg.auth) {
    case config::AzureAuthMode::api_key:
      return make_api_key_credential(cfg.api_key);
    case config::AzureAuthMode::client_secret:
      return make_token_credential(io, make_client_secret_source(http, cfg, clock), clock);
    case config::AzureAuthMode::workload_identity:
      return make_token_credential(io, make_workload_identity_source(http, cfg, clock), clock);
    case config::AzureAuthMode::managed_identity:
      if (cfg.identity_endpoint.empty()) {
        // IMDS is plain http on a link-local address: a dedicated client that
        // allows exactly that host and never goes through HTTPS_PROXY (nor
        // uses a CA bundle: there is no TLS), so it needs no configuration.
        http::ClientOptions options;
        options.allow_plain_http_hosts = {std::string(kImdsHost)};
        auto imds = http::make_http_client(io, std::move(options));
        auto inner =
            make_token_credential(io, make_managed_identity_source(*imds, cfg, clock), clock);
        return std::make_unique<OwningCredential>(std::move(imds), std::move(inner));
      }
      return make_token_credential(io, make_managed_identity_source(http, cfg, clock), clock);
    case config::AzureAuthMode::azure_cli:
      return make_token_credential(io, make_azure_cli_source(), clock);
  }
  return make_api_key_credential(cfg.api_key);
}

}  // namespace parley::llm
