#pragma once
// Several statements sent together in libpq pipeline mode, followed by one
// Sync: one round trip instead of one per statement. The steps of a
// transaction that do not need each other's results go in one batch:
//   Batch b;
//   b.begin();
//   const std::size_t slot = b.add(kInsertSlot, std::move(params));
//   b.commit();
//   auto results = co_await lease.batch(b);  // results->at(slot)
// The server runs them one after another, each with its own snapshot (READ
// COMMITTED), exactly as if they were sent one at a time: a lock taken by
// one step is held when the next one reads.
//
// When a step fails the server skips the rest of the batch and the result is
// that step's error. Inside an explicit transaction (begin() here, or an
// earlier BEGIN) the transaction is then aborted, as after any failed
// statement: roll back, or let the lease close the connection.
// See docs/decisions/0017-transaction-batches.md.

#include <cstddef>
#include <string_view>
#include <vector>

#include "db/params.hpp"

namespace parley::db {

class Batch {
 public:
  struct Step {
    // A named statement (prepared on first use on the connection), or, when
    // its name is empty, `statement.sql` sent unnamed (BEGIN, COMMIT:
    // pipeline mode has no simple-query protocol).
    Statement statement;
    Params params;
  };

  // BEGIN and COMMIT as steps.
  void begin() { steps_.push_back({Statement{{}, kBegin}, {}}); }
  void commit() { steps_.push_back({Statement{{}, "COMMIT"}, {}}); }
  // SET LOCAL plan_cache_mode = force_generic_plan: the prepared statements
  // after it, to the end of the transaction, run their generic plan instead
  // of being planned again at every call. For statements on the partitioned
  // messages table with the partition key as a parameter, PostgreSQL keeps
  // choosing a custom plan (its generic cost sums every partition), and
  // planning costs more than running: an answer's finish took 0.35 ms with
  // planning and 0.12 ms with its generic plan, which prunes partitions at
  // execution. Only inside a transaction (after begin() or an open BEGIN).
  void prefer_generic_plans() {
    steps_.push_back({Statement{{}, "SET LOCAL plan_cache_mode = force_generic_plan"}, {}});
  }
  // Returns the step's index in the results.
  std::size_t add(const Statement& statement, Params params) {
    steps_.push_back({statement, std::move(params)});
    return steps_.size() - 1;
  }

  // A step that must share a transaction with the change it records (an
  // audit append): the batch is refused (db.audit_outside_transaction)
  // unless it starts with begin() or runs inside an open transaction.
  void require_transaction() { requires_transaction_ = true; }

  const std::vector<Step>& steps() const { return steps_; }
  bool empty() const { return steps_.empty(); }
  bool opens_transaction() const {
    return !steps_.empty() && steps_.front().statement.name.empty() &&
           steps_.front().statement.sql == kBegin;
  }
  bool requires_transaction() const { return requires_transaction_; }

 private:
  static constexpr std::string_view kBegin = "BEGIN";
  std::vector<Step> steps_;
  bool requires_transaction_ = false;
};

}  // namespace parley::db
