#include "http/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <deque>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/client_request.hpp"
#include "http/errors.hpp"
#include "http/proxy.hpp"
#include "observability/log.hpp"

namespace parley::http {

ClientStream::~ClientStream() = default;
HttpClient::~HttpClient() = default;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using asio::awaitable;
using asio::use_awaitable;

constexpr auto use_tuple = asio::as_tuple(use_awaitable);
constexpr std::size_t kReadChunk = std::size_t{16} * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// ---- Connections and the keep-alive pool

struct Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> plain;  // set for http:// (and before TLS)
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }
  // `op` (an asynchronous operation taking a stream) on the TLS stream when
  // there is one, else on the plain one: both give the same awaitable.
  template <class Op>
  auto on_stream(Op op) {
    return tls ? op(*tls) : op(*plain);
  }
  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }
  // An idle keep-alive connection has nothing to read: EOF (server closed it)
  // or stray bytes (a TLS alert, a late response) make it unusable.
  bool looks_alive() {
    auto& sock = lowest().socket();
    if (!sock.is_open()) return false;
    char byte = 0;
    ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    return false;
  }
};

class Pool {
 public:
  Pool(std::size_t max_per_origin, std::chrono::milliseconds max_idle)
      : max_per_origin_(max_per_origin), max_idle_(max_idle) {}

  std::unique_ptr<Connection> take(const std::string& key) {
    sweep();
    auto it = idle_.find(key);
    while (it != idle_.end() && !it->second.empty()) {
      auto conn = std::move(it->second.back());  // most recently used first
      it->second.pop_back();
      if (conn->looks_alive()) return conn;
      conn->close();
    }
    return nullptr;
  }

  void put(std::unique_ptr<Connection> conn) {
    sweep();
    if (max_per_origin_ == 0) return;
    conn->idle_since = SteadyClock::now();
    auto& list = idle_[conn->key];
    list.push_back(std::move(conn));
    while (list.size() > max_per_origin_) list.pop_front();
  }

 private:
  void sweep() {
    auto cutoff = SteadyClock::now() - max_idle_;
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      std::erase_if(list,
                    [&](const std::unique_ptr<Connection>& c) { return c->idle_since < cutoff; });
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  std::size_t max_per_origin_;
  std::chrono::milliseconds max_idle_;
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
};

// Shared by the client and its streams: a stream outliving it keeps TLS and pool.
struct Shared {
  explicit Shared(const ClientOptions& o)
      : ctx(ssl::context::tls_client), pool(o.max_idle_per_origin, o.idle_keep_alive) {}
  ssl::context ctx;
  Pool pool;
};

// ---- Error mapping

bool is_closed_error(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::error::not_connected || ec == ssl::error::stream_truncated;
}

Error map_error(const beast::error_code& ec, bool cancelled) {
  if (cancelled || ec == asio::error::operation_aborted) {
    return make_error(errc::http_client::cancelled, ec.message());
  }
  if (ec == beast::error::timeout) return make_error(errc::http_client::timeout, ec.message());
  if (ec == bhttp::error::body_limit) return make_error(errc::http_client::too_large, ec.message());
  if (is_closed_error(ec)) return make_error(errc::http_client::closed, ec.message());
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return make_error(errc::http_client::protocol, ec.message());
  }
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == ssl::error::get_stream_category()) {
    return make_error(errc::http_client::tls, ec.message());
  }
  return make_error(errc::http_client::closed, ec.message());
}

// Deadlines of one exchange: send() has one for everything, open() one per phase.
struct Deadlines {
  std::optional<SteadyClock::time_point> whole;
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds first_byte{60000};
  std::chrono::milliseconds idle{60000};

  SteadyClock::time_point until(std::chrono::milliseconds phase) const {
    return whole ? *whole : SteadyClock::now() + phase;
  }
};

using Parser = bhttp::response_parser<bhttp::buffer_body>;

// ---- The stream: a response whose headers have been read.

class StreamImpl final : public ClientStream {
 public:
  StreamImpl(std::shared_ptr<Shared> shared, std::unique_ptr<Connection> conn,
             std::unique_ptr<Parser> parser, bool reusable, Deadlines deadlines)
      : shared_(std::move(shared)),
        conn_(std::move(conn)),
        parser_(std::move(parser)),
        reusable_(reusable),
        deadlines_(deadlines) {
    status_ = static_cast<int>(parser_->get().result_int());
    for (const auto& field : parser_->get().base()) {
      headers_.append_parsed(field.name_string(), field.value());
    }
  }

