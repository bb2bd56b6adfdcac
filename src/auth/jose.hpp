#pragma once
// JOSE for an OpenID Connect relying party: JWS compact serialisation,
// RS256 verification against a JWKS (RFC 7515, 7517, 7518). Pure: no I/O.
//
// Policy (DESIGN.md, security rules): RS256 only; `kid` is required and looked
// up in the JWKS the caller fetched from the configured jwks_uri; the header
// parameters jku, jwk, x5u and x5c are never followed or used; `crit` is
// rejected. Thread-safety: all types are immutable after construction and may
// be shared between threads.

#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace parley::auth::jose {

// Bounds on a token's size and shape, checked before any signature work
// (jose.malformed). An Entra ID token for a user with 250 app roles whose
// names embed GUIDs is about 20 KB; it arrives in the token endpoint's body,
// not in a header, so 64 KiB is a safe ceiling. Depth and value count bound
// the parser's work whatever the size.
inline constexpr std::size_t kMaxCompactSize = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxJsonDepth = 8;
inline constexpr std::size_t kMaxJsonValues = 4096;  // per header or payload, all levels
// RSA moduli accepted in a JWKS.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

// An RSA public key (owns a reference to an EVP_PKEY). Copying shares the
// immutable key (EVP_PKEY_up_ref).
class RsaPublicKey {
 public:
  RsaPublicKey() = default;
  // Takes ownership of `pkey`.
  explicit RsaPublicKey(EVP_PKEY* pkey) noexcept : pkey_(pkey) {}
  RsaPublicKey(const RsaPublicKey& other) noexcept;
  RsaPublicKey& operator=(const RsaPublicKey& other) noexcept;
  RsaPublicKey(RsaPublicKey&& other) noexcept : pkey_(std::exchange(other.pkey_, nullptr)) {}
  RsaPublicKey& operator=(RsaPublicKey&& other) noexcept;
  ~RsaPublicKey();

  // From the big-endian modulus and exponent bytes (a JWK's decoded n and e).
  // Code "jose.jwks_invalid": modulus outside [kMinRsaBits, kMaxRsaBits],
  // even or too small exponent, OpenSSL refusal.
  static Result<RsaPublicKey> from_components(std::string_view n, std::string_view e);

  EVP_PKEY* get() const noexcept { return pkey_; }
  int bits() const noexcept;
  explicit operator bool() const noexcept { return pkey_ != nullptr; }

 private:
  EVP_PKEY* pkey_ = nullptr;
};

// The signature keys of an issuer, by kid.
class Jwks {
 public:
  struct Entry {
    std::string kid;
    RsaPublicKey key;
  };

  // nullptr when no key has this kid.
  const RsaPublicKey* find(std::string_view kid) const noexcept;
  std::size_t size() const noexcept { return keys_.size(); }
  const std::vector<Entry>& entries() const noexcept { return keys_; }
  void add(std::string kid, RsaPublicKey key) { keys_.push_back({std::move(kid), std::move(key)}); }

 private:
  std::vector<Entry> keys_;
};

// Parses a JWK Set (RFC 7517 §5). Keeps RSA keys whose "use" is absent or
// "sig", whose "alg" is absent or "RS256", that have a non-empty "kid" and a
// modulus of at least 2048 bits; other keys (EC, enc, RS384, no kid, weak or
// malformed) are skipped. Code "jose.jwks_invalid": not JSON, no "keys"
// array, or no usable key at all (detail says why keys were skipped).
Result<Jwks> parse_jwks(std::string_view json);

// A parsed, not yet verified, JWS in compact serialisation.
struct Jws {
  boost::json::object header;
  boost::json::object payload;
  std::string signing_input;  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
  std::string signature;      // decoded bytes
};

// Code "jose.malformed": longer than kMaxCompactSize, not exactly three
// segments, a segment that is not canonical base64url, a header or payload
// that is not a JSON object, nested deeper than kMaxJsonDepth or holding
// more than kMaxJsonValues values.
Result<Jws> parse_compact(std::string_view token);

// Verifies `jws` against `jwks` and returns its claims. Codes, in the order
// they are checked: "jose.alg_not_allowed" (alg other than exactly "RS256"),
// "jose.crit_unsupported", "jose.missing_kid", "jose.unknown_kid" (the
// caller may refresh the JWKS once, rate-limited), "jose.bad_signature".
Result<boost::json::object> verify(const Jws& jws, const Jwks& jwks);

// RSASSA-PKCS1-v1_5 with SHA-256 over jws.signing_input with `key`. Checks
// the signature only, not the header; verify() is the API for tokens.
// Code "jose.bad_signature".
Status verify_signature(const Jws& jws, const RsaPublicKey& key);

}  // namespace parley::auth::jose
