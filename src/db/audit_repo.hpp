#pragma once
// The audit trail (DESIGN.md "Administration, usage and quotas"; migration
// 007): an append-only hash chain. The database assigns seq, at and hash
// (trigger parley_audit_chain) whoever inserts, so rows written by other
// triggers (session revocations) are chained too; callers give the rest.
//
// Event types are dotted and lower-case: the area, then what happened
// (sign_in.failure, session.revoked, user.disabled, admin.read_user);
// docs/AUDIT.md lists them with their detail fields.
//
// Codes: those of db/pool.hpp, and db.audit_outside_transaction.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/audit_chain.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Batch;
class Lease;
class Pool;

struct AuditEntry {
  std::string type;               // e.g. "user.disabled"
  std::optional<UserId> actor;    // who acted; nullopt: nobody known (failed sign-in, start-up)
  std::optional<UserId> subject;  // whom it concerns
  std::optional<std::string> ip;  // the client's address (AUTH_TRUST_HOST rules)
  boost::json::object detail;     // anything else that matters; never secrets or tokens
};

// Appends inside the caller's transaction: the lease has run BEGIN (READ
// COMMITTED, PostgreSQL's default), and the event commits or rolls back
// with the change it records. From here until that transaction ends, the
// chain's lock is held and every other append on every replica waits:
// append last, right before COMMIT. Returns the event's seq.
// db.audit_outside_transaction when the lease is not in a transaction.
boost::asio::awaitable<Result<std::int64_t>> append_audit(Lease& tx, const AuditEntry& entry);
// The same as a step of a batch (db/batch.hpp) that opens the transaction
// or runs in one; returns the step's index (its row holds the seq).
std::size_t append_audit(Batch& batch, const AuditEntry& entry);

// Appends in a transaction of its own (one statement), for events that go
// with no database change of ours: a sign-in attempt, a sign-out, start-up.
boost::asio::awaitable<Result<std::int64_t>> append_audit(Pool& pool, const AuditEntry& entry);

// Names `actor` in the rows the database writes by itself during the
// caller's transaction (session.revoked, from the revocation trigger). Call
// after BEGIN and before the change.
boost::asio::awaitable<Status> set_audit_actor(Lease& tx, const UserId& actor);

// ---- Reading (the admin API).

struct AuditFilter {
  std::optional<std::int64_t> before_seq;  // the page after a cursor
  // Exact, or a dotted prefix: "sign_in" matches sign_in and sign_in.*.
  std::optional<std::string> type;
  std::optional<std::string> actor;
  std::optional<std::string> subject;
  // timestamptz text with an explicit offset ("2026-01-31 00:00:00+00").
  std::optional<std::string> from;  // at >= from
  std::optional<std::string> to;    // at < to
};

struct AuditItem {
  std::int64_t seq = 0;
  std::string at;  // timestamptz text as PostgreSQL printed it
  std::string type;
  std::optional<std::string> actor;
  std::optional<std::string> subject;
  std::optional<std::string> ip;
  std::string detail;  // the jsonb object as PostgreSQL prints it
  std::string hash;    // hex
};

// Newest first (seq descending), at most `limit` items.
boost::asio::awaitable<Result<std::vector<AuditItem>>> list_audit(Lease& lease,
                                                                  const AuditFilter& filter,
                                                                  int limit);

// ---- Verification (`parley audit verify`, GET /api/admin/audit/verify).

struct AuditChainReport {
  std::int64_t count = 0;  // rows verified intact
  std::int64_t head_seq = 0;
  std::string head_hash;  // hex; empty when there is no row
  std::optional<AuditChainBreak> broken;
};

// Walks the whole chain in seq order in one read-only snapshot (batches of
// `batch` rows, yielding between them) and reports the first break.
boost::asio::awaitable<Result<AuditChainReport>> verify_audit_chain(Pool& pool, int batch = 2000);

}  // namespace parley::db
