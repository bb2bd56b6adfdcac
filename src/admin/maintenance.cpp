#include "admin/maintenance.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include "admin/months.hpp"
#include "db/api_calls_repo.hpp"
#include "db/audit_repo.hpp"
#include "db/lifecycle_repo.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace parley::admin {

namespace asio = boost::asio;

namespace {

std::vector<PartitionRange> ranges_of(const std::vector<db::MessagePartition>& partitions) {
  std::vector<PartitionRange> out;
  out.reserve(partitions.size());
  for (const auto& p : partitions) out.push_back({p.name, p.is_default, p.from, p.to});
  return out;
}

const db::MessagePartition* default_partition(const std::vector<db::MessagePartition>& partitions) {
  for (const auto& p : partitions) {
    if (p.is_default) return &p;
  }
  return nullptr;
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& n : list) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

}  // namespace

MaintenanceTask::MaintenanceTask(asio::io_context& io, db::Pool& pool, const Clock& clock,
                                 MaintenanceOptions options, metrics::Registry* registry)
    : io_(io), pool_(pool), clock_(clock), options_(std::move(options)), timer_(io) {
  if (registry == nullptr) return;
  failures_ = &registry->counter("parley_maintenance_failures_total",
                                 "Maintenance runs (partitions, retention) that failed");
  registry->gauge("parley_maintenance_last_success_seconds",
                  "When this process last completed a maintenance run (epoch seconds; 0: never)",
                  [this] { return static_cast<double>(last_success_); });
}

MaintenanceTask::~MaintenanceTask() { shutdown(); }

void MaintenanceTask::start() { asio::co_spawn(io_, loop(), asio::detached); }

void MaintenanceTask::shutdown() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> MaintenanceTask::loop() {
  while (!stopped_) {
    auto report = co_await run_once();
    if (!report) {
      if (failures_ != nullptr) failures_->inc();
      log::error("maintenance.failed")
          .str("code", report.error().code)
          .str("detail", report.error().detail);
    } else if (report->ran) {
      last_success_ = clock_.now_seconds();
    }
    if (stopped_) co_return;
    timer_.expires_after(options_.interval);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

asio::awaitable<Result<MaintenanceReport>> MaintenanceTask::run_once() {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  auto locked = co_await db::try_maintenance_lock(*lease);
  if (!locked) co_return locked.error();
  MaintenanceReport report;
  if (!*locked) {
    log::debug("maintenance.skipped").str("reason", "another replica holds the lock");
    co_return report;
  }
  report.ran = true;
  Status status = co_await ensure_partitions(*lease, report);
  if (status) status = co_await apply_retention(*lease, report);
  if (status) {
    auto swept = co_await db::sweep_dead_api_streams(*lease, options_.dead_stream_slot_age);
    if (swept) {
      report.stream_slots_swept = *swept;
      if (*swept > 0) log::info("maintenance.stream_slots_swept").num("slots", *swept);
    } else {
      status = swept.error();
    }
  }
  // The lock belongs to the connection: when it cannot be released, the
  // connection goes (which releases it) instead of back to the pool.
  if (lease->connection().broken()) {
    lease->mark_broken();
  } else if (auto released = co_await db::release_maintenance_lock(*lease); !released) {
    lease->mark_broken();
  }
  if (!status) co_return status.error();
  co_return report;
}

asio::awaitable<Status> MaintenanceTask::ensure_partitions(db::Lease& lease,
                                                           MaintenanceReport& report) {
  auto partitions = co_await db::list_message_partitions(lease);
  if (!partitions) co_return partitions.error();
  std::vector<std::int64_t> default_months;
  const db::MessagePartition* fallback = default_partition(*partitions);
  const std::string default_name = fallback != nullptr ? fallback->name : std::string();
  if (fallback != nullptr) {
    auto months = co_await db::default_partition_months(lease, default_name, options_.timeouts);
    if (!months) co_return months.error();
    default_months = std::move(*months);
  }
  const auto existing = ranges_of(*partitions);
  for (const Month& m :
       months_to_create(clock_.now_seconds(), options_.months_ahead, existing, default_months)) {
    db::NewPartition p{partition_name(m), bound_literal(m), bound_literal(add_months(m, 1))};
    auto moved = co_await db::create_message_partition(lease, p, default_name, options_.timeouts);
    if (!moved) co_return moved.error();
    report.partitions_created.push_back(p.name);
    report.rows_moved += *moved;
    log::info("maintenance.partition_created").str("partition", p.name).num("rows_moved", *moved);
  }
  co_return Status{};
}

asio::awaitable<Status> MaintenanceTask::apply_retention(db::Lease& lease,
                                                         MaintenanceReport& report) {
  const auto cutoff = retention_cutoff(clock_.now_seconds(), options_.retention_days);
  if (!cutoff) co_return Status{};
  auto partitions = co_await db::list_message_partitions(lease);
  if (!partitions) co_return partitions.error();
  std::vector<db::MessagePartition> candidates;
  for (const auto& r : partitions_before(ranges_of(*partitions), *cutoff)) {
    candidates.push_back(db::MessagePartition{r.name, r.is_default, r.from, r.to});
  }

  db::TransactionLimits limits{options_.timeouts.lock, options_.timeouts.statement};
  if (auto begun = co_await db::begin_transaction(lease, limits); !begun) co_return begun.error();
  auto deleted = co_await db::delete_expired_conversations(lease, *cutoff, candidates,
                                                           options_.timeouts.statement);
  Status recorded = Status{};
  if (deleted && (deleted->conversations > 0 || !deleted->droppable.empty())) {
    db::AuditEntry audit;
    audit.type = "data.retention_deleted";
    audit.detail["retention_days"] = options_.retention_days;
    audit.detail["cutoff"] = iso8601_utc(*cutoff);
    audit.detail["conversations"] = deleted->conversations;
    audit.detail["messages"] = deleted->messages;
    boost::json::array dropped;
    for (const auto& name : deleted->droppable) dropped.emplace_back(name);
    audit.detail["partitions_dropped"] = std::move(dropped);
    if (auto seq = co_await db::append_audit(lease, audit); !seq) recorded = seq.error();
  }
  if (!deleted || !recorded) {
    co_await db::rollback_transaction(lease);
    co_return deleted ? recorded.error() : deleted.error();
  }
  if (auto committed = co_await db::commit_transaction(lease); !committed) {
    co_return committed.error();
  }
  report.conversations_deleted = deleted->conversations;
  report.messages_deleted = deleted->messages;
  if (deleted->conversations > 0 || !deleted->droppable.empty()) {
    log::info("maintenance.retention")
        .num("conversations", deleted->conversations)
        .num("messages", deleted->messages)
        .str("partitions", names(deleted->droppable));
  }
  // Only orphaned rows are left in these: dropping them is cleanup of what
  // the committed transaction deleted. A drop that cannot get its lock now
  // is retried by the next run (the partition still has no live row).
  for (const auto& name : deleted->droppable) {
    if (auto dropped = co_await db::drop_message_partition(lease, name, options_.timeouts);
        !dropped) {
      co_return dropped.error();
    }
    report.partitions_dropped.push_back(name);
    log::info("maintenance.partition_dropped").str("partition", name);
  }
  co_return Status{};
}

}  // namespace parley::admin
