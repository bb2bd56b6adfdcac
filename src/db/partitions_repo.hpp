#pragma once
// The monthly partitions of `messages` (migration 003): what the catalog
// holds, and the DDL of the maintenance task (admin/maintenance.hpp). All
// of it runs on one leased connection, the one that holds the maintenance
// advisory lock, so that one replica at a time changes partitions.
//
// DDL waits at most `lock` for its table locks (SET LOCAL lock_timeout):
// a busy table makes the step fail (db.query, SQLSTATE 55P03 in the detail)
// instead of queueing every chat statement behind it; the next run retries.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::db {

class Lease;

// pg_advisory_lock key of the maintenance task (the migrations use ...273).
inline constexpr std::int64_t kMaintenanceLockKey = 112585963217274;

struct DdlTimeouts {
  std::chrono::milliseconds lock{5000};        // waiting for a table lock
  std::chrono::milliseconds statement{600000};  // one statement (moving rows, retention)
};

// A partition of `messages`: [from, to) in epoch seconds; a MINVALUE or
// MAXVALUE bound is the int64 limit.
struct MessagePartition {
  std::string name;
  bool is_default = false;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t to = std::numeric_limits<std::int64_t>::max();
};

// A month partition to create: [from, to) as timestamptz literals (ours,
// e.g. "2026-05-01 00:00:00+00").
struct NewPartition {
  std::string name;
  std::string from_literal;
  std::string to_literal;
};

// Session-level advisory lock on the lease's connection: false when another
// session holds it. The lock lives as long as the connection: release it,
// or discard the connection (Lease::mark_broken) when releasing fails.
boost::asio::awaitable<Result<bool>> try_maintenance_lock(Lease& lease);
boost::asio::awaitable<Status> release_maintenance_lock(Lease& lease);

boost::asio::awaitable<Result<std::vector<MessagePartition>>> list_message_partitions(Lease& lease);

// The UTC months (epoch seconds of their first instant) that have rows in
// the DEFAULT partition `name`.
boost::asio::awaitable<Result<std::vector<std::int64_t>>> default_partition_months(
    Lease& lease, std::string_view name, DdlTimeouts timeouts);

// In one transaction: creates the table, moves the rows of its range out
// of the DEFAULT partition `default_name` (empty: there is none) into it and
// attaches it to `messages`. Returns the rows moved. The DEFAULT partition
// is locked (ACCESS EXCLUSIVE) from the start, so rows of that month that
// arrive meanwhile wait, then land in the new partition.
boost::asio::awaitable<Result<std::int64_t>> create_message_partition(
    Lease& lease, const NewPartition& p, std::string_view default_name, DdlTimeouts timeouts);

// DROP TABLE of one partition (an ACCESS EXCLUSIVE lock on `messages`, for
// at most `timeouts.lock` while waiting).
boost::asio::awaitable<Status> drop_message_partition(Lease& lease, std::string_view name,
                                                      DdlTimeouts timeouts);

}  // namespace parley::db
