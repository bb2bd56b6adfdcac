#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <ctime>
#include <exception>
#include <list>
#include <optional>

#include "core/ascii.hpp"
#include "http/traceparent.hpp"
#include "observability/log.hpp"

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 8 * 1024;
// After an error response: how long to drain what the client still sends
// before closing, so that the kernel does not answer unread data with a
// RST that destroys the response in flight (lingering close, RFC 9112 9.6).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

// Fields the server writes itself; a handler's copies are dropped.
bool server_owned(std::string_view name) {
  switch (name.size()) {
    case 4:
      return iequals_ascii(name, "date");
    case 10:
      return iequals_ascii(name, "connection") || iequals_ascii(name, "keep-alive");
    case 12:
      return iequals_ascii(name, "x-request-id");
    case 14:
      return iequals_ascii(name, "content-length");
    case 17:
      return iequals_ascii(name, "transfer-encoding");
    default:
      return false;
  }
}

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

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string_view reason_phrase(int status) {
  const std::string_view r =
      bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  return (r.empty() || r.front() == '<') ? std::string_view("Status") : r;
}

// A one-shot event on the io_context thread: set() wakes every waiter.
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}
  void set() {
    if (set_) return;
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return set_; }
  // Completes when set, or early when the awaiting operation is cancelled
  // (awaitable operators: `wait() || other()`); callers re-check is_set().
  asio::awaitable<void> wait() {
    if (!set_) (void)co_await timer_.async_wait(kAwait);
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

struct ErrorReply {
  int status;
  std::string_view code;
  std::string_view message;
};

constexpr ErrorReply kBadRequest{400, "bad_request", "Malformed request"};
constexpr ErrorReply kTimeout{408, "request_timeout", "Request not received in time"};
constexpr ErrorReply kMethodNotAllowed{405, "method_not_allowed", "Method not allowed"};
constexpr ErrorReply kBodyTooLarge{413, "too_large", "Request body too large"};
constexpr ErrorReply kHeaderTooLarge{431, "header_too_large", "Request header fields too large"};
constexpr ErrorReply kInternal{500, "internal", "Internal server error"};

std::string error_body(const ErrorReply& e) {
  std::string body = R"({"error":{"code":")";
  body += e.code;
  body += R"(","message":")";
  body += e.message;
  body += "\"}}";
  return body;
}

// Content-Type, Cache-Control, then the configured error_headers.
Headers error_headers(const Headers& extra) {
  Headers h;
  (void)h.set("Content-Type", "application/json");
  (void)h.set("Cache-Control", "no-store");
  h.add_missing(extra);
  return h;
}

Response error_response(const ErrorReply& e, const Headers& extra) {
  Response r;
  r.status = e.status;
  r.body = error_body(e);
  r.headers = error_headers(extra);
  return r;
}

}  // namespace

struct Connection;

struct Server::Impl {
  Impl(asio::io_context& io_ctx, ServerOptions o, RequestHandler h, parley::Random& r)
      : io(io_ctx),
        opts(std::move(o)),
        handler(std::move(h)),
        random(r),
        acceptor(io_ctx),
        flush_timer(io_ctx),
        grace_timer(io_ctx),
        drained_signal(io_ctx.get_executor()) {
    min_timeout = std::min({opts.read_timeout, opts.idle_timeout, opts.write_timeout});
    if (min_timeout < std::chrono::seconds(1)) min_timeout = std::chrono::seconds(1);
  }

  asio::io_context& io;
  ServerOptions opts;
  RequestHandler handler;
  parley::Random& random;
  tcp::acceptor acceptor;
  asio::steady_timer flush_timer;
  asio::steady_timer grace_timer;
  Signal drained_signal;
  std::chrono::seconds min_timeout{1};
  bool shutting_down = false;
  bool closed = false;  // ~Server ran
  std::list<Connection*> connections;
  ServerStats stats;

