#include "auth/id_token.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>

#include "auth/errors.hpp"
#include "core/ascii.hpp"

namespace parley::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kTenantPlaceholder = "{tenantid}";

// A string claim; one holding a NUL character counts as absent (no issuer
// sends one, and PostgreSQL text could not store it).
const json::string* string_claim(const json::object& c, std::string_view key) {
  const json::value* v = c.if_contains(key);
  const json::string* s = v ? v->if_string() : nullptr;
  if (s != nullptr && std::string_view(*s).find('\0') != std::string_view::npos) return nullptr;
  return s;
}

// NumericDate (RFC 7519 §2): Entra sends integers; fractions are refused.
std::optional<std::int64_t> time_claim(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() &&
      v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 2)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Clamps so that adding or subtracting the skew can never overflow.
std::int64_t clamp_time(std::int64_t t) {
  constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 4;
  return std::clamp(t, -kLimit, kLimit);
}

}  // namespace

Result<IdentityClaims> validate_id_token_claims(const json::object& claims,
                                                const IdTokenRules& rules) {
  // Required claims and their types first: every later rule reads them.
  const json::value* exp_v = claims.if_contains("exp");
  const json::value* iat_v = claims.if_contains("iat");
  const std::optional<std::int64_t> exp = exp_v ? time_claim(*exp_v) : std::nullopt;
  const std::optional<std::int64_t> iat = iat_v ? time_claim(*iat_v) : std::nullopt;
  if (!exp) return make_error(errc::oidc::missing_claim, "exp");
  if (!iat) return make_error(errc::oidc::missing_claim, "iat");
  std::optional<std::int64_t> nbf;
  if (const json::value* nbf_v = claims.if_contains("nbf")) {
    nbf = time_claim(*nbf_v);
    if (!nbf) return make_error(errc::oidc::missing_claim, "nbf has the wrong type");
  }
  const json::string* oid = string_claim(claims, "oid");
  const json::string* tid = string_claim(claims, "tid");
  const json::string* sub = string_claim(claims, "sub");
  if (!oid || oid->empty()) return make_error(errc::oidc::missing_claim, "oid");
  if (!tid || tid->empty()) return make_error(errc::oidc::missing_claim, "tid");
  if (!sub || sub->empty()) return make_error(errc::oidc::missing_claim, "sub");

  // OIDC Core 3.1.3.7(2): the issuer must exactly match the configured one.
  const json::string* iss = string_claim(claims, "iss");
  if (!iss) return make_error(errc::oidc::issuer_mismatch, "no iss");
  const std::size_t placeholder = rules.issuer.find(kTenantPlaceholder);
  if (placeholder != std::string::npos) {
    // organizations/common: the issuer names the user's tenant, which must
    // be one we accept; then iss must be the template filled with that tid.
    if (rules.allowed_tenants.empty() || !contains(rules.allowed_tenants, *tid)) {
      return make_error(errc::oidc::tenant_not_allowed);
    }
    std::string expected = rules.issuer;
    expected.replace(placeholder, kTenantPlaceholder.size(), std::string_view(*tid));
    if (*iss != expected) return make_error(errc::oidc::issuer_mismatch);
  } else {
    if (rules.issuer.empty() || *iss != rules.issuer)
      return make_error(errc::oidc::issuer_mismatch);
    const std::string_view tenant = entra_issuer_tenant(rules.issuer);
    if (!tenant.empty() && *tid != tenant) return make_error(errc::oidc::wrong_tenant);
    if (!rules.allowed_tenants.empty() && !contains(rules.allowed_tenants, *tid)) {
      return make_error(errc::oidc::tenant_not_allowed);
    }
  }

  // OIDC Core 3.1.3.7(3): aud must contain our client_id; an audience we do
  // not trust alongside it is rejected (3.1.3.7(3), last sentence).
  if (rules.client_id.empty()) return make_error(errc::oidc::audience_mismatch, "no client id");
  const json::value* aud = claims.if_contains("aud");
  if (!aud) return make_error(errc::oidc::audience_mismatch, "no aud");
  if (const json::string* s = aud->if_string()) {
    if (*s != rules.client_id) return make_error(errc::oidc::audience_mismatch);
  } else if (const json::array* a = aud->if_array()) {
    if (a->empty()) return make_error(errc::oidc::audience_mismatch);
    for (const json::value& item : *a) {
      if (!item.is_string() || item.get_string() != rules.client_id) {
        return make_error(errc::oidc::audience_mismatch, "untrusted audience");
      }
    }
  } else {
    return make_error(errc::oidc::audience_mismatch, "aud has the wrong type");
  }
  // OIDC Core 3.1.3.7(5): azp, when present, must be our client_id.
  if (const json::value* azp = claims.if_contains("azp")) {
    if (!azp->is_string() || azp->get_string() != rules.client_id) {
      return make_error(errc::oidc::audience_mismatch, "azp");
    }
  }

  // OIDC Core 3.1.3.7(9), (10); RFC 7519 §4.1.5: time with bounded skew.
  const std::int64_t now = clamp_time(rules.now);
  const std::int64_t skew = std::clamp<std::int64_t>(rules.max_skew, 0, 3600);
  if (clamp_time(*exp) + skew <= now) return make_error(errc::oidc::expired);
  if (nbf && clamp_time(*nbf) - skew > now) return make_error(errc::oidc::not_yet_valid);
  if (clamp_time(*iat) - skew > now) return make_error(errc::oidc::issued_in_future);

  // OIDC Core 3.1.3.7(11): the nonce we sent must come back.
  const json::string* nonce = string_claim(claims, "nonce");
  if (!nonce || rules.expected_nonce.empty() ||
      !constant_time_equal(*nonce, rules.expected_nonce)) {
    return make_error(errc::oidc::nonce_mismatch);
  }

  IdentityClaims out;
  if (const json::value* roles = claims.if_contains("roles")) {
    const json::array* a = roles->if_array();
    if (!a) return make_error(errc::oidc::missing_claim, "roles is not an array");
    out.roles.reserve(a->size());
    for (const json::value& r : *a) {
      if (!r.is_string() || std::string_view(r.get_string()).find('\0') != std::string_view::npos) {
        return make_error(errc::oidc::missing_claim, "roles holds a non-string");
      }
      out.roles.emplace_back(r.get_string());
    }
  }
  out.tenant_id = std::string(*tid);
  out.object_id = std::string(*oid);
  out.subject = std::string(*sub);
  if (const json::string* email = string_claim(claims, "email"); email && !email->empty()) {
    out.email = std::string(*email);
  } else if (const json::string* upn = string_claim(claims, "preferred_username")) {
    out.email = std::string(*upn);
  }
  out.verified_email = verified_email_of(claims);
  if (const json::string* name = string_claim(claims, "name")) out.name = std::string(*name);
  out.expires_at = *exp;
  out.issuer = std::string(*iss);
  if (const json::string* sid = string_claim(claims, "sid");
      sid && is_acceptable_idp_session_id(*sid)) {
    out.idp_session_id = std::string(*sid);
  }
  return out;
}

