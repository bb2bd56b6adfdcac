// The handler of the METRICS_PORT listener: /metrics and nothing else.

#include "app/metrics_endpoint.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "support/run_coroutine.hpp"

namespace parley::app {
namespace {

class MetricsOnly : public ::testing::Test {
 protected:
  MetricsOnly() {
    registry.counter("parley_test_total", "A counter for the test").inc();
    (void)security.set("X-Frame-Options", "DENY");
    handler = metrics_only_handler(registry, security);
  }
  http::Response get(http::Method method, const std::string& path) {
    http::Request req;
    req.method = method;
    req.path = path;
    return ::parley::testing::run_on(io, handler(req));
  }

  boost::asio::io_context io;
  metrics::Registry registry;
  http::Headers security;
  http::RequestHandler handler;
};

TEST_F(MetricsOnly, ServesMetricsWithTheSecurityHeaders) {
  const http::Response r = get(http::Method::get, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("parley_test_total 1"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.headers.get("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(r.headers.get("X-Frame-Options").value_or(""), "DENY");
  EXPECT_EQ(get(http::Method::head, "/metrics").status, 200);
}

TEST_F(MetricsOnly, EverythingElseIsNotFound) {
  for (const char* path : {"/", "/healthz", "/readyz", "/api/auth/session", "/metrics/", "/x"}) {
    const http::Response r = get(http::Method::get, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"No such endpoint"}})") << path;
    EXPECT_EQ(r.headers.get("X-Frame-Options").value_or(""), "DENY") << path;
  }
  const http::Response post = get(http::Method::post, "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.get("Allow").value_or(""), "GET, HEAD");
}

}  // namespace
}  // namespace parley::app
