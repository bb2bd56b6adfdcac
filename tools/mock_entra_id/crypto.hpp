#pragma once
// Crypto for the mock identity provider, on OpenSSL 3 EVP only. Deliberately
// independent of Parley's src/ (a bug must not hide on both sides of a test).

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace mock_entra {

std::string base64url_encode(std::string_view bytes);
// Returns false on characters outside the base64url alphabet.
bool base64url_decode(std::string_view text, std::string& out);

std::string random_bytes(std::size_t n);
std::string random_token(std::size_t bytes = 32);  // base64url of random bytes
std::string random_uuid();
std::string sha256(std::string_view data);
// A UUID-shaped string derived from `seed` (stable object ids per client/user).
std::string uuid_from(std::string_view seed);
std::string hmac_sha256(std::string_view key, std::string_view data);

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

// An RSA-2048 signing key with its JWK parameters. Thread-safe after creation.
class RsaKey {
 public:
  static std::shared_ptr<const RsaKey> generate();

  const std::string& kid() const { return kid_; }
  const std::string& n() const { return n_; }  // base64url
  const std::string& e() const { return e_; }  // base64url
  const std::string& public_pem() const { return public_pem_; }
  std::string sign_rs256(std::string_view data) const;
  bool verify_rs256(std::string_view data, std::string_view signature) const;

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
  std::string kid_, n_, e_, public_pem_;
};

}  // namespace mock_entra
