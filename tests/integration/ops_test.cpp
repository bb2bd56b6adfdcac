// The operational surface of a running parley: security headers on every
// response, including those the HTTP server writes itself; /metrics on its
// own listener with METRICS_PORT.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

// A response read off a raw socket, for requests no HTTP library would send.
struct RawReply {
  int status = 0;
  std::string head;  // lower-cased status line and header fields
  std::string header(const std::string& name) const {
    const std::string key = "\r\n" + name + ": ";
    const auto at = head.find(key);
    if (at == std::string::npos) return {};
    const auto start = at + key.size();
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

// Sends `request` as is and reads one response.
RawReply raw_request(int port, const std::string& request) {
  RawReply out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  std::string_view rest = request;
  while (!rest.empty()) {
    const auto n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and stop reading early
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  // Until the header and its Content-Length body are in (or the server closes).
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto end = in.find("\r\n\r\n"); end != std::string::npos) {
      out.head = in.substr(0, end + 2);
      std::transform(out.head.begin(), out.head.end(), out.head.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const std::string length = out.header("content-length");
      if (!length.empty() && in.size() >= end + 4 + std::stoul(length)) break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[8192];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.head.size() > 12) out.status = std::stoi(out.head.substr(9, 3));
  return out;
}

// Whoever writes the response — a handler, the router, or the HTTP server
// rejecting what it could not parse — the security headers are there.
TEST_F(E2E, EveryErrorResponseCarriesTheSecurityHeaders) {
  struct Case {
    std::string request;
    int status;
  };
  const std::string host = "Host: 127.0.0.1\r\n";
  const Case cases[] = {
      {"GET /%zz HTTP/1.1\r\n" + host + "\r\n", 400},   // server
      {"TRACE / HTTP/1.1\r\n" + host + "\r\n", 405},    // server
      {"POST /api/conversations HTTP/1.1\r\n" + host +  // server
           "Content-Length: 1048577\r\n\r\n",
       413},
      {"GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n", 431},
      {"PUT /healthz HTTP/1.1\r\n" + host + "Content-Length: 0\r\nConnection: close\r\n\r\n",
       405},  // router
      {"GET /api/nothing-here HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", 404},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 30));
    const RawReply r = raw_request(parley().port(), c.request);
    EXPECT_EQ(r.status, c.status) << r.head;
    EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos)
        << r.head;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin");
    EXPECT_EQ(r.header("x-frame-options"), "deny");
    EXPECT_EQ(r.header("cross-origin-opener-policy"), "same-origin");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_EQ(r.header("content-type"), "application/json");
  }
  // The server still serves.
  EXPECT_EQ(browser().get("/healthz").status, 200);
}

// With METRICS_PORT, /metrics is served there only (same address), and the
// main port answers it like any unknown path.
TEST_F(E2E, MetricsPortServesMetricsAloneAndTheMainPortNoLonger) {
  const int metrics_port = free_port();
  ParleyOptions o;
  o.database_url = database_url();
  o.issuer = idp().issuer();
  o.env["METRICS_PORT"] = std::to_string(metrics_port);
  Parley p(o);
  ASSERT_TRUE(p.process().wait_for_output("\"metrics.listening\"", 5s)) << p.log();

  Browser scraper(metrics_port);
  const HttpResult scraped = scraper.get("/metrics");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_NE(scraped.body.find("parley_http_requests_total"), std::string::npos) << scraped.body;
  EXPECT_TRUE(scraped.header("content-type").starts_with("text/plain; version=0.0.4"));
  EXPECT_EQ(scraped.header("x-content-type-options"), "nosniff");
  for (const char* path : {"/healthz", "/readyz", "/", "/api/auth/session", "/api/openapi.json"}) {
    const HttpResult other = scraper.get(path);
    EXPECT_EQ(other.status, 404) << path;
    EXPECT_NE(other.body.find("\"not_found\""), std::string::npos) << path;
  }

  Browser main(p.port());
  const HttpResult hidden = main.get("/metrics");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_NE(hidden.body.find("\"not_found\""), std::string::npos) << hidden.body;
  EXPECT_EQ(hidden.header("x-frame-options"), "DENY");
  EXPECT_EQ(main.get("/healthz").status, 200);
  EXPECT_EQ(main.get("/readyz").status, 200);

  // Both listeners stop on SIGTERM.
  EXPECT_EQ(p.process().terminate(10s), 0);
  EXPECT_FALSE(wait_http_status(metrics_port, "/metrics", 200, 200ms));
}

TEST_F(E2E, WithoutMetricsPortTheMainPortServesMetrics) {
  const HttpResult r = browser().get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("parley_http_requests_total"), std::string::npos);
}

TEST_F(E2E, BadMetricsPortExitsWithStatus2NamingIt) {
  for (const std::string value : {"70000", "metrics", "3999"}) {  // 3999: the PORT below
    auto env = parley_env(database_url(), idp().issuer(), 3999);
    env["METRICS_PORT"] = value;
    CommandResult r = run_parley_command({"serve"}, env);
    EXPECT_EQ(r.status, 2) << value << ": " << r.output;
    EXPECT_TRUE(r.output.starts_with("parley: configuration error: METRICS_PORT: ")) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

}  // namespace
}  // namespace parley::testing
