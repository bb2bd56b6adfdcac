#pragma once
// The service API's bearer check (/v1): access_token.hpp's rules over the
// OidcClient's cached JWKS, with the accepted-token cache and one
// rate-limited JWKS refresh when a token names an unknown kid.
//
// Strand affinity: the OidcClient's (the server's io_context thread); the
// cache needs no lock.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "auth/access_token.hpp"
#include "auth/oidc_client.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace parley::auth {

class BearerVerifier {
 public:
  BearerVerifier(OidcClient& oidc, const Clock& clock, AccessTokenRules rules,
                 std::size_t cache_capacity = 4096);

  // The caller a bearer token stands for. Codes: bearer.* (401/403, see
  // validate_access_token), oidc.jwks_unavailable (503: no keys yet).
  boost::asio::awaitable<Result<Caller>> verify(std::string token);

  const AccessTokenRules& rules() const { return rules_; }
  std::size_t cached_tokens() const { return cache_.size(); }

 private:
  OidcClient& oidc_;
  const Clock& clock_;
  AccessTokenRules rules_;
  AccessTokenCache cache_;
};

}  // namespace parley::auth
