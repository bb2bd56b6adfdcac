#pragma once
// The HTTP surface in one table (routes.cpp): method, path, auth policy and
// handler per route. A test fails when a route lacks a policy.

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "app/services.hpp"
#include "http/message.hpp"

namespace parley::app {

enum class Policy {
  public_,       // anyone; a session is resolved if present (optional)
  page,          // signed-in page: signed out -> redirect to sign-in
  session,       // signed-in API: signed out -> 401 JSON
  session_csrf,  // signed-in API, unsafe method: + same-origin Origin + CSRF token
  origin_csrf,   // anyone, unsafe method: same-origin Origin always, and the CSRF token
                 // while a session is alive (sign-out also works with an expired one)
  admin,         // signed in (else 401) with PARLEY_ADMIN_ROLE among the session's roles
                 // (else 403 forbidden); unsafe methods: + Origin + CSRF token as session_csrf
};
std::string_view to_string(Policy p);

struct RequestContext {
  std::optional<auth::ActiveSession> session;
  std::string client_ip;
};

using HandlerFn = boost::asio::awaitable<http::Response> (*)(Services&, http::Request&,
                                                             RequestContext&);

struct Route {
  http::Method method;
  std::string_view pattern;
  Policy policy;
  HandlerFn handler;
};

std::span<const Route> routes();

}  // namespace parley::app
