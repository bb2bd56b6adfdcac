#pragma once
// Test-only signing helpers: production code never signs tokens.

#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace parley::test {

// An owned private key.
class TestKey {
 public:
  explicit TestKey(int bits = 2048);
  ~TestKey();
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  EVP_PKEY* get() const { return pkey_; }
  // {"kty":"RSA","use":"sig","kid":...,"n":...,"e":...}
  boost::json::object public_jwk(std::string_view kid) const;
  std::string public_pem() const;
  std::string public_der() const;

 private:
  EVP_PKEY* pkey_ = nullptr;
};

// A process-wide 2048-bit key per index (key generation is slow; reuse).
const TestKey& shared_key(int index);

// {"keys":[...]} from public JWKs.
std::string jwks_json(std::initializer_list<boost::json::object> keys);

// Compact JWS. `alg` chooses the actual signature: "RS256", "RS384",
// "PS256" use `key`; the header is taken as given (so a test can lie).
std::string sign_compact(const boost::json::object& header, const boost::json::object& payload,
                         const TestKey& key, std::string_view alg = "RS256");
// Compact JWS with an HMAC-SHA256 signature under `secret`.
std::string sign_hs256(const boost::json::object& header, const boost::json::object& payload,
                       std::string_view secret);
// Compact serialisation of raw header/payload text, signed RS256.
std::string sign_raw(std::string_view header_json, std::string_view payload_json,
                     const TestKey& key);

}  // namespace parley::test
