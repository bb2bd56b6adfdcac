#pragma once
// A bounded pool of asynchronous PostgreSQL connections.
//
// Strand affinity: a Pool and its Leases belong to the io_context given to
// the constructor and must only be used from the one thread running it (the
// server runs a single io_context thread). Nothing here is thread-safe.
//
// Bounded: at most max_connections are open (plus the one shared by
// read(), see db/pipeline.hpp); further callers wait in FIFO
// order up to acquire_timeout (db.pool_timeout). Connections are opened
// lazily. A broken connection (lost, timed out) is dropped when its lease
// ends, and idle connections are checked without a round trip before reuse,
// so the pool recovers by itself after the database restarts.
//
// Error codes: db.unavailable, db.timeout, db.pool_timeout, db.query,
// db.unique_violation, db.serialization (see db/connection.hpp).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "db/connection.hpp"
#include "db/params.hpp"
#include "db/rows.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::db {

struct PoolOptions {
  std::string url;  // postgres://... (a secret: never logged)
  int max_connections = 8;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::milliseconds query_timeout{15000};
  // Pool::read() shares one extra connection in pipeline mode between
  // concurrent read-only statements (db/pipeline.hpp); off: read() is
  // prepared().
  bool pipelined_reads = true;
};

struct PoolStats {
  std::size_t open = 0;       // connections open or being opened
  std::size_t idle = 0;       // open and not leased
  std::size_t waiting = 0;    // callers queued in acquire()
  bool pipeline = false;      // the shared read connection is open
  std::size_t pipelined = 0;  // reads sent on it and not answered yet
};

class Pool;
namespace detail {
struct PoolState;
}

// Exclusive use of one connection, e.g. for a transaction. Returns the
// connection to the pool when destroyed; a broken connection, or one left
// inside a transaction (an error path skipped COMMIT/ROLLBACK), is closed
// instead, which rolls that transaction back.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();

  // Statements on the leased connection with the pool's query_timeout.
  boost::asio::awaitable<Result<Rows>> query(std::string_view sql, Params params = {});
  boost::asio::awaitable<Result<Rows>> prepared(const Statement& statement, Params params = {});
  boost::asio::awaitable<Result<Rows>> execute(std::string_view sql);
  // Several statements in one round trip (db/batch.hpp).
  boost::asio::awaitable<Result<std::vector<Rows>>> batch(const Batch& batch);
  // The same with an explicit deadline.
  boost::asio::awaitable<Result<Rows>> execute(std::string_view sql,
                                               std::chrono::milliseconds timeout);

  Connection& connection() { return *connection_; }
  // The connection is not returned to the pool (e.g. state is unknown).
  void mark_broken() { discard_ = true; }
  explicit operator bool() const { return connection_ != nullptr; }

 private:
  friend class Pool;
  Lease(std::shared_ptr<detail::PoolState> pool_state, std::unique_ptr<Connection> connection,
        std::chrono::milliseconds query_timeout);
  void release();

  std::shared_ptr<detail::PoolState> pool_;
  std::unique_ptr<Connection> connection_;
  std::chrono::milliseconds query_timeout_{15000};
  bool discard_ = false;
};

class Pool {
 public:
  Pool(boost::asio::io_context& io, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const PoolOptions& options() const;

  // One statement on any connection. A statement that failed before it was
  // sent (dead idle connection) is retried once on a fresh connection;
  // anything else is reported as is.
  boost::asio::awaitable<Result<Rows>> query(std::string_view sql, Params params = {});
  boost::asio::awaitable<Result<Rows>> prepared(const Statement& statement, Params params = {});

  // A read-only statement outside any transaction, on the shared pipelined
  // connection (opened in the background on first use; until it is ready,
  // and when pipelined_reads is off, on a pooled connection). Statements
  // skipped because another one in their batch failed, or cut off by a lost
  // connection, are sent again: reads have no effect to repeat.
  boost::asio::awaitable<Result<Rows>> read(const Statement& statement, Params params = {});

  // A connection for several statements (transactions). db.pool_timeout
  // when none frees up within acquire_timeout, db.unavailable when a new
  // connection cannot be opened.
  boost::asio::awaitable<Result<Lease>> acquire();

  PoolStats stats() const;
  // Closes idle connections and fails waiters and later calls with
  // db.unavailable; leased connections close when their lease ends.
  void close();

 private:
  std::shared_ptr<detail::PoolState> state_;
};

}  // namespace parley::db
