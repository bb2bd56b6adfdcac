#pragma once
// Credentials toward Azure OpenAI (DESIGN.md "Configuration"): an api-key, or
// an Entra access token for https://cognitiveservices.azure.com obtained with
// a client secret, a workload-identity federated assertion, a managed
// identity or the developer's Azure CLI login. No fallback chain:
// make_credential() builds exactly the mode the configuration chose.
//
// Token credentials cache the token until 5 minutes before it expires. A
// refresh is single-flight: while one token request is in flight, callers
// without a usable token wait for it (20 concurrent first callers cause one
// token request); callers that still hold a valid (if soon expiring) token
// are served that token at once. A failed refresh while the old token is
// still valid keeps serving it (warning logged).
//
// A token the resource refuses (401: revoked, or rotated keys) is dropped
// through on_unauthorized() and the next header() fetches a new one, with the
// same single flight: N answers refused with the same stale token cause one
// token request. A token obtained after such a rejection is not dropped again
// for 30 s (a second 401 then is a real failure, and a persistent 401 costs at
// most one token request per 30 s, not one per answer).
//
// Errors: "llm.credential" (no token could be obtained). The detail names the
// token endpoint status, the OAuth error and the AADSTS code when present;
// it never carries secrets, assertions or tokens.
//
// Threading: a credential belongs to the io_context thread it was made for
// (the server runs one); not thread-safe.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace parley::llm {

// One request header carrying the credential: ("api-key", key) or
// ("Authorization", "Bearer <token>"). `value` is secret: never log it.
struct AuthHeader {
  std::string name;
  std::string value;
};

class Credential {
 public:
  virtual ~Credential() = default;
  virtual boost::asio::awaitable<Result<AuthHeader>> header() = 0;
  // The resource answered 401 to a request carrying `rejected` (from
  // header()). True when calling header() again may give a different
  // credential worth one more attempt; false when it would not (api-key, or
  // the token obtained after the last rejection is refused too). Never
  // blocks; the token request, if any, happens in the next header().
  virtual bool on_unauthorized(const AuthHeader& rejected) {
    (void)rejected;
    return false;
  }
  // "api-key", "client-secret", "workload-identity", "managed-identity",
  // "azure-cli" (for the start-up log and `doctor`).
  virtual std::string_view name() const = 0;
};

// The resource Azure OpenAI tokens are issued for.
inline constexpr std::string_view kCognitiveServicesResource =
    "https://cognitiveservices.azure.com";
inline constexpr std::string_view kCognitiveServicesScope =
    "https://cognitiveservices.azure.com/.default";
inline constexpr std::string_view kImdsHost = "169.254.169.254";

struct AccessToken {
  Secret token;
  std::int64_t expires_on = 0;  // epoch seconds
};

// Fetches a fresh token (one network exchange per call); cached by TokenCredential.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual boost::asio::awaitable<Result<AccessToken>> fetch() = 0;
  virtual std::string_view name() const = 0;
};

struct TokenCacheOptions {
  // Refresh this long before expiry (Azure Identity uses 5 minutes).
  std::chrono::seconds refresh_margin{300};
};

// Caching, single-flight Credential over a TokenSource. Header:
// "Authorization: Bearer <token>".
std::unique_ptr<Credential> make_token_credential(boost::asio::io_context& io,
                                                  std::unique_ptr<TokenSource> source,
                                                  const Clock& clock,
                                                  TokenCacheOptions options = {});

std::unique_ptr<Credential> make_api_key_credential(Secret api_key);

// ---- token sources (exposed for tests) ----------------------------------

// POST {authority_host}/{tenant}/oauth2/v2.0/token, grant client_credentials
// with client_secret.
std::unique_ptr<TokenSource> make_client_secret_source(http::HttpClient& http,
                                                       const config::AzureOpenAiConfig& cfg,
                                                       const Clock& clock);
// Same endpoint with client_assertion = the contents of
// cfg.federated_token_file, re-read on every token request (Kubernetes rotates it).
std::unique_ptr<TokenSource> make_workload_identity_source(http::HttpClient& http,
                                                           const config::AzureOpenAiConfig& cfg,
                                                           const Clock& clock);
// App Service protocol against cfg.identity_endpoint, or the instance
// metadata endpoint when that is empty. `http` must allow plain http to
// 169.254.169.254 for the latter (make_credential builds such a client).
std::unique_ptr<TokenSource> make_managed_identity_source(http::HttpClient& http,
                                                          const config::AzureOpenAiConfig& cfg,
                                                          const Clock& clock);

// AZURE_OPENAI_AUTH=azure-cli: `az account get-access-token --resource
// https://cognitiveservices.azure.com --output json`, az found on PATH, run on
// a thread of the source's own (never on the io thread) and killed at the
// timeout. Errors name what went wrong and at most the first line of az's
// stderr, shortened.
struct AzureCliOptions {
  std::string program = "az";
  std::chrono::milliseconds timeout{30'000};
};
std::unique_ptr<TokenSource> make_azure_cli_source(AzureCliOptions options = {});

// Parses az's answer: accessToken plus expires_on (epoch seconds, az 2.54
// and later) or else expiresOn ("2026-12-03 23:59:10.000000" in local time,
// older az), converted by `local_to_epoch` (mktime when null).
using LocalTimeToEpoch = std::optional<std::int64_t> (*)(std::tm);
Result<AccessToken> parse_azure_cli_token(std::string_view json,
                                          LocalTimeToEpoch local_to_epoch = nullptr);

// The token request a managed identity sends (pure; IMDS URL construction
// is tested through this without any network).
http::ClientRequest managed_identity_request(const config::AzureOpenAiConfig& cfg);
// The Entra token endpoint URL for cfg (authority host without trailing slash).
std::string entra_token_url(const config::AzureOpenAiConfig& cfg);

// Parses a token endpoint answer: 200 with access_token and expires_in
// (number or string) or expires_on (epoch seconds, number or string).
// Errors: "llm.credential" with "token endpoint <status> <error> AADSTS<n>".
Result<AccessToken> parse_token_response(const http::ClientResponse& response,
                                         std::int64_t now_epoch_seconds);

// What the configuration selects, without secrets, for the start-up log and
// `parley doctor`: e.g. "client-secret (tenant T, client C, authority H)".
std::string describe_credential(const config::AzureOpenAiConfig& cfg);

// The credential the configuration selects. Managed identity without
// IDENTITY_ENDPOINT gets its own HTTP client that allows plain http to
// 169.254.169.254 only (no proxy); every other mode uses `http`.
std::unique_ptr<Credential> make_credential(boost::asio::io_context& io, http::HttpClient& http,
                                            const config::AzureOpenAiConfig& cfg,
                                            const Clock& clock);

}  // namespace parley::llm
