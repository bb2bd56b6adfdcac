// Micro-benchmarks for the per-request HTTP work around a handler, in the
// order the server runs it for GET /api/auth/session: request-target check,
// the response headers App::finish completes (the security set through
// Headers::add_missing, Cache-Control), the response head, and the JSON
// access-log line. Each reports its heap allocations per iteration
// ("allocs"), which do not drift with the machine's load as times do.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "http/message.hpp"
#include "http/request_target.hpp"
#include "http/response_head.hpp"
#include "observability/log.hpp"

namespace {
std::atomic<std::int64_t> g_allocs{0};
}  // namespace

// Counting allocator for this benchmark binary only.
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace parley;

// Allocations per iteration, as a benchmark counter.
class AllocCounter {
 public:
  explicit AllocCounter(benchmark::State& state) : state_(state), start_(g_allocs.load()) {}
  ~AllocCounter() {
    state_.counters["allocs"] = benchmark::Counter(static_cast<double>(g_allocs.load() - start_),
                                                   benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::int64_t start_;
};

// The set app::security_headers() builds for an https AUTH_URL.
const http::Headers& security_set() {
  static const http::Headers h = [] {
    http::Headers s;
    (void)s.set("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                "form-action 'self' https://login.microsoftonline.com; frame-ancestors 'none'");
    (void)s.set("X-Content-Type-Options", "nosniff");
    (void)s.set("Referrer-Policy", "strict-origin-when-cross-origin");
    (void)s.set("X-Frame-Options", "DENY");
    (void)s.set("Cross-Origin-Opener-Policy", "same-origin");
    (void)s.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    return s;
  }();
  return h;
}

// What app::json_response + App::finish leave on a session response: the
// handler's fields and Cache-Control; the security set stays where it is
// (Response::shared_headers) and the response head writes it.
http::Headers finished_headers() {
  http::Headers h;
  (void)h.set("Content-Type", "application/json");
  if (!h.get("Cache-Control")) (void)h.add("Cache-Control", "no-store");
  return h;
}

void BM_ParseRequestTarget(benchmark::State& state) {
  AllocCounter allocs(state);
  for (auto _ : state) {
    auto t = http::parse_request_target("/api/auth/session", http::Method::get);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ParseRequestTarget);

void BM_FinishHeaders(benchmark::State& state) {
  (void)security_set();  // built once, outside the count
  AllocCounter allocs(state);
  for (auto _ : state) {
    http::Headers h = finished_headers();
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_FinishHeaders);

void BM_BuildResponseHead(benchmark::State& state) {
  const http::Headers h = finished_headers();
  std::string head;  // the connection's reused buffer
  http::HeadFields fields;
  fields.date = "Thu, 03 Dec 2026 22:00:00 GMT";
  fields.request_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  fields.content_length = 160;
  AllocCounter allocs(state);
  for (auto _ : state) {
    http::build_response_head(head, fields, h, &security_set());
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_BuildResponseHead);

void BM_AccessLogLine(benchmark::State& state) {
  std::string sink;
  sink.reserve(1 << 20);
  log::set_sink(&sink);
  AllocCounter allocs(state);
  for (auto _ : state) {
    log::info("http.request")
        .str("request_id", "4bf92f3577b34da6a3ce929d0e0e4736")
        .str("method", "GET")
        .str("path", "/api/auth/session")
        .num("status", 200)
        .real("duration_ms", 0.042)
        .num("bytes_out", 812)
        .str("remote", "127.0.0.1");
    if (sink.size() > (1 << 19)) sink.clear();  // stays within the reserved capacity
  }
  log::set_sink(nullptr);
}
BENCHMARK(BM_AccessLogLine);

}  // namespace

BENCHMARK_MAIN();
