#include "integration/tls_proxy.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <mutex>
#include <thread>

#include "support/test_pki.hpp"

namespace parley::testing {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;

struct InterceptingProxy::State {
  std::string host;
  int upstream_port = 0;
  asio::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  mutable std::mutex mutex;
  std::vector<std::string> lines;
  int tunnels = 0;
  int tls_failures = 0;
  std::thread thread;
};

namespace {

constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

// Copies bytes one way until either side closes, then closes both sockets
// (so the other direction ends too).
template <typename From, typename To>
awaitable<void> pump(From& from, To& to, tcp::socket& a, tcp::socket& b) {
  std::array<char, 16384> buf{};
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), tuple);
    if (rec || n == 0) break;
    auto [wec, written] = co_await asio::async_write(to, asio::buffer(buf.data(), n), tuple);
    if (wec) break;
  }
  boost::system::error_code ignored;
  a.close(ignored);
  b.close(ignored);
}

awaitable<void> tunnel(InterceptingProxy::State& st, tcp::socket client) {
  std::string head;
  auto [ec, n] =
      co_await asio::async_read_until(client, asio::dynamic_buffer(head), "\r\n\r\n", tuple);
  if (ec) co_return;
  const std::string line = head.substr(0, head.find("\r\n"));
  {
    std::lock_guard lock(st.mutex);
    st.lines.push_back(line);
  }
  if (line != "CONNECT " + st.host + ":443 HTTP/1.1") {
    co_await asio::async_write(
        client,
        asio::buffer(std::string_view("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")),
        tuple);
    co_return;
  }
  co_await asio::async_write(
      client, asio::buffer(std::string_view("HTTP/1.1 200 Connection established\r\n\r\n")), tuple);
  ssl::stream<tcp::socket> tls(std::move(client), st.tls);
  if (auto [hec] = co_await tls.async_handshake(ssl::stream_base::server, tuple); hec) {
    std::lock_guard lock(st.mutex);
    ++st.tls_failures;
    co_return;
  }
  {
    std::lock_guard lock(st.mutex);
    ++st.tunnels;
  }
  tcp::socket upstream(st.io);
  auto [cec] = co_await upstream.async_connect(
      {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(st.upstream_port)}, tuple);
  if (cec) co_return;
  using namespace asio::experimental::awaitable_operators;
  co_await (pump(tls, upstream, tls.next_layer(), upstream) &&
            pump(upstream, tls, tls.next_layer(), upstream));
}

awaitable<void> accept_loop(InterceptingProxy::State& st) {
  for (;;) {
    auto [ec, socket] = co_await st.acceptor.async_accept(tuple);
    if (ec) co_return;
    asio::co_spawn(st.io, tunnel(st, std::move(socket)), asio::detached);
  }
}

}  // namespace

InterceptingProxy::InterceptingProxy(std::string host, int upstream_port)
    : state_(std::make_unique<State>()) {
  state_->host = std::move(host);
  state_->upstream_port = upstream_port;
  const TestPki& pki = test_pki("parley_proxy");
  const std::string leaf = pki.leaf_pem(state_->host, "DNS:" + state_->host);
  state_->tls.use_certificate_chain(asio::buffer(leaf));
  state_->tls.use_private_key(asio::buffer(pki.key_pem), ssl::context::pem);
  asio::co_spawn(state_->io, accept_loop(*state_), asio::detached);
  state_->thread = std::thread([s = state_.get()] { s->io.run(); });
}

InterceptingProxy::~InterceptingProxy() {
  state_->io.stop();
  state_->thread.join();
}

int InterceptingProxy::port() const { return state_->acceptor.local_endpoint().port(); }

std::vector<std::string> InterceptingProxy::request_lines() const {
  std::lock_guard lock(state_->mutex);
  return state_->lines;
}

int InterceptingProxy::tunnels() const {
  std::lock_guard lock(state_->mutex);
  return state_->tunnels;
}

int InterceptingProxy::tls_failures() const {
  std::lock_guard lock(state_->mutex);
  return state_->tls_failures;
}

}  // namespace parley::testing
