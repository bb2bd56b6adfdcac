#include "db/pool.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "db/pipeline.hpp"
#include "observability/log.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace detail {

struct Waiter {
  explicit Waiter(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::unique_ptr<Connection> connection;  // handed over by a releasing lease
  bool granted = false;                    // woken on purpose (not by the timer)
  bool slot = false;                       // may open a new connection
  bool closed = false;
};

struct PoolState : std::enable_shared_from_this<PoolState> {
  PoolState(asio::io_context& context, PoolOptions o) : io(context), options(std::move(o)) {}

  asio::io_context& io;
  PoolOptions options;
  std::vector<std::unique_ptr<Connection>> idle;
  std::deque<Waiter*> waiters;  // FIFO; each lives in its acquire() frame
  std::size_t open = 0;
  bool closed = false;
  std::shared_ptr<Pipeline> pipeline;  // for read(); not counted in `open`
  bool pipeline_opening = false;
  std::chrono::steady_clock::time_point pipeline_retry_at{};

  void wake(Waiter* w) {
    w->granted = true;
    w->timer.cancel();
  }

  // A connection slot became free: the first waiter may open one.
  void slot_freed() {
    if (closed || waiters.empty()) return;
    Waiter* w = waiters.front();
    waiters.pop_front();
    w->slot = true;
    ++open;
    wake(w);
  }

  void give_back(std::unique_ptr<Connection> c, bool discard) {
    // A connection still inside a transaction (an error path skipped the
    // ROLLBACK) must not be reused: closing it rolls the transaction back.
    if (closed || discard || c->broken() || c->in_transaction()) {
      c.reset();
      --open;
      slot_freed();
      return;
    }
    if (!waiters.empty()) {
      Waiter* w = waiters.front();
      waiters.pop_front();
      w->connection = std::move(c);
      wake(w);
      return;
    }
    idle.push_back(std::move(c));
  }

  // The open pipeline, or none (then one is being opened in the background,
  // at most once a second after a failure).
  std::shared_ptr<Pipeline> ready_pipeline() {
    if (pipeline && !pipeline->broken()) return pipeline;
    pipeline.reset();
    const auto now = std::chrono::steady_clock::now();
    if (!closed && !pipeline_opening && now >= pipeline_retry_at) {
      pipeline_opening = true;
      asio::co_spawn(io, open_pipeline(shared_from_this()), asio::detached);
    }
    return nullptr;
  }

  static asio::awaitable<void> open_pipeline(std::shared_ptr<PoolState> self) {
    auto connection =
        co_await Connection::connect(self->io, self->options.url, self->options.connect_timeout);
    self->pipeline_opening = false;
    if (self->closed) co_return;
    Result<std::shared_ptr<Pipeline>> started =
        connection ? Pipeline::start(std::move(*connection))
                   : Result<std::shared_ptr<Pipeline>>(connection.error());
    if (!started) {
      self->pipeline_retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      log::warn("db.pipeline_unavailable")
          .str("code", started.error().code)
          .str("detail", started.error().detail);
      co_return;
    }
    self->pipeline = std::move(*started);
  }

  void close() {
    closed = true;
    if (pipeline) pipeline->close();  // readers may still hold it
    pipeline.reset();
    open -= idle.size();
    idle.clear();
    for (Waiter* w : waiters) {
      w->closed = true;
      wake(w);
    }
    waiters.clear();
  }
};

}  // namespace detail

// ---- Lease

Lease::Lease(std::shared_ptr<detail::PoolState> pool_state, std::unique_ptr<Connection> connection,
             std::chrono::milliseconds query_timeout)
    : pool_(std::move(pool_state)),
      connection_(std::move(connection)),
      query_timeout_(query_timeout) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      connection_(std::move(other.connection_)),
      query_timeout_(other.query_timeout_),
      discard_(other.discard_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    connection_ = std::move(other.connection_);
    query_timeout_ = other.query_timeout_;
    discard_ = other.discard_;
  }
  return *this;
}

Lease::~Lease() { release(); }

void Lease::release() {
  if (connection_ && pool_) pool_->give_back(std::move(connection_), discard_);
  connection_.reset();
  pool_.reset();
  discard_ = false;
}

asio::awaitable<Result<Rows>> Lease::query(std::string_view sql, Params params) {
  co_return co_await connection_->query(sql, params, query_timeout_);
}

asio::awaitable<Result<Rows>> Lease::prepared(const Statement& statement, Params params) {
  co_return co_await connection_->prepared(statement, params, query_timeout_);
}

asio::awaitable<Result<std::vector<Rows>>> Lease::batch(const Batch& batch) {
  co_return co_await connection_->batch(batch, query_timeout_);
}

