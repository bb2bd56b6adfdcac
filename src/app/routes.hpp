#pragma once
// The HTTP surface in one table (routes.cpp): method, path, auth policy and
// handler per route. route_policy_problems() states the rules every route
// must follow; a test runs it on the table (tests/app/routes_test.cpp).

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/services.hpp"
#include "auth/access_token.hpp"
#include "http/message.hpp"

namespace parley::app {

enum class Policy {
  unset,         // never valid: a route left without a policy is refused (500)
  public_,       // anyone; a session is resolved if present (optional)
  page,          // signed-in page: signed out -> redirect to sign-in
  session,       // signed-in API: signed out -> 401 JSON
  session_csrf,  // signed-in API, unsafe method: + same-origin Origin + CSRF token
  origin_csrf,   // anyone, unsafe method: same-origin Origin always, and the CSRF token
                 // while a session is alive (sign-out also works with an expired one)
  admin,         // signed-in administrator (config.admin_role in the session's roles):
                 // signed out -> 401, other users -> 403 forbidden; unsafe methods
                 // also need same-origin Origin + CSRF token, as session_csrf
  bearer,        // the service API (/v1): an Entra access token in Authorization: Bearer,
                 // never a cookie; no Origin/CSRF (nothing ambient to forge); every
                 // error in OpenAI's shape (llm/openai_wire.hpp render_error)
};
std::string_view to_string(Policy p);

struct RequestContext {
  std::optional<auth::ActiveSession> session;
  std::optional<auth::Caller> caller;  // Policy::bearer: whom the access token stands for
  std::string client_ip;
};

using HandlerFn = boost::asio::awaitable<http::Response> (*)(Services&, http::Request&,
                                                             RequestContext&);

struct Route {
  http::Method method;
  std::string_view pattern;
  Policy policy = Policy::unset;  // explicit in every row of the table
  HandlerFn handler;
};

std::span<const Route> routes();

// /v1 and below: the service API (Policy::bearer, OpenAI's error shape).
bool is_service_api_path(std::string_view path);

// What is wrong with a route table, one line per problem (empty: nothing):
// a route without a policy; an /api/admin route without Policy::admin, or
// Policy::admin outside /api/admin; a /v1 route without Policy::bearer, or
// Policy::bearer outside /v1; an unsafe method without an Origin/CSRF check
// (bearer routes excepted); a signed-in page policy on the API; the same
// method and path twice.
std::vector<std::string> route_policy_problems(std::span<const Route> table);

}  // namespace parley::app
