#include "auth/bearer.hpp"

#include "auth/errors.hpp"

namespace parley::auth {

BearerVerifier::BearerVerifier(OidcClient& oidc, const Clock& clock, AccessTokenRules rules,
                               std::size_t cache_capacity)
    : oidc_(oidc), clock_(clock), rules_(std::move(rules)), cache_(cache_capacity) {}

boost::asio::awaitable<Result<Caller>> BearerVerifier::verify(std::string token) {
  if (token.empty()) co_return make_error(errc::bearer::missing);
  auto keys = co_await oidc_.signing_keys();
  if (!keys) co_return keys.error();
  auto caller = validate_access_token(token, **keys, rules_, clock_.now_seconds(), &cache_);
  if (!caller && caller.error().is(errc::bearer::unknown_kid)) {
    // Entra rolls keys without notice; a kid we lack may be new.
    const bool refreshed = co_await oidc_.refresh_for_unknown_kid();
    if (refreshed) {
      keys = co_await oidc_.signing_keys();
      if (!keys) co_return keys.error();
      caller = validate_access_token(token, **keys, rules_, clock_.now_seconds(), &cache_);
    }
  }
  co_return caller;
}

}  // namespace parley::auth
