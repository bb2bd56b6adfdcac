#include "db/migrations.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "db/pool.hpp"
#include "observability/log.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Any fixed 64-bit key shared by every Parley binary ("parley" in ASCII).
constexpr std::string_view kLockSql = "SELECT pg_advisory_lock(112585963217273)";
constexpr std::string_view kUnlockSql = "SELECT pg_advisory_unlock(112585963217273)";
// Waiting for another replica's migrations, or a long migration, may take a
// while; a lost connection still fails fast.
constexpr auto kMigrationTimeout = std::chrono::milliseconds(10min);

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version int PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

asio::awaitable<Status> migrate_locked(Lease& lease, std::span<const Migration> migrations) {
  // Only when missing: a runtime role without CREATE on the schema
  // (docs/DEPLOY.md, "Database roles") then starts with nothing but reads
  // when every migration is applied.
  auto exists = co_await lease.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) co_return exists.error();
  if (!exists->boolean(0, 0)) {
    if (auto created = co_await lease.execute(kCreateTable, kMigrationTimeout); !created) {
      co_return created.error();
    }
  }
  auto rows = co_await lease.query("SELECT version, checksum FROM schema_migrations");
  if (!rows) co_return rows.error();
  std::map<std::int64_t, std::string> applied;
  for (int r = 0; r < rows->rows(); ++r) applied[rows->int64(r, 0)] = std::string(rows->text(r, 1));

  for (const Migration& m : migrations) {
    auto it = applied.find(m.version);
    if (it != applied.end() && it->second != migration_checksum(m.sql)) {
      co_return Error(errc::db::migration_checksum,
                      std::string(m.name) + " changed after it was applied");
    }
  }
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    const auto started = std::chrono::steady_clock::now();
    if (auto begun = co_await lease.execute("BEGIN"); !begun) co_return begun.error();
    auto done = co_await lease.execute(m.sql, kMigrationTimeout);
    if (done) {
      Params record{m.version, m.name, migration_checksum(m.sql)};
      done = co_await lease.query(
          "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", record);
    }
    if (done) done = co_await lease.execute("COMMIT");
    if (!done) {
      if (!lease.connection().broken()) {
        if (auto rolled_back = co_await lease.execute("ROLLBACK"); !rolled_back) lease.mark_broken();
      }
      Error e = done.error();
      e.detail = std::string(m.name) + ": " + e.detail;
      co_return e;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started).count();
    log::info("db.migration_applied").num("version", m.version).str("name", m.name).num("ms", ms);
  }
  co_return Status{};
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(sql.data(), sql.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

asio::awaitable<Status> migrate(Pool& pool) { co_return co_await migrate(pool, embedded_migrations()); }

asio::awaitable<Status> migrate(Pool& pool, std::span<const Migration> migrations) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto locked = co_await lease->execute(kLockSql, kMigrationTimeout); !locked) {
    co_return locked.error();
  }
  auto status = co_await migrate_locked(*lease, migrations);
  // A session-level advisory lock ends with its connection: when unlocking
  // fails, dropping the connection releases it.
  if (!lease->connection().broken()) {
    if (auto unlocked = co_await lease->execute(kUnlockSql); !unlocked) lease->mark_broken();
  }
  co_return status;
}

asio::awaitable<Result<MigrationStatus>> migration_status(Pool& pool) {
  co_return co_await migration_status(pool, embedded_migrations());
}

asio::awaitable<Result<MigrationStatus>> migration_status(Pool& pool,
                                                          std::span<const Migration> migrations) {
  MigrationStatus out;
  std::set<std::int64_t> applied;
  auto exists = co_await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) co_return exists.error();
  if (exists->boolean(0, 0)) {
    auto rows = co_await pool.query("SELECT version FROM schema_migrations");
    if (!rows) co_return rows.error();
    for (int r = 0; r < rows->rows(); ++r) applied.insert(rows->int64(r, 0));
  }
  out.applied = applied.empty() ? 0 : static_cast<int>(*applied.rbegin());
  for (const Migration& m : migrations) {
    out.latest_known = std::max(out.latest_known, m.version);
    if (!applied.contains(m.version)) ++out.pending;
  }
  co_return out;
}

}  // namespace parley::db
