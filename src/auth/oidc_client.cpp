#include "auth/oidc_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include "observability/log.hpp"
#include "auth/errors.hpp"

namespace parley::auth {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->as_string());
}

bool acceptable_endpoint(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return false;
  if (u->scheme() == "https") return true;
  if (u->scheme() != "http") return false;
  const auto host = u->encoded_host();
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

std::string form_encode(const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += http::percent_encode(k);
    out += '=';
    out += http::percent_encode(v);
  }
  return out;
}

}  // namespace

Result<ProviderMetadata> parse_discovery(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return make_error(errc::oidc::discovery_invalid, "not a JSON object");
  const auto& o = v.as_object();
  ProviderMetadata m;
  m.issuer = string_field(o, "issuer");
  m.authorization_endpoint = string_field(o, "authorization_endpoint");
  m.token_endpoint = string_field(o, "token_endpoint");
  m.jwks_uri = string_field(o, "jwks_uri");
  m.end_session_endpoint = string_field(o, "end_session_endpoint");
  if (m.issuer.empty() || m.authorization_endpoint.empty() || m.token_endpoint.empty() ||
      m.jwks_uri.empty()) {
    return make_error(errc::oidc::discovery_invalid, "issuer or an endpoint is missing");
  }
  for (const std::string* url : {&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri}) {
    if (!acceptable_endpoint(*url)) {
      return make_error(errc::oidc::discovery_invalid, "endpoint is not https: " + *url);
    }
  }
  if (!m.end_session_endpoint.empty() && !acceptable_endpoint(m.end_session_endpoint)) {
    m.end_session_endpoint.clear();
  }
  return m;
}

Result<TokenResponse> parse_token_response(int status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return make_error(errc::oidc::token_endpoint_failed,
                      "token endpoint answered " + std::to_string(status) + " without JSON");
  }
  const auto& o = v.as_object();
  if (status < 200 || status > 299) {
    std::string error = string_field(o, "error");
    if (error.empty()) {
      return make_error(errc::oidc::token_endpoint_failed,
                        "token endpoint answered " + std::to_string(status));
    }
    // error_description can carry attacker-influenced text: keep the code.
    std::string code_list;
    if (const auto* codes = o.if_contains("error_codes"); codes && codes->is_array()) {
      for (const auto& c : codes->as_array()) {
        if (c.is_int64())
          code_list += (code_list.empty() ? "" : ",") + std::to_string(c.as_int64());
      }
    }
    if (error.size() > 64) error.resize(64);
    return make_error(errc::oidc::token_error, error + (code_list.empty() ? "" : " AADSTS" + code_list));
  }
  TokenResponse t;
  t.id_token = string_field(o, "id_token");
  if (t.id_token.empty()) return make_error(errc::oidc::missing_id_token, "no id_token in the answer");
  return t;
}

