#include "auth/csrf.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "auth/seal.hpp"
#include "core/base64url.hpp"

namespace parley::auth {

namespace {

constexpr std::string_view kPurpose = "parley.csrf.v1";

std::string mac(const std::array<unsigned char, 32>& key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len)) {
    std::fputs("fatal: HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(out), len));
}

}  // namespace

CsrfKeys::CsrfKeys(const std::vector<Secret>& secrets) {
  if (secrets.empty()) throw std::invalid_argument("CsrfKeys needs at least one secret");
  const std::string salt = "parley.hkdf.salt/" + std::string(kPurpose);
  for (const Secret& s : secrets) {
    if (s.empty()) throw std::invalid_argument("CsrfKeys: empty secret");
    keys_.push_back(hkdf_sha256(s.expose(), salt, kPurpose));
  }
}

CsrfKeys::~CsrfKeys() {
  if (!keys_.empty()) OPENSSL_cleanse(keys_.data(), keys_.size() * sizeof(keys_[0]));
}

std::string CsrfKeys::token(std::string_view session_id) const {
  return mac(keys_.front(), session_id);
}

bool CsrfKeys::verify(std::string_view session_id, std::string_view token) const {
  if (session_id.empty() || token.empty()) return false;
  bool ok = false;
  for (const auto& key : keys_) {
    const std::string expected = mac(key, session_id);
    // No early exit: the time taken does not tell which key matched.
    ok |= expected.size() == token.size() &&
          CRYPTO_memcmp(expected.data(), token.data(), expected.size()) == 0;
  }
  return ok;
}

}  // namespace parley::auth
