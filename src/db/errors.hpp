#pragma once
// Error codes of the database layer. Unexpected database errors (a SQL bug,
// db.query) are internal (500); an unreachable or overloaded database is
// unavailable (503, retry) — decision 0005.

#include "core/result.hpp"

namespace parley::errc {

namespace db {
inline constexpr ErrorCode bad_parameter{Kind::bad_request, "db.bad_parameter"};
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
