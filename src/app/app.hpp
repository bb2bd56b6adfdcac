#pragma once
// The request pipeline, in this order: route match -> session (from the
// cookie, no query when cached; /v1: the bearer token instead, never a cookie) -> policy (routes.hpp: redirect / 401 / 403
// / Origin + CSRF) -> handler -> renewed cookie, security headers. The access
// log and the request id are the server's job.

#include <boost/asio/awaitable.hpp>

#include "app/routes.hpp"
#include "app/services.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace parley::app {

class App {
 public:
  explicit App(Services services);
  boost::asio::awaitable<http::Response> handle(http::Request& req);
  Services& services() { return services_; }

 private:
  boost::asio::awaitable<http::Response> dispatch(http::Request& req, RequestContext& ctx);
  // Policy::bearer: the access token -> ctx.caller, or an OpenAI-shaped 401/403.
  boost::asio::awaitable<http::Response> dispatch_bearer(const Route& route, http::Request& req,
                                                         RequestContext& ctx);
  // The session's roles (stored at sign-in) contain config.admin_role.
  bool is_admin(const auth::ActiveSession& session) const;
  bool origin_ok(const http::Request& req) const;
  bool csrf_token_ok(const http::Request& req, const RequestContext& ctx) const;
  void finish(http::Response& r, const RequestContext& ctx, bool is_api) const;
  std::string client_ip(const http::Request& req) const;

  Services services_;
  http::Router<const Route*> router_;
  metrics::Counter* csrf_rejections_ = nullptr;
};

// Where a signed-out page request is sent: the sign-in route with the
// requested path (and query) as callbackUrl.
std::string sign_in_redirect_for(const http::Request& req);

// Whether a page request is the browser navigating (Sec-Fetch-Mode absent or
// "navigate"). Only navigations are sent to sign-in: an image, script or
// fetch the browser makes on its own (a favicon under a signed-out page) gets
// 401, never a redirect into Entra that the page's CSP would then block.
bool is_navigation(const http::Request& req);

}  // namespace parley::app