OidcClient::OidcClient(http::HttpClient& http, const Clock& clock, OidcClientOptions options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

boost::asio::awaitable<Result<ProviderMetadata>> OidcClient::metadata() {
  const auto now = clock_.now();
  if (metadata_ && now - metadata_fetched_at_ < options_.metadata_max_age) co_return *metadata_;
  if (metadata_failure_ && now >= metadata_failed_at_ &&
      now - metadata_failed_at_ < options_.metadata_failure_ttl) {
    co_return *metadata_failure_;
  }
  co_return co_await metadata_flight_.run([this] { return fetch_metadata(); });
}

boost::asio::awaitable<Result<ProviderMetadata>> OidcClient::fetch_metadata() {
  http::ClientRequest req;
  req.url = options_.issuer + "/.well-known/openid-configuration";
  req.timeout = std::chrono::seconds(10);
  (void)req.headers.set("Accept", "application/json");
  ++discovery_fetches_;
  auto resp = co_await http_.send(std::move(req));
  const auto now = clock_.now();
  auto failed = [&](Error e) -> Result<ProviderMetadata> {
    if (metadata_) {
      log::warn("oidc.discovery_refresh_failed").str("code", e.code).str("detail", e.detail);
      // Keep the last good document; ask again once the failure TTL passed.
      metadata_fetched_at_ = now - options_.metadata_max_age + options_.metadata_failure_ttl;
      return *metadata_;
    }
    metadata_failure_ = e;
    metadata_failed_at_ = now;
    return e;
  };
  if (!resp || resp->status != 200) {
    const std::string why = resp ? "status " + std::to_string(resp->status)
                                 : std::string(resp.error().code) + " " + resp.error().detail;
    co_return failed(make_error(errc::oidc::discovery_failed, why));
  }
  auto parsed = parse_discovery(resp->body);
  if (!parsed) co_return failed(parsed.error());
  // The issuer in the document must be the configured one (OIDC Discovery
  // 4.3). A multi-tenant document carries the {tenantid} template instead.
  const bool templated = parsed->issuer.find("{tenantid}") != std::string::npos;
  if (!templated && parsed->issuer != options_.issuer) {
    co_return failed(make_error(errc::oidc::issuer_mismatch,
                                "discovery issuer " + parsed->issuer + " != " + options_.issuer));
  }
  metadata_ = *parsed;
  metadata_fetched_at_ = now;
  metadata_failure_.reset();
  co_return *metadata_;
}

boost::asio::awaitable<Status> OidcClient::refresh_jwks() {
  co_return co_await jwks_flight_.run([this] { return fetch_jwks(); });
}

boost::asio::awaitable<Status> OidcClient::fetch_jwks() {
  auto meta = co_await metadata();
  if (!meta) co_return meta.error();
  http::ClientRequest req;
  req.url = meta->jwks_uri;
  req.timeout = std::chrono::seconds(10);
  (void)req.headers.set("Accept", "application/json");
  ++jwks_fetches_;
  auto resp = co_await http_.send(std::move(req));
  if (!resp || resp->status != 200) {
    const std::string why = resp ? "status " + std::to_string(resp->status)
                                 : std::string(resp.error().code) + " " + resp.error().detail;
    co_return make_error(errc::oidc::jwks_unavailable, why);
  }
  auto keys = jose::parse_jwks(resp->body);
  if (!keys) co_return make_error(errc::oidc::jwks_unavailable, keys.error().detail);
  jwks_ = std::make_shared<const jose::Jwks>(merge_keys(std::move(*keys)));
  jwks_fetched_at_ = clock_.now();
  co_return Status{};
}

jose::Jwks OidcClient::merge_keys(jose::Jwks fetched) {
  std::unordered_map<std::string, int> absences;
  if (jwks_) {
    for (const auto& old : jwks_->entries()) {
      if (fetched.find(old.kid) != nullptr) continue;  // still published: the IdP's copy wins
      const auto it = key_absences_.find(old.kid);
      const int missing = (it == key_absences_.end() ? 0 : it->second) + 1;
      if (missing >= 2) {
        log::info("oidc.key_retired").str("kid", old.kid);
        continue;
      }
      absences[old.kid] = missing;
      fetched.add(old.kid, old.key);
    }
  }
  key_absences_ = std::move(absences);
  return fetched;
}

boost::asio::awaitable<Result<std::shared_ptr<const jose::Jwks>>> OidcClient::signing_keys() {
  if (!jwks_) {
    auto st = co_await refresh_jwks();
    if (!st) co_return st.error();
  } else if (clock_.now() - jwks_fetched_at_ >= options_.jwks_max_age) {
    // Daily, so that keys the IdP retired are dropped (two fetches later)
    // even when no new kid ever asks for a refresh. A failure keeps the keys.
    jwks_fetched_at_ = clock_.now();
    if (auto st = co_await refresh_jwks(); !st) {
      log::warn("oidc.jwks_refresh_failed").str("detail", st.error().detail);
    }
  }
  co_return jwks_;
}

boost::asio::awaitable<bool> OidcClient::refresh_for_unknown_kid() {
  const auto now = clock_.now();
  const bool may_refresh = !unknown_kid_refresh_at_ ||
                           now - *unknown_kid_refresh_at_ >= options_.jwks_min_refresh_interval;
  // A refresh already running (another sign-in's new kid) is joined, not refused.
  if (!may_refresh && !jwks_flight_.running()) co_return false;
  // Failures count too: an attacker's kids cost one fetch per interval.
  if (!jwks_flight_.running()) unknown_kid_refresh_at_ = now;
  auto st = co_await refresh_jwks();
  if (!st) {
    log::warn("oidc.jwks_refresh_failed").str("detail", st.error().detail);
    co_return false;
  }
  co_return true;
}

boost::asio::awaitable<Result<json::object>> OidcClient::verify_signature(std::string id_token) {
  auto jws = jose::parse_compact(id_token);
  if (!jws) co_return jws.error();
  auto keys = co_await signing_keys();
  if (!keys) co_return keys.error();
  auto claims = jose::verify(*jws, **keys);
  if (!claims && claims.error().is(errc::jose::unknown_kid)) {
    const bool refreshed = co_await refresh_for_unknown_kid();
    if (refreshed) claims = jose::verify(*jws, *jwks_);
  }
  co_return claims;
}

boost::asio::awaitable<Result<TokenResponse>> OidcClient::exchange_code(std::string code,
                                                                        std::string code_verifier,
                                                                        std::string redirect_uri) {
  auto meta = co_await metadata();
  if (!meta) co_return meta.error();
  http::ClientRequest req;
  req.method = http::Method::post;
  req.url = meta->token_endpoint;
  req.timeout = std::chrono::seconds(15);
  (void)req.headers.set("Content-Type", "application/x-www-form-urlencoded");
  (void)req.headers.set("Accept", "application/json");
  std::vector<std::pair<std::string_view, std::string_view>> fields{
      {"grant_type", "authorization_code"},
      {"client_id", options_.client_id},
      {"code", code},
      {"redirect_uri", redirect_uri},
      {"code_verifier", code_verifier},
      {"scope", "openid profile email"}};
  Secret assertion;
  if (options_.client_assertion_file.empty()) {
    fields.emplace_back("client_secret", options_.client_secret.expose());
  } else {
    auto read = read_secret_file(options_.client_assertion_file);
    if (!read) {
      co_return make_error(errc::oidc::client_assertion_unavailable,
                           "AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE: " + read.error().detail);
    }
    assertion = std::move(*read);
    fields.emplace_back("client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    fields.emplace_back("client_assertion", assertion.expose());
  }
  req.body = form_encode(fields);
  auto resp = co_await http_.send(std::move(req));
  if (!resp) {
    co_return make_error(errc::oidc::token_endpoint_failed,
                         std::string(resp.error().code) + " " + resp.error().detail);
  }
  co_return parse_token_response(resp->status, resp->body);
}

}  // namespace parley::auth
