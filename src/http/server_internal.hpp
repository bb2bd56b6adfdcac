#pragma once
// Private to the HTTP server's two sources (server.cpp: listening, accepting,
// shutdown; connection.cpp: one socket's requests). Not for other modules:
// it pulls in Asio and Beast, which the public server.hpp keeps out.

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <list>
#include <optional>

#include "http/response_head.hpp"
#include "http/server.hpp"

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

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
  void fill_request(Request& req, bhttp::request<bhttp::string_body>& msg);
  asio::awaitable<Response> call_handler(Request& req);
  asio::awaitable<bool> write_plain(const Response& res, const Framing& framing,
                                    std::string_view request_id, bool http10);
  asio::awaitable<bool> write_streamed(Response& res, Framing& framing, std::string_view request_id,
                                       bool http10, bool head_only);
  asio::awaitable<void> reject(const ErrorReply& e, std::string_view method,
                               Clock::time_point started);
  asio::awaitable<void> linger_close();
  void build_head(const Headers& headers, HeadFields fields, const Headers* shared = nullptr);
  asio::awaitable<bool> write_all(std::string_view a, std::string_view b = {},
                                  std::string_view c = {});
  void access_log(std::string_view request_id, std::string_view method, std::string_view path,
                  int status, Clock::time_point started, std::uint64_t bytes_out);
};

// The coroutine that owns a connection for its lifetime (server.cpp spawns it).
asio::awaitable<void> serve_connection(std::shared_ptr<Connection> c);

}  // namespace parley::http
