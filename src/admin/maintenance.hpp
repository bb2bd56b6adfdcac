#pragma once
// The data lifecycle's maintenance task (DESIGN.md "Administration";
// docs/decisions, data lifecycle). Each run, on whichever replica holds the
// PostgreSQL advisory lock (db::kMaintenanceLockKey; the others skip):
//  1. partitions: the current UTC month of `messages` and the
//     `months_ahead` after it get a partition of their own, and any row that
//     reached messages_default moves into a new partition of its month, so
//     the DEFAULT partition stays empty;
//  2. retention (PARLEY_RETENTION_DAYS > 0): conversations last updated
//     more than that many days ago are deleted with their messages, in one
//     transaction with one audit row (data.retention_deleted, with the counts);
//     month partitions in which every row was expired are then dropped
//     whole instead of deleted row by row;
//  3. /v1 stream slots (api_streams) not renewed for `dead_stream_slot_age`
//     are deleted: their process died (they stopped counting after the lease).
// Runs at start() and every `interval` after. "Now" comes from the Clock,
// so tests move time across months.
//
// Strand affinity: the io_context given to the constructor (one thread).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/partitions_repo.hpp"

namespace boost::asio {
class io_context;
}
namespace parley::db {
class Lease;
class Pool;
}  // namespace parley::db
namespace parley::metrics {
class Counter;
class Registry;
}  // namespace parley::metrics

namespace parley::admin {

struct MaintenanceOptions {
  int retention_days = 0;  // PARLEY_RETENTION_DAYS; 0 keeps everything
  int months_ahead = 2;    // partitions exist for the current month and this many after
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  db::DdlTimeouts timeouts;
  std::chrono::seconds dead_stream_slot_age{std::chrono::minutes(10)};
};

struct MaintenanceReport {
  bool ran = false;  // false: another replica holds the lock (nothing was done)
  std::vector<std::string> partitions_created;
  std::int64_t rows_moved = 0;  // out of the DEFAULT partition
  std::int64_t conversations_deleted = 0;
  std::int64_t messages_deleted = 0;
  std::vector<std::string> partitions_dropped;
  std::int64_t stream_slots_swept = 0;
};

class MaintenanceTask {
 public:
  // With a registry, failures and the last successful run are exported
  // (parley_maintenance_*).
  MaintenanceTask(boost::asio::io_context& io, db::Pool& pool, const Clock& clock,
                  MaintenanceOptions options, metrics::Registry* registry = nullptr);
  ~MaintenanceTask();
  MaintenanceTask(const MaintenanceTask&) = delete;
  MaintenanceTask& operator=(const MaintenanceTask&) = delete;

  // One run. Errors: those of db/pool.hpp (db.query for refused DDL, e.g. a
  // lock not obtained within timeouts.lock); the steps done before stay done.
  boost::asio::awaitable<Result<MaintenanceReport>> run_once();

  // Runs now, then every interval, until shutdown().
  void start();
  void shutdown();

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<Status> ensure_partitions(db::Lease& lease, MaintenanceReport& report);
  boost::asio::awaitable<Status> apply_retention(db::Lease& lease, MaintenanceReport& report);

  boost::asio::io_context& io_;
  db::Pool& pool_;
  const Clock& clock_;
  MaintenanceOptions options_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  metrics::Counter* failures_ = nullptr;
  std::int64_t last_success_ = 0;  // epoch seconds; 0: none yet
};

}  // namespace parley::admin
