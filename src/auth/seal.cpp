#include "auth/seal.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "core/base64url.hpp"
#include "auth/errors.hpp"

namespace parley::auth {

namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kIdSize = 4;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kHeaderSize = 1 + kIdSize;
constexpr std::size_t kOverhead = kHeaderSize + kNonceSize + kTagSize;

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "fatal: %s\n", what);
  std::abort();
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::array<unsigned char, 32> hkdf_sha256(std::string_view secret, std::string_view salt,
                                          std::string_view info) {
  std::array<unsigned char, 32> out{};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) fatal("EVP_KDF_fetch(HKDF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) fatal("EVP_KDF_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()), secret.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) fatal("HKDF derive");
  return out;
}

Sealer::Sealer(const std::vector<Secret>& secrets, std::string_view purpose) {
  if (secrets.empty()) throw std::invalid_argument("Sealer needs at least one secret");
  const std::string salt = "parley.hkdf.salt/" + std::string(purpose);
  keys_.reserve(secrets.size());
  for (const Secret& secret : secrets) {
    if (secret.empty()) throw std::invalid_argument("Sealer: empty secret");
    Key k{};
    k.key = hkdf_sha256(secret.expose(), salt, purpose);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(k.key.data(), k.key.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
      fatal("SHA-256");
    }
    std::memcpy(k.id.data(), digest, kIdSize);
    keys_.push_back(k);
    OPENSSL_cleanse(&k, sizeof k);
  }
  cipher_ = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (!cipher_) fatal("EVP_CIPHER_fetch(AES-256-GCM)");
}

Sealer::~Sealer() {
  if (!keys_.empty()) OPENSSL_cleanse(keys_.data(), keys_.size() * sizeof(Key));
  EVP_CIPHER_free(cipher_);
}

std::string Sealer::seal(std::string_view plaintext, Random& random) const {
  const Key& k = keys_.front();
  std::string raw(kOverhead + plaintext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  out[0] = kVersion;
  std::memcpy(out + 1, k.id.data(), kIdSize);
  unsigned char* nonce = out + kHeaderSize;
  random.fill(std::span<unsigned char>(nonce, kNonceSize));
  unsigned char* ct = nonce + kNonceSize;

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher_, k.key.data(), nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, out, kHeaderSize) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, ct + plaintext.size()) != 1) {
    fatal("AES-256-GCM seal");
  }
  return base64url_encode(raw);
}

Result<std::string> Sealer::open(std::string_view sealed) const {
  if (sealed.size() > kMaxSealedSize) return make_error(errc::seal::malformed, "too long");
  auto raw = base64url_decode(sealed);
  if (!raw) return make_error(errc::seal::malformed, "not base64url");
  if (raw->size() < kOverhead) return make_error(errc::seal::malformed, "too short");
  const auto* in = bytes(*raw);
  if (in[0] != kVersion) return make_error(errc::seal::malformed, "unknown version");
  const unsigned char* nonce = in + kHeaderSize;
  const unsigned char* ct = nonce + kNonceSize;
  const std::size_t ct_size = raw->size() - kOverhead;
  const unsigned char* tag = ct + ct_size;

  bool known = false;
  for (const Key& k : keys_) {
    // Two secrets whose ids collide (2^-32) are both tried.
    if (std::memcmp(k.id.data(), in + 1, kIdSize) != 0) continue;
    known = true;
    std::string plain(ct_size, '\0');
    auto* pt = reinterpret_cast<unsigned char*>(plain.data());
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher_, k.key.data(), nonce, nullptr) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, in, kHeaderSize) != 1 ||
        EVP_DecryptUpdate(ctx.get(), pt, &len, ct, static_cast<int>(ct_size)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize,
                            const_cast<unsigned char*>(tag)) != 1) {
      continue;
    }
    if (EVP_DecryptFinal_ex(ctx.get(), pt + len, &len) == 1) return plain;
    OPENSSL_cleanse(plain.data(), plain.size());
  }
  if (!known) return make_error(errc::seal::unknown_key);
  return make_error(errc::seal::bad_tag);
}

}  // namespace parley::auth
