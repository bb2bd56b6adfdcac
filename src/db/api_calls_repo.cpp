#include "db/api_calls_repo.hpp"

#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace parley::db {

namespace {

constexpr Statement kUpsertApp{
    "api_upsert_app",
    "INSERT INTO apps (client_id, tenant_id, object_id) VALUES ($1, $2, $3)"
    " ON CONFLICT (client_id) DO UPDATE SET last_seen_at = now(),"
    "  object_id = EXCLUDED.object_id"
    " RETURNING disabled_at IS NOT NULL"};

// As at sign-in (PgUserDirectory): keyed by tid+oid; name and email kept
// when the token carries none.
constexpr Statement kUpsertUser{
    "api_upsert_user",
    "INSERT INTO users (tenant_id, object_id, name, email) VALUES ($1, $2, nullif($3, ''),"
    " nullif($4, ''))"
    " ON CONFLICT (tenant_id, object_id) DO UPDATE SET"
    "  name = coalesce(nullif($3, ''), users.name), email = coalesce(nullif($4, ''), users.email)"
    " RETURNING id::text, disabled_at IS NOT NULL"};

// The chat gate's key space ('parley.quota:' || users.id, db/stream_quota_repo.cpp),
// so a user's /v1 calls and chat turns are admitted one at a time; apps get
// 'parley.quota:app:' || client id.
constexpr Statement kLock{"api_quota_lock",
                          "SELECT pg_advisory_xact_lock(hashtextextended('parley.quota:' ||"
                          " CASE WHEN $1 = 'app' THEN 'app:' || $2 ELSE $2 END, 0))"};

constexpr Statement kState{
    "api_quota_state",
    "SELECT (SELECT count(*) FROM api_streams WHERE subject_kind = $1 AND subject = $2"
    "          AND renewed_at > now() - make_interval(secs => $3::bigint))"
    "  + CASE WHEN $1 = 'user' THEN (SELECT count(*) FROM messages"
    "      WHERE user_id = ($2::text)::uuid AND status = 'streaming'"
    "        AND updated_at > now() - make_interval(secs => $3::bigint)) ELSE 0 END,"
    " (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
    "   WHERE subject_kind = $1 AND subject = $2 AND day = (now() AT TIME ZONE 'UTC')::date),"
    " q.daily_tokens, q.concurrent_streams"
    " FROM (SELECT 1) one LEFT JOIN quotas q ON q.subject_kind = $1 AND q.subject = $2"};

constexpr Statement kInsertStream{"api_insert_stream",
                                  "INSERT INTO api_streams (subject_kind, subject, model) VALUES "
                                  "($1, $2, $3) RETURNING id::text"};

constexpr Statement kRenewStream{"api_renew_stream",
                                 "UPDATE api_streams SET renewed_at = now() WHERE id = $1::uuid"};

constexpr Statement kDeleteStream{"api_delete_stream",
                                  "DELETE FROM api_streams WHERE id = $1::uuid"};

constexpr Statement kAppExists{"api_app_exists", "SELECT 1 FROM apps WHERE client_id = $1"};

constexpr Statement kSweepStreams{
    "api_sweep_streams",
    "DELETE FROM api_streams WHERE renewed_at < now() - make_interval(secs => $1::bigint)"};

constexpr const char* kAppColumns =
    "a.client_id, a.tenant_id, a.object_id, a.display_name,"
    " to_char(a.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " to_char(a.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " to_char(a.disabled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " coalesce(u.prompt_tokens, 0), coalesce(u.completion_tokens, 0), coalesce(u.messages, 0)";

constexpr const char* kTodayUsage =
    " LEFT JOIN LATERAL (SELECT sum(prompt_tokens) AS prompt_tokens,"
    "  sum(completion_tokens) AS completion_tokens, sum(messages) AS messages FROM usage_daily"
    "  WHERE subject_kind = 'app' AND subject = a.client_id"
    "  AND day = (now() AT TIME ZONE 'UTC')::date) u ON true";

const std::string kListAppsSql = std::string("SELECT ") + kAppColumns + " FROM apps a" +
                                 kTodayUsage +
                                 " ORDER BY a.last_seen_at DESC, a.client_id LIMIT $1";
const std::string kSetDisabledSql =
    std::string(
        "WITH a AS (UPDATE apps SET disabled_at = CASE WHEN $2::boolean"
        " THEN coalesce(disabled_at, now()) ELSE NULL END WHERE client_id = $1 RETURNING *)"
        " SELECT ") +
    kAppColumns + " FROM a" + kTodayUsage;

AppRow app_row(const Rows& rows, int r) {
  AppRow a;
  a.client_id = std::string(rows.text(r, 0));
  a.tenant_id = std::string(rows.text(r, 1));
  a.object_id = rows.optional_text(r, 2);
  a.display_name = rows.optional_text(r, 3);
  a.first_seen_at = std::string(rows.text(r, 4));
  a.last_seen_at = std::string(rows.text(r, 5));
  a.disabled_at = rows.optional_text(r, 6);
  a.today.prompt_tokens = rows.int64(r, 7);
  a.today.completion_tokens = rows.int64(r, 8);
  a.today.messages = rows.int64(r, 9);
  return a;
}

}  // namespace

boost::asio::awaitable<Result<bool>> app_exists(Pool& pool, const std::string& client_id) {
  Params params{client_id};
  auto rows = co_await pool.read(kAppExists, std::move(params));
  if (!rows) co_return rows.error();
  co_return !rows->empty();
}

boost::asio::awaitable<Result<std::vector<AppRow>>> list_apps(Pool& pool, std::int64_t limit) {
  Params params{limit};
  auto rows = co_await pool.query(kListAppsSql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<AppRow> out;
  for (int r = 0; r < rows->rows(); ++r) out.push_back(app_row(*rows, r));
  co_return out;
}

boost::asio::awaitable<Result<std::optional<AppRow>>> set_app_disabled(Pool& pool,
                                                                       const std::string& client_id,
                                                                       bool disabled,
                                                                       const AuditEntry& audit) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await begin_transaction(*lease); !begun) co_return begun.error();
  Params params{client_id, disabled};
  auto rows = co_await lease->query(kSetDisabledSql, std::move(params));
  if (!rows) {
    co_await rollback_transaction(*lease);
    co_return rows.error();
  }
  if (rows->empty()) {
    co_await rollback_transaction(*lease);
    co_return std::optional<AppRow>{};
  }
  AppRow row = app_row(*rows, 0);
  AuditEntry entry = audit;
  entry.detail["client_id"] = client_id;
  if (auto audited = co_await append_audit(*lease, entry); !audited) {
    co_await rollback_transaction(*lease);
    co_return audited.error();
  }
  if (auto committed = co_await commit_transaction(*lease); !committed) {
    co_return committed.error();
  }
  co_return std::optional<AppRow>(std::move(row));
}

