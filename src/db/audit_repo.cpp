#include "db/audit_repo.hpp"

#include <boost/json/serialize.hpp>

#include <limits>

#include "db/errors.hpp"
#include "db/batch.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

// seq, at and hash come from the trigger (migration 007).
constexpr Statement kAppend{
    "audit_append",
    "INSERT INTO audit_events (type, actor, subject, ip, detail)"
    " VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING seq"};

constexpr Statement kSetActor{"audit_set_actor",
                              "SELECT set_config('parley.actor', $1, true)"};

// Binary results: at as microseconds (formatted here, whatever the
// session's TimeZone), text and bytea as their bytes.
constexpr Statement kChainBatch{
    "audit_chain_batch",
    "SELECT seq, at, type, actor, subject, ip, detail::text, hash FROM audit_events"
    " WHERE seq > $1 ORDER BY seq LIMIT $2",
    ResultFormat::binary};

Params append_params(const AuditEntry& e) {
  auto id = [](const std::optional<UserId>& u) -> std::optional<std::string> {
    if (!u || u->value.empty()) return std::nullopt;
    return u->value;
  };
  return Params{e.type, id(e.actor), id(e.subject), e.ip, boost::json::serialize(e.detail)};
}

std::optional<std::string> optional_bytes(const Rows& rows, int r, int c) {
  if (rows.is_null(r, c)) return std::nullopt;
  return std::string(rows.text(r, c));
}

}  // namespace

asio::awaitable<Result<std::int64_t>> append_audit(Lease& tx, const AuditEntry& entry) {
  if (!tx.connection().in_transaction()) {
    co_return Error(errc::db::audit_outside_transaction, entry.type);
  }
  auto rows = co_await tx.prepared(kAppend, append_params(entry));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

std::size_t append_audit(Batch& batch, const AuditEntry& entry) {
  batch.require_transaction();
  return batch.add(kAppend, append_params(entry));
}

asio::awaitable<Result<std::int64_t>> append_audit(Pool& pool, const AuditEntry& entry) {
  auto rows = co_await pool.prepared(kAppend, append_params(entry));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

asio::awaitable<Status> set_audit_actor(Lease& tx, const UserId& actor) {
  if (!tx.connection().in_transaction()) {
    co_return Error(errc::db::audit_outside_transaction, "set_audit_actor");
  }
  Params params{actor.value};
  auto rows = co_await tx.prepared(kSetActor, std::move(params));
  if (!rows) co_return rows.error();
  co_return Status{};
}

asio::awaitable<Result<std::vector<AuditItem>>> list_audit(Lease& lease, const AuditFilter& f,
                                                           int limit) {
  // Only the filters given: each combination is planned for its own values
  // (an unnamed statement), so every one can use its index.
  std::string sql =
      "SELECT seq, at, type, actor, subject, ip, detail::text, encode(hash, 'hex')"
      " FROM audit_events WHERE true";
  Params params;
  auto next = [&params] { return "$" + std::to_string(params.size()); };
  if (f.before_seq) {
    params.add(*f.before_seq);
    sql += " AND seq < " + next();
  }
  if (f.type) {
    // The type column is C-collated and types allow only [a-z0-9_.]: between
    // "t" and "t/" lie exactly t and t.* ('.' < '/' < '0').
    params.add(*f.type);
    sql += " AND type >= " + next();
    params.add(*f.type + "/");
    sql += " AND type < " + next();
  }
  if (f.actor) {
    params.add(*f.actor);
    sql += " AND actor = " + next();
  }
  if (f.subject) {
    params.add(*f.subject);
    sql += " AND subject = " + next();
  }
  if (f.from) {
    params.add(*f.from);
    sql += " AND at >= " + next() + "::timestamptz";
  }
  if (f.to) {
    params.add(*f.to);
    sql += " AND at < " + next() + "::timestamptz";
  }
  params.add(limit);
  sql += " ORDER BY seq DESC LIMIT " + next();

  auto rows = co_await lease.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<AuditItem> items;
  items.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    AuditItem item;
    item.seq = rows->int64(r, 0);
    item.at = std::string(rows->text(r, 1));
    item.type = std::string(rows->text(r, 2));
    item.actor = rows->optional_text(r, 3);
    item.subject = rows->optional_text(r, 4);
    item.ip = rows->optional_text(r, 5);
    item.detail = std::string(rows->text(r, 6));
    item.hash = std::string(rows->text(r, 7));
    items.push_back(std::move(item));
  }
  co_return items;
}

asio::awaitable<Result<AuditChainReport>> verify_audit_chain(Pool& pool, int batch) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  // One snapshot for the whole walk; the canonical encoding is UTF-8.
  if (auto begun = co_await lease->execute(
          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL client_encoding = 'UTF8'");
      !begun) {
    co_return begun.error();
  }
  AuditChainVerifier verifier;
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    Params params{after, batch};
    auto rows = co_await lease->prepared(kChainBatch, std::move(params));
    if (!rows) co_return rows.error();  // the lease ends inside the transaction: closed
    for (int r = 0; r < rows->rows(); ++r) {
      AuditChainRow row;
      row.seq = rows->binary_int64(r, 0).value_or(0);
      row.at = iso8601_utc_micros(rows->binary_int64(r, 1).value_or(0)).value_or("");
      row.type = std::string(rows->text(r, 2));
      row.actor = optional_bytes(*rows, r, 3);
      row.subject = optional_bytes(*rows, r, 4);
      row.ip = optional_bytes(*rows, r, 5);
      row.detail = std::string(rows->text(r, 6));
      row.hash = std::string(rows->text(r, 7));
      if (!verifier.add(row)) break;
      after = row.seq;
    }
    if (!verifier.intact() || rows->rows() < batch) break;
  }
  if (auto ended = co_await lease->execute("COMMIT"); !ended) co_return ended.error();
  AuditChainReport report;
  report.count = verifier.count();
  report.head_seq = verifier.head_seq();
  if (verifier.count() > 0) report.head_hash = to_hex(verifier.head_hash());
  report.broken = verifier.broken();
  co_return report;
}

}  // namespace parley::db
