#include "auth/access_token.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "auth/errors.hpp"
#include "auth/id_token.hpp"
#include "core/ascii.hpp"

namespace parley::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kTenantPlaceholder = "{tenantid}";

// A string claim; one holding a NUL counts as absent (as for ID tokens).
const json::string* string_claim(const json::object& c, std::string_view key) {
  const json::value* v = c.if_contains(key);
  const json::string* s = v ? v->if_string() : nullptr;
  if (s != nullptr && std::string_view(*s).find('\0') != std::string_view::npos) return nullptr;
  return s;
}

std::string_view sv(const json::string* s) { return s ? std::string_view(*s) : std::string_view(); }

// NumericDate (RFC 7519 §2): integers only, clamped so that adding or
// subtracting the skew cannot overflow.
std::optional<std::int64_t> time_claim(const json::value& v) {
  constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 4;
  if (v.is_int64()) return std::clamp(v.get_int64(), -kLimit, kLimit);
  if (v.is_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v.get_uint64(), kLimit));
  return std::nullopt;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Splits `scp` ("Chat User.Read") on spaces.
std::vector<std::string> split_scopes(std::string_view scp) {
  std::vector<std::string> out;
  while (!scp.empty()) {
    const std::size_t space = scp.find(' ');
    const std::string_view item = scp.substr(0, space);
    if (!item.empty()) out.emplace_back(item);
    if (space == std::string_view::npos) break;
    scp.remove_prefix(space + 1);
  }
  return out;
}

Result<std::vector<std::string>> roles_claim(const json::object& claims) {
  std::vector<std::string> out;
  const json::value* roles = claims.if_contains("roles");
  if (roles == nullptr) return out;
  const json::array* a = roles->if_array();
  if (a == nullptr) return make_error(errc::bearer::missing_claim, "roles is not an array");
  out.reserve(a->size());
  for (const json::value& r : *a) {
    const json::string* s = r.if_string();
    if (s == nullptr || std::string_view(*s).find('\0') != std::string_view::npos) {
      return make_error(errc::bearer::missing_claim, "roles holds a non-string");
    }
    out.emplace_back(*s);
  }
  return out;
}

// The tenant rule shared with sign-in: a template issuer accepts the allowed
// tenants; an exact one its own tenant (further restricted by the list).
bool tenant_allowed(std::string_view tid, const AccessTokenRules& rules) {
  if (rules.issuer.find(kTenantPlaceholder) != std::string::npos) {
    return contains(rules.allowed_tenants, tid);
  }
  const std::string_view own = entra_issuer_tenant(rules.issuer);
  if (!own.empty() && tid != own) return false;
  return rules.allowed_tenants.empty() || contains(rules.allowed_tenants, tid);
}

std::string expected_issuer(std::string_view tid, bool v1, const AccessTokenRules& rules) {
  // v1.0 tokens (accessTokenAcceptedVersion 1) come from the STS endpoint.
  if (v1) return "https://sts.windows.net/" + std::string(tid) + "/";
  std::string expected = rules.issuer;
  if (const std::size_t at = expected.find(kTenantPlaceholder); at != std::string::npos) {
    expected.replace(at, kTenantPlaceholder.size(), tid);
  }
  return expected;
}

Status check_audience(const json::object& claims, const AccessTokenRules& rules) {
  const json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) return make_error(errc::bearer::audience_mismatch, "no aud");
  if (const json::string* s = aud->if_string()) {
    if (!contains(rules.audiences, *s)) {
      return make_error(errc::bearer::audience_mismatch, std::string(s->subview().substr(0, 128)));
    }
    return {};
  }
  const json::array* a = aud->if_array();
  if (a == nullptr || a->empty()) return make_error(errc::bearer::audience_mismatch, "aud type");
  for (const json::value& item : *a) {
    if (!item.is_string() || !contains(rules.audiences, item.get_string())) {
      return make_error(errc::bearer::audience_mismatch, "an untrusted audience in the array");
    }
  }
  return {};
}

