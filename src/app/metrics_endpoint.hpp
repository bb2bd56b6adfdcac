#pragma once
// GET /metrics (Prometheus text format), and the second listener that serves
// it alone when METRICS_PORT is set (DESIGN.md "Configuration"; decision
// 0007-rough-edges): there, GET/HEAD /metrics answers and every other path
// is a 404 JSON error (another method on /metrics: 405), while the main
// listener answers /metrics with 404.

#include "http/message.hpp"
#include "http/server.hpp"
#include "observability/metrics.hpp"

namespace parley::app {

http::Response metrics_response(const metrics::Registry& registry);

// The request handler of the metrics listener. Its responses carry
// `security_headers` (the app's set) and Cache-Control: no-store. Runs on the
// io_context thread like the registry's readers.
http::RequestHandler metrics_only_handler(const metrics::Registry& registry,
                                          http::Headers security_headers);

}  // namespace parley::app
