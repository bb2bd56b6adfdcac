#include "observability/metrics.hpp"

#include <gtest/gtest.h>

namespace parley::metrics {
namespace {

TEST(Metrics, RendersPrometheusTextWithHelpTypeAndLabels) {
  Registry r;
  r.counter("parley_sign_ins_total", "Sign-ins", R"(outcome="success")").inc(3);
  r.counter("parley_sign_ins_total", "Sign-ins", R"(outcome="failure")").inc();
  r.gauge("parley_sessions_cached", "Cached sessions", [] { return 7.0; });
  r.counter_fn("parley_http_requests_total", "Requests", [] { return 42.0; });
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE parley_sign_ins_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("# HELP parley_sign_ins_total"), text.rfind("# HELP parley_sign_ins_total"))
      << "one HELP per family";
  EXPECT_NE(text.find("parley_sign_ins_total{outcome=\"success\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("parley_sign_ins_total{outcome=\"failure\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE parley_sessions_cached gauge\nparley_sessions_cached 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE parley_http_requests_total counter\nparley_http_requests_total 42\n"),
            std::string::npos);
}

TEST(Metrics, SameNameAndLabelsIsTheSameCounter) {
  Registry r;
  Counter& a = r.counter("c_total", "h");
  Counter& b = r.counter("c_total", "h");
  a.inc();
  b.inc();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.value(), 2u);
}

}  // namespace
}  // namespace parley::metrics