std::string verified_email_of(const json::object& claims) {
  const json::string* iss = string_claim(claims, "iss");
  if (const json::string* idp = string_claim(claims, "idp"); idp && (!iss || *idp != *iss)) {
    return "";
  }
  const json::string* email = string_claim(claims, "email");
  if (email && email->empty()) email = nullptr;
  if (email) {
    const json::value* edov = claims.if_contains("xms_edov");
    const bool owner_verified =
        edov &&
        ((edov->is_bool() && edov->get_bool()) ||
         (edov->is_string() && (edov->get_string() == "1" || edov->get_string() == "true")));
    if (owner_verified) return std::string(*email);
  }
  const json::string* upn = string_claim(claims, "preferred_username");
  if (!upn || upn->empty() || upn->find('@') == json::string::npos) return "";
  if (email && !iequals_ascii(*email, *upn)) return "";
  return std::string(*upn);
}

bool is_trusted_issuer(std::string_view iss, std::string_view configured_issuer,
                       const std::vector<std::string>& allowed_tenants) {
  const std::size_t placeholder = configured_issuer.find(kTenantPlaceholder);
  if (placeholder == std::string_view::npos) return !iss.empty() && iss == configured_issuer;
  for (const auto& tenant : allowed_tenants) {
    std::string expected(configured_issuer);
    expected.replace(placeholder, kTenantPlaceholder.size(), tenant);
    if (iss == expected) return true;
  }
  return false;
}

std::string_view entra_issuer_tenant(std::string_view issuer) {
  const std::size_t scheme = issuer.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::size_t path = issuer.find('/', scheme + 3);
  if (path == std::string_view::npos) return {};
  std::string_view rest = issuer.substr(path + 1);
  constexpr std::string_view kSuffix = "/v2.0";
  if (!rest.ends_with(kSuffix)) return {};
  rest.remove_suffix(kSuffix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return {};
  return rest;
}

bool is_acceptable_idp_session_id(std::string_view sid) {
  if (sid.empty() || sid.size() > kMaxIdpSessionIdSize) return false;
  // Entra's are GUIDs; allow the URL-safe token characters other IdPs use.
  return std::all_of(sid.begin(), sid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
  });
}

}  // namespace parley::auth
