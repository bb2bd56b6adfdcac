#pragma once
// ID token claim rules: OpenID Connect Core 1.0 §3.1.3.7 plus Microsoft
// Entra ID specifics (tid/oid identity, {tenantid} issuer templates for
// organizations/common). Runs after jose::verify(); pure, `now` is an input.

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::auth {

struct IdTokenRules {
  // Exact issuer ("https://login.microsoftonline.com/<tenant>/v2.0"), or a
  // template containing "{tenantid}" (organizations/common discovery).
  std::string issuer;
  // Required when `issuer` is a template; when set with an exact issuer it
  // restricts tid too.
  std::vector<std::string> allowed_tenants;
  std::string client_id;
  std::string expected_nonce;
  std::int64_t now = 0;
  std::int64_t max_skew = 300;
};

struct IdentityClaims {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string subject;    // sub
  std::string email;      // email, else preferred_username, else empty
  // The email the tenant vouches for (verified_email_of), else empty.
  std::string verified_email;
  std::string name;                // may be empty
  std::vector<std::string> roles;  // app roles; empty when absent
  std::int64_t expires_at = 0;     // exp
  // The identity provider's session (OpenID Front-Channel Logout 1.0 §3:
  // the `sid` claim) and the token's issuer: the front-channel logout of
  // that IdP session ends the Parley sessions made from it. Empty when the
  // token has no (usable) sid — Entra sends it as an optional ID-token claim.
  std::string idp_session_id;
  std::string issuer;
};

// Longest `sid` kept; longer or oddly shaped ones are ignored (no front-channel
// logout for that session) rather than refusing the sign-in.
inline constexpr std::size_t kMaxIdpSessionIdSize = 128;
bool is_acceptable_idp_session_id(std::string_view sid);

// True when `iss` is an issuer this relying party trusts: exactly the
// configured one, or a "{tenantid}" template filled with an allowed tenant.
bool is_trusted_issuer(std::string_view iss, std::string_view configured_issuer,
                       const std::vector<std::string>& allowed_tenants);

// The token's email when its tenant vouches for it, else empty: the
// `email` claim with `xms_edov` (email domain owner verified) true, or the
// user principal name (`preferred_username`, on one of the tenant's
// verified domains) when `email` is absent or the same. Never for a guest
// (an `idp` claim naming another identity provider than `iss`): a guest's
// UPN belongs to their home tenant. Entra lets users set `email` freely in
// some tenants, so an unverified one must not take over anyone's data.
std::string verified_email_of(const boost::json::object& claims);

// The tenant of an Entra issuer "https://host/<tenant>/v2.0"; empty for
// issuers of another shape (then there is nothing to compare tid with).
std::string_view entra_issuer_tenant(std::string_view issuer);

// Codes:
//  oidc.missing_claim      exp, iat, oid, tid or sub absent or of the wrong
//                          JSON type (also nbf, roles of the wrong type)
//  oidc.issuer_mismatch    iss absent or not the configured issuer (a v1
//                          issuer https://sts.windows.net/{tid}/ included)
//  oidc.tenant_not_allowed template issuer (or allowed_tenants set) and tid
//                          not in allowed_tenants
//  oidc.wrong_tenant       exact single-tenant issuer but tid is another tenant
//  oidc.audience_mismatch  aud is not the client id (an array must contain
//                          only the client id), azp present and not the client id
//  oidc.expired            exp + max_skew <= now
//  oidc.not_yet_valid      nbf - max_skew > now
//  oidc.issued_in_future   iat - max_skew > now
//  oidc.nonce_mismatch     nonce absent or different (constant-time)
Result<IdentityClaims> validate_id_token_claims(const boost::json::object& claims,
                                                const IdTokenRules& rules);

}  // namespace parley::auth