Status check_times(const json::object& claims, const AccessTokenRules& rules, std::int64_t now,
                   std::int64_t& exp_out) {
  const json::value* exp_v = claims.if_contains("exp");
  const std::optional<std::int64_t> exp = exp_v ? time_claim(*exp_v) : std::nullopt;
  if (!exp) return make_error(errc::bearer::missing_claim, "exp");
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
  if (const json::value* v = claims.if_contains("nbf")) {
    if (!(nbf = time_claim(*v))) return make_error(errc::bearer::missing_claim, "nbf type");
  }
  if (const json::value* v = claims.if_contains("iat")) {
    if (!(iat = time_claim(*v))) return make_error(errc::bearer::missing_claim, "iat type");
  }
  const std::int64_t skew = std::clamp<std::int64_t>(rules.max_skew, 0, 3600);
  now = std::clamp(now, std::numeric_limits<std::int64_t>::min() / 4,
                   std::numeric_limits<std::int64_t>::max() / 4);
  // RFC 7519 §4.1.4, §4.1.5, with bounded clock skew.
  if (*exp + skew <= now) return make_error(errc::bearer::expired);
  if (nbf && *nbf - skew > now) return make_error(errc::bearer::not_yet_valid, "nbf");
  if (iat && *iat - skew > now) return make_error(errc::bearer::not_yet_valid, "iat");
  exp_out = *exp;
  return {};
}

}  // namespace

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !iequals_ascii(authorization.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  // RFC 6750 b64token: no inner spaces or commas (one token, not a list).
  if (token.find_first_of(" ,\t") != std::string_view::npos) return {};
  return token;
}

std::vector<std::string> default_api_audiences(std::string_view client_id) {
  return {"api://" + std::string(client_id), std::string(client_id)};
}

Result<Caller> validate_access_token_claims(const json::object& claims,
                                            const AccessTokenRules& rules, std::int64_t now) {
  const std::string_view ver = sv(string_claim(claims, "ver"));
  if (ver != "1.0" && ver != "2.0") return make_error(errc::bearer::missing_claim, "ver");
  const bool v1 = ver == "1.0";
  const std::string_view tid = sv(string_claim(claims, "tid"));
  const std::string_view oid = sv(string_claim(claims, "oid"));
  const std::string_view sub = sv(string_claim(claims, "sub"));
  if (tid.empty()) return make_error(errc::bearer::missing_claim, "tid");
  if (oid.empty()) return make_error(errc::bearer::missing_claim, "oid");
  if (sub.empty()) return make_error(errc::bearer::missing_claim, "sub");
  const json::value* scp_v = claims.if_contains("scp");
  if (scp_v != nullptr && !scp_v->is_string())
    return make_error(errc::bearer::missing_claim, "scp");
  const bool delegated = scp_v != nullptr;

  // Not an access token (see the header): Entra puts a nonce only in ID
  // tokens and names the client app only in access tokens.
  if (claims.contains("nonce")) return make_error(errc::bearer::id_token, "nonce");
  const std::string_view app_id = sv(string_claim(claims, v1 ? "appid" : "azp"));
  if (app_id.empty()) return make_error(errc::bearer::id_token, v1 ? "no appid" : "no azp");
  const std::string_view idtyp = sv(string_claim(claims, "idtyp"));
  if (delegated ? !(idtyp.empty() || idtyp == "user")
                : !((idtyp.empty() || idtyp == "app") && sub == oid)) {
    return make_error(errc::bearer::id_token, delegated ? "idtyp" : "no scp, not app-only");
  }

  // Microsoft's claims-validation guidance: the tenant first, then iss.
  if (!tenant_allowed(tid, rules)) {
    return make_error(errc::bearer::tenant_not_allowed, std::string(tid.substr(0, 64)));
  }
  const std::string_view iss = sv(string_claim(claims, "iss"));
  if (iss.empty() || iss != expected_issuer(tid, v1, rules)) {
    return make_error(errc::bearer::issuer_mismatch, std::string(iss.substr(0, 128)));
  }
  if (auto st = check_audience(claims, rules); !st) return st.error();
  std::int64_t exp = 0;
  if (auto st = check_times(claims, rules, now, exp); !st) return st.error();
  auto roles = roles_claim(claims);
  if (!roles) return roles.error();

  if (!delegated) {
    if (rules.api_role.empty() || !contains(*roles, rules.api_role)) {
      return make_public_error(errc::bearer::role_missing,
                               "The application lacks the app role " + rules.api_role + ".");
    }
    ApplicationCaller app;
    app.tenant_id = std::string(tid);
    app.app_id = std::string(app_id);
    app.object_id = std::string(oid);
    app.roles = std::move(*roles);
    app.expires_at = exp;
    return Caller(std::move(app));
  }
  std::vector<std::string> scopes = split_scopes(scp_v->get_string());
  if (rules.api_scope.empty() || !contains(scopes, rules.api_scope)) {
    return make_public_error(errc::bearer::scope_missing,
                             "The access token lacks the scope " + rules.api_scope + ".");
  }
  DelegatedUserCaller user;
  user.tenant_id = std::string(tid);
  user.object_id = std::string(oid);
  user.subject = std::string(sub);
  user.name = std::string(sv(string_claim(claims, "name")));
  for (const char* key : {"email", "preferred_username", "upn"}) {
    if (const std::string_view v = sv(string_claim(claims, key)); !v.empty()) {
      user.email = std::string(v);
      break;
    }
  }
  user.client_app_id = std::string(app_id);
  user.roles = std::move(*roles);
  user.scopes = std::move(scopes);
  user.expires_at = exp;
  return Caller(std::move(user));
}

