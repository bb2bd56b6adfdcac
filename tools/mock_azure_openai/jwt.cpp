#include "jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

namespace mock_aoai {

namespace json = boost::json;

namespace {

bool b64url_decode(std::string_view in, std::string& out) {
  out.clear();
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (c == '=') break;
    if (v < 0) return false;
    buf = (buf << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  return true;
}

Pkey rsa_from_jwk(const std::string& n_b64, const std::string& e_b64) {
  std::string n, e;
  if (!b64url_decode(n_b64, n) || !b64url_decode(e_b64, e) || n.empty() || e.empty()) return {};
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  if (bn_n && bn_e && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) > 0) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return Pkey(pkey, PkeyFree{});
}

std::optional<json::object> decode_part(std::string_view part) {
  std::string raw;
  if (!b64url_decode(part, raw)) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::optional<std::int64_t> int_claim(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return std::nullopt;
}

}  // namespace

bool Jwks::load(std::string_view json_text) {
  boost::system::error_code ec;
  auto v = json::parse(json_text, ec);
  if (ec || !v.is_object()) return false;
  const auto* keys = v.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return false;
  std::map<std::string, Pkey> loaded;
  for (const auto& k : keys->get_array()) {
    const auto* ko = k.if_object();
    if (ko == nullptr) continue;
    auto str = [&](const char* name) -> std::string {
      const auto* s = ko->if_contains(name);
      return s && s->is_string() ? std::string(s->get_string()) : std::string();
    };
    if (str("kty") != "RSA" || str("kid").empty()) continue;
    if (auto key = rsa_from_jwk(str("n"), str("e"))) loaded[str("kid")] = std::move(key);
  }
  if (loaded.empty()) return false;
  keys_ = std::move(loaded);
  return true;
}

EVP_PKEY* Jwks::find(const std::string& kid) const {
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

std::optional<std::string> jwt_kid(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto header = decode_part(token.substr(0, dot));
  if (!header) return std::nullopt;
  const auto* kid = header->if_contains("kid");
  if (kid == nullptr || !kid->is_string()) return std::nullopt;
  return std::string(kid->get_string());
}

std::string verify_jwt(std::string_view token, const Jwks& jwks, std::string_view audience,
                       std::int64_t now) {
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return "not a compact JWS";
  }
  const auto header = decode_part(token.substr(0, d1));
  const auto payload = decode_part(token.substr(d1 + 1, d2 - d1 - 1));
  if (!header || !payload) return "undecodable header or payload";
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "RS256") return "alg not RS256";
  const auto kid = jwt_kid(token);
  EVP_PKEY* key = kid ? jwks.find(*kid) : nullptr;
  if (key == nullptr) return "unknown kid";
  std::string sig;
  if (!b64url_decode(token.substr(d2 + 1), sig)) return "bad signature encoding";
  const std::string_view signed_part = token.substr(0, d2);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok =
      md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return "bad signature";

  bool aud_ok = false;
  if (const auto* aud = payload->if_contains("aud")) {
    if (aud->is_string()) aud_ok = aud->get_string() == audience;
    if (aud->is_array()) {
      for (const auto& a : aud->get_array())
        aud_ok = aud_ok || (a.is_string() && a.get_string() == audience);
    }
  }
  if (!aud_ok) return "wrong audience";
  const auto exp = int_claim(*payload, "exp");
  if (!exp || *exp <= now) return "expired";
  if (const auto nbf = int_claim(*payload, "nbf"); nbf && *nbf > now + 300) return "not yet valid";
  const auto* iss = payload->if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->get_string().empty()) return "no issuer";
  return {};
}

}  // namespace mock_aoai
