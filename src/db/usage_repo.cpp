#include "db/usage_repo.hpp"

#include "db/batch.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

constexpr Statement kAdd{
    "usage_add",
    "INSERT INTO usage_daily AS u (subject_kind, subject, day, model, prompt_tokens,"
    " completion_tokens, messages)"
    " VALUES ($1, $2, (now() AT TIME ZONE 'UTC')::date, $3, $4, $5, 1)"
    " ON CONFLICT (subject_kind, subject, day, model) DO UPDATE"
    " SET prompt_tokens = u.prompt_tokens + EXCLUDED.prompt_tokens,"
    "     completion_tokens = u.completion_tokens + EXCLUDED.completion_tokens,"
    "     messages = u.messages + 1"};

constexpr Statement kSummary{
    "usage_summary",
    "SELECT coalesce(sum(prompt_tokens) FILTER (WHERE day = d.today), 0),"
    " coalesce(sum(completion_tokens) FILTER (WHERE day = d.today), 0),"
    " coalesce(sum(messages) FILTER (WHERE day = d.today), 0),"
    " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
    " coalesce(sum(messages), 0)"
    " FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS today) d"
    " LEFT JOIN usage_daily ON subject_kind = $1 AND subject = $2"
    "  AND day BETWEEN d.today - 29 AND d.today"};

constexpr Statement kToday{
    "usage_today",
    "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
    " WHERE subject_kind = $1 AND subject = $2 AND day = (now() AT TIME ZONE 'UTC')::date"};

constexpr Statement kLoadQuota{
    "quota_load",
    "SELECT daily_tokens, concurrent_streams FROM quotas WHERE subject_kind = $1 AND subject = $2"};
constexpr Statement kStoreQuota{
    "quota_store",
    "INSERT INTO quotas (subject_kind, subject, daily_tokens, concurrent_streams)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (subject_kind, subject) DO UPDATE"
    " SET daily_tokens = EXCLUDED.daily_tokens,"
    "     concurrent_streams = EXCLUDED.concurrent_streams, updated_at = now()"};
constexpr Statement kDeleteQuota{"quota_delete",
                                 "DELETE FROM quotas WHERE subject_kind = $1 AND subject = $2"};

std::optional<std::string> num(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

}  // namespace

void add_usage(Batch& batch, const Subject& subject, std::string_view model,
               std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  batch.add(kAdd, Params{subject.kind, subject.id, model, prompt_tokens, completion_tokens});
}

asio::awaitable<Result<UsageSummary>> usage_summary(Pool& pool, const Subject& subject) {
  Params params{subject.kind, subject.id};
  auto rows = co_await pool.read(kSummary, std::move(params));
  if (!rows) co_return rows.error();
  UsageSummary s;
  s.today = {rows->int64(0, 0), rows->int64(0, 1), rows->int64(0, 2)};
  s.last_30_days = {rows->int64(0, 3), rows->int64(0, 4), rows->int64(0, 5)};
  co_return s;
}

asio::awaitable<Result<std::int64_t>> tokens_used_today(Pool& pool, const Subject& subject) {
  Params params{subject.kind, subject.id};
  auto rows = co_await pool.read(kToday, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

asio::awaitable<Result<std::vector<UsageReportRow>>> usage_report(Pool& pool, std::string_view from,
                                                                  std::string_view to,
                                                                  std::string_view group_by) {
  // One statement per grouping, from fixed text. sum(bigint) is numeric
  // arithmetic in PostgreSQL; float8 sums of integers are exact below 2^53
  // (no report comes near) and cut 30 days x 10,000 users from about 200
  // to 167 ms in PostgreSQL (docs/BENCHMARKS.md).
  static constexpr std::string_view kTotals =
      "sum(prompt_tokens::float8)::bigint, sum(completion_tokens::float8)::bigint,"
      " sum(messages::float8)::bigint";
  static constexpr std::string_view kRange =
      " FROM usage_daily WHERE day BETWEEN $1::date AND $2::date";
  std::string sql;
  if (group_by == "day") {
    sql = "SELECT to_char(day, 'YYYY-MM-DD'), " + std::string(kTotals) + std::string(kRange) +
          " GROUP BY day ORDER BY day";
  } else if (group_by == "model") {
    sql = "SELECT model, " + std::string(kTotals) + std::string(kRange) +
          " GROUP BY model ORDER BY model";
  } else {
    const std::string kind = group_by == "app" ? "app" : "user";
    sql = "SELECT subject, " + std::string(kTotals) + std::string(kRange) +
          " AND subject_kind = '" + kind +
          "' GROUP BY subject ORDER BY sum(prompt_tokens::float8) + sum(completion_tokens::float8)"
          " DESC, subject";
  }
  Params params{from, to};
  auto rows = co_await pool.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<UsageReportRow> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(UsageReportRow{std::string(rows->text(r, 0)),
                                 {rows->int64(r, 1), rows->int64(r, 2), rows->int64(r, 3)}});
  }
  co_return out;
}

asio::awaitable<Result<QuotaRow>> load_quota(Pool& pool, const Subject& subject) {
  Params params{subject.kind, subject.id};
  auto rows = co_await pool.read(kLoadQuota, std::move(params));
  if (!rows) co_return rows.error();
  QuotaRow q;
  if (!rows->empty()) {
    q.daily_tokens = rows->optional_int64(0, 0);
    q.concurrent_streams = rows->optional_int64(0, 1);
  }
  co_return q;
}

asio::awaitable<Status> store_quota(Lease& tx, const Subject& subject, const QuotaRow& q) {
  if (!q.daily_tokens && !q.concurrent_streams) {
    Params params{subject.kind, subject.id};
    auto rows = co_await tx.prepared(kDeleteQuota, std::move(params));
    if (!rows) co_return rows.error();
    co_return Status{};
  }
  Params params{subject.kind, subject.id, num(q.daily_tokens), num(q.concurrent_streams)};
  auto rows = co_await tx.prepared(kStoreQuota, std::move(params));
  if (!rows) co_return rows.error();
  co_return Status{};
}

}  // namespace parley::db
