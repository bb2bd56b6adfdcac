#include "app/handlers.hpp"
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
  Response r;
  r.body = s.metrics->render();
  (void)r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  co_return r;
}

awaitable<Response> openapi(Services&, Request&, RequestContext&) {
  Response r = json_response(200, std::string(openapi_document()));
  (void)r.headers.set("Cache-Control", "public, max-age=300");
  co_return r;
}

}  // namespace parley::app::handlers
