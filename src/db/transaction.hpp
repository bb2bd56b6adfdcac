#pragma once
// Explicit transactions on a leased connection, for work that spans several
// statements (maintenance, data deletion with its audit row). A lease that
// ends inside a transaction is closed by the pool, which rolls it back, so
// an error path that skips rollback() loses nothing but the connection.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "db/rows.hpp"

namespace parley::db {

class Batch;
class Lease;
class Pool;

struct TransactionLimits {
  // SET LOCAL lock_timeout: how long a statement waits for a lock before
  // failing (SQLSTATE 55P03) instead of queueing others behind it.
  std::optional<std::chrono::milliseconds> lock_timeout;
  // SET LOCAL statement_timeout (the server cancels longer statements).
  std::optional<std::chrono::milliseconds> statement_timeout;
};

boost::asio::awaitable<Status> begin_transaction(Lease& lease, TransactionLimits limits = {});
boost::asio::awaitable<Status> commit_transaction(Lease& lease);
// ROLLBACK; when that fails the connection is marked broken (not reused).
boost::asio::awaitable<void> rollback_transaction(Lease& lease);

// A whole transaction (a batch from begin() to commit(), db/batch.hpp) on a
// pooled connection in one round trip; when a step fails, the transaction
// is rolled back so the connection goes back to the pool.
boost::asio::awaitable<Result<std::vector<Rows>>> run_batch(Pool& pool, const Batch& batch);

}  // namespace parley::db
