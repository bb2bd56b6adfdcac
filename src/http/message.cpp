#include "http/message.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/ascii.hpp"

namespace parley::http {

std::string_view to_string(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::delete_:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::other:
      return "OTHER";
  }
  return "OTHER";
}

Method method_from_string(std::string_view s) {
  if (s == "GET") return Method::get;
  if (s == "HEAD") return Method::head;
  if (s == "POST") return Method::post;
  if (s == "PUT") return Method::put;
  if (s == "PATCH") return Method::patch;
  if (s == "DELETE") return Method::delete_;
  if (s == "OPTIONS") return Method::options;
  return Method::other;
}

bool is_safe_header_value(std::string_view value) {
  // Every response field is checked when the head is written: memchr is
  // vectorised, and the long values (Content-Security-Policy) dominate.
  const char* p = value.data();
  const std::size_t n = value.size();
  return std::memchr(p, '\r', n) == nullptr && std::memchr(p, '\n', n) == nullptr &&
         std::memchr(p, '\0', n) == nullptr;
}

namespace {
// RFC 9110 tchar: ALPHA / DIGIT / "!#$%&'*+-.^_`|~", as a lookup table.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
}  // namespace

bool is_token(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return kTokenChars[static_cast<unsigned char>(c)]; });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (iequals_ascii(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

bool Headers::set(std::string_view name, std::string_view value) {
  if (!is_token(name) || !is_safe_header_value(value)) return false;
  erase(name);
  fields_.emplace_back(std::string(name), std::string(value));
  return true;
}

bool Headers::add(std::string_view name, std::string_view value) {
  if (!is_token(name) || !is_safe_header_value(value)) return false;
  fields_.emplace_back(std::string(name), std::string(value));
  return true;
}

void Headers::add_missing(const Headers& defaults) {
  fields_.reserve(fields_.size() + defaults.fields_.size());
  for (const auto& [k, v] : defaults.fields_) {
    if (!get(k)) fields_.emplace_back(k, v);
  }
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals_ascii(f.first, name); });
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto decoded_key = percent_decode(key, true);
    if (!decoded_key || *decoded_key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}


}  // namespace parley::http
