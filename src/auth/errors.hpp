#pragma once
// Error codes of the auth module: JOSE, OIDC sign-in, sealing, sessions.

#include "core/result.hpp"

namespace parley::errc {

// Bearer access tokens on the service API (/v1; auth/access_token.hpp).
// Every 401 shares the public code "invalid_token" (RFC 6750 §3.1) and says
// which rule failed: the reasons are about the token the caller sent, not
// secrets. 403s say which role or scope is missing (make_public_error).
namespace bearer {
inline constexpr std::string_view kInvalidToken = "invalid_token";
inline constexpr std::string_view kInsufficientScope = "insufficient_scope";
inline constexpr ErrorCode missing{Kind::unauthorized, "bearer.missing", kInvalidToken,
                                   "An Authorization: Bearer access token is required."};
inline constexpr ErrorCode malformed{Kind::unauthorized, "bearer.malformed", kInvalidToken,
                                     "The access token is malformed."};
inline constexpr ErrorCode alg_not_allowed{Kind::unauthorized, "bearer.alg_not_allowed",
                                           kInvalidToken,
                                           "The access token must be signed with RS256."};
inline constexpr ErrorCode unknown_kid{Kind::unauthorized, "bearer.unknown_kid", kInvalidToken,
                                       "The access token's signing key is unknown."};
inline constexpr ErrorCode bad_signature{Kind::unauthorized, "bearer.bad_signature", kInvalidToken,
                                         "The access token's signature is not valid."};
inline constexpr ErrorCode missing_claim{Kind::unauthorized, "bearer.missing_claim", kInvalidToken,
                                         "The access token lacks a required claim."};
inline constexpr ErrorCode id_token{Kind::unauthorized, "bearer.id_token", kInvalidToken,
                                    "An ID token is not an access token."};
inline constexpr ErrorCode audience_mismatch{Kind::unauthorized, "bearer.audience_mismatch",
                                             kInvalidToken,
                                             "The access token is for another audience."};
inline constexpr ErrorCode issuer_mismatch{Kind::unauthorized, "bearer.issuer_mismatch",
                                           kInvalidToken,
                                           "The access token's issuer is not accepted."};
inline constexpr ErrorCode tenant_not_allowed{Kind::unauthorized, "bearer.tenant_not_allowed",
                                              kInvalidToken,
                                              "The access token's tenant is not accepted."};
inline constexpr ErrorCode expired{Kind::unauthorized, "bearer.expired", kInvalidToken,
                                   "The access token has expired."};
inline constexpr ErrorCode not_yet_valid{Kind::unauthorized, "bearer.not_yet_valid", kInvalidToken,
                                         "The access token is not yet valid."};
inline constexpr ErrorCode role_missing{Kind::forbidden, "bearer.role_missing", kInsufficientScope,
                                        "The application lacks the API's app role."};
inline constexpr ErrorCode scope_missing{Kind::forbidden, "bearer.scope_missing",
                                         kInsufficientScope,
                                         "The access token lacks the API's scope."};
}  // namespace bearer

namespace jose {
inline constexpr ErrorCode alg_not_allowed{Kind::unauthorized, "jose.alg_not_allowed"};
inline constexpr ErrorCode bad_signature{Kind::unauthorized, "jose.bad_signature"};
inline constexpr ErrorCode crit_unsupported{Kind::unauthorized, "jose.crit_unsupported"};
inline constexpr ErrorCode jwks_invalid{Kind::unavailable, "jose.jwks_invalid"};
inline constexpr ErrorCode malformed{Kind::unauthorized, "jose.malformed"};
inline constexpr ErrorCode missing_kid{Kind::unauthorized, "jose.missing_kid"};
inline constexpr ErrorCode unknown_kid{Kind::unauthorized, "jose.unknown_kid"};
}  // namespace jose

namespace oidc {
inline constexpr ErrorCode access_denied{Kind::forbidden, "oidc.access_denied"};
inline constexpr ErrorCode audience_mismatch{Kind::unauthorized, "oidc.audience_mismatch"};
// The federated token file (client assertion) cannot be read.
inline constexpr ErrorCode client_assertion_unavailable{Kind::unavailable,
                                                        "oidc.client_assertion_unavailable"};
inline constexpr ErrorCode discovery_failed{Kind::unavailable, "oidc.discovery_failed"};
inline constexpr ErrorCode discovery_invalid{Kind::unavailable, "oidc.discovery_invalid"};
inline constexpr ErrorCode expired{Kind::unauthorized, "oidc.expired"};
inline constexpr ErrorCode issued_in_future{Kind::unauthorized, "oidc.issued_in_future"};
inline constexpr ErrorCode issuer_mismatch{Kind::unauthorized, "oidc.issuer_mismatch"};
inline constexpr ErrorCode jwks_unavailable{Kind::unavailable, "oidc.jwks_unavailable"};
inline constexpr ErrorCode missing_claim{Kind::unauthorized, "oidc.missing_claim"};
inline constexpr ErrorCode missing_code{Kind::bad_request, "oidc.missing_code"};
inline constexpr ErrorCode missing_id_token{Kind::unauthorized, "oidc.missing_id_token"};
inline constexpr ErrorCode nonce_mismatch{Kind::unauthorized, "oidc.nonce_mismatch"};
inline constexpr ErrorCode not_yet_valid{Kind::unauthorized, "oidc.not_yet_valid"};
inline constexpr ErrorCode provider_error{Kind::unauthorized, "oidc.provider_error"};
inline constexpr ErrorCode replayed_callback{Kind::bad_request, "oidc.replayed_callback"};
inline constexpr ErrorCode state_mismatch{Kind::bad_request, "oidc.state_mismatch"};
inline constexpr ErrorCode tenant_not_allowed{Kind::forbidden, "oidc.tenant_not_allowed"};
inline constexpr ErrorCode throttled{Kind::rate_limited, "oidc.throttled"};
inline constexpr ErrorCode token_endpoint_failed{Kind::unavailable, "oidc.token_endpoint_failed"};
inline constexpr ErrorCode token_error{Kind::unauthorized, "oidc.token_error"};
inline constexpr ErrorCode transaction_expired{Kind::bad_request, "oidc.transaction_expired"};
inline constexpr ErrorCode transaction_invalid{Kind::bad_request, "oidc.transaction_invalid"};
inline constexpr ErrorCode transaction_missing{Kind::bad_request, "oidc.transaction_missing"};
inline constexpr ErrorCode user_disabled{Kind::forbidden, "oidc.user_disabled"};
inline constexpr ErrorCode wrong_tenant{Kind::forbidden, "oidc.wrong_tenant"};
}  // namespace oidc

namespace seal {
inline constexpr ErrorCode bad_tag{Kind::unauthorized, "seal.bad_tag"};
inline constexpr ErrorCode malformed{Kind::unauthorized, "seal.malformed"};
inline constexpr ErrorCode unknown_key{Kind::unauthorized, "seal.unknown_key"};
}  // namespace seal

namespace session {
inline constexpr ErrorCode bad_seal{Kind::unauthorized, "session.bad_seal"};
inline constexpr ErrorCode expired{Kind::unauthorized, "session.expired"};
inline constexpr ErrorCode malformed{Kind::unauthorized, "session.malformed"};
}  // namespace session

namespace uuid {
inline constexpr ErrorCode invalid{Kind::bad_request, "uuid.invalid"};
}  // namespace uuid

}  // namespace parley::errc
