#include "app/metrics_endpoint.hpp"

#include "app/errors.hpp"
#include "app/responses.hpp"
#include "app/security_headers.hpp"

namespace parley::app {

http::Response metrics_response(const metrics::Registry& registry) {
  http::Response r;
  r.body = registry.render();
  (void)r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

namespace {

http::Response metrics_only(const metrics::Registry& registry, const http::Request& req) {
  if (req.path != "/metrics") return error_response(errc::app::no_endpoint);
  if (req.method != http::Method::get && req.method != http::Method::head) {
    http::Response r = error_response(errc::app::method_not_allowed);
    (void)r.headers.set("Allow", "GET, HEAD");
    return r;
  }
  return metrics_response(registry);
}

boost::asio::awaitable<http::Response> ready(http::Response r) { co_return r; }

}  // namespace

http::RequestHandler metrics_only_handler(const metrics::Registry& registry,
                                          http::Headers security_headers) {
  // Not a coroutine itself: the response is ready at once.
  return [&registry, security = std::move(security_headers)](http::Request& req) {
    http::Response r = metrics_only(registry, req);
    (void)r.headers.set("Cache-Control", "no-store");
    add_security_headers(r.headers, security);
    return ready(std::move(r));
  };
}

}  // namespace parley::app