  // Request ids: 24 random bytes per request (trace id + span id), drawn
  // from a pooled buffer so that RAND_bytes runs once per 64 requests.
  std::array<unsigned char, 24 * 64> id_pool{};
  std::size_t id_pool_pos = id_pool.size();

  // The Date header, formatted once per second.
  std::int64_t date_second = -1;
  std::string date_value;

  const unsigned char* take_id_bytes() {
    if (id_pool_pos + 24 > id_pool.size()) {
      random.fill(id_pool);
      id_pool_pos = 0;
    }
    const unsigned char* p = id_pool.data() + id_pool_pos;
    id_pool_pos += 24;
    return p;
  }

  std::string_view date() {
    const auto now = std::chrono::system_clock::now();
    const std::int64_t s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (s != date_second) {
      std::time_t t = static_cast<std::time_t>(s);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buf[64];
      const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      date_value.assign(buf, n);
      date_second = s;
    }
    return date_value;
  }

  void connection_gone() {
    if (shutting_down && connections.empty()) drained_signal.set();
  }

  void close_all();
  void begin_shutdown();
};

// One accepted socket. Lives as long as its coroutines (serve + watchdog)
// hold it; registered in Impl::connections while alive.
struct Connection {
  enum class State { idle, reading, handling, streaming };

