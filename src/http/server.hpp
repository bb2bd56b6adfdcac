#pragma once
// Parley's HTTP/1.1 server (Beast 1.81, C++20 coroutines).
//
// Threading: everything runs on the one thread that runs the io_context
// given to the constructor (Kubernetes scales by replicas). There are no
// strands and no locks: the server, every connection, the handler and
// stats() must all be used from that thread. The handler is called on it.
//
// Per connection: one request at a time (pipelined requests wait in the
// buffer), keep-alive by HTTP/1.1 rules. Limits and timeouts answer with a
// JSON error `{"error":{"code","message"}}` and close the connection:
//   malformed request line, header, chunked body, target, path  400 bad_request
//   header bigger than max_header_bytes                          431 header_too_large
//   body bigger than max_body_bytes                              413 too_large
//   request started but not complete within read_timeout         408 request_timeout
//   handler threw                                                500 internal (what() is logged
//   only)
//   a method the server does not know (TRACE, CONNECT, ...)      405 method_not_allowed
// Those responses also carry ServerOptions::error_headers (the application's
// security headers), since no handler sees them.
// Idle keep-alive connections close after idle_timeout, new connections
// that send nothing after read_timeout.
//
// Every response carries `X-Request-Id: <trace id>` (the trace id of a valid
// incoming `traceparent`, else a new random one) and a `Date`. The server
// owns Content-Length, Transfer-Encoding and Connection: a handler's values
// for those are ignored. HEAD responses carry no body.
//
// Access log: one `http.request` info line per request with request_id,
// method, path (never the query: callback URLs carry authorization codes),
// status, duration_ms, bytes_out (bytes written, header included), remote.
// Never headers, cookies or bodies.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/random.hpp"
#include "core/result.hpp"
#include "http/message.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace parley::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3000;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};   // whole request, and first byte on a new connection
  std::chrono::seconds idle_timeout{75};   // between keep-alive requests
  std::chrono::seconds write_timeout{30};  // each response write / stream chunk
  std::chrono::seconds shutdown_grace{25};
  bool access_log = true;
  // Added to every response the server writes itself (400, 405, 408, 413,
  // 431, 500), after its own Content-Type and Cache-Control: no-store.
  Headers error_headers;
  // The log is block-buffered; the server flushes it this often (0: never).
  std::chrono::milliseconds log_flush_interval{1000};
};

// Counters for /metrics. Read on the io_context thread.
struct ServerStats {
  std::uint64_t requests_total = 0;
  std::uint64_t responses_by_class[6] = {};  // [1]=1xx .. [5]=5xx; [0] unused
  std::uint64_t in_flight = 0;               // requests being handled now
  std::uint64_t duration_count = 0;
  double duration_seconds_sum = 0;
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_active = 0;
  std::uint64_t bad_requests = 0;  // 4xx sent by the server itself (parse, limits)
};

using RequestHandler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, RequestHandler handler,
         parley::Random& random);
  // Closes the acceptor and every connection. Coroutines still parked
  // unwind when the io_context runs again or is destroyed.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: any free port), starts accepting, returns the
  // bound port. Error `http.listen_failed` (detail names the cause).
  Result<std::uint16_t> listen();

  // Stops accepting; idle keep-alive connections close; in-flight requests
  // finish and their responses carry `Connection: close`; streaming
  // handlers see client_gone(). Idempotent.
  void start_shutdown();
  // Completes once every connection is gone, or shutdown_grace after
  // start_shutdown() (remaining sockets are closed then). Call after
  // start_shutdown().
  boost::asio::awaitable<void> drained();

  std::size_t active_connections() const;
  ServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::http