boost::asio::awaitable<Result<bool>> upsert_app(Lease& tx, const std::string& client_id,
                                                const std::string& tenant_id,
                                                const std::string& object_id) {
  Params params{client_id, tenant_id, object_id};
  auto rows = co_await tx.prepared(kUpsertApp, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->boolean(0, 0);
}

boost::asio::awaitable<Result<ApiUser>> upsert_api_user(Lease& tx, const std::string& tenant_id,
                                                        const std::string& object_id,
                                                        const std::string& name,
                                                        const std::string& email) {
  Params params{tenant_id, object_id, name, email};
  auto rows = co_await tx.prepared(kUpsertUser, std::move(params));
  if (!rows) co_return rows.error();
  co_return ApiUser{UserId{std::string(rows->text(0, 0))}, rows->boolean(0, 1)};
}

boost::asio::awaitable<Result<ApiQuotaState>> lock_api_quota_state(Lease& tx,
                                                                   const Subject& subject,
                                                                   std::chrono::seconds lease) {
  Params lock_params{subject.kind, subject.id};
  if (auto locked = co_await tx.prepared(kLock, std::move(lock_params)); !locked) {
    co_return locked.error();
  }
  Params params{subject.kind, subject.id, static_cast<std::int64_t>(lease.count())};
  auto rows = co_await tx.prepared(kState, std::move(params));
  if (!rows) co_return rows.error();
  ApiQuotaState s;
  s.open_streams = rows->int64(0, 0);
  s.used_today = rows->int64(0, 1);
  s.overrides.daily_tokens = rows->optional_int64(0, 2);
  s.overrides.concurrent_streams = rows->optional_int64(0, 3);
  co_return s;
}

boost::asio::awaitable<Result<std::string>> insert_api_stream(Lease& tx, const Subject& subject,
                                                              const std::string& model) {
  Params params{subject.kind, subject.id, model};
  auto rows = co_await tx.prepared(kInsertStream, std::move(params));
  if (!rows) co_return rows.error();
  co_return std::string(rows->text(0, 0));
}

boost::asio::awaitable<Status> renew_api_stream(Pool& pool, const std::string& stream_id) {
  Params params{stream_id};
  auto rows = co_await pool.prepared(kRenewStream, std::move(params));
  if (!rows) co_return rows.error();
  co_return Status{};
}

boost::asio::awaitable<Status> finish_api_call(Pool& pool, const ApiCallEnd& end) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await begin_transaction(*lease); !begun) co_return begun.error();
  auto fail = [&](const Error& e) -> boost::asio::awaitable<Status> {
    co_await rollback_transaction(*lease);
    co_return e;
  };
  Params params{end.stream_id};
  if (auto deleted = co_await lease->prepared(kDeleteStream, std::move(params)); !deleted) {
    co_return co_await fail(deleted.error());
  }
  if (end.prompt_tokens || end.completion_tokens) {
    auto added = co_await add_usage(*lease, end.subject, end.model, end.prompt_tokens.value_or(0),
                                    end.completion_tokens.value_or(0));
    if (!added) co_return co_await fail(added.error());
  }
  if (auto audited = co_await append_audit(*lease, end.audit); !audited) {
    co_return co_await fail(audited.error());
  }
  co_return co_await commit_transaction(*lease);
}

boost::asio::awaitable<Result<std::int64_t>> sweep_dead_api_streams(
    Lease& lease, std::chrono::seconds older_than) {
  Params params{static_cast<std::int64_t>(older_than.count())};
  auto rows = co_await lease.prepared(kSweepStreams, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

}  // namespace parley::db
