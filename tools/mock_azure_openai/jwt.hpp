#pragma once
// RS256 bearer-token check for the mock (OpenSSL 3 EVP). Deliberately not
// Parley's auth/jose: a bug must not hide on both sides of a test.

#include <openssl/evp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mock_aoai {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;

// kid -> RSA public key, from a JWKS document ({"keys":[{kty,kid,n,e}...]}).
class Jwks {
 public:
  bool load(std::string_view json_text);  // false when nothing usable was found
  EVP_PKEY* find(const std::string& kid) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, Pkey> keys_;
};

// The kid of a compact JWS, if its header parses.
std::optional<std::string> jwt_kid(std::string_view token);

// Empty string when the token is an RS256 JWS signed by a key in `jwks`, aud
// (string or array) contains `audience`, exp is in the future, nbf (if any)
// not ahead by more than 5 minutes and iss is present; else the reason.
std::string verify_jwt(std::string_view token, const Jwks& jwks, std::string_view audience,
                       std::int64_t now);

}  // namespace mock_aoai
