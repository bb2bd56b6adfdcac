#include "auth/support/jws_signer.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/base64url.hpp"

namespace parley::test {

namespace json = boost::json;

namespace {

std::string bn_b64(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw std::runtime_error("get_bn_param");
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return base64url_encode(bytes);
}

std::string rsa_sign(std::string_view input, const TestKey& key, std::string_view alg) {
  const char* md = alg == "RS384" ? "SHA384" : "SHA256";
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit_ex(ctx, &pctx, md, nullptr, nullptr, key.get(), nullptr) != 1) {
    throw std::runtime_error("sign init");
  }
  if (alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) !=
      1) {
    throw std::runtime_error("sign");
  }
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

}  // namespace

TestKey::TestKey(int bits) {
  pkey_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (!pkey_) throw std::runtime_error("keygen");
}

TestKey::~TestKey() { EVP_PKEY_free(pkey_); }

json::object TestKey::public_jwk(std::string_view kid) const {
  json::object o;
  o["kty"] = "RSA";
  o["use"] = "sig";
  o["kid"] = kid;
  o["n"] = bn_b64(pkey_, OSSL_PKEY_PARAM_RSA_N);
  o["e"] = bn_b64(pkey_, OSSL_PKEY_PARAM_RSA_E);
  return o;
}

std::string TestKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey_);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string TestKey::public_der() const {
  unsigned char* buf = nullptr;
  const int n = i2d_PUBKEY(pkey_, &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

const TestKey& shared_key(int index) {
  static std::array<std::unique_ptr<TestKey>, 8> keys;
  auto& slot = keys.at(static_cast<std::size_t>(index));
  if (!slot) slot = std::make_unique<TestKey>(2048);
  return *slot;
}

std::string jwks_json(std::initializer_list<json::object> keys) {
  json::array a;
  for (const auto& k : keys) a.push_back(k);
  json::object o;
  o["keys"] = std::move(a);
  return json::serialize(o);
}

std::string sign_raw(std::string_view header_json, std::string_view payload_json,
                     const TestKey& key) {
  const std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return input + "." + base64url_encode(rsa_sign(input, key, "RS256"));
}

std::string sign_compact(const json::object& header, const json::object& payload,
                         const TestKey& key, std::string_view alg) {
  const std::string input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  return input + "." + base64url_encode(rsa_sign(input, key, alg));
}

std::string sign_hs256(const json::object& header, const json::object& payload,
                       std::string_view secret) {
  const std::string input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

}  // namespace parley::test
