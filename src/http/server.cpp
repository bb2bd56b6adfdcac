// The listener: accepting, the access-log flush, graceful shutdown. Each
// accepted socket becomes a Connection (connection.cpp).
#include "http/errors.hpp"
#include "http/server_internal.hpp"
#include "observability/log.hpp"

namespace parley::http {

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
    asio::co_spawn(s->io, serve_connection(std::move(c)), asio::detached);
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
      return make_error(errc::http::listen_failed, "cannot resolve host " + s.opts.host);
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
    return make_error(errc::http::listen_failed,
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