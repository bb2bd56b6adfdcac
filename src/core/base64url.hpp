#pragma once
// Base64url (RFC 4648 §5) without padding, as JOSE and cookies use it.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley {

std::string base64url_encode(std::string_view bytes);

// Strict: rejects padding, whitespace, characters outside the url-safe
// alphabet and impossible lengths. Error code "base64url.invalid".
Result<std::string> base64url_decode(std::string_view text);

// Standard base64 with padding (HTTP Basic, PEM bodies).
std::string base64_encode(std::string_view bytes);

}  // namespace parley
