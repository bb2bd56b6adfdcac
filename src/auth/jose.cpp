#include "auth/jose.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "core/base64url.hpp"
#include "auth/errors.hpp"

namespace parley::auth::jose {

namespace json = boost::json;

namespace {

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

BIGNUM* to_bn(std::string_view bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

const json::string* string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// Counts the values in `v` (itself included), stopping once past `limit`.
std::size_t count_values(const json::value& v, std::size_t limit) {
  std::size_t n = 1;
  if (const json::object* o = v.if_object()) {
    for (const auto& member : *o) {
      if (n > limit) break;
      n += count_values(member.value(), limit - n);
    }
  } else if (const json::array* a = v.if_array()) {
    for (const json::value& item : *a) {
      if (n > limit) break;
      n += count_values(item, limit - n);
    }
  }
  return n;
}

Result<json::object> decode_json_object(std::string_view segment, const char* what) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return make_error(errc::jose::malformed, std::string(what) + " is not base64url");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  json::value v = json::parse(*bytes, ec, {}, opts);
  if (ec) return make_error(errc::jose::malformed, std::string(what) + " is not JSON");
  if (!v.is_object()) return make_error(errc::jose::malformed, std::string(what) + " is not an object");
  if (count_values(v, kMaxJsonValues) > kMaxJsonValues) {
    return make_error(errc::jose::malformed, std::string(what) + " holds too many values");
  }
  return std::move(v.get_object());
}

// Why a JWKS entry was skipped, for the error detail (kids are public).
void note(std::string& out, std::string_view kid, std::string_view why) {
  out.push_back(' ');
  out.append(kid.substr(0, 64));
  out.push_back(':');
  out.append(why);
}

}  // namespace

RsaPublicKey::RsaPublicKey(const RsaPublicKey& other) noexcept : pkey_(other.pkey_) {
  if (pkey_) EVP_PKEY_up_ref(pkey_);
}

RsaPublicKey& RsaPublicKey::operator=(const RsaPublicKey& other) noexcept {
  if (this != &other) {
    if (other.pkey_) EVP_PKEY_up_ref(other.pkey_);
    EVP_PKEY_free(pkey_);
    pkey_ = other.pkey_;
  }
  return *this;
}

RsaPublicKey& RsaPublicKey::operator=(RsaPublicKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(other.pkey_, nullptr);
  }
  return *this;
}

RsaPublicKey::~RsaPublicKey() { EVP_PKEY_free(pkey_); }

int RsaPublicKey::bits() const noexcept { return pkey_ ? EVP_PKEY_get_bits(pkey_) : 0; }

Result<RsaPublicKey> RsaPublicKey::from_components(std::string_view n, std::string_view e) {
  std::unique_ptr<BIGNUM, BnFree> bn_n(to_bn(n));
  std::unique_ptr<BIGNUM, BnFree> bn_e(to_bn(e));
  if (!bn_n || !bn_e) return make_error(errc::jose::jwks_invalid, "bad RSA components");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return make_error(errc::jose::jwks_invalid, "RSA modulus of " + std::to_string(bits) + " bits");
  }
  // A public exponent is odd, at least 3 and (in practice) at most 64 bits.
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > 64) {
    return make_error(errc::jose::jwks_invalid, "bad RSA exponent");
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return make_error(errc::jose::jwks_invalid, "OSSL_PARAM_BLD failed");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !pkey) {
    return make_error(errc::jose::jwks_invalid, "EVP_PKEY_fromdata failed");
  }
  return RsaPublicKey(pkey);
}

const RsaPublicKey* Jwks::find(std::string_view kid) const noexcept {
  for (const auto& entry : keys_) {
    if (entry.kid == kid) return &entry.key;
  }
  return nullptr;
}

