#pragma once
// The one renderer of errors: kind -> HTTP status, public code and message.
// Internal details never leave the log. Pure.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley {

// Stable public codes ({"error":{"code"}}), as constants: handlers and
// tests name them, they are not retyped.
namespace public_code {
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view invalid_json = "invalid_json";
inline constexpr std::string_view unauthorized = "unauthorized";
inline constexpr std::string_view forbidden = "forbidden";
inline constexpr std::string_view csrf = "csrf";
inline constexpr std::string_view not_found = "not_found";
inline constexpr std::string_view method_not_allowed = "method_not_allowed";
inline constexpr std::string_view request_timeout = "request_timeout";
inline constexpr std::string_view conflict = "conflict";
inline constexpr std::string_view too_large = "too_large";
inline constexpr std::string_view header_too_large = "header_too_large";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view quota_exceeded = "quota_exceeded";
inline constexpr std::string_view unavailable = "unavailable";
inline constexpr std::string_view upstream_unavailable = "upstream_unavailable";
inline constexpr std::string_view upstream_timeout = "upstream_timeout";
inline constexpr std::string_view upstream_interrupted = "upstream_interrupted";
inline constexpr std::string_view content_filter = "content_filter";
inline constexpr std::string_view internal = "internal";
}  // namespace public_code

struct PublicError {
  int status;
  std::string_view code;
  std::string message;
};

int http_status(Kind kind);
// The status, public code and message of `e`: the ErrorCode's public face,
// else its kind's; the error's own public message when it set one.
PublicError public_error(const Error& e);
// {"error":{"code":...,"message":...}} with both strings JSON-escaped.
std::string error_json(std::string_view code, std::string_view message);

}  // namespace parley
