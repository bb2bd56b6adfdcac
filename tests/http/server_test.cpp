// The Beast server over real loopback sockets. The server runs on its own
// io_context thread; the test speaks raw bytes through blocking POSIX
// sockets with poll() deadlines, so malformed input is exactly what is sent.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/http/status.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "core/random.hpp"
#include "http/response_head.hpp"
#include "observability/log.hpp"

namespace parley::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace std::string_literals;
using Steady = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A blocking loopback client with deadlines on every read.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Abortive close: RST instead of FIN.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads whatever arrives within `timeout` into the buffer; false on EOF/error/timeout.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  // Reads until `needle` is buffered; returns everything up to and including it.
  std::optional<std::string> read_until(std::string_view needle,
                                        std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Steady::now() + timeout;
    while (true) {
      if (const auto pos = in_.find(needle); pos != std::string::npos) {
        std::string out = in_.substr(0, pos + needle.size());
        in_.erase(0, pos + needle.size());
        return out;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      if (left <= 0ms || !fill(left)) return std::nullopt;
    }
  }

  // One response with a Content-Length body (or none): header + body.
  struct Reply {
    std::string head;
    std::string body;
    int status = 0;
    std::string header(std::string_view name) const {
      const std::string key = "\r\n" + std::string(name) + ": ";
      const auto pos = head.find(key);
      if (pos == std::string::npos) return {};
      const auto start = pos + key.size();
      return head.substr(start, head.find("\r\n", start) - start);
    }
  };
  std::optional<Reply> read_response(bool head_request = false,
                                     std::chrono::milliseconds timeout = 5s) {
    auto head = read_until("\r\n\r\n", timeout);
    if (!head) return std::nullopt;
    Reply r;
    r.head = *head;
    if (r.head.size() > 12) r.status = std::stoi(r.head.substr(9, 3));
    const std::string length = r.header("Content-Length");
    const std::size_t n = (length.empty() || head_request) ? 0 : std::stoul(length);
    const auto deadline = Steady::now() + timeout;
    while (in_.size() < n) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      if (left <= 0ms || !fill(left)) return std::nullopt;
    }
    r.body = in_.substr(0, n);
    in_.erase(0, n);
    return r;
  }

  // True when the server closes the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = Steady::now() + timeout;
    while (!eof_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      if (left <= 0ms) return false;
      if (!fill(left) && !eof_) return false;
    }
    return true;
  }

  const std::string& buffered() const { return in_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string in_;
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Steady::now() + timeout;
  while (Steady::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);  // polling with a deadline, not a fixed sleep
  }
  return pred();
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

class HttpServer : public ::testing::Test {
 protected:
  // Runs `f` on the server thread and waits for it.
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  void start(RequestHandler handler, ServerOptions opts = {}) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.log_flush_interval = 0ms;
    server_ = std::make_unique<Server>(io_, opts, std::move(handler), random_);
    auto port = server_->listen();
    ASSERT_TRUE(port.has_value());
    port_ = *port;
    thread_ = std::thread([this] {
      io_.run();
      io_done_ = true;
    });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    on_io([this] { server_.reset(); });
    work_.reset();
    // Handlers parked on long timers would keep run() going: stop after a while.
    if (!eventually([this] { return io_done_.load(); }, 3s)) io_.stop();
    thread_.join();
    log::set_sink(nullptr);
  }

  ServerStats stats() {
    return on_io([this] { return server_->stats(); });
  }
  std::string captured_log() {
    return on_io([this] { return log_; });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  OpenSslRandom random_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> io_done_{false};
  std::string log_;
};

RequestHandler echo_handler() {
  return [](Request& req) -> asio::awaitable<Response> {
    Response r;
    if (req.path == "/throw") throw std::runtime_error("SECRET-DETAIL from the handler");
    r.body = "hello " + req.path;
    if (!req.query.empty()) r.body += " q=" + req.query;
    (void)r.headers.set("Content-Type", "text/plain");
    (void)r.headers.set("X-Seen-Request-Id", req.request_id);
    if (auto c = req.header("Cookie")) (void)r.headers.set("X-Seen-Cookie", *c);
    // A handler that bypassed the safe setters must still not inject lines.
    r.headers.append_parsed("X-Evil", "a\r\nSet-Cookie: injected=1");
    r.headers.append_parsed("Content-Length", "999");
    co_return r;
  };
}

