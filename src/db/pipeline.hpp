#pragma once
// Read-only statements from many concurrent requests on one connection in
// libpq pipeline mode. Statements submitted during one turn of the event
// loop leave in one write followed by one Sync; the server reads them in one
// go and answers them in one go; the results come back in order and go to
// their callers. Compared with one connection per statement this shares the
// backend's wake-ups and the system calls on both sides (measured with
// pgbench on the conversation list: backend CPU per query 48.8 -> 29.7 us at
// 8 statements per Sync). See docs/decisions/0003-pipelined-reads.md.
//
// Read-only only: the statements between two Syncs run in one implicit
// transaction, and when one fails the server skips the rest of its batch.
// Those innocent statements fail with db.pipeline_aborted (Pool::read sends
// them again); the failing one gets its own error.
//
// A statement still unanswered at its deadline holds up everything queued
// behind it, so it breaks the pipeline: it fails with db.timeout, everything
// else pending with db.unavailable, and the owner opens a new pipeline.
//
// Strand affinity: the io_context thread of the connection, like Connection.
//
// Error codes: those of Connection::prepared, plus db.pipeline_aborted.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/result.hpp"
#include "db/connection.hpp"
#include "db/params.hpp"
#include "db/rows.hpp"

namespace parley::db {

class Pipeline {
 public:
  // Puts an open, idle connection into pipeline mode (db.unavailable when
  // libpq refuses).
  static Result<std::shared_ptr<Pipeline>> start(std::unique_ptr<Connection> connection);
  // Fails whatever is still pending with db.unavailable.
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // One read-only statement (prepared on this connection on first use).
  boost::asio::awaitable<Result<Rows>> prepared(const Statement& statement, const Params& params,
                                                std::chrono::milliseconds timeout);

  // Fails every pending statement with db.unavailable and closes the
  // connection (callers still holding this Pipeline get db.unavailable).
  void close();

  // True after the connection was lost or a deadline passed: discard it.
  bool broken() const;
  // Statements sent and not answered yet.
  std::size_t in_flight() const;
  // Sync points sent so far: one per event-loop turn that submitted
  // statements (lets tests check that concurrent statements share them).
  std::uint64_t syncs_sent() const;

  struct State;

 private:
  explicit Pipeline(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace parley::db
