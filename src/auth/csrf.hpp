#pragma once
// CSRF tokens bound to the session: token = base64url(HMAC-SHA256(key,
// session id)), key = HKDF(AUTH_SECRET, purpose "parley.csrf.v1"). No extra
// cookie; a token is valid as long as its session. Thread-safety: immutable
// after construction.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"

namespace parley::auth {

class CsrfKeys {
 public:
  // AUTH_SECRET first (used for new tokens), then older secrets (accepted).
  // Throws std::invalid_argument when `secrets` is empty or holds an empty
  // secret (the config loader rejects that first).
  explicit CsrfKeys(const std::vector<Secret>& secrets);
  ~CsrfKeys();
  CsrfKeys(const CsrfKeys&) = delete;
  CsrfKeys& operator=(const CsrfKeys&) = delete;

  // 43 characters.
  std::string token(std::string_view session_id) const;
  // Tries every key (rotation); constant-time comparison. An empty
  // session id or token never verifies.
  bool verify(std::string_view session_id, std::string_view token) const;

 private:
  std::vector<std::array<unsigned char, 32>> keys_;
};

}  // namespace parley::auth
