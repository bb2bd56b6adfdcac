#pragma once
// Usage counters (usage_daily) and quota overrides (quotas), per subject:
// a user's id (kind "user") or an application's client id (kind "app").
// Days are UTC. Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::db {

class Batch;
class Pool;
class Lease;

struct Subject {
  std::string kind;  // "user" | "app"
  std::string id;    // users.id, or the app's client id
};

// Adds one answer's tokens to today's (UTC, the database's clock) row of
// that subject and model, as a step of the caller's transaction batch
// (db/batch.hpp; chat answers count theirs in messages_finish).
void add_usage(Batch& batch, const Subject& subject, std::string_view model,
               std::int64_t prompt_tokens, std::int64_t completion_tokens);

struct UsageTotals {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t messages = 0;
};

struct UsageSummary {
  UsageTotals today;
  UsageTotals last_30_days;  // today and the 29 days before
};
boost::asio::awaitable<Result<UsageSummary>> usage_summary(Pool& pool, const Subject& subject);

// Tokens (prompt + completion) counted today (UTC) for the subject.
boost::asio::awaitable<Result<std::int64_t>> tokens_used_today(Pool& pool, const Subject& subject);

struct UsageReportRow {
  std::string key;
  UsageTotals totals;
};
// group_by: "day" | "user" | "model" | "app"; from, to: YYYY-MM-DD, inclusive.
// Ordered by key (days ascending), users and apps by tokens descending.
boost::asio::awaitable<Result<std::vector<UsageReportRow>>> usage_report(Pool& pool,
                                                                         std::string_view from,
                                                                         std::string_view to,
                                                                         std::string_view group_by);

struct QuotaRow {
  std::optional<std::int64_t> daily_tokens;
  std::optional<std::int64_t> concurrent_streams;
};
// No row: both nullopt.
boost::asio::awaitable<Result<QuotaRow>> load_quota(Pool& pool, const Subject& subject);
// Inside the caller's transaction; both nullopt removes the row.
boost::asio::awaitable<Status> store_quota(Lease& tx, const Subject& subject, const QuotaRow& q);

}  // namespace parley::db