Result<Jwks> parse_jwks(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return make_error(errc::jose::jwks_invalid, "not a JSON object");
  const json::value* keys = doc.get_object().if_contains("keys");
  if (!keys || !keys->is_array()) return make_error(errc::jose::jwks_invalid, "no keys array");

  Jwks jwks;
  std::string skipped;
  for (const json::value& item : keys->get_array()) {
    const json::object* jwk = item.if_object();
    if (!jwk) continue;
    const json::string* kty = string_member(*jwk, "kty");
    if (!kty || *kty != "RSA") continue;  // EC/OKP/oct keys are not ours to use
    // RFC 7517 §4.2: a key meant for encryption is not a signature key.
    if (const json::value* use = jwk->if_contains("use");
        use && !(use->is_string() && use->get_string() == "sig"))
      continue;
    if (const json::value* alg = jwk->if_contains("alg");
        alg && !(alg->is_string() && alg->get_string() == "RS256"))
      continue;
    const json::string* kid = string_member(*jwk, "kid");
    if (!kid || kid->empty()) {
      note(skipped, "", "no-kid");
      continue;
    }
    const json::string* n = string_member(*jwk, "n");
    const json::string* e = string_member(*jwk, "e");
    if (!n || !e) {
      note(skipped, *kid, "no-n-e");
      continue;
    }
    auto n_bytes = base64url_decode(*n);
    auto e_bytes = base64url_decode(*e);
    if (!n_bytes || !e_bytes) {
      note(skipped, *kid, "bad-base64url");
      continue;
    }
    auto key = RsaPublicKey::from_components(*n_bytes, *e_bytes);
    if (!key) {
      note(skipped, *kid, key.error().detail);
      continue;
    }
    // Keep the first of duplicate kids: a later key cannot shadow it.
    if (jwks.find(*kid)) continue;
    jwks.add(std::string(*kid), std::move(*key));
  }
  if (jwks.size() == 0) return make_error(errc::jose::jwks_invalid, "no usable RS256 key;" + skipped);
  return jwks;
}

Result<Jws> parse_compact(std::string_view token) {
  if (token.size() > kMaxCompactSize) return make_error(errc::jose::malformed, "token too large");
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return make_error(errc::jose::malformed, "not three segments");
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return make_error(errc::jose::malformed, "not three segments");
  }
  Jws jws;
  auto header = decode_json_object(token.substr(0, dot1), "header");
  if (!header) return header.error();
  auto payload = decode_json_object(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  if (!payload) return payload.error();
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return make_error(errc::jose::malformed, "signature is not base64url");
  jws.header = std::move(*header);
  jws.payload = std::move(*payload);
  jws.signing_input.assign(token.data(), dot2);
  jws.signature.swap(*signature);
  return jws;
}

Status verify_signature(const Jws& jws, const RsaPublicKey& key) {
  if (!key || EVP_PKEY_is_a(key.get(), "RSA") != 1 || jws.signature.empty()) {
    return make_error(errc::jose::bad_signature);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, key.get(),
                                      nullptr) != 1) {
    return make_error(errc::jose::bad_signature, "verify init failed");
  }
  // RS256 is RSASSA-PKCS1-v1_5 (RFC 7518 §3.3); never PSS, whatever the key says.
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return make_error(errc::jose::bad_signature, "padding");
  }
  const int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(jws.signature.data()), jws.signature.size(),
      reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size());
  if (rc != 1) return make_error(errc::jose::bad_signature);
  return {};
}

Result<json::object> verify(const Jws& jws, const Jwks& jwks) {
  // RFC 8725 §3.1: the algorithm is ours to choose, not the token's.
  const json::string* alg = string_member(jws.header, "alg");
  if (!alg || *alg != "RS256") {
    return make_error(errc::jose::alg_not_allowed, alg ? std::string(*alg) : std::string("(none)"));
  }
  // RFC 7515 §4.1.11: extensions we do not understand must make the JWS invalid.
  if (jws.header.contains("crit")) return make_error(errc::jose::crit_unsupported);
  // jku/jwk/x5u/x5c are ignored on purpose: a key named by the token itself
  // proves nothing. Only the configured issuer's JWKS is used.
  const json::string* kid = string_member(jws.header, "kid");
  if (!kid || kid->empty()) return make_error(errc::jose::missing_kid);
  const RsaPublicKey* key = jwks.find(*kid);
  if (!key) return make_error(errc::jose::unknown_kid, std::string(kid->subview().substr(0, 64)));
  auto st = verify_signature(jws, *key);
  if (!st) return st.error();
  return jws.payload;
}

}  // namespace parley::auth::jose
