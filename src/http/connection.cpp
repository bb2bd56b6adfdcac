// One accepted socket: read a request, hand it to the handler, write the
// response (plain or streamed), log it, repeat while keep-alive allows.
#include <charconv>
#include <exception>
#include <iterator>

#include "core/ascii.hpp"
#include "http/request_target.hpp"
#include "http/server_internal.hpp"
#include "http/traceparent.hpp"
#include "observability/log.hpp"

namespace parley::http {

namespace {

constexpr std::size_t kReadChunk = 8 * 1024;
// After an error response: how long to drain what the client still sends
// before closing, so that the kernel does not answer unread data with a
// RST that destroys the response in flight (lingering close, RFC 9112 9.6).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

Method to_method(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::get;
    case bhttp::verb::head:
      return Method::head;
    case bhttp::verb::post:
      return Method::post;
    case bhttp::verb::put:
      return Method::put;
    case bhttp::verb::patch:
      return Method::patch;
    case bhttp::verb::delete_:
      return Method::delete_;
    case bhttp::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

class ChunkedStream final : public ResponseStream {
 public:
  ChunkedStream(Connection& c, bool chunked) : c_(c), chunked_(chunked) {}

  asio::awaitable<bool> write(std::string_view chunk) override {
    if (c_.peer_gone || aborted) co_return false;
    // An empty chunk would be the terminating chunk: nothing to send.
    if (chunk.empty()) co_return true;
    bool ok;
    if (chunked_) {
      char size_line[20];
      auto r = std::to_chars(size_line, size_line + 16, chunk.size(), 16);
      *r.ptr++ = '\r';
      *r.ptr++ = '\n';
      ok = co_await c_.write_all(
          std::string_view(size_line, static_cast<std::size_t>(r.ptr - size_line)), chunk, "\r\n");
    } else {
      ok = co_await c_.write_all(chunk);
    }
    if (!ok) c_.mark_gone();
    co_return ok;
  }
  bool client_gone() const override { return c_.peer_gone || c_.told_to_stop; }
  void abort() override { aborted = true; }
  bool aborted = false;
  asio::awaitable<void> wait_client_gone() override {
    if (client_gone()) co_return;
    co_await c_.gone_signal->wait();
  }

 private:
  Connection& c_;
  bool chunked_;
};

}  // namespace

asio::awaitable<bool> Connection::write_all(std::string_view a, std::string_view b,
                                            std::string_view c) {
  const std::array<asio::const_buffer, 3> bufs{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  set_deadline(srv->opts.write_timeout);
  auto [ec, n] = co_await asio::async_write(socket, bufs, kAwait);
  clear_deadline();
  bytes_written += n;
  co_return !ec;
}

asio::awaitable<void> Connection::watchdog() {
  while (!closed) {
    (void)co_await watchdog_timer.async_wait(kAwait);
    if (closed) break;
    const auto now = Clock::now();
    if (deadline <= now) {
      // Cancel whatever is pending; the operation sees operation_aborted
      // and checks timed_out to tell a timeout from other cancellations.
      timed_out = true;
      deadline = Clock::time_point::max();
      error_code ec;
      socket.cancel(ec);
    }
    watchdog_timer.expires_at(std::min(deadline, now + srv->min_timeout));
  }
}

void Connection::build_head(const Headers& headers, HeadFields fields, const Headers* shared) {
  fields.date = srv->date();
  build_response_head(head, fields, headers, shared);
}

void Connection::access_log(std::string_view request_id, std::string_view method,
                            std::string_view path, int status, Clock::time_point started,
                            std::uint64_t bytes_out) {
  const auto elapsed = Clock::now() - started;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  auto& st = srv->stats;
  ++st.requests_total;
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) ++st.responses_by_class[cls];
  ++st.duration_count;
  st.duration_seconds_sum += seconds;
  if (!srv->opts.access_log) return;
  log::info("http.request")
      .str("request_id", request_id)
      .str("method", method)
      .str("path", path)
      .num("status", status)
      .real("duration_ms", seconds * 1000.0)
      .num("bytes_out", static_cast<std::int64_t>(bytes_out))
      .str("remote", remote);
}

asio::awaitable<void> Connection::linger_close() {
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  set_deadline(kLingerTime);
  std::array<char, 4096> sink;
  std::size_t total = 0;
  while (!closed && total < kLingerMaxBytes) {
    auto [rec, n] = co_await socket.async_read_some(asio::buffer(sink), kAwait);
    if (rec) break;
    total += n;
  }
  close();
}

asio::awaitable<void> Connection::reject(const ErrorReply& e, std::string_view method,
                                         Clock::time_point started) {
  ++srv->stats.bad_requests;
  const unsigned char* id = srv->take_id_bytes();
  const std::string request_id = to_hex(id, 16);
  const std::string body = error_body(e);
  HeadFields fields;
  fields.status = e.status;
  fields.request_id = request_id;
  fields.keep_alive = false;
  fields.content_length = body.size();
  build_head(error_headers(srv->opts.error_headers), fields);
  bytes_written = 0;
  const bool ok = co_await write_all(head, body);
  // No path: a request that failed to parse has none we could trust.
  access_log(request_id, method, "", e.status, started, bytes_written);
  if (ok) {
    co_await linger_close();
  } else {
    close();
  }
}

asio::awaitable<void> Connection::watch_peer() {
  // Reads into the connection buffer, so a pipelined next request is kept.
  const std::size_t cap = srv->opts.max_header_bytes + srv->opts.max_body_bytes;
  while (buffer.size() < cap) {
    auto [ec, n] = co_await socket.async_read_some(buffer.prepare(kReadChunk), kAwait);
    if (!ec) {
      buffer.commit(n);
      continue;
    }
    if (ec == asio::error::operation_aborted && stop_watch && !timed_out) break;
    mark_gone();
    break;
  }
  watch_done->set();
}

// One parsed request, start to finish: check the target, build the Request,
// run the handler, write the response, log it. Returns whether the
// connection may carry another request.
asio::awaitable<bool> Connection::handle(bhttp::request_parser<bhttp::string_body>& parser,
                                         Clock::time_point started) {
  auto& msg = parser.get();
  Request req;
  req.method = to_method(msg.method());
  req.method_text = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const bool http10 = msg.version() < 11;
  // Views into req.target, which outlives them (the access log reads raw_path).
  auto target = parse_request_target(req.target, req.method);
  if (!target) {
    co_await reject(kBadRequest, req.method_text, started);
    co_return false;
  }
  req.path = std::move(target->path);
  req.query = std::string(target->query);
  fill_request(req, msg);

  ++srv->stats.in_flight;
  state = State::handling;
  Response res = co_await call_handler(req);

  // Shutdown, or a close while the handler ran, ends the connection after this response.
  const bool keep_alive = msg.keep_alive() && !srv->shutting_down && !closed;
  const bool head_only = req.method == Method::head;
  Framing framing = decide_framing(res.status, static_cast<bool>(res.stream), head_only, http10,
                                   keep_alive, res.body.size());
  bytes_written = 0;
  const bool ok = framing.streamed
                      ? co_await write_streamed(res, framing, req.request_id, http10, head_only)
                      : co_await write_plain(res, framing, req.request_id, http10);
  --srv->stats.in_flight;
  access_log(req.request_id, req.method_text, target->raw_path, res.status, started, bytes_written);
  co_return ok&& framing.keep_alive;
}

// Header fields, body, peer and ids. Fields are copied unvalidated
// (append_parsed): Beast's parser has already refused CR/LF in them.
void Connection::fill_request(Request& req, bhttp::request<bhttp::string_body>& msg) {
  std::string cookies;
  int cookie_count = 0;
  std::optional<std::string_view> traceparent;
  req.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
  for (const auto& f : msg) {
    const std::string_view name = f.name_string();
    const std::string_view value = f.value();
    if (f.name() == bhttp::field::cookie) {
      // Several Cookie lines are one list (RFC 9113 8.2.3 does the same).
      if (cookie_count++ > 0) cookies += "; ";
      cookies += value;
      continue;
    }
    if (name.size() == 11 && iequals_ascii(name, "traceparent") && !traceparent)
      traceparent = value;
    req.headers.append_parsed(name, value);
  }
  if (cookie_count > 0) req.headers.append_parsed_owned("Cookie", std::move(cookies));
  req.body = std::move(msg.body());
  req.remote_addr = remote;

  // A caller's W3C trace id becomes the request id, so one id follows the
  // request through every service; otherwise a fresh random one.
  const unsigned char* id = srv->take_id_bytes();
  std::optional<TraceParent> tp;
  if (traceparent) tp = parse_traceparent(*traceparent);
  req.request_id = tp ? std::move(tp->trace_id) : to_hex(id, 16);
  req.span_id = to_hex(id + 16, 8);
}

// The handler's response, or the server's own error: no exception and no
// status outside 200-599 reaches the wire, and what() is logged, never sent.
asio::awaitable<Response> Connection::call_handler(Request& req) {
  if (req.method == Method::other) {
    // TRACE, CONNECT, WebDAV and unknown tokens never reach handlers.
    Response res = error_response(kMethodNotAllowed, srv->opts.error_headers);
    (void)res.headers.set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    co_return res;
  }
  Response res;
  try {
    res = co_await srv->handler(req);
  } catch (const std::exception& e) {
    log::error("http.handler_exception").str("request_id", req.request_id).str("detail", e.what());
    co_return error_response(kInternal, srv->opts.error_headers);
  } catch (...) {
    log::error("http.handler_exception").str("request_id", req.request_id).str("detail", "unknown");
    co_return error_response(kInternal, srv->opts.error_headers);
  }
  if (res.status < 200 || res.status > 599) {
    log::error("http.bad_status").str("request_id", req.request_id).num("status", res.status);
    co_return error_response(kInternal, srv->opts.error_headers);
  }
  co_return res;
}

// Head and body in one write (one syscall for small responses).
asio::awaitable<bool> Connection::write_plain(const Response& res, const Framing& framing,
                                              std::string_view request_id, bool http10) {
  HeadFields fields;
  fields.status = res.status;
  fields.http10 = http10;
  fields.request_id = request_id;
  fields.keep_alive = framing.keep_alive;
  fields.content_length = framing.content_length;
  build_head(res.headers, fields, res.shared_headers);
  co_return co_await write_all(head,
                               framing.send_body ? std::string_view(res.body) : std::string_view{});
}

// The head, then the handler's stream while a reader watches the socket,
// so that a client that goes away is noticed (client_gone) even when the
// handler is waiting upstream and not writing.
asio::awaitable<bool> Connection::write_streamed(Response& res, Framing& framing,
                                                 std::string_view request_id, bool http10,
                                                 bool head_only) {
  HeadFields fields;
  fields.status = res.status;
  fields.http10 = http10;
  fields.request_id = request_id;
  fields.keep_alive = framing.keep_alive;
  fields.chunked = framing.chunked;
  build_head(res.headers, fields, res.shared_headers);
  if (!co_await write_all(head)) co_return false;
  if (head_only) co_return true;
  state = State::streaming;
  peer_gone = false;
  stop_watch = false;
  if (srv->shutting_down) told_to_stop = true;
  gone_signal.emplace(socket.get_executor());
  watch_done.emplace(socket.get_executor());
  asio::co_spawn(socket.get_executor(), watch_peer(), asio::detached);
  ChunkedStream stream(*this, framing.chunked);
  bool failed = false;
  try {
    co_await res.stream(stream);
  } catch (const std::exception& e) {
    log::error("http.stream_exception").str("request_id", request_id).str("detail", e.what());
    failed = true;
  } catch (...) {
    log::error("http.stream_exception").str("request_id", request_id).str("detail", "unknown");
    failed = true;
  }
  // Without the terminating chunk the client sees a truncated body,
  // which is the truth after a handler failure.
  if (stream.aborted) failed = true;  // the handler gave up (ResponseStream::abort)
  if (!failed && !peer_gone && framing.chunked) {
    if (!co_await write_all("0\r\n\r\n")) mark_gone();
  }
  // Stop the watching reader before the next request is read: it reads into
  // the same buffer, where a pipelined request may already be waiting.
  stop_watch = true;
  if (!watch_done->is_set()) {
    error_code ec;
    socket.cancel(ec);
    co_await watch_done->wait();
  }
  if (srv->shutting_down) framing.keep_alive = false;
  gone_signal.reset();
  watch_done.reset();
  told_to_stop = false;
  co_return !failed && !peer_gone;
}

asio::awaitable<void> Connection::run() {
  bool first = true;
  while (!closed) {
    state = State::idle;
    if (srv->shutting_down) break;
    if (buffer.size() == 0) {
      // Waiting for the first byte is the idle phase: its own timeout, and
      // shutdown may cancel it. A partial request is never idle.
      set_deadline(first ? srv->opts.read_timeout : srv->opts.idle_timeout);
      auto [ec, n] = co_await socket.async_read_some(buffer.prepare(kReadChunk), kAwait);
      if (ec) break;
      buffer.commit(n);
    }
    first = false;
    state = State::reading;
    const auto started = Clock::now();
    set_deadline(srv->opts.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(srv->opts.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(srv->opts.max_body_bytes));
    auto [ec, n] = co_await bhttp::async_read_header(socket, buffer, parser, kAwait);
    if (!ec && !parser.is_done()) {
      const auto expect = parser.get()[bhttp::field::expect];
      if (iequals_ascii(expect, "100-continue") && parser.get().version() >= 11) {
        (void)co_await write_all("HTTP/1.1 100 Continue\r\n\r\n");
        set_deadline(srv->opts.read_timeout);
      }
      auto [ec2, n2] = co_await bhttp::async_read(socket, buffer, parser, kAwait);
      ec = ec2;
    }
    clear_deadline();
    if (ec) {
      const std::string_view method = parser.is_header_done() ? parser.get().method_string() : "";
      if (ec == asio::error::operation_aborted && timed_out) {
        timed_out = false;
        co_await reject(kTimeout, method, started);
      } else if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        co_await reject(kHeaderTooLarge, method, started);
      } else if (ec == bhttp::error::body_limit) {
        co_await reject(kBodyTooLarge, method, started);
      } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
                 ec == asio::error::eof || ec == asio::error::connection_reset ||
                 ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
        // The client went away (or shutdown closed us): nobody to answer.
      } else {
        co_await reject(kBadRequest, method, started);
      }
      break;
    }
    if (!co_await handle(parser, started)) break;
  }
  close();
}

asio::awaitable<void> serve_connection(std::shared_ptr<Connection> c) {
  try {
    co_await c->run();
  } catch (const std::exception& e) {
    log::error("http.connection_exception").str("detail", e.what());
  } catch (...) {
    log::error("http.connection_exception").str("detail", "unknown");
  }
  c->close();
}

}  // namespace parley::http
