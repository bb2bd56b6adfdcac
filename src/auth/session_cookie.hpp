#pragma once
// The session cookie's content: a fixed-size record (session id, user id,
// issue and expiry times) sealed with a Sealer of purpose "parley.session.v1".
// It carries nothing from the ID token, so it stays ~110 bytes whatever the
// user's roles (DESIGN.md: "far below 4 KB").

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/seal.hpp"
#include "core/random.hpp"
#include "core/result.hpp"

namespace parley::auth {

using Uuid = std::array<unsigned char, 16>;

struct SessionCookie {
  Uuid session_id{};
  Uuid user_id{};
  std::int64_t issued_at = 0;   // epoch seconds; reset on each re-seal
  std::int64_t expires_at = 0;  // epoch seconds
};

// Canonical lowercase 8-4-4-4-12 form.
std::string uuid_string(const Uuid& id);
// Accepts the 36-character hyphenated form, either case. Code "uuid.invalid".
Result<Uuid> parse_uuid(std::string_view text);

std::string seal_session(const SessionCookie& cookie, const Sealer& sealer, Random& random);

// Codes: "session.bad_seal" (any seal.* failure: tampered, truncated,
// foreign or retired key), "session.malformed" (authentic but not a session
// record of this version), "session.expired" (expires_at <= now).
Result<SessionCookie> open_session(std::string_view cookie_value, const Sealer& sealer,
                                   std::int64_t now);

// True once half the lifetime has passed: now - issued_at >= max_age / 2.
bool needs_reseal(const SessionCookie& cookie, std::int64_t now, std::int64_t max_age);

}  // namespace parley::auth
