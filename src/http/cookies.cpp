#include "http/cookies.hpp"

#include <algorithm>
#include <charconv>

#include "http/message.hpp"
#include "http/errors.hpp"

namespace parley::http {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

bool cookie_octet(unsigned char c) {
  // RFC 6265 4.1.1: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}
}  // namespace

bool is_cookie_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return cookie_octet(static_cast<unsigned char>(c)); });
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (header.size() > kMaxCookieHeaderBytes) header = header.substr(0, kMaxCookieHeaderBytes);
  while (!header.empty()) {
    const auto semi = header.find(';');
    const std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    // A value we could not have set ourselves is garbage: skip it and keep
    // looking, rather than handing control characters to the caller.
    if (has_ctl(value)) continue;
    return value;
  }
  return std::nullopt;
}

Result<std::string> serialize(const SetCookie& c) {
  if (!is_token(c.name)) return make_error(errc::cookie::invalid, "cookie name is not a token");
  if (!is_cookie_value(c.value))
    return make_error(errc::cookie::invalid, "cookie value has forbidden characters");
  if (has_ctl(c.path) || c.path.find(';') != std::string::npos) {
    return make_error(errc::cookie::invalid, "cookie path has forbidden characters");
  }
  if (!c.same_site.empty() && c.same_site != "Strict" && c.same_site != "Lax" &&
      c.same_site != "None") {
    return make_error(errc::cookie::invalid, "SameSite must be Strict, Lax or None");
  }
  std::string out;
  out.reserve(c.name.size() + c.value.size() + 80);
  out += c.name;
  out += '=';
  out += c.value;
  if (!c.path.empty()) {
    out += "; Path=";
    out += c.path;
  }
  if (c.max_age) {
    const std::int64_t age = *c.max_age > 0 ? *c.max_age : 0;
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, age);
    out += "; Max-Age=";
    out.append(buf, r.ptr);
    // Old user agents ignore Max-Age; an Expires in the past removes it there too.
    if (age == 0) out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  }
  if (c.http_only) out += "; HttpOnly";
  if (c.secure) out += "; Secure";
  if (!c.same_site.empty()) {
    out += "; SameSite=";
    out += c.same_site;
  }
  return out;
}

}  // namespace parley::http
