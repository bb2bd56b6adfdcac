#include "app/responses.hpp"

#include <ctime>

#include "core/public_error.hpp"
#include "auth/errors.hpp"
#include "http/cookies.hpp"
#include "llm/openai_wire.hpp"
#include "observability/log.hpp"

namespace parley::app {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  (void)r.headers.set("Content-Type", "application/json");
  return r;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  log::append_json_escaped(out, s);
  out += '"';
  return out;
}

http::Response error_response(const Error& e) {
  const PublicError face = public_error(e);
  return json_response(face.status, error_json(face.code, face.message));
}

http::Response openai_error_response(const Error& e, std::string_view param) {
  auto wire = llm::openai::render_error(e, param);
  http::Response r = json_response(wire.status, std::move(wire.body));
  if (wire.status == 401) {
    (void)r.headers.set("WWW-Authenticate",
                        "Bearer error=\"invalid_token\"");
  } else if (e.is(errc::bearer::role_missing) || e.is(errc::bearer::scope_missing)) {
    (void)r.headers.set("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
  }
  return r;
}

http::Response html_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  (void)r.headers.set("Content-Type", "text/html; charset=utf-8");
  return r;
}

http::Response redirect(std::string_view location) {
  http::Response r;
  r.status = 302;
  if (!r.headers.set("Location", location)) {
    // Never reached with our own URLs; fail closed to the home page.
    (void)r.headers.set("Location", "/");
  }
  return r;
}

void set_cookie(http::Response& r, std::string_view name, std::string_view value,
                std::int64_t max_age, bool secure) {
  http::SetCookie c;
  c.name = std::string(name);
  c.value = std::string(value);
  c.max_age = max_age;
  c.secure = secure;
  auto header = http::serialize(c);
  if (!header || !r.headers.add("Set-Cookie", *header)) {
    log::error("http.cookie_refused").str("name", name);
  }
}

std::string iso8601(std::int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

std::optional<std::string> form_field(std::string_view body, std::string_view name) {
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    const auto eq = pair.find('=');
    auto key = http::percent_decode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return http::percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace parley::app