// The pure reason-phrase table replaced Beast's: the wire must not change.
TEST(ResponseHeadReason, MatchesBeastForEveryStatus) {
  namespace bhttp = boost::beast::http;
  for (int status = 100; status <= 599; ++status) {
    const std::string_view beast =
        bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
    const std::string_view want = (beast.empty() || beast.front() == '<') ? "Status" : beast;
    EXPECT_EQ(reason_phrase(status), want) << status;
  }
}

TEST_F(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(r1->body, "hello /one");
  EXPECT_EQ(r1->header("Content-Length"), "10");
  EXPECT_EQ(r1->header("X-Request-Id").size(), 32u);
  EXPECT_EQ(r1->header("X-Request-Id"), r1->header("X-Seen-Request-Id"));
  EXPECT_THAT(r1->head, HasSubstr("\r\nDate: "));
  EXPECT_THAT(r1->head, Not(HasSubstr("Connection: close")));
  EXPECT_THAT(r1->head, Not(HasSubstr("injected")));
  EXPECT_THAT(r1->head, Not(HasSubstr("X-Evil")));
  ASSERT_TRUE(c.send("GET /two%20x?a=b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "hello /two x q=a=b");
  EXPECT_NE(r1->header("X-Request-Id"), r2->header("X-Request-Id"));
}

TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  for (const char* want : {"hello /a", "hello /b", "hello /c"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, want);
  }
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(HttpServer, HeadResponseHasLengthButNoBody) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response(/*head_request=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("Content-Length"), "8");
  ASSERT_TRUE(c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "hello /after");  // nothing stray was sent for the HEAD
}

TEST_F(HttpServer, Http10ClosesUnlessKeepAliveAsked) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /x HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_THAT(r->head, StartsWith("HTTP/1.0 200"));
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(HttpServer, MultipleCookieHeadersAreJoined) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("X-Seen-Cookie"), "a=1; b=2");
}

TEST_F(HttpServer, ValidTraceparentBecomesTheRequestId) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("GET / HTTP/1.1\r\nHost: x\r\n"
             "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("X-Request-Id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(
      c.send("GET / HTTP/1.1\r\nHost: x\r\n"
             "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->header("X-Request-Id").size(), 32u);
  EXPECT_NE(r2->header("X-Request-Id"), "00000000000000000000000000000000");
}

TEST_F(HttpServer, MalformedRequestsGet4xxAndTheServerKeepsServing) {
  start(echo_handler());
  struct Case {
    std::string request;
    int status;
  };
  const Case cases[] = {
      {"GET\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
       400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
      {"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"s, 400},
      {"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /%4 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET relative HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET / HTTP/7.1\r\nHost: x\r\n\r\n", 400},
      {"GET / JUNK/1.1\r\nHost: x\r\n\r\n", 400},
      {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400},  // TLS on the plain port
      {"GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
      {"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request);
    RawClient bad(port_);
    ASSERT_TRUE(bad.send(c.request));
    auto r = bad.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status);
    EXPECT_EQ(r->header("Content-Type"), "application/json");
    if (c.status == 400) {
      EXPECT_EQ(r->body, R"({"error":{"code":"bad_request","message":"Malformed request"}})");
      EXPECT_TRUE(bad.closed_within(3s));
    }
    RawClient good(port_);
    ASSERT_TRUE(good.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto ok = good.read_response();
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
  }
}

TEST_F(HttpServer, AbsoluteFormTargetUsesItsPath) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET http://example.test/abs?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /abs q=x=1");
}

TEST_F(HttpServer, HeaderOverLimitGets431) {
  ServerOptions opts;
  opts.max_header_bytes = 1024;
  start(echo_handler(), opts);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_THAT(r->body, HasSubstr(R"("code":"header_too_large")"));
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(HttpServer, BodyOverLimitGets413) {
  ServerOptions opts;
  opts.max_body_bytes = 100;
  start(echo_handler(), opts);
  {
    RawClient c(port_);
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" +
                       std::string(101, 'a')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_THAT(r->body, HasSubstr(R"("code":"too_large")"));
  }
  {
    RawClient c(port_);
    ASSERT_TRUE(
        c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "64\r\n" +
               std::string(100, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    RawClient c(port_);
    ASSERT_TRUE(c.send("POST /fits HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" +
                       std::string(100, 'a')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(HttpServer, ExpectContinueGetsInterimResponse) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_until("\r\n\r\n");
  ASSERT_TRUE(interim);
  EXPECT_THAT(*interim, StartsWith("HTTP/1.1 100 Continue"));
  ASSERT_TRUE(c.send("abc"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServer, HandlerExceptionGives500WithoutItsMessage) {
  log::set_sink(&log_);
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":{"code":"internal","message":"Internal server error"}})");
  EXPECT_THAT(r->head + r->body, Not(HasSubstr("SECRET-DETAIL")));
  EXPECT_THAT(captured_log(), HasSubstr("http.handler_exception"));
  // The connection survives a handler failure.
  ASSERT_TRUE(c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
}

TEST_F(HttpServer, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions opts;
  opts.idle_timeout = 1s;
  start(echo_handler(), opts);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  const auto t0 = Steady::now();
  EXPECT_TRUE(c.closed_within(10s));
  EXPECT_GE(Steady::now() - t0, 900ms);
  EXPECT_TRUE(eventually([this] { return stats().connections_active == 0; }));
}

TEST_F(HttpServer, PartialRequestTimesOutWith408) {
  ServerOptions opts;
  opts.read_timeout = 1s;
  start(echo_handler(), opts);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n"));
  auto r = c.read_response(false, 10s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_within(10s));
}

// Every response the server writes itself carries ServerOptions::error_headers
// (in Parley: the app's security headers), after its own Content-Type and
// Cache-Control; a handler's response is left as the handler made it.
TEST_F(HttpServer, ServerGeneratedResponsesCarryTheErrorHeaders) {
  ServerOptions opts;
  opts.max_header_bytes = 1024;
  opts.max_body_bytes = 100;
  opts.read_timeout = 1s;
  ASSERT_TRUE(opts.error_headers.set("Content-Security-Policy", "default-src 'none'"));
  ASSERT_TRUE(opts.error_headers.set("X-Frame-Options", "DENY"));
  ASSERT_TRUE(opts.error_headers.set("Cache-Control", "public"));  // never over no-store
  start(
      [](Request& req) -> asio::awaitable<Response> {
        if (req.path == "/throw") throw std::runtime_error("handler failed");
        Response r;
        r.status = req.path == "/bad-status" ? 99 : 200;
        r.body = "ok";
        co_return r;
      },
      opts);
  struct Case {
    std::string request;
    int status;
  };
  const Case cases[] = {
      {"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
      {"GET / HTTP/1.1\r\nHost: x\r\n", 408},  // never completed
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + std::string(101, 'a'), 413},
      {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2048, 'a') + "\r\n\r\n", 431},
      {"GET /throw HTTP/1.1\r\nHost: x\r\n\r\n", 500},
      {"GET /bad-status HTTP/1.1\r\nHost: x\r\n\r\n", 500},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 40));
    RawClient client(port_);
    ASSERT_TRUE(client.send(c.request));
    auto r = client.read_response(false, 4s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status);
    EXPECT_EQ(r->header("Content-Security-Policy"), "default-src 'none'");
    EXPECT_EQ(r->header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r->header("Cache-Control"), "no-store");
    EXPECT_EQ(r->header("Content-Type"), "application/json");
  }
  RawClient plain(port_);
  ASSERT_TRUE(plain.send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = plain.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("X-Frame-Options"), "");
}

TEST_F(HttpServer, SilentNewConnectionIsClosedAfterReadTimeout) {
  ServerOptions opts;
  opts.read_timeout = 1s;
  start(echo_handler(), opts);
  RawClient c(port_);
  EXPECT_TRUE(c.closed_within(10s));
  EXPECT_TRUE(c.buffered().empty());
}

// Streaming: the handler writes "first", then waits for the test's go
// before writing "second"; records whether it saw the client go away.
struct StreamProbe {
  std::atomic<bool> go{false};
  std::atomic<bool> saw_gone{false};
  std::atomic<bool> finished{false};
  std::atomic<long> gone_after_ms{-1};
  std::atomic<bool> second_write_ok{true};
};

RequestHandler streaming_handler(StreamProbe& probe) {
  return [&probe](Request& req) -> asio::awaitable<Response> {
    Response r;
    (void)r.headers.set("Content-Type", "text/event-stream");
    const bool park = req.path == "/park";
    r.stream = [&probe, park](ResponseStream& s) -> asio::awaitable<void> {
      (void)co_await s.write("event: a\ndata: first\n\n");
      if (park) {
        // Parked as if waiting on a slow upstream: only the client leaving ends it.
        using namespace asio::experimental::awaitable_operators;
        const auto t0 = Steady::now();
        co_await (s.wait_client_gone() || sleep_for(30s));
        probe.gone_after_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - t0).count();
        probe.saw_gone = s.client_gone();
        probe.second_write_ok = co_await s.write("late");
      } else {
        while (!probe.go) co_await sleep_for(5ms);
        (void)co_await s.write("event: b\ndata: second\n\n");
      }
      probe.finished = true;
    };
    co_return r;
  };
}

TEST_F(HttpServer, StreamingDeliversChunksIncrementally) {
  StreamProbe probe;
  start(streaming_handler(probe));
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto head = c.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_THAT(*head, HasSubstr("Transfer-Encoding: chunked"));
  EXPECT_THAT(*head, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(*head, Not(HasSubstr("Content-Length")));
  auto first = c.read_until("data: first\n\n\r\n");
  ASSERT_TRUE(first);  // arrived while the handler still waits for `go`
  EXPECT_FALSE(probe.finished);
  probe.go = true;
  auto second = c.read_until("data: second\n\n\r\n");
  ASSERT_TRUE(second);
  auto last = c.read_until("0\r\n\r\n");
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, "0\r\n\r\n");
  // Keep-alive after a stream.
  ASSERT_TRUE(c.send("GET /s2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(c.read_until("\r\n\r\n"));
}

// A handler that fails after the head was sent aborts: the client gets no
// terminating chunk and the connection closes, so a download ends as failed
// instead of as a shorter, complete-looking body.
TEST_F(HttpServer, AbortedStreamEndsWithoutTheTerminatingChunk) {
  std::atomic<bool> later_write_ok{true};
  start([&later_write_ok](Request&) -> asio::awaitable<Response> {
    Response r;
    r.stream = [&later_write_ok](ResponseStream& s) -> asio::awaitable<void> {
      (void)co_await s.write("{\"partial\":");
      s.abort();
      later_write_ok = co_await s.write("ignored");
    };
    co_return r;
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /export HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("{\"partial\":\r\n"));
  EXPECT_TRUE(c.closed_within(5s));
  EXPECT_EQ(c.buffered().find("0\r\n\r\n"), std::string::npos);
  EXPECT_EQ(c.buffered().find("ignored"), std::string::npos);
  EXPECT_FALSE(later_write_ok);
}

// The parked handler only finishes when it learns that the client went away
// (nothing else wakes it): finishing at all is the rule. The bounds are
// generous so that a loaded machine cannot fail it.
TEST_F(HttpServer, StreamingHandlerSeesClientDisconnect) {
  StreamProbe probe;
  start(streaming_handler(probe));
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("data: first\n\n\r\n"));
  c.close();
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }, 10s));
  EXPECT_TRUE(probe.saw_gone);
  EXPECT_FALSE(probe.second_write_ok);
  EXPECT_TRUE(eventually([this] { return stats().connections_active == 0; }));
}

TEST_F(HttpServer, StreamingHandlerSeesClientReset) {
  StreamProbe probe;
  start(streaming_handler(probe));
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("data: first\n\n\r\n"));
  c.reset();
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }, 10s));
  EXPECT_TRUE(probe.saw_gone);
}

TEST_F(HttpServer, GracefulShutdownFinishesInFlightAndRefusesNewConnections) {
  std::atomic<bool> release{false};
  start([&release](Request& req) -> asio::awaitable<Response> {
    if (req.path == "/slow") {
      while (!release) co_await sleep_for(5ms);
    }
    Response r;
    r.body = "done " + req.path;
    co_return r;
  });
  RawClient idle(port_);
  ASSERT_TRUE(idle.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  RawClient slow(port_);
  ASSERT_TRUE(slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([this] { return stats().in_flight == 1; }));

  std::atomic<bool> drained{false};
  on_io([&] {
    server_->start_shutdown();
    asio::co_spawn(
        io_,
        [](Server& s, std::atomic<bool>& flag) -> asio::awaitable<void> {
          co_await s.drained();
          flag = true;
        }(*server_, drained),
        asio::detached);
  });
  // Closed at once (else it would stay until the 75 s idle timeout).
  EXPECT_TRUE(idle.closed_within(10s));
  RawClient late(port_);
  EXPECT_FALSE(late.connected());
  EXPECT_FALSE(drained);

  release = true;
  auto r = slow.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done /slow");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(slow.closed_within(2s));
  EXPECT_TRUE(eventually([&] { return drained.load(); }));
}

TEST_F(HttpServer, ShutdownTellsStreamingHandlersToWindDown) {
  StreamProbe probe;
  start(streaming_handler(probe));
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("data: first\n\n\r\n"));
  on_io([this] { server_->start_shutdown(); });
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }, 10s));
  EXPECT_TRUE(probe.saw_gone);
  EXPECT_TRUE(probe.second_write_ok);  // still allowed to say goodbye
  EXPECT_TRUE(c.read_until("late\r\n"));
  EXPECT_TRUE(c.read_until("0\r\n\r\n"));
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(HttpServer, ShutdownGraceClosesStragglers) {
  start(
      [](Request&) -> asio::awaitable<Response> {
        co_await sleep_for(60s);  // only the grace can end it
        co_return Response{};
      },
      [] {
        ServerOptions o;
        o.shutdown_grace = 1s;
        return o;
      }());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([this] { return stats().in_flight == 1; }));
  std::atomic<bool> drained{false};
  const auto t0 = Steady::now();
  on_io([&] {
    server_->start_shutdown();
    asio::co_spawn(
        io_,
        [](Server& s, std::atomic<bool>& flag) -> asio::awaitable<void> {
          co_await s.drained();
          flag = true;
        }(*server_, drained),
        asio::detached);
  });
  EXPECT_TRUE(eventually([&] { return drained.load(); }, 20s));
  EXPECT_GE(Steady::now() - t0, 900ms);
  EXPECT_TRUE(c.closed_within(10s));
}

TEST_F(HttpServer, AccessLogHasPathWithoutQueryAndNoSecrets) {
  log::set_sink(&log_);
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("GET /api/auth/callback/microsoft-entra-id?code=SECRETCODE&state=STATEVAL HTTP/1.1\r\n"
             "Host: x\r\nCookie: parley.session=COOKIESECRET\r\n"
             "Authorization: Bearer TOKENSECRET\r\nUser-Agent: UASECRET\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  // The line is written once the response is out: poll for it.
  ASSERT_TRUE(
      eventually([this] { return captured_log().find("http.request") != std::string::npos; }));
  const std::string log = captured_log();
  EXPECT_THAT(log, HasSubstr(R"("msg":"http.request")"));
  EXPECT_THAT(log, HasSubstr(R"("path":"/api/auth/callback/microsoft-entra-id")"));
  EXPECT_THAT(log, HasSubstr(R"("method":"GET")"));
  EXPECT_THAT(log, HasSubstr(R"("status":200)"));
  EXPECT_THAT(log, HasSubstr(R"("remote":"127.0.0.1")"));
  EXPECT_THAT(log, HasSubstr(R"("duration_ms":)"));
  EXPECT_THAT(log, HasSubstr(R"("bytes_out":)"));
  EXPECT_THAT(log, HasSubstr("\"request_id\":\"" + r->header("X-Request-Id") + "\""));
  for (const char* secret : {"SECRETCODE", "STATEVAL", "COOKIESECRET", "TOKENSECRET", "UASECRET"}) {
    EXPECT_THAT(log, Not(HasSubstr(secret))) << secret;
  }
}

TEST_F(HttpServer, AccessLogCanBeSwitchedOff) {
  log::set_sink(&log_);
  ServerOptions opts;
  opts.access_log = false;
  start(echo_handler(), opts);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(eventually([this] { return stats().requests_total == 1; }));
  EXPECT_THAT(captured_log(), Not(HasSubstr("http.request")));
}

TEST_F(HttpServer, StatsCountRequestsByStatusClass) {
  start(echo_handler());
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(eventually([this] { return stats().requests_total == 2; }));
  const auto s = stats();
  EXPECT_EQ(s.requests_total, 2u);
  EXPECT_EQ(s.responses_by_class[2], 1u);
  EXPECT_EQ(s.responses_by_class[5], 1u);
  EXPECT_EQ(s.duration_count, 2u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.connections_accepted, 1u);
}

TEST_F(HttpServer, ListenFailsOnAPortInUse) {
  start(echo_handler());
  asio::io_context other;
  ServerOptions opts;
  opts.host = "127.0.0.1";
  opts.port = port_;
  Server second(other, opts, echo_handler(), random_);
  auto r = second.listen();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "http.listen_failed");
}

TEST_F(HttpServer, DestroyingTheServerWithAHandlerParkedIsSafe) {
  // TearDown destroys the server, then stops the io_context with the
  // handler still parked, then destroys the io_context: no crash, no leak.
  start([](Request&) -> asio::awaitable<Response> {
    co_await sleep_for(60s);
    co_return Response{};
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([this] { return stats().in_flight == 1; }));
}

}  // namespace
}  // namespace parley::http