Result<Caller> validate_access_token(std::string_view compact, const jose::Jwks& keys,
                                     const AccessTokenRules& rules, std::int64_t now,
                                     AccessTokenCache* cache) {
  AccessTokenCache::Digest digest{};
  if (cache != nullptr) {
    digest = AccessTokenCache::digest(compact);
    if (const Caller* hit = cache->find(digest, keys, now)) return *hit;
  }
  auto jws = jose::parse_compact(compact);
  if (!jws) return make_error(errc::bearer::malformed, jws.error().detail);
  auto claims = jose::verify(*jws, keys);
  if (!claims) {
    const Error& e = claims.error();
    if (e.is(errc::jose::unknown_kid)) return make_error(errc::bearer::unknown_kid, e.detail);
    if (e.is(errc::jose::bad_signature)) return make_error(errc::bearer::bad_signature, e.detail);
    if (e.is(errc::jose::alg_not_allowed)) {
      return make_error(errc::bearer::alg_not_allowed, e.detail.substr(0, 16));
    }
    return make_error(errc::bearer::malformed, std::string(e.code));  // crit, no kid
  }
  auto caller = validate_access_token_claims(*claims, rules, now);
  if (caller && cache != nullptr) {
    const std::string_view kid = jws->header.at("kid").get_string();  // verify() checked it
    AccessTokenCache::Entry entry;
    entry.caller = *caller;
    entry.kid = std::string(kid);
    entry.key = *keys.find(kid);
    entry.valid_until = std::visit([](const auto& c) { return c.expires_at; }, *caller) +
                        std::clamp<std::int64_t>(rules.max_skew, 0, 3600);
    cache->insert(digest, std::move(entry), now);
  }
  return caller;
}

AccessTokenCache::Digest AccessTokenCache::digest(std::string_view compact) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(compact.data()), compact.size(), out.data());
  return out;
}

std::size_t AccessTokenCache::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 prefix is already uniform
  return h;
}

const Caller* AccessTokenCache::find(const Digest& digest, const jose::Jwks& keys,
                                     std::int64_t now) {
  const auto it = entries_.find(digest);
  if (it == entries_.end()) return nullptr;
  const jose::RsaPublicKey* key = keys.find(it->second.kid);
  // The key that verified the token must still be the one under its kid: a
  // key the IdP retired (or replaced) takes its tokens with it.
  if (now >= it->second.valid_until || key == nullptr || key->get() != it->second.key.get()) {
    entries_.erase(it);
    return nullptr;
  }
  return &it->second.caller;
}

void AccessTokenCache::insert(const Digest& digest, Entry entry, std::int64_t now) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [now](const auto& kv) { return now >= kv.second.valid_until; });
    while (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(digest, std::move(entry));
}

}  // namespace parley::auth
