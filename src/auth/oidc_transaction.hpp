#pragma once
// The sign-in transaction: what the callback needs to finish a sign-in
// started by this browser (state, nonce, PKCE verifier, where to go next).
// Kept in the short-lived `parley.oidc` cookie, sealed with a Sealer of
// purpose "parley.oidc.v1". State single-use is enforced by the caller.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/seal.hpp"
#include "core/random.hpp"
#include "core/result.hpp"

namespace parley::auth {

struct OidcTransaction {
  std::string state;          // 32 random bytes, base64url (43 chars)
  std::string nonce;          // 32 random bytes, base64url
  std::string code_verifier;  // RFC 7636 §4.1: 32 random bytes, base64url (43 chars)
  std::string callback_url;   // already reduced by safe_callback_path()
  std::int64_t created_at = 0;
  bool silent = false;  // prompt=none was requested
};

OidcTransaction new_transaction(Random& random, std::string callback_url, std::int64_t now,
                                bool silent);

// RFC 7636 §4.2 S256: BASE64URL(SHA256(ASCII(code_verifier))).
std::string pkce_challenge_s256(std::string_view code_verifier);

std::string seal_transaction(const OidcTransaction& tx, const Sealer& sealer, Random& random);

// Codes: "oidc.transaction_invalid" (does not open, wrong shape, created
// more than 5 minutes in the future), "oidc.transaction_expired"
// (now >= created_at + max_age).
Result<OidcTransaction> open_transaction(std::string_view value, const Sealer& sealer,
                                         std::int64_t now, std::int64_t max_age = 600);

}  // namespace parley::auth
