#pragma once
// Authenticated encryption of small payloads (cookies) under keys derived
// from AUTH_SECRET and its predecessors.
//
// Format: base64url( version 0x01 | key id (4) | nonce (12) | ciphertext | tag (16) )
// AES-256-GCM, AAD = version | key id. Key = HKDF-SHA256(secret, salt =
// "parley.hkdf.salt/" + purpose, info = purpose). The key id is the first four
// bytes of SHA-256(key), so open() finds the key without trial decryption.
// Thread-safety: a Sealer is immutable after construction; seal() and open()
// may run concurrently.

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace parley::auth {

// HKDF-SHA256 (RFC 5869) through EVP_KDF, 32 bytes. Aborts on an OpenSSL
// failure (it cannot fail with these inputs).
std::array<unsigned char, 32> hkdf_sha256(std::string_view secret, std::string_view salt,
                                          std::string_view info);

class Sealer {
 public:
  // Sealed values longer than this are rejected unread (seal.malformed).
  static constexpr std::size_t kMaxSealedSize = 8192;

  // `secrets`: AUTH_SECRET first (used to seal), then older ones (accepted
  // for opening). `purpose` separates key spaces ("parley.session.v1",
  // "parley.oidc.v1"): a value sealed for one purpose never opens for
  // another. Throws std::invalid_argument when `secrets` is empty or holds an
  // empty secret (a configuration bug the config loader already rejects).
  Sealer(const std::vector<Secret>& secrets, std::string_view purpose);
  ~Sealer();
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  std::string seal(std::string_view plaintext, Random& random) const;

  // Codes: "seal.malformed" (not base64url, too short or long, unknown
  // version), "seal.unknown_key" (no key with that id: a foreign or retired
  // secret), "seal.bad_tag" (tampered or truncated).
  Result<std::string> open(std::string_view sealed) const;

  std::size_t key_count() const noexcept { return keys_.size(); }

 private:
  struct Key {
    std::array<unsigned char, 32> key;
    std::array<unsigned char, 4> id;
  };
  std::vector<Key> keys_;
  EVP_CIPHER* cipher_ = nullptr;  // AES-256-GCM, fetched once
};

}  // namespace parley::auth
