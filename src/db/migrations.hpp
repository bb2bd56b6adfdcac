#pragma once
// Versioned SQL migrations, embedded into the binary at build time from
// src/db/migrations/NNN_name.sql (version = the leading number).
//
// migrate() serialises every migrator with a PostgreSQL advisory lock on one
// connection, so replicas starting together apply each migration exactly
// once. Each migration runs in its own transaction and is recorded in
// schema_migrations(version, name, checksum, applied_at). A migration whose
// file changed after it was applied fails the run (db.migration_checksum)
// before anything new is applied. Other codes: those of db/pool.hpp (a
// failing migration keeps its db.query code, detail names the file).

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::db {

class Pool;

struct Migration {
  int version = 0;
  std::string_view name;  // file name, e.g. "001_init.sql"
  std::string_view sql;
};

struct MigrationStatus {
  int applied = 0;       // highest version recorded in the database (0: none)
  int latest_known = 0;  // highest version this binary carries
  int pending = 0;       // versions this binary carries that are not applied
};

// Sorted by version (generated code).
std::span<const Migration> embedded_migrations();

// SHA-256 of the file contents, lowercase hex.
std::string migration_checksum(std::string_view sql);

boost::asio::awaitable<Status> migrate(Pool& pool);
boost::asio::awaitable<Status> migrate(Pool& pool, std::span<const Migration> migrations);

boost::asio::awaitable<Result<MigrationStatus>> migration_status(Pool& pool);
boost::asio::awaitable<Result<MigrationStatus>> migration_status(
    Pool& pool, std::span<const Migration> migrations);

}  // namespace parley::db