  ~StreamImpl() override {
    if (conn_) conn_->close();
  }

  int status() const override { return status_; }
  const Headers& headers() const override { return headers_; }

  std::optional<std::uint64_t> content_length() const {
    auto len = parser_->content_length();
    return len ? std::optional<std::uint64_t>(*len) : std::nullopt;
  }

  awaitable<Result<std::optional<std::string>>> read_some() override {
    co_return co_await read_until(deadlines_.until(deadlines_.idle));
  }
  awaitable<Result<std::optional<std::string>>> read_some(SteadyClock::time_point limit) override {
    co_return co_await read_until(std::min(limit, deadlines_.until(deadlines_.idle)));
  }

  void cancel() override {
    cancelled_ = true;
    if (conn_) {
      conn_->close();
      // A pending read still uses the connection: kept, never pooled again.
      reusable_ = false;
    }
  }

 private:
  awaitable<Result<std::optional<std::string>>> read_until(SteadyClock::time_point deadline) {
    if (cancelled_) co_return make_error(errc::http_client::cancelled, "stream cancelled");
    if (failed_) co_return *failed_;
    if (!conn_) co_return std::optional<std::string>{};
    std::string piece;
    while (true) {
      if (parser_->is_done()) {
        finish();
        if (piece.empty()) co_return std::optional<std::string>{};
        co_return std::optional<std::string>{std::move(piece)};
      }
      scratch_.resize(kReadChunk);
      parser_->get().body().data = scratch_.data();
      parser_->get().body().size = scratch_.size();
      beast::error_code ec;
      std::size_t used = 0;
      if (conn_->buffer.size() > 0) {
        // What an earlier read left in the buffer (a burst of chunks) is
        // parsed here: Beast's read would take a turn of the event loop for
        // each chunk without touching the socket.
        used = parser_->put(conn_->buffer.data(), ec);
        conn_->buffer.consume(used);
        if (ec == bhttp::error::need_more) ec = {};
      }
      if (!ec && used == 0) {
        conn_->lowest().expires_at(deadline);
        std::size_t n = 0;
        std::tie(ec, n) = co_await conn_->on_stream([&](auto& stream) {
          return bhttp::async_read_some(stream, conn_->buffer, *parser_, use_tuple);
        });
      }
      if (cancelled_) co_return make_error(errc::http_client::cancelled, "stream cancelled");
      if (ec == bhttp::error::need_buffer) ec = {};
      // TLS close without close_notify ends a close-delimited body (as curl).
      if (ec == ssl::error::stream_truncated && parser_->need_eof()) parser_->put_eof(ec);
      std::size_t produced = scratch_.size() - parser_->get().body().size;
      piece.append(scratch_.data(), produced);
      if (ec) {
        failed_ = map_error(ec, false);
        conn_->close();
        conn_.reset();
        co_return *failed_;
      }
      if (!piece.empty()) co_return std::optional<std::string>{std::move(piece)};
    }
  }

  void finish() {
    if (!conn_) return;
    if (reusable_ && parser_->keep_alive() && conn_->buffer.size() == 0) {
      conn_->lowest().expires_never();
      shared_->pool.put(std::move(conn_));
    } else {
      conn_->close();
      conn_.reset();
    }
  }

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<Parser> parser_;
  bool reusable_;
  Deadlines deadlines_;
  int status_ = 0;
  Headers headers_;
  std::string scratch_;
  bool cancelled_ = false;
  std::optional<Error> failed_;
};

// ---- The client

class ClientImpl final : public HttpClient {
 public:
  ClientImpl(asio::io_context& io, ClientOptions options)
      : io_(io), options_(std::move(options)), shared_(std::make_shared<Shared>(options_)) {
    SSL_CTX_set_min_proto_version(shared_->ctx.native_handle(), TLS1_2_VERSION);
    shared_->ctx.set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (options_.ca_file.empty()) {
      shared_->ctx.set_default_verify_paths(ec);
    } else {
      shared_->ctx.load_verify_file(options_.ca_file, ec);
    }
    if (ec) {
      tls_error_ = "cannot load CA certificates: " + ec.message();
      log::error("http_client.ca_file").str("path", options_.ca_file).str("error", ec.message());
    }
    if (!options_.https_proxy.empty()) {
      auto p = parse_proxy_url(options_.https_proxy);
      if (p) {
        proxy_ = *p;
      } else {
        proxy_error_ = p.error().detail;
        log::error("http_client.proxy_config").str("error", proxy_error_);
      }
    }
  }

