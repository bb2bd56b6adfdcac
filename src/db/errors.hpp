#pragma once
// Error codes of the database layer. Unexpected database errors (a SQL bug,
// db.query) are internal (500); an unreachable or overloaded database is
// unavailable (503, retry) — decision 0005.

#include "core/result.hpp"

namespace parley::errc {

namespace db {
// An in-transaction audit append on a lease with no transaction: a bug.
inline constexpr ErrorCode audit_outside_transaction{Kind::internal,
                                                     "db.audit_outside_transaction"};
inline constexpr ErrorCode bad_parameter{Kind::bad_request, "db.bad_parameter"};
// SQLSTATE 42501: the role may not do that (a runtime role applying a
// migration, or changing the audit trail).
inline constexpr ErrorCode insufficient_privilege{Kind::internal, "db.insufficient_privilege"};
inline constexpr ErrorCode migration_checksum{Kind::internal, "db.migration_checksum"};
inline constexpr ErrorCode pipeline_aborted{Kind::unavailable, "db.pipeline_aborted"};
inline constexpr ErrorCode pool_timeout{Kind::unavailable, "db.pool_timeout"};
inline constexpr ErrorCode query{Kind::internal, "db.query"};
inline constexpr ErrorCode serialization{Kind::unavailable, "db.serialization"};
inline constexpr ErrorCode timeout{Kind::unavailable, "db.timeout"};
inline constexpr ErrorCode unavailable{Kind::unavailable, "db.unavailable"};
inline constexpr ErrorCode unique_violation{Kind::conflict, "db.unique_violation"};
}  // namespace db

}  // namespace parley::errc
