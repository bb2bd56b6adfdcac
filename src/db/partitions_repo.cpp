#include "db/partitions_repo.hpp"

#include "db/errors.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

// The bounds as epoch seconds, whatever the session's TimeZone: the catalog
// prints them as timestamptz literals with their offset.
constexpr std::string_view kListPartitions = R"SQL(
SELECT c.relname, b.bound = 'DEFAULT',
       CASE WHEN r.m[1] IS NULL OR r.m[1] = 'MINVALUE' THEN NULL
            ELSE floor(extract(epoch FROM btrim(r.m[1], '''')::timestamptz))::bigint END,
       CASE WHEN r.m[2] IS NULL OR r.m[2] = 'MAXVALUE' THEN NULL
            ELSE floor(extract(epoch FROM btrim(r.m[2], '''')::timestamptz))::bigint END
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
  CROSS JOIN LATERAL (SELECT regexp_match(b.bound, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m) r
 WHERE i.inhparent = 'messages'::regclass
 ORDER BY 3 NULLS FIRST, 1)SQL";

constexpr Statement kTryLock{"maintenance_try_lock", "SELECT pg_try_advisory_lock($1::bigint)"};
constexpr Statement kUnlock{"maintenance_unlock", "SELECT pg_advisory_unlock($1::bigint)"};

constexpr Statement kIsPartition{
    "maintenance_is_partition",
    "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'messages'::regclass AND c.relname = $1"
    " AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'"};

// A statement's own deadline on our side: the server's statement_timeout
// fires first; this one only catches a server that stopped answering.
std::chrono::milliseconds client_deadline(const DdlTimeouts& t) {
  return t.statement + t.lock + std::chrono::seconds(5);
}

TransactionLimits limits_of(const DdlTimeouts& t) { return {t.lock, t.statement}; }

Result<std::string> quoted(Lease& lease, std::string_view name) {
  std::string q = lease.connection().escape_identifier(name);
  if (q.empty()) return Error(errc::db::query, "cannot quote identifier");
  return q;
}

std::string literal(std::string_view ours) {
  // Bound literals are ours (digits, '-', ':', ' ', '+'): no quote to escape.
  return "'" + std::string(ours) + "'";
}

asio::awaitable<Result<std::int64_t>> create_in_transaction(Lease& lease, const NewPartition& p,
                                                            std::string_view default_name,
                                                            DdlTimeouts timeouts) {
  auto table = quoted(lease, p.name);
  if (!table) co_return table.error();
  const auto deadline = client_deadline(timeouts);
  std::string range = "created_at >= " + literal(p.from_literal) +
                      " AND created_at < " + literal(p.to_literal);
  std::int64_t moved = 0;
  std::optional<std::string> default_table;
  if (!default_name.empty()) {
    auto q = quoted(lease, default_name);
    if (!q) co_return q.error();
    default_table = std::move(*q);
    // First, so that no row of this month slips into DEFAULT between the
    // move and the attach.
    auto locked =
        co_await lease.execute("LOCK TABLE " + *default_table + " IN ACCESS EXCLUSIVE MODE", deadline);
    if (!locked) co_return locked.error();
  }
  auto created = co_await lease.execute(
      "CREATE TABLE " + *table + " (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
      deadline);
  if (!created) co_return created.error();
  if (default_table) {
    auto rows = co_await lease.execute("WITH moved AS (DELETE FROM " + *default_table + " WHERE " +
                                           range + " RETURNING *) INSERT INTO " + *table +
                                           " SELECT * FROM moved",
                                       deadline);
    if (!rows) co_return rows.error();
    moved = rows->affected();
  }
  auto attached = co_await lease.execute("ALTER TABLE messages ATTACH PARTITION " + *table +
                                             " FOR VALUES FROM (" + literal(p.from_literal) +
                                             ") TO (" + literal(p.to_literal) + ")",
                                         deadline);
  if (!attached) co_return attached.error();
  co_return moved;
}

}  // namespace

asio::awaitable<Result<bool>> try_maintenance_lock(Lease& lease) {
  Params params{kMaintenanceLockKey};
  auto rows = co_await lease.prepared(kTryLock, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->boolean(0, 0);
}

asio::awaitable<Status> release_maintenance_lock(Lease& lease) {
  Params params{kMaintenanceLockKey};
  auto rows = co_await lease.prepared(kUnlock, std::move(params));
  if (!rows) co_return rows.error();
  if (!rows->boolean(0, 0)) co_return Error(errc::db::query, "maintenance lock was not held");
  co_return Status{};
}

asio::awaitable<Result<std::vector<MessagePartition>>> list_message_partitions(Lease& lease) {
  auto rows = co_await lease.query(kListPartitions);
  if (!rows) co_return rows.error();
  std::vector<MessagePartition> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    MessagePartition p;
    p.name = std::string(rows->text(r, 0));
    p.is_default = rows->boolean(r, 1);
    if (auto from = rows->optional_int64(r, 2)) p.from = *from;
    if (auto to = rows->optional_int64(r, 3)) p.to = *to;
    out.push_back(std::move(p));
  }
  co_return out;
}

asio::awaitable<Result<std::vector<std::int64_t>>> default_partition_months(Lease& lease,
                                                                            std::string_view name,
                                                                            DdlTimeouts timeouts) {
  auto table = quoted(lease, name);
  if (!table) co_return table.error();
  // An infinite created_at has no month (and no partition could take it).
  auto rows = co_await lease.execute(
      "SELECT DISTINCT floor(extract(epoch FROM date_trunc('month', created_at AT TIME ZONE "
      "'UTC')))::bigint FROM " + *table + " WHERE isfinite(created_at)",
      client_deadline(timeouts));
  if (!rows) co_return rows.error();
  std::vector<std::int64_t> out;
  for (int r = 0; r < rows->rows(); ++r) out.push_back(rows->int64(r, 0));
  co_return out;
}

asio::awaitable<Result<std::int64_t>> create_message_partition(Lease& lease, const NewPartition& p,
                                                               std::string_view default_name,
                                                               DdlTimeouts timeouts) {
  if (auto begun = co_await begin_transaction(lease, limits_of(timeouts)); !begun) {
    co_return begun.error();
  }
  auto moved = co_await create_in_transaction(lease, p, default_name, timeouts);
  if (!moved) {
    co_await rollback_transaction(lease);
    co_return moved.error();
  }
  if (auto committed = co_await commit_transaction(lease); !committed) co_return committed.error();
  co_return moved;
}

asio::awaitable<Status> drop_message_partition(Lease& lease, std::string_view name,
                                               DdlTimeouts timeouts) {
  auto table = quoted(lease, name);
  if (!table) co_return table.error();
  if (auto begun = co_await begin_transaction(lease, limits_of(timeouts)); !begun) {
    co_return begun.error();
  }
  Params params{name};
  // Only ever a month partition of messages, whatever name reaches here.
  auto is_partition = co_await lease.prepared(kIsPartition, std::move(params));
  Status outcome = Status{};
  if (!is_partition) {
    outcome = is_partition.error();
  } else if (is_partition->empty()) {
    outcome = Error(errc::db::query, "not a partition of messages: " + std::string(name));
  } else if (auto dropped = co_await lease.execute("DROP TABLE " + *table, client_deadline(timeouts));
             !dropped) {
    outcome = dropped.error();
  }
  if (!outcome) {
    co_await rollback_transaction(lease);
    co_return outcome;
  }
  co_return co_await commit_transaction(lease);
}

}  // namespace parley::db
