#include "db/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

#include "db/connection.hpp"
#include "observability/log.hpp"

namespace parley::db {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr auto kConnectTimeout = 5000ms;
constexpr auto kQueryTimeout = 5000ms;
constexpr auto kIdlePing = 15000ms;
constexpr auto kFirstBackoff = 100ms;
constexpr auto kMaxBackoff = 1000ms;
}  // namespace

struct Listener::State {
  State(asio::io_context& context, std::string u, std::vector<std::string> c, NotifyFn n,
        ReconnectedFn r)
      : io(context), url(std::move(u)), channels(std::move(c)), on_notify(std::move(n)),
        on_reconnected(std::move(r)), backoff_timer(context) {}

  asio::io_context& io;
  std::string url;
  std::vector<std::string> channels;
  NotifyFn on_notify;
  ReconnectedFn on_reconnected;
  asio::steady_timer backoff_timer;
  Connection* current = nullptr;  // the connection run() is using, for stop()
  bool running = false;
  bool stopped = false;
  bool is_connected = false;
};

namespace {

asio::awaitable<void> listen_loop(std::shared_ptr<Listener::State> s) {
  bool first_attempt = true;
  auto backoff = kFirstBackoff;
  while (!s->stopped) {
    bool failed = false;
    auto opened = co_await Connection::connect(s->io, s->url, kConnectTimeout);
    if (opened && !s->stopped) {
      std::unique_ptr<Connection> c = std::move(*opened);
      std::string sql;
      for (const auto& ch : s->channels) sql += "LISTEN " + c->escape_identifier(ch) + ";";
      auto listened = co_await c->execute(sql, kQueryTimeout);
      if (listened && !s->stopped) {
        s->current = c.get();
        s->is_connected = true;
        backoff = kFirstBackoff;
        log::info("db.listener_connected").num("channels", static_cast<std::int64_t>(s->channels.size()));
        if (!first_attempt) {
          if (auto fn = s->on_reconnected) fn();
        }
        while (!s->stopped) {
          auto n = co_await c->wait_notification(kIdlePing);
          if (!n) {
            if (!s->stopped) log::warn("db.listener_lost").str("detail", n.error().detail);
            break;
          }
          if (*n) {
            // A copy: the callback may call stop(), which clears on_notify.
            if (auto fn = s->on_notify) fn((*n)->channel, (*n)->payload);
            continue;
          }
          // Idle: make sure the server is still there.
          if (auto ping = co_await c->execute("SELECT 1", kQueryTimeout); !ping) {
            if (!s->stopped) log::warn("db.listener_lost").str("detail", ping.error().detail);
            break;
          }
        }
        s->current = nullptr;
        s->is_connected = false;
      } else if (!listened) {
        log::warn("db.listener_listen_failed").str("code", listened.error().code);
      }
      failed = true;
    } else if (!opened) {
      log::warn("db.listener_connect_failed").str("code", opened.error().code);
      failed = true;
    }
    first_attempt = false;
    if (s->stopped) break;
    if (failed) {
      s->backoff_timer.expires_after(backoff);
      (void)co_await s->backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
  }
  s->running = false;
}

}  // namespace

Listener::Listener(asio::io_context& io, std::string url, std::vector<std::string> channels,
                   NotifyFn on_notify, ReconnectedFn on_reconnected)
    : state_(std::make_shared<State>(io, std::move(url), std::move(channels), std::move(on_notify),
                                     std::move(on_reconnected))) {}

Listener::~Listener() { stop(); }

void Listener::start() {
  if (state_->running || state_->stopped) return;
  state_->running = true;
  asio::co_spawn(state_->io, listen_loop(state_), asio::detached);
}

void Listener::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  // Callbacks capture the owner, which may be gone after stop().
  state_->on_notify = nullptr;
  state_->on_reconnected = nullptr;
  state_->backoff_timer.cancel();
  if (state_->current) state_->current->cancel();
}

bool Listener::connected() const { return state_->is_connected; }

}  // namespace parley::db
