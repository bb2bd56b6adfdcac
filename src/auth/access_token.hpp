#pragma once
// Access-token rules for the service API (/v1; DESIGN.md "Service API"):
// Microsoft Entra access tokens presented as `Authorization: Bearer`, either
// app-only (client credentials: the caller is an application) or delegated
// (the caller is a user, through a client app). Pure: no I/O, `now` is an
// input; the keys come from the same JWKS cache as ID tokens (OidcClient).
//
// How an ID token is told apart from an access token (docs/decisions/
// 0014-service-api.md): Entra access tokens always name the client app
// (`azp` in v2.0, `appid` in v1.0) and never carry a `nonce` claim; ID tokens
// have no `azp`/`appid` and carry the nonce the relying party sent. An
// app-only token has no `scp`, and its subject is the service principal
// (`sub` == `oid`, `idtyp` "app" when that optional claim is on); a token
// with neither `scp` nor that shape is an ID token (a user's ID token may
// hold app roles, so `roles` alone proves nothing).

#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "auth/jose.hpp"
#include "core/result.hpp"

namespace parley::auth {

struct AccessTokenRules {
  // AUTH_MICROSOFT_ENTRA_ID_ISSUER: the exact v2.0 issuer
  // ("https://login.microsoftonline.com/<tenant>/v2.0") or a "{tenantid}"
  // template with `allowed_tenants`. A v1.0 token's issuer must be
  // "https://sts.windows.net/<tid>/" for the same tenants.
  std::string issuer;
  std::vector<std::string> allowed_tenants;
  // PARLEY_API_AUDIENCE (default_api_audiences() when unset).
  std::vector<std::string> audiences;
  std::string api_role = "Parley.Api";  // PARLEY_API_ROLE, for app-only tokens
  std::string api_scope = "Chat";       // PARLEY_API_SCOPE, for delegated tokens
  std::int64_t max_skew = 300;          // seconds, for exp/nbf/iat
};

// `api://<client id>` (v1.0 tokens carry the App ID URI) and the client id
// itself (v2.0 tokens carry the GUID).
std::vector<std::string> default_api_audiences(std::string_view client_id);

// The token of an `Authorization` header value: "Bearer <token>" (scheme
// case-insensitive, RFC 6750 §2.1). Empty when absent or another scheme.
std::string_view bearer_token(std::string_view authorization);

// A calling application (client credentials).
struct ApplicationCaller {
  std::string tenant_id;           // tid
  std::string app_id;              // azp (v2.0) or appid (v1.0): the client id
  std::string object_id;           // oid: the service principal
  std::vector<std::string> roles;  // app roles granted to the application
  std::int64_t expires_at = 0;     // exp
};

// A user, through a client application (delegated permission).
struct DelegatedUserCaller {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string subject;    // sub
  std::string name;       // may be empty
  // email, else preferred_username (v2.0), else upn (v1.0), else empty.
  std::string email;
  std::string client_app_id;  // azp / appid: the app acting for the user
  std::vector<std::string> roles;
  std::vector<std::string> scopes;  // scp, split on spaces
  std::int64_t expires_at = 0;
};

using Caller = std::variant<ApplicationCaller, DelegatedUserCaller>;

// Claim rules, after the signature was verified. Codes, in the order checked:
//  bearer.missing_claim      ver not "1.0"/"2.0"; exp, tid, oid or sub absent
//                            or of the wrong type (nbf/iat/scp/roles too)
//  bearer.id_token           a nonce claim, no azp (v2.0) / appid (v1.0), or
//                            no scp and not the app-only shape
//  bearer.tenant_not_allowed tid not the issuer's tenant / not allowed
//  bearer.issuer_mismatch    iss not the expected issuer for tid and ver
//  bearer.audience_mismatch  aud not one of rules.audiences (an array must
//                            hold only allowed audiences)
//  bearer.expired            exp + max_skew <= now
//  bearer.not_yet_valid      nbf - max_skew > now, or iat - max_skew > now
//  bearer.role_missing (403) app-only without rules.api_role in roles
//  bearer.scope_missing (403) delegated without rules.api_scope in scp
Result<Caller> validate_access_token_claims(const boost::json::object& claims,
                                            const AccessTokenRules& rules, std::int64_t now);

class AccessTokenCache;

// The whole check of a compact JWS: parse, RS256 with the kid's key from
// `keys`, then the claim rules above. JOSE failures become bearer.malformed,
// bearer.alg_not_allowed (none, HS256, RS384...: the header's alg is never
// trusted), bearer.unknown_kid (the caller may refresh the JWKS once, rate
// limited, and retry), bearer.bad_signature (also another key under a known
// kid). With `cache`, a token already accepted is answered from it without
// the RSA work (while its kid still maps to the same key and it has not
// expired); only accepted tokens are stored.
Result<Caller> validate_access_token(std::string_view compact, const jose::Jwks& keys,
                                     const AccessTokenRules& rules, std::int64_t now,
                                     AccessTokenCache* cache = nullptr);

// Accepted tokens by SHA-256 of their text, until exp + skew. Bounded: when
// full, expired entries go first, then arbitrary ones. Not thread-safe: one
// per strand (the OidcClient's).
class AccessTokenCache {
 public:
  using Digest = std::array<unsigned char, 32>;

  explicit AccessTokenCache(std::size_t capacity = 4096) : capacity_(capacity) {}

  struct Entry {
    Caller caller;
    std::string kid;
    jose::RsaPublicKey key;  // the key that verified it (held, so never reused)
    std::int64_t valid_until = 0;
  };

  // nullptr on a miss, once expired, or when `kid` no longer maps to the key.
  const Caller* find(const Digest& digest, const jose::Jwks& keys, std::int64_t now);
  void insert(const Digest& digest, Entry entry, std::int64_t now);
  std::size_t size() const { return entries_.size(); }

  // SHA-256 of the token, the cache key.
  static Digest digest(std::string_view compact);

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  std::size_t capacity_;
  std::unordered_map<Digest, Entry, DigestHash> entries_;
};

}  // namespace parley::auth