asio::awaitable<Result<Rows>> Lease::execute(std::string_view sql) {
  co_return co_await connection_->execute(sql, query_timeout_);
}

asio::awaitable<Result<Rows>> Lease::execute(std::string_view sql,
                                             std::chrono::milliseconds timeout) {
  co_return co_await connection_->execute(sql, timeout);
}

// ---- Pool

Pool::Pool(asio::io_context& io, PoolOptions options)
    : state_(std::make_shared<detail::PoolState>(io, std::move(options))) {
  state_->options.max_connections = std::max(1, state_->options.max_connections);
}

Pool::~Pool() { state_->close(); }

const PoolOptions& Pool::options() const { return state_->options; }

PoolStats Pool::stats() const {
  const Pipeline* p = state_->pipeline.get();
  const bool open = p && !p->broken();
  return PoolStats{state_->open, state_->idle.size(), state_->waiters.size(), open,
                   open ? p->in_flight() : 0};
}

void Pool::close() { state_->close(); }

asio::awaitable<Result<Lease>> Pool::acquire() {
  std::shared_ptr<detail::PoolState> s = state_;  // outlives the Pool if need be
  if (s->closed) co_return Error(errc::db::unavailable, "pool closed");

  std::unique_ptr<Connection> connection;
  bool may_open = false;
  while (!s->idle.empty()) {
    connection = std::move(s->idle.back());  // most recently used: warmest
    s->idle.pop_back();
    if (connection->healthy()) break;
    connection.reset();
    --s->open;
  }
  if (!connection) {
    if (s->open < static_cast<std::size_t>(s->options.max_connections)) {
      ++s->open;
      may_open = true;
    } else {
      detail::Waiter w(s->io);
      w.timer.expires_after(s->options.acquire_timeout);
      s->waiters.push_back(&w);
      (void)co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!w.granted) {
        std::erase(s->waiters, &w);
        co_return Error(errc::db::pool_timeout, "no connection free within acquire_timeout");
      }
      if (w.closed) co_return Error(errc::db::unavailable, "pool closed");
      connection = std::move(w.connection);
      may_open = w.slot;
      if (connection && !connection->healthy()) {
        connection.reset();
        may_open = true;  // keep the slot, open a fresh one
      }
    }
  }
  if (may_open) {
    auto opened = co_await Connection::connect(s->io, s->options.url, s->options.connect_timeout);
    if (!opened) {
      --s->open;
      s->slot_freed();
      co_return opened.error();
    }
    connection = std::move(*opened);
    if (s->closed) {
      --s->open;
      co_return Error(errc::db::unavailable, "pool closed");
    }
  }
  co_return Lease(s, std::move(connection), s->options.query_timeout);
}

asio::awaitable<Result<Rows>> Pool::query(std::string_view sql, Params params) {
  for (int attempt = 0;; ++attempt) {
    auto lease = co_await acquire();
    if (!lease) co_return lease.error();
    auto rows = co_await lease->connection().query(sql, params, state_->options.query_timeout);
    if (!rows && attempt == 0 && lease->connection().failed_before_send()) {
      lease->mark_broken();
      continue;
    }
    co_return rows;
  }
}

asio::awaitable<Result<Rows>> Pool::prepared(const Statement& statement, Params params) {
  for (int attempt = 0;; ++attempt) {
    auto lease = co_await acquire();
    if (!lease) co_return lease.error();
    auto rows =
        co_await lease->connection().prepared(statement, params, state_->options.query_timeout);
    if (!rows && attempt == 0 && lease->connection().failed_before_send()) {
      lease->mark_broken();
      continue;
    }
    co_return rows;
  }
}

asio::awaitable<Result<Rows>> Pool::read(const Statement& statement, Params params) {
  std::shared_ptr<detail::PoolState> s = state_;
  if (s->options.pipelined_reads && !s->closed) {
    // Each pass either succeeds, ends, or drops one failed statement from
    // the batch, so a few passes suffice; the first lost connection is
    // retried on a fresh one.
    for (int attempt = 0; attempt < 4; ++attempt) {
      std::shared_ptr<Pipeline> pipeline = s->ready_pipeline();
      if (!pipeline) break;
      auto rows = co_await pipeline->prepared(statement, params, s->options.query_timeout);
      if (rows) co_return rows;
      const Error& e = rows.error();
      if (e.is(errc::db::pipeline_aborted)) continue;
      if (e.is(errc::db::unavailable) && attempt == 0 && !s->closed) continue;
      co_return rows;
    }
  }
  co_return co_await prepared(statement, std::move(params));
}

}  // namespace parley::db
