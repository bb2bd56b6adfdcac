#pragma once
// One asynchronous libpq connection driven by Asio (no thread blocks on the
// database). Every operation takes a deadline; on timeout or a broken socket
// the connection is marked broken() and must be discarded.
//
// Strand affinity: a Connection is used from one io_context thread, one
// operation at a time (the pool and the listener guarantee both).
//
// Error codes: db.unavailable (connect failed, connection lost), db.timeout,
// db.query (SQL error; detail has SQLSTATE and message),
// db.unique_violation (23505), db.serialization (40001),
// db.insufficient_privilege (42501), db.bad_parameter (a
// text parameter holding a NUL character: refused, never silently cut).

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "db/params.hpp"
#include "db/rows.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::db {

struct Notification {
  std::string channel;
  std::string payload;
};

class Batch;

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects to a libpq URL or conninfo string within `timeout`.
  static boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect(
      boost::asio::io_context& io, std::string url, std::chrono::milliseconds timeout);

  // One statement with parameters (extended protocol, text format).
  boost::asio::awaitable<Result<Rows>> query(std::string_view sql, const Params& params,
                                             std::chrono::milliseconds timeout);
  // A named statement, prepared on first use on this connection.
  boost::asio::awaitable<Result<Rows>> prepared(const Statement& statement, const Params& params,
                                                std::chrono::milliseconds timeout);
  // Several statements separated by ';' (simple protocol, no parameters);
  // returns the last result. Used for migrations and transaction control.
  boost::asio::awaitable<Result<Rows>> execute(std::string_view sql,
                                               std::chrono::milliseconds timeout);

  // The batch's steps in one round trip (db/batch.hpp), one result per step
  // in order (BEGIN and COMMIT give empty ones). The first failing step's
  // error (its codes as for prepared()); the steps after it were skipped.
  boost::asio::awaitable<Result<std::vector<Rows>>> batch(const Batch& batch,
                                                          std::chrono::milliseconds timeout);

  // Waits until a notification arrives (after LISTEN). Returns std::nullopt
  // when `idle` passes without one (the caller may then ping), an error when
  // the connection is lost or cancel() is called (db.unavailable).
  boost::asio::awaitable<Result<std::optional<Notification>>> wait_notification(
      std::chrono::milliseconds idle);

  // Aborts the operation in progress (it fails with db.unavailable) and
  // marks the connection broken.
  void cancel();

  bool broken() const;
  // True inside a transaction block (BEGIN without COMMIT/ROLLBACK yet).
  bool in_transaction() const;
  // True when the last failed operation failed before anything was sent,
  // so it is safe to retry it on another connection.
  bool failed_before_send() const;
  // Cheap check without waiting: consumes input that is already buffered in
  // the socket (e.g. the server's "terminating connection" message) and
  // reports whether the connection is still usable.
  bool healthy();
  // Server-side quoting of an identifier (for LISTEN "channel").
  std::string escape_identifier(std::string_view name) const;

 private:
  friend class Pipeline;  // drives the same socket with many statements in flight
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::db
