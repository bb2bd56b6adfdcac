#pragma once
// Response builders shared by handlers: one JSON error shape
// {"error":{"code","message"}} with stable codes, HTML pages, redirects.

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/message.hpp"

namespace parley::app {

http::Response json_response(int status, std::string body);
// The one JSON rendering of an error (core/public_error.hpp decides the
// status, public code and message; the detail stays out).
http::Response error_response(const Error& e);
// The same error in OpenAI's shape {"error":{"message","type","param","code"}}
// (llm/openai_wire.hpp render_error), for everything under /v1; a 401 also
// carries WWW-Authenticate: Bearer (RFC 6750 §3).
http::Response openai_error_response(const Error& e, std::string_view param = {});
http::Response html_response(int status, std::string body);
// Location must already be safe (built by us); CR/LF is refused by Headers.
http::Response redirect(std::string_view location);
// Appends a Set-Cookie for name=value with Parley's flags (HttpOnly,
// SameSite=Lax, Path=/, Secure on https). max_age 0 expires it.
void set_cookie(http::Response& r, std::string_view name, std::string_view value,
                std::int64_t max_age, bool secure);
std::string json_quote(std::string_view s);
// ISO-8601 UTC, e.g. 2026-11-29T10:00:00.000Z
std::string iso8601(std::int64_t epoch_seconds);
// The first form field of that name in an application/x-www-form-urlencoded body.
std::optional<std::string> form_field(std::string_view body, std::string_view name);

}  // namespace parley::app
