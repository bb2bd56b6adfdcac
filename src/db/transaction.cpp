#include "db/transaction.hpp"

#include <string>

#include "db/batch.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

asio::awaitable<Status> begin_transaction(Lease& lease, TransactionLimits limits) {
  std::string sql = "BEGIN";
  // Integers we format ourselves: nothing from outside reaches this text.
  if (limits.lock_timeout) {
    sql += "; SET LOCAL lock_timeout = '" + std::to_string(limits.lock_timeout->count()) + "ms'";
  }
  if (limits.statement_timeout) {
    sql += "; SET LOCAL statement_timeout = '" +
           std::to_string(limits.statement_timeout->count()) + "ms'";
  }
  auto r = co_await lease.execute(sql);
  if (!r) co_return r.error();
  co_return Status{};
}

asio::awaitable<Status> commit_transaction(Lease& lease) {
  auto r = co_await lease.execute("COMMIT");
  if (!r) co_return r.error();
  co_return Status{};
}

asio::awaitable<void> rollback_transaction(Lease& lease) {
  if (!lease || lease.connection().broken()) co_return;
  if (auto r = co_await lease.execute("ROLLBACK"); !r) lease.mark_broken();
}

asio::awaitable<Result<std::vector<Rows>>> run_batch(Pool& pool, const Batch& batch) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  auto results = co_await lease->batch(batch);
  if (!results) co_await rollback_transaction(*lease);
  co_return results;
}

}  // namespace parley::db