  awaitable<Result<ClientResponse>> send(ClientRequest request) override {
    auto started = SteadyClock::now();
    auto result = co_await send_impl(request);
    log_done(request, result ? result->status : 0, started,
             result ? std::string_view() : result.error().code);
    co_return result;
  }

  awaitable<Result<std::unique_ptr<ClientStream>>> open(ClientRequest request,
                                                        StreamTimeouts timeouts) override {
    Deadlines d;
    d.connect = timeouts.connect;
    d.first_byte = timeouts.first_byte;
    d.idle = timeouts.idle;
    auto started = SteadyClock::now();
    auto opened = co_await exchange(request, d);
    log_done(request, opened ? (*opened)->status() : 0, started,
             opened ? std::string_view() : opened.error().code);
    if (!opened) co_return opened.error();
    co_return std::unique_ptr<ClientStream>(std::move(*opened));
  }

 private:
  awaitable<Result<ClientResponse>> send_impl(const ClientRequest& request) {
    Deadlines d;
    d.whole = SteadyClock::now() + request.timeout;
    auto opened = co_await exchange(request, d);
    if (!opened) co_return opened.error();
    auto& stream = **opened;
    if (auto len = stream.content_length(); len && *len > options_.max_response_bytes) {
      co_return make_error(errc::http_client::too_large, "Content-Length over the limit");
    }
    ClientResponse out;
    out.status = stream.status();
    out.headers = stream.headers();
    while (true) {
      auto piece = co_await stream.read_some();
      if (!piece) co_return piece.error();
      if (!*piece) break;
      if (out.body.size() + (*piece)->size() > options_.max_response_bytes) {
        co_return make_error(errc::http_client::too_large, "response body over the limit");
      }
      out.body += **piece;
    }
    co_return out;
  }

  // Method, host, path, status, duration: never bodies, queries or headers.
  void log_done(const ClientRequest& request, int status, SteadyClock::time_point started,
                std::string_view error_code) {
    if (!log::enabled(log::Level::debug)) return;
    auto t = parse_target(request.url, options_.allow_plain_http_hosts);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
    log::Event event(log::Level::debug, "http_client.request");
    event.str("method", to_string(request.method))
        .str("host", t ? t->host_header : std::string())
        .str("path", t ? t->path : std::string())
        .num("duration_ms", ms.count());
    if (!error_code.empty()) {
      event.str("error", error_code);
    } else {
      event.num("status", status);
    }
  }

  bool use_proxy(const Target& t) const {
    if (options_.https_proxy.empty()) return false;
    if (t.loopback && options_.proxy_bypass_loopback) return false;
    return !no_proxy_matches(options_.no_proxy, t.host);
  }

