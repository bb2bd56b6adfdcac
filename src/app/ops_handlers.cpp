#include "app/errors.hpp"
#include "app/handlers.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/openapi.hpp"
#include "app/responses.hpp"

namespace parley::app::handlers {

awaitable<Response> healthz(Services&, Request&, RequestContext&) {
  co_return json_response(200, "{\"status\":\"ok\"}");
}

awaitable<Response> readyz(Services& s, Request&, RequestContext&) {
  Readiness r = co_await s.readiness();
  if (!r.ok) {
    co_return json_response(503, "{\"status\":\"unavailable\",\"detail\":" + json_quote(r.detail) + "}");
  }
  co_return json_response(200, "{\"status\":\"ok\"}");
}

awaitable<Response> metrics(Services& s, Request&, RequestContext&) {
  // With METRICS_PORT, /metrics is served on that listener only.
  if (s.config->metrics_port) co_return error_response(errc::app::no_endpoint);
  co_return metrics_response(*s.metrics);
}

awaitable<Response> openapi(Services&, Request&, RequestContext&) {
  Response r = json_response(200, std::string(openapi_document()));
  (void)r.headers.set("Cache-Control", "public, max-age=300");
  co_return r;
}

}  // namespace parley::app::handlers
