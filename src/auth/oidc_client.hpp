#pragma once
// The OpenID Connect relying party's view of the identity provider:
// discovery metadata, the JWKS cache and the token endpoint.
//
// Strand affinity: all members run on the server's single io_context thread;
// the caches need no locks.
//
// Discovery: cached for a day; a failed fetch is remembered for a few
// seconds and fetches run one at a time, so a flood of sign-ins while Entra
// is down makes at most one outbound request per few seconds.
//
// JWKS policy (DESIGN.md security rules): keys are cached; a token whose kid
// is unknown triggers at most one refresh per 5 minutes (Microsoft's
// recommendation); refreshes run one at a time; when the JWKS endpoint fails,
// the cached keys keep working; a key is dropped only once it is absent from
// two consecutive successful fetches (a transient or partial answer does not
// break sign-in).

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/jose.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "core/single_flight.hpp"
#include "http/client.hpp"

namespace parley::auth {

struct ProviderMetadata {
  std::string issuer;  // may be a "{tenantid}" template for organizations/common
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string end_session_endpoint;  // may be empty
};

// Parses a discovery document; code "oidc.discovery_invalid". Endpoint URLs
// must be https, or http on loopback hosts.
Result<ProviderMetadata> parse_discovery(std::string_view json);

struct TokenResponse {
  std::string id_token;
  // The access/refresh tokens are not kept: Parley only needs the identity.
};

// Parses a token endpoint answer. Codes: "oidc.token_error" (an OAuth error
// object; detail holds `error` only — error_description may echo input),
// "oidc.token_endpoint_failed" (non-2xx without an OAuth error, non-JSON),
// "oidc.missing_id_token".
Result<TokenResponse> parse_token_response(int status, std::string_view body);

struct OidcClientOptions {
  std::string issuer;  // AUTH_MICROSOFT_ENTRA_ID_ISSUER
  std::string client_id;
  // client_secret_post, or, when `client_assertion_file` is set, a federated
  // credential: the file's JWT (re-read per exchange; the kubelet rotates it)
  // as client_assertion (private_key_jwt form, RFC 7523).
  Secret client_secret;
  std::string client_assertion_file;
  std::chrono::seconds jwks_min_refresh_interval{300};
  std::chrono::seconds metadata_max_age{24 * 3600};
  std::chrono::seconds jwks_max_age{24 * 3600};
  // How long a failed discovery fetch is answered from memory.
  std::chrono::seconds metadata_failure_ttl{5};
};

class OidcClient {
 public:
  OidcClient(http::HttpClient& http, const Clock& clock, OidcClientOptions options);

  // Discovery document, fetched on first use and cached.
  // Codes: oidc.discovery_failed, oidc.discovery_invalid, oidc.issuer_mismatch.
  boost::asio::awaitable<Result<ProviderMetadata>> metadata();

  // Verifies the token's signature with the cached JWKS (one rate-limited
  // refresh on an unknown kid) and returns its claims. Codes: jose.*,
  // oidc.jwks_unavailable.
  boost::asio::awaitable<Result<boost::json::object>> verify_signature(std::string id_token);

  // authorization_code grant with PKCE; the client authenticates as the
  // options say. Codes: oidc.client_assertion_unavailable, token_endpoint_failed,
  // token_error, missing_id_token.
  boost::asio::awaitable<Result<TokenResponse>> exchange_code(std::string code,
                                                              std::string code_verifier,
                                                              std::string redirect_uri);

  // The cached signature keys (fetched on first use, refreshed daily), for
  // checks that verify tokens themselves (bearer access tokens). The
  // snapshot stays valid however the cache changes later.
  // Code oidc.jwks_unavailable (no keys yet and the fetch failed).
  boost::asio::awaitable<Result<std::shared_ptr<const jose::Jwks>>> signing_keys();

  // A token named a kid the cache lacks: refreshes the JWKS at most once per
  // jwks_min_refresh_interval (joining a refresh already running). True when
  // a refresh ran and succeeded, so the caller should try once more.
  boost::asio::awaitable<bool> refresh_for_unknown_kid();

  // Fetches the JWKS now (doctor, start-up warm-up). Code oidc.jwks_unavailable.
  boost::asio::awaitable<Status> refresh_jwks();

  std::size_t cached_key_count() const { return jwks_ ? jwks_->size() : 0; }
  std::int64_t jwks_fetches() const { return jwks_fetches_; }
  std::int64_t discovery_fetches() const { return discovery_fetches_; }

 private:
  boost::asio::awaitable<Result<ProviderMetadata>> fetch_metadata();
  boost::asio::awaitable<Status> fetch_jwks();
  // The keys to trust after a successful fetch of `fetched`: those, plus the
  // ones trusted before that are missing from fewer than two fetches in a row.
  jose::Jwks merge_keys(jose::Jwks fetched);

  http::HttpClient& http_;
  const Clock& clock_;
  OidcClientOptions options_;
  std::optional<ProviderMetadata> metadata_;
  std::chrono::system_clock::time_point metadata_fetched_at_{};
  std::optional<Error> metadata_failure_;
  std::chrono::system_clock::time_point metadata_failed_at_{};
  SingleFlight<ProviderMetadata> metadata_flight_;
  SingleFlight<void> jwks_flight_;
  std::shared_ptr<const jose::Jwks> jwks_;
  std::chrono::system_clock::time_point jwks_fetched_at_{};
  std::unordered_map<std::string, int> key_absences_;  // kid -> successful fetches missing it
  // When an unknown kid last caused a refresh: the rate limit applies to
  // those refreshes only (start-up warm-up and first fetch do not count).
  std::optional<std::chrono::system_clock::time_point> unknown_kid_refresh_at_;
  std::int64_t jwks_fetches_ = 0;
  std::int64_t discovery_fetches_ = 0;
};

}  // namespace parley::auth
