#include "app/app.hpp"

#include <algorithm>

#include "app/errors.hpp"
#include "app/handlers.hpp"
#include "app/html.hpp"
#include "app/responses.hpp"
#include "app/security_headers.hpp"
#include "auth/bearer.hpp"
#include "auth/errors.hpp"
#include "http/cookies.hpp"
#include "observability/log.hpp"

namespace parley::app {

namespace {
bool is_api_path(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

bool is_unsafe(http::Method m) {
  return m == http::Method::post || m == http::Method::put || m == http::Method::patch ||
         m == http::Method::delete_;
}

// Every non-API GET that matches no route is a page: signed out, it sends
// the browser to sign-in; signed in, it shows "not found".
boost::asio::awaitable<http::Response> not_found_page(Services&, http::Request&, RequestContext&) {
  co_return html_response(404, render_not_found_page());
}
constexpr Route kUnknownPage{http::Method::get, "", Policy::page, &not_found_page};

http::Response signed_out_error(bool disabled_user) {
  return error_response(disabled_user ? errc::app::account_disabled : errc::app::sign_in_required);
}
}  // namespace

std::string sign_in_redirect_for(const http::Request& req) {
  std::string callback = req.path;
  if (!req.query.empty()) callback += "?" + req.query;
  // The target came through Beast's parser and our path decoder; encoding
  // it again keeps it one query parameter and free of CR/LF.
  return "/api/auth/signin/microsoft-entra-id?callbackUrl=" + http::percent_encode(callback);
}

bool is_navigation(const http::Request& req) {
  const auto mode = req.header("Sec-Fetch-Mode");
  return !mode || *mode == "navigate";
}

App::App(Services services) : services_(std::move(services)) {
  for (const Route& r : routes()) router_.add(r.method, std::string(r.pattern), &r);
  csrf_rejections_ = &services_.metrics->counter("parley_csrf_rejections_total",
                                                 "Unsafe requests refused for Origin or CSRF");
}

std::string App::client_ip(const http::Request& req) const {
  if (services_.config->trust_host) {
    // The ingress appends the address it saw: the rightmost entry is the
    // one a client cannot forge.
    if (auto xff = req.header("X-Forwarded-For")) {
      std::string_view v = *xff;
      const auto comma = v.rfind(',');
      if (comma != std::string_view::npos) v.remove_prefix(comma + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (!v.empty() && v.size() <= 64 && http::is_safe_header_value(v)) return std::string(v);
    }
  }
  return req.remote_addr;
}

bool App::is_admin(const auth::ActiveSession& session) const {
  const auto& roles = session.user->roles;
  return std::find(roles.begin(), roles.end(), services_.config->admin_role) != roles.end();
}

bool App::origin_ok(const http::Request& req) const {
  // Browsers always send Origin on unsafe requests.
  auto origin = req.header("Origin");
  return origin && *origin == services_.config->auth_url.text;
}

bool App::csrf_token_ok(const http::Request& req, const RequestContext& ctx) const {
  std::optional<std::string> token;
  if (auto h = req.header("X-CSRF-Token")) {
    token = std::string(*h);
  } else if (auto ct = req.header("Content-Type");
             ct && ct->starts_with("application/x-www-form-urlencoded")) {
    token = form_field(req.body, "csrfToken");
  }
  if (!token || token->empty()) return false;
  const std::string_view session_id = ctx.session ? std::string_view(ctx.session->session_id) : "";
  return services_.csrf->verify(session_id, *token);
}

void App::finish(http::Response& r, const RequestContext& ctx, bool is_api) const {
  if (ctx.session && ctx.session->renewed_cookie) {
    set_cookie(r, services_.session_cookie_name, *ctx.session->renewed_cookie,
               services_.sessions->max_age(), services_.https);
  }
  auto& h = r.headers;
  if (h.get("Content-Security-Policy")) {
    // A page with a policy of its own (the one the issuer may frame): the
    // set is merged, so that X-Frame-Options follows that policy.
    add_security_headers(h, services_.security_headers);
  } else {
    // The usual case: the server writes the process's set after the
    // handler's fields, without copying it into every response.
    r.shared_headers = &services_.security_headers;
  }
  if (!h.get("Cache-Control")) {
    (void)h.add("Cache-Control", is_api || r.status >= 300 ? "no-store" : "no-cache");
  }
}

boost::asio::awaitable<http::Response> App::handle(http::Request& req) {
  RequestContext ctx;
  ctx.client_ip = client_ip(req);
  const bool is_api = is_api_path(req.path) || is_service_api_path(req.path);
  http::Response r = co_await dispatch(req, ctx);
  finish(r, ctx, is_api);
  co_return r;
}

boost::asio::awaitable<http::Response> App::dispatch(http::Request& req, RequestContext& ctx) {
  const bool is_api = is_api_path(req.path);
  const http::Method method = req.method == http::Method::head ? http::Method::get : req.method;
  auto match = router_.match(method, req.path);
  const Route* route = nullptr;
  const bool service_api = is_service_api_path(req.path);
  if (match.route != nullptr) {
    route = *match.route;
    req.params = std::move(match.params);
  } else if (service_api) {
    // OpenAI's clients parse only their own error shape.
    co_return openai_error_response(match.method_not_allowed
                                        ? make_error(errc::app::method_not_allowed)
                                        : make_error(errc::app::no_endpoint));
  } else if (match.method_not_allowed) {
    co_return error_response(errc::app::method_not_allowed);
  } else if (!is_api && method == http::Method::get) {
    route = &kUnknownPage;
  } else {
    co_return error_response(errc::app::no_endpoint);
  }

  // The service API never looks at cookies: a bearer token or nothing.
  if (route->policy == Policy::bearer) co_return co_await dispatch_bearer(*route, req, ctx);

  // The session, when a cookie is present. Bad cookies are simply "signed out".
  bool disabled_user = false;
  if (auto cookie_header = req.header("Cookie")) {
    if (auto value = http::find_cookie(*cookie_header, services_.session_cookie_name)) {
      auto resolved = co_await services_.sessions->resolve(*value);
      if (resolved) {
        ctx.session = std::move(*resolved);
        // Only on the refusal path: a live session costs nothing more.
        if (!ctx.session) disabled_user = services_.sessions->is_disabled_user_cookie(*value);
      } else if (route->policy != Policy::public_) {
        log::error("session.store_unavailable")
            .str("code", resolved.error().code)
            .str("request_id", req.request_id);
        co_return error_response(resolved.error());
      }
    }
  }

  switch (route->policy) {
    case Policy::public_:
      break;
    case Policy::page:
      if (!ctx.session) {
        if (!is_navigation(req)) co_return signed_out_error(disabled_user);
        co_return redirect(sign_in_redirect_for(req));
      }
      break;
    case Policy::session:
      if (!ctx.session) co_return signed_out_error(disabled_user);
      break;
    case Policy::admin:
      if (!ctx.session) co_return signed_out_error(disabled_user);
      if (!is_admin(*ctx.session)) co_return error_response(errc::app::admin_required);
      [[fallthrough]];
    case Policy::session_csrf:
      if (!ctx.session) co_return signed_out_error(disabled_user);
      [[fallthrough]];
    case Policy::origin_csrf:
      // Signed out (an expired or revoked session), the token has nothing to
      // protect: sign-out must still clear the cookie and reach Entra.
      if (is_unsafe(req.method) && (!origin_ok(req) || (ctx.session && !csrf_token_ok(req, ctx)))) {
        csrf_rejections_->inc();
        co_return error_response(errc::app::csrf);
      }
      break;
    case Policy::bearer:  // handled above
    case Policy::unset:
      // Fail closed; route_policy_problems() keeps this out of the table.
      co_return error_response(errc::app::route_without_policy);
  }
  co_return co_await route->handler(services_, req, ctx);
}

}  // namespace parley::app

namespace parley::app {

boost::asio::awaitable<http::Response> App::dispatch_bearer(const Route& route, http::Request& req,
                                                            RequestContext& ctx) {
  const auto authorization = req.header("Authorization");
  const std::string_view token =
      authorization ? auth::bearer_token(*authorization) : std::string_view{};
  if (token.empty()) co_return openai_error_response(make_error(errc::bearer::missing));
  if (services_.bearer == nullptr) {
    co_return openai_error_response(make_error(errc::app::route_without_policy));
  }
  auto caller = co_await services_.bearer->verify(std::string(token));
  if (!caller) {
    // The reason (never the token) helps whoever debugs an integration.
    log::info("bearer.refused")
        .str("code", caller.error().code)
        .str("detail", caller.error().detail)
        .str("request_id", req.request_id);
    co_return openai_error_response(caller.error());
  }
  ctx.caller = std::move(*caller);
  co_return co_await route.handler(services_, req, ctx);
}

}  // namespace parley::app
