#pragma once
// Outbound HTTP/1.1 (OIDC discovery, JWKS, token endpoints, Azure OpenAI
// streaming). One implementation for production and tests: tests point it at
// loopback fixtures, higher layers can use FakeHttpClient
// (tests/support/http/fake_http_client.hpp).
//
// Rules enforced for every request (DESIGN.md "Plain http:// ... only on
// loopback hosts"):
//   - schemes http and https only; userinfo in the URL is refused;
//   - http:// only when the host is loopback (localhost, 127.0.0.0/8, ::1),
//     refused with "http_client.insecure_url" before any network traffic;
//   - TLS always verifies the peer (CA bundle from SSL_CERT_FILE or the
//     system paths) and the host name; TLS 1.2 minimum; SNI sent;
//   - HTTPS_PROXY (HTTP CONNECT) unless NO_PROXY matches; loopback never
//     goes through the proxy.
// Bodies and Authorization headers are never logged (debug lines carry
// method, host, path without query, status and duration).
//
// Error codes: http_client.bad_url, http_client.insecure_url,
// http_client.resolve, http_client.connect, http_client.tls,
// http_client.proxy, http_client.timeout, http_client.protocol (malformed
// response), http_client.too_large, http_client.cancelled,
// http_client.closed (peer closed before a complete response).
//
// Threading: a client and its streams belong to the io_context thread they
// were made for (the server runs one); none of it is thread-safe.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace parley::http {

struct ClientRequest {
  Method method = Method::get;  // Method::other is refused (http_client.bad_url)
  std::string url;
  // Host, Content-Length and Transfer-Encoding are set by the client and
  // ignored here; anything else (User-Agent, Accept-Encoding) overrides the
  // defaults. `Connection: close` keeps the connection out of the pool.
  Headers headers;
  std::string body;
  // send(): the whole exchange (resolve, connect, TLS, request, full body).
  // open(): ignored, StreamTimeouts apply.
  std::chrono::milliseconds timeout{10000};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

struct StreamTimeouts {
  std::chrono::milliseconds connect{10000};     // resolve + TCP + proxy CONNECT + TLS
  std::chrono::milliseconds first_byte{60000};  // request written and response headers read
  std::chrono::milliseconds idle{60000};        // between body reads
};

// A response whose body is read as it arrives (SSE). The connection goes back
// to the client's keep-alive pool after a clean end; otherwise it is closed
// when the stream is destroyed. Do not destroy a stream while read_some() is
// pending.
class ClientStream {
 public:
  virtual ~ClientStream();
  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;
  // The next piece of the body as it arrives (chunked, Content-Length or
  // close-delimited framing removed); std::nullopt at the clean end. Errors:
  // http_client.timeout (idle), http_client.closed (peer closed or reset
  // early), http_client.protocol, http_client.cancelled.
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> read_some() = 0;
  // The same, ending the exchange at `deadline` (http_client.timeout) when
  // no piece came by then: one operation, cheaper than racing a timer
  // against read_some() with an awaitable operator at every piece.
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> read_some(
      std::chrono::steady_clock::time_point deadline) = 0;
  // Aborts the exchange now: closes the socket so the upstream sees the
  // cancel. A pending read_some completes with http_client.cancelled, and so
  // does every later one. Per-operation cancellation (awaitable operators)
  // of a pending read_some also ends the exchange the same way.
  virtual void cancel() = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient();
  // Sends the request and reads the whole response body (at most
  // ClientOptions::max_response_bytes, else http_client.too_large) within
  // request.timeout. Any status is a successful Result.
  virtual boost::asio::awaitable<Result<ClientResponse>> send(ClientRequest request) = 0;
  // Sends the request and returns once the response headers have arrived.
  virtual boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> open(
      ClientRequest request, StreamTimeouts timeouts) = 0;
};

struct ClientOptions {
  std::string https_proxy;  // HTTPS_PROXY / https_proxy; empty = direct
  std::string no_proxy;     // NO_PROXY / no_proxy
  std::string ca_file;      // SSL_CERT_FILE; empty = system default verify paths
  std::size_t max_response_bytes = std::size_t{8} * 1024 * 1024;
  std::string user_agent = "parley";
  // Loopback hosts never use the proxy. Tests set false to drive a local
  // fixture proxy; production leaves it alone.
  bool proxy_bypass_loopback = true;
  std::size_t max_idle_per_origin = 8;
  std::chrono::milliseconds idle_keep_alive{30000};
  // Exact hosts (IP literals) allowed over plain http:// although not
  // loopback. Only the managed-identity credential's own client sets it, to
  // exactly {"169.254.169.254"} (the instance metadata endpoint, which has
  // no TLS); every other client leaves it empty.
  std::vector<std::string> allow_plain_http_hosts;
};

// A variable of the environment, nullopt when unset (config::process_env()
// in production, a map in tests).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// https_proxy/HTTPS_PROXY, no_proxy/NO_PROXY (lower case first, as curl
// does) and SSL_CERT_FILE from `env`. Called once at start-up: the client
// itself never reads the environment.
ClientOptions client_options_from_env(const EnvLookup& env);

// A malformed proxy URL or an unreadable ca_file does not throw: every
// request then fails with http_client.proxy / http_client.tls and the
// problem is logged once at creation.
std::unique_ptr<HttpClient> make_http_client(boost::asio::io_context& io, ClientOptions options);

}  // namespace parley::http