  Connection(std::shared_ptr<Server::Impl> s, tcp::socket sock)
      : srv(std::move(s)),
        socket(std::move(sock)),
        watchdog_timer(socket.get_executor(), Clock::time_point::max()) {
    srv->connections.push_back(this);
    self = std::prev(srv->connections.end());
    ++srv->stats.connections_accepted;
    error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  ~Connection() {
    srv->connections.erase(self);
    srv->connection_gone();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::shared_ptr<Server::Impl> srv;
  tcp::socket socket;
  beast::flat_buffer buffer;
  std::string remote;
  std::list<Connection*>::iterator self;
  State state = State::idle;
  std::string head;                 // response header scratch, reused across requests
  std::uint64_t bytes_written = 0;  // this response, header included

  // Deadline: set_deadline() is an assignment; the watchdog timer is only
  // re-armed when the new deadline is earlier than its expiry. Because it
  // always re-arms at most min_timeout ahead, that is rare (short deadlines).
  Clock::time_point deadline = Clock::time_point::max();
  asio::steady_timer watchdog_timer;
  bool timed_out = false;
  bool closed = false;

  // Streaming state.
  bool peer_gone = false;     // EOF/reset/write failure: writes are refused
  bool told_to_stop = false;  // server shutdown: client_gone() true, writes allowed
  bool stop_watch = false;
  std::optional<Signal> gone_signal;
  std::optional<Signal> watch_done;

  void set_deadline(Clock::duration d) {
    deadline = Clock::now() + d;
    if (deadline < watchdog_timer.expiry()) watchdog_timer.expires_at(deadline);
  }
  void clear_deadline() { deadline = Clock::time_point::max(); }

  void close() {
    if (closed) return;
    closed = true;
    error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    watchdog_timer.cancel();
    mark_gone();
  }

  void mark_gone() {
    peer_gone = true;
    if (gone_signal) gone_signal->set();
  }
  void tell_to_stop() {
    told_to_stop = true;
    if (gone_signal) gone_signal->set();
  }

  asio::awaitable<void> run();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> watch_peer();
  asio::awaitable<bool> handle(bhttp::request_parser<bhttp::string_body>& parser,
                               Clock::time_point started);
  asio::awaitable<void> reject(const ErrorReply& e, std::string_view method,
                               Clock::time_point started);
  asio::awaitable<void> linger_close();
  void build_head(int status, const Headers& headers, std::string_view request_id, bool keep_alive,
                  bool http10, std::optional<std::size_t> content_length, bool chunked);
  asio::awaitable<bool> write_all(std::string_view a, std::string_view b = {},
                                  std::string_view c = {});
  void access_log(std::string_view request_id, std::string_view method, std::string_view path,
                  int status, Clock::time_point started, std::uint64_t bytes_out);
};

namespace {

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

void Connection::build_head(int status, const Headers& headers, std::string_view request_id,
                            bool keep_alive, bool http10, std::optional<std::size_t> content_length,
                            bool chunked) {
  head.clear();
  head += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_uint(head, static_cast<std::uint64_t>(status));
  head += ' ';
  head += reason_phrase(status);
  head += "\r\n";
  for (const auto& [name, value] : headers.fields()) {
    // Every field should have come through Headers::set/add; re-check so
    // that nothing unvalidated (append_parsed) can inject a header line.
    if (server_owned(name) || !is_token(name) || !is_safe_header_value(value)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "Date: ";
  head += srv->date();
  head += "\r\nX-Request-Id: ";
  head += request_id;
  head += "\r\n";
  if (content_length) {
    head += "Content-Length: ";
    append_uint(head, *content_length);
    head += "\r\n";
  }
  if (chunked) head += "Transfer-Encoding: chunked\r\n";
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (http10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
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
  build_head(e.status, error_headers(srv->opts.error_headers), request_id, false, false,
             body.size(), false);
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

asio::awaitable<bool> Connection::handle(bhttp::request_parser<bhttp::string_body>& parser,
                                         Clock::time_point started) {
  auto& msg = parser.get();
  Request req;
  req.method = to_method(msg.method());
  req.method_text = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const bool http10 = msg.version() < 11;
  bool keep_alive = msg.keep_alive();

  // Request target (RFC 9112 3.2): origin-form, absolute-form, or '*'.
  std::string_view target = req.target;
  std::string_view raw_path;
  bool target_ok = true;
  if (target == "*") {
    raw_path = target;
    target_ok = req.method == Method::options;
  } else if (!target.empty() && target.front() == '/') {
    raw_path = target.substr(0, target.find('?'));
  } else {
    const std::size_t scheme_end = target.find("://");
    const std::string_view scheme = target.substr(0, scheme_end);
    if (scheme_end != std::string_view::npos &&
        (iequals_ascii(scheme, "http") || iequals_ascii(scheme, "https"))) {
      // absolute-form (proxies): the authority is dropped, Host decides.
      const std::string_view rest = target.substr(scheme_end + 3);
      const std::size_t start = rest.find_first_of("/?");
      target = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
      raw_path = target.substr(0, target.find('?'));
      if (raw_path.empty()) raw_path = "/";
    } else {
      target_ok = false;
    }
  }
  if (const auto q = target.find('?'); q != std::string_view::npos)
    req.query = std::string(target.substr(q + 1));
  if (target_ok) {
    auto decoded = percent_decode(raw_path, false);
    if (!decoded || decoded->find('\0') != std::string::npos) {
      target_ok = false;
    } else {
      req.path = std::move(*decoded);
    }
  }
  if (!target_ok) {
    co_await reject(kBadRequest, req.method_text, started);
    co_return false;
  }

  std::string cookies;
  int cookie_count = 0;
  std::optional<std::string_view> traceparent;
  for (const auto& f : msg) {
    const std::string_view name = f.name_string();
    const std::string_view value = f.value();
    if (f.name() == bhttp::field::cookie) {
      // Several Cookie lines are one list (RFC 9113 8.2.3 does the same).
      if (cookie_count++ > 0) cookies += "; ";
      cookies += value;
      continue;
    }
    if (name.size() == 11 && iequals_ascii(name, "traceparent") && !traceparent) traceparent = value;
    req.headers.append_parsed(name, value);
  }
  if (cookie_count > 0) req.headers.append_parsed("Cookie", cookies);
  req.body = std::move(msg.body());
  req.remote_addr = remote;

  const unsigned char* id = srv->take_id_bytes();
  std::optional<TraceParent> tp;
  if (traceparent) tp = parse_traceparent(*traceparent);
  req.request_id = tp ? std::move(tp->trace_id) : to_hex(id, 16);
  req.span_id = to_hex(id + 16, 8);

  ++srv->stats.in_flight;
  state = State::handling;
  Response res;
  if (req.method == Method::other) {
    // TRACE, CONNECT, WebDAV and unknown tokens never reach handlers.
    res = error_response(kMethodNotAllowed, srv->opts.error_headers);
    (void)res.headers.set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  } else
    try {
      res = co_await srv->handler(req);
    } catch (const std::exception& e) {
      log::error("http.handler_exception")
          .str("request_id", req.request_id)
          .str("detail", e.what());
      res = error_response(kInternal, srv->opts.error_headers);
    } catch (...) {
      log::error("http.handler_exception")
          .str("request_id", req.request_id)
          .str("detail", "unknown");
      res = error_response(kInternal, srv->opts.error_headers);
    }
  if (res.status < 200 || res.status > 599) {
    log::error("http.bad_status").str("request_id", req.request_id).num("status", res.status);
    res = error_response(kInternal, srv->opts.error_headers);
  }

  if (srv->shutting_down || closed) keep_alive = false;
  const bool head_only = req.method == Method::head;
  const bool no_body = res.status == 204 || res.status == 304;
  bytes_written = 0;
  bool ok = true;
  if (res.stream && !no_body) {
    // Chunked for HTTP/1.1; HTTP/1.0 knows no chunks: raw body, then close.
    const bool chunked = !http10;
    if (!chunked) keep_alive = false;
    build_head(res.status, res.headers, req.request_id, keep_alive, http10, std::nullopt, chunked);
    ok = co_await write_all(head);
    if (ok && !head_only) {
      state = State::streaming;
      peer_gone = false;
      stop_watch = false;
      if (srv->shutting_down) told_to_stop = true;
      gone_signal.emplace(socket.get_executor());
      watch_done.emplace(socket.get_executor());
      asio::co_spawn(socket.get_executor(), watch_peer(), asio::detached);
      ChunkedStream stream(*this, chunked);
      bool failed = false;
      try {
        co_await res.stream(stream);
      } catch (const std::exception& e) {
        log::error("http.stream_exception")
            .str("request_id", req.request_id)
            .str("detail", e.what());
        failed = true;
      } catch (...) {
        log::error("http.stream_exception")
            .str("request_id", req.request_id)
            .str("detail", "unknown");
        failed = true;
      }
      // Without the terminating chunk the client sees a truncated body,
      // which is the truth after a handler failure.
      if (stream.aborted) failed = true;  // the handler gave up (ResponseStream::abort)
      if (!failed && !peer_gone && chunked) {
        if (!co_await write_all("0\r\n\r\n")) mark_gone();
      }
      stop_watch = true;
      if (!watch_done->is_set()) {
        error_code ec;
        socket.cancel(ec);
        co_await watch_done->wait();
      }
      ok = !failed && !peer_gone;
      if (srv->shutting_down) keep_alive = false;
      gone_signal.reset();
      watch_done.reset();
      told_to_stop = false;
    }
  } else {
    const std::size_t length = res.body.size();
    build_head(res.status, res.headers, req.request_id, keep_alive, http10,
               no_body ? std::nullopt : std::optional<std::size_t>(length), false);
    ok = co_await write_all(
        head, (head_only || no_body) ? std::string_view{} : std::string_view(res.body));
  }
  --srv->stats.in_flight;
  access_log(req.request_id, req.method_text, raw_path, res.status, started, bytes_written);
  co_return ok&& keep_alive;
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

void Server::Impl::close_all() {
  for (Connection* c : connections) c->close();
}

void Server::Impl::begin_shutdown() {
  if (shutting_down) return;
  shutting_down = true;
  error_code ec;
  acceptor.close(ec);
  flush_timer.cancel();
  for (Connection* c : connections) {
    if (c->state == Connection::State::idle) {
      c->socket.cancel(ec);
    } else if (c->state == Connection::State::streaming) {
      c->tell_to_stop();
    }
  }
  if (connections.empty()) drained_signal.set();
}

namespace {

asio::awaitable<void> serve(std::shared_ptr<Connection> c) {
  try {
    co_await c->run();
  } catch (const std::exception& e) {
    log::error("http.connection_exception").str("detail", e.what());
  } catch (...) {
    log::error("http.connection_exception").str("detail", "unknown");
  }
  c->close();
}

asio::awaitable<void> run_watchdog(std::shared_ptr<Connection> c) { co_await c->watchdog(); }

asio::awaitable<void> accept_loop(std::shared_ptr<Server::Impl> s) {
  asio::steady_timer backoff(s->io);
  while (!s->shutting_down && !s->closed) {
    auto [ec, sock] = co_await s->acceptor.async_accept(kAwait);
    if (s->shutting_down || s->closed) break;
    if (ec) {
      if (ec == asio::error::operation_aborted || !s->acceptor.is_open()) break;
      // EMFILE and friends: back off instead of spinning.
      log::warn("http.accept_failed").str("detail", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      (void)co_await backoff.async_wait(kAwait);
      continue;
    }
    error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    auto c = std::make_shared<Connection>(s, std::move(sock));
    c->watchdog_timer.expires_after(s->min_timeout);
    asio::co_spawn(s->io, run_watchdog(c), asio::detached);
    asio::co_spawn(s->io, serve(std::move(c)), asio::detached);
  }
}

asio::awaitable<void> flush_loop(std::shared_ptr<Server::Impl> s) {
  while (!s->shutting_down && !s->closed) {
    s->flush_timer.expires_after(s->opts.log_flush_interval);
    auto [ec] = co_await s->flush_timer.async_wait(kAwait);
    log::flush();
    if (ec) break;
  }
}

asio::awaitable<void> grace_then_close(std::shared_ptr<Server::Impl> s) {
  s->grace_timer.expires_after(s->opts.shutdown_grace);
  auto [ec] = co_await s->grace_timer.async_wait(kAwait);
  if (ec) co_return;
  if (!s->connections.empty()) {
    log::warn("http.shutdown_grace_elapsed")
        .num("connections", static_cast<std::int64_t>(s->connections.size()));
  }
  s->close_all();
  s->drained_signal.set();
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler handler,
               parley::Random& random)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler), random)) {}

Server::~Server() {
  impl_->closed = true;
  error_code ec;
  impl_->acceptor.close(ec);
  impl_->flush_timer.cancel();
  impl_->grace_timer.cancel();
  impl_->close_all();
}

Result<std::uint16_t> Server::listen() {
  auto& s = *impl_;
  error_code ec;
  asio::ip::address address = asio::ip::make_address(s.opts.host, ec);
  if (ec) {
    tcp::resolver resolver(s.io);
    auto results = resolver.resolve(s.opts.host, "", ec);
    if (ec || results.empty()) {
      return make_error("http.listen_failed", "cannot resolve host " + s.opts.host);
    }
    address = results.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, s.opts.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    s.acceptor.close(ignored);
    return make_error("http.listen_failed",
                      s.opts.host + ":" + std::to_string(s.opts.port) + ": " + ec.message());
  }
  const auto port = s.acceptor.local_endpoint(ec).port();
  asio::co_spawn(s.io, accept_loop(impl_), asio::detached);
  if (s.opts.log_flush_interval.count() > 0)
    asio::co_spawn(s.io, flush_loop(impl_), asio::detached);
  return port;
}

void Server::start_shutdown() {
  if (impl_->shutting_down) return;
  impl_->begin_shutdown();
  asio::co_spawn(impl_->io, grace_then_close(impl_), asio::detached);
}

asio::awaitable<void> Server::drained() {
  auto s = impl_;
  if (!s->drained_signal.is_set()) co_await s->drained_signal.wait();
}

std::size_t Server::active_connections() const { return impl_->connections.size(); }

ServerStats Server::stats() const {
  ServerStats out = impl_->stats;
  out.connections_active = impl_->connections.size();
  return out;
}

}  // namespace parley::http
