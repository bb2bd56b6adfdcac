#pragma once
// Cookie header parsing (tolerant, RFC 6265 section 5.4 as browsers do it)
// and Set-Cookie serialisation (strict, RFC 6265 section 4.1). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::http {

// Looks `name` up in a Cookie header value ("a=1; b=2"). Several Cookie
// header lines joined with "; " (as the server does) parse the same. Spaces
// and tabs around names and values are ignored, a value in double quotes
// is returned without them, the first of duplicate names wins, pairs
// without '=' or with a name that is not a token or a value with control
// characters are skipped. Only the first kMaxCookieHeaderBytes are looked
// at. Never throws. The returned view points into `cookie_header`.
inline constexpr std::size_t kMaxCookieHeaderBytes = 64 * 1024;
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);

struct SetCookie {
  std::string name;
  std::string value;
  std::string path = "/";
  std::optional<std::int64_t> max_age;  // seconds; <= 0 expires the cookie now
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";  // "Strict", "Lax", "None" or empty (attribute left out)
};

// "name=value; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax".
// Error `cookie.invalid` when the name is not a token, the value has a
// character outside cookie-octet (CTLs, space, '"', ',', ';', '\\'), the
// path has CTLs or ';', or same_site is not one of the allowed words.
Result<std::string> serialize(const SetCookie& cookie);

// True when every character of `value` is a cookie-octet.
bool is_cookie_value(std::string_view value);

}  // namespace parley::http