  // Resolves host:port within the deadline (a timer cancels the resolver,
  // which has no per-operation cancel, through a weak reference).
  awaitable<Result<std::vector<tcp::endpoint>>> resolve(const std::string& host, std::uint16_t port,
                                                        SteadyClock::time_point deadline,
                                                        bool loopback_only) {
    auto resolver = std::make_shared<tcp::resolver>(io_);
    asio::steady_timer timer(io_);
    timer.expires_at(deadline);
    bool timed_out = false;
    timer.async_wait(
        [weak = std::weak_ptr<tcp::resolver>(resolver), &timed_out](beast::error_code ec) {
          if (ec) return;
          if (auto r = weak.lock()) {
            timed_out = true;
            r->cancel();
          }
        });
    auto [ec, results] = co_await resolver->async_resolve(
        host, std::to_string(port), tcp::resolver::numeric_service, use_tuple);
    // Reading timed_out is safe: the handler only runs while `resolver` is
    // alive, i.e. within this frame (it holds no strong reference).
    bool expired = timed_out;
    timer.cancel();
    resolver.reset();
    if (expired) co_return make_error(errc::http_client::timeout, "resolve " + host);
    if (ec) co_return make_error(errc::http_client::resolve, host + ": " + ec.message());
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
      // "localhost" counts as loopback only if it resolves to loopback.
      if (loopback_only && !entry.endpoint().address().is_loopback()) continue;
      endpoints.push_back(entry.endpoint());
    }
    if (endpoints.empty())
      co_return make_error(errc::http_client::resolve, host + ": no usable address");
    co_return endpoints;
  }

  awaitable<Result<std::unique_ptr<Connection>>> connect(const Target& t, const Deadlines& d) {
    auto deadline = d.until(d.connect);
    const bool via_proxy = use_proxy(t);
    if (via_proxy && !proxy_) co_return make_error(errc::http_client::proxy, proxy_error_);
    const std::string& host = via_proxy ? proxy_->host : t.host;
    const std::uint16_t port = via_proxy ? proxy_->port : t.port;
    auto endpoints = co_await resolve(host, port, deadline, !via_proxy && t.loopback);
    if (!endpoints) co_return endpoints.error();

    auto conn = std::make_unique<Connection>();
    conn->buffer.reserve(4096);  // Beast reads the free capacity: 512 bytes when empty
    conn->key = t.origin_key();
    conn->plain = std::make_unique<beast::tcp_stream>(io_);
    conn->plain->expires_at(deadline);
    {
      auto [ec, ep] = co_await conn->plain->async_connect(*endpoints, use_tuple);
      if (ec == beast::error::timeout)
        co_return make_error(errc::http_client::timeout, "connect " + host);
      if (ec == asio::error::operation_aborted) co_return map_error(ec, true);
      if (ec) {
        if (via_proxy) co_return make_error(errc::http_client::proxy, host + ": " + ec.message());
        co_return make_error(errc::http_client::connect, host + ": " + ec.message());
      }
    }
    conn->plain->socket().set_option(tcp::no_delay(true));

    if (via_proxy) {
      auto tunnel = co_await connect_tunnel(*conn, t);
      if (!tunnel) co_return tunnel.error();
    }
    if (t.https) {
      auto tls = co_await handshake(*conn, t);
      if (!tls) co_return tls.error();
    }
    co_return conn;
  }

  awaitable<Status> connect_tunnel(Connection& conn, const Target& t) {
    const std::string authority = (t.ip_literal && t.host.find(':') != std::string::npos)
                                      ? "[" + t.host + "]:" + std::to_string(t.port)
                                      : t.host + ":" + std::to_string(t.port);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::user_agent, options_.user_agent);
    if (!proxy_->authorization.empty()) {
      req.set(bhttp::field::proxy_authorization, proxy_->authorization);
    }
    {
      auto [ec, n] = co_await bhttp::async_write(*conn.plain, req, use_tuple);
      if (ec == beast::error::timeout)
        co_return make_error(errc::http_client::timeout, "proxy CONNECT");
      if (ec) co_return make_error(errc::http_client::proxy, "CONNECT write: " + ec.message());
    }
    // A 2xx answer to CONNECT has no body whatever its headers say (RFC 9110 9.3.6).
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);
    parser.header_limit(kHeaderLimit);
    auto [ec, n] = co_await bhttp::async_read_header(*conn.plain, conn.buffer, parser, use_tuple);
    if (ec == beast::error::timeout)
      co_return make_error(errc::http_client::timeout, "proxy CONNECT");
    if (ec) co_return make_error(errc::http_client::proxy, "CONNECT response: " + ec.message());
    const auto status = static_cast<int>(parser.get().result_int());
    if (status < 200 || status > 299) {
      co_return make_error(errc::http_client::proxy, "CONNECT answered " + std::to_string(status));
    }
    if (conn.buffer.size() != 0) {
      co_return make_error(errc::http_client::proxy, "proxy sent data before the TLS handshake");
    }
    co_return Status{};
  }

  awaitable<Status> handshake(Connection& conn, const Target& t) {
    conn.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*conn.plain),
                                                                      shared_->ctx);
    conn.plain.reset();
    SSL* ssl_handle = conn.tls->native_handle();
    // RFC 6066 3: SNI carries DNS names only, never IP literals.
    // (SSL_set_tlsext_host_name is a macro with an old-style cast.)
    if (!t.ip_literal &&
        SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(t.host.c_str())) != 1) {
      co_return make_error(errc::http_client::tls, "cannot set SNI");
    }
    conn.tls->set_verify_mode(ssl::verify_peer);
    conn.tls->set_verify_callback(ssl::host_name_verification(t.host));
    auto [ec] = co_await conn.tls->async_handshake(ssl::stream_base::client, use_tuple);
    if (ec == beast::error::timeout)
      co_return make_error(errc::http_client::timeout, "TLS handshake");
    if (ec == asio::error::operation_aborted) co_return map_error(ec, true);
    if (ec) {
      std::string detail = ec.message();
      long verify = SSL_get_verify_result(ssl_handle);
      if (verify != X509_V_OK) {
        detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      co_return make_error(errc::http_client::tls, t.host + ": " + detail);
    }
    co_return Status{};
  }

  // Connects (or reuses), writes the request and reads the response headers.
  awaitable<Result<std::unique_ptr<StreamImpl>>> exchange(const ClientRequest& request,
                                                          const Deadlines& d) {
    auto target = parse_target(request.url, options_.allow_plain_http_hosts);
    if (!target) co_return target.error();
    auto verb = to_verb(request.method);
    if (!verb) co_return make_error(errc::http_client::bad_url, "unsupported method");
    const Target& t = *target;
    if (t.https && !tls_error_.empty()) co_return make_error(errc::http_client::tls, tls_error_);

    bhttp::request<bhttp::string_body> req{*verb, t.target, 11};
    req.set(bhttp::field::host, t.host_header);
    req.set(bhttp::field::user_agent, options_.user_agent);
    req.set(bhttp::field::accept_encoding, "identity");
    for (const auto& [name, value] : request.headers.fields()) {
      if (beast::iequals(name, "host") || beast::iequals(name, "content-length") ||
          beast::iequals(name, "transfer-encoding")) {
        continue;
      }
      if (!is_token(name) || !is_safe_header_value(value)) {
        co_return make_error(errc::http_client::bad_url, "unsafe request header");
      }
      if (beast::iequals(name, "user-agent") || beast::iequals(name, "accept-encoding")) {
        req.set(name, value);
      } else {
        req.insert(name, value);
      }
    }
    req.body() = request.body;
    req.prepare_payload();
    const bool reusable = req.keep_alive();

    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> conn;
      // A connection that died in the pool is retried once, on a new one.
      if (attempt == 0) conn = shared_->pool.take(t.origin_key());
      const bool reused = conn != nullptr;
      if (!conn) {
        auto fresh = co_await connect(t, d);
        if (!fresh) co_return fresh.error();
        conn = std::move(*fresh);
      }
      conn->lowest().expires_at(d.until(d.first_byte));
      beast::error_code ec;
      std::size_t n = 0;
      std::tie(ec, n) = co_await conn->on_stream(
          [&](auto& stream) { return bhttp::async_write(stream, req, use_tuple); });
      if (ec) {
        conn->close();
        if (reused && ec != beast::error::timeout && ec != asio::error::operation_aborted) continue;
        co_return map_error(ec, false);
      }
      auto parser = std::make_unique<Parser>();
      parser->header_limit(kHeaderLimit);
      parser->body_limit(boost::none);  // callers enforce their own limits
      if (request.method == Method::head) parser->skip(true);
      std::tie(ec, n) = co_await conn->on_stream([&](auto& stream) {
        return bhttp::async_read_header(stream, conn->buffer, *parser, use_tuple);
      });
      if (ec) {
        conn->close();
        if (reused && !parser->got_some() && is_closed_error(ec)) continue;
        co_return map_error(ec, false);
      }
      co_return std::make_unique<StreamImpl>(shared_, std::move(conn), std::move(parser), reusable,
                                             d);
    }
    co_return make_error(errc::http_client::closed, "connection closed before the response");
  }

  asio::io_context& io_;
  ClientOptions options_;
  std::shared_ptr<Shared> shared_;
  std::optional<ProxyEndpoint> proxy_;
  std::string proxy_error_;
  std::string tls_error_;
};

}  // namespace

std::unique_ptr<HttpClient> make_http_client(asio::io_context& io, ClientOptions options) {
  return std::make_unique<ClientImpl>(io, std::move(options));
}

}  // namespace parley::http
