#include "db/api_calls_repo.hpp"

#include "db/batch.hpp"
#include "db/errors.hpp"
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
    " RETURNING disabled_at IS NOT NULL"};

// One statement per kind of caller, each with plain parameters: a shared
// statement branching on the kind (CASE) was planned anew at every call
// (0.3 ms: its generic plan, with both branches, never looked cheaper).
// The lock keys are the chat gate's ('parley.quota:' || users.id,
// db/stream_quota_repo.cpp) and 'parley.quota:app:' || client id.
constexpr Statement kLockApp{
    "api_quota_lock_app",
    "SELECT pg_advisory_xact_lock(hashtextextended('parley.quota:app:' || $1::text, 0))"};

// A statement of its own after the lock: its snapshot sees every admission
// committed before the lock was granted.
constexpr Statement kStateApp{
    "api_quota_state_app",
    "SELECT $1::text,"
    " (SELECT count(*) FROM api_streams WHERE subject_kind = 'app' AND subject = $1::text"
    "    AND renewed_at > now() - make_interval(secs => $2::bigint)),"
    " (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
    "   WHERE subject_kind = 'app' AND subject = $1::text"
    "     AND day = (now() AT TIME ZONE 'UTC')::date),"
    " q.daily_tokens, q.concurrent_streams"
    " FROM (SELECT 1) one LEFT JOIN quotas q ON q.subject_kind = 'app' AND q.subject = $1::text"};

// A delegated user by tid+oid: the row the upsert before it in the same
// batch wrote (no round trip to learn its id first).
constexpr Statement kLockUser{
    "api_quota_lock_user",
    "SELECT pg_advisory_xact_lock(hashtextextended('parley.quota:' || id::text, 0))"
    " FROM users WHERE tenant_id = $1 AND object_id = $2"};

// A user's live /v1 slots and streaming chat answers count together.
constexpr Statement kStateUser{
    "api_quota_state_user",
    "SELECT u.id::text,"
    " (SELECT count(*) FROM api_streams a WHERE a.subject_kind = 'user' AND a.subject = u.id::text"
    "    AND a.renewed_at > now() - make_interval(secs => $3::bigint))"
    " + (SELECT count(*) FROM messages m WHERE m.user_id = u.id AND m.status = 'streaming'"
    "      AND m.updated_at > now() - make_interval(secs => $3::bigint)),"
    " (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily d"
    "   WHERE d.subject_kind = 'user' AND d.subject = u.id::text"
    "     AND d.day = (now() AT TIME ZONE 'UTC')::date),"
    " q.daily_tokens, q.concurrent_streams"
    " FROM users u LEFT JOIN quotas q ON q.subject_kind = 'user' AND q.subject = u.id::text"
    " WHERE u.tenant_id = $1 AND u.object_id = $2"};

// An admission without an audit row holds soft state only; a refusal's
// audit row puts the database's own setting back before its COMMIT.
constexpr Statement kSoftCommit{{}, "SET LOCAL synchronous_commit = off"};
constexpr Statement kDurableCommit{{}, "SET LOCAL synchronous_commit TO DEFAULT"};

constexpr Statement kInsertStreamApp{
    "api_insert_stream_app",
    "INSERT INTO api_streams (subject_kind, subject, model) VALUES ('app', $1, $2)"
    " RETURNING id::text"};

constexpr Statement kInsertStreamUser{
    "api_insert_stream_user",
    "INSERT INTO api_streams (subject_kind, subject, model)"
    " SELECT 'user', id::text, $3 FROM users WHERE tenant_id = $1 AND object_id = $2"
    " RETURNING id::text"};

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

boost::asio::awaitable<Result<ApiAdmission>> open_api_admission(Lease& tx,
                                                                const ApiCallerKey& caller,
                                                                std::chrono::seconds lease,
                                                                const std::string& model) {
  const auto lease_seconds = static_cast<std::int64_t>(lease.count());
  // Named Params, no temporaries in a conditional: g++ 12 destroys those
  // twice inside a coroutine.
  Params registration;
  Params lock;
  Params state;
  Params slot;
  if (caller.application) {
    registration = Params{caller.client_id, caller.tenant_id, caller.object_id};
    lock = Params{caller.client_id};
    state = Params{caller.client_id, lease_seconds};
    slot = Params{caller.client_id, model};
  } else {
    registration = Params{caller.tenant_id, caller.object_id, caller.name, caller.email};
    lock = Params{caller.tenant_id, caller.object_id};
    state = Params{caller.tenant_id, caller.object_id, lease_seconds};
    slot = Params{caller.tenant_id, caller.object_id, model};
  }
  Batch batch;
  batch.begin();
  batch.add(kSoftCommit, {});
  const std::size_t upsert =
      batch.add(caller.application ? kUpsertApp : kUpsertUser, std::move(registration));
  batch.add(caller.application ? kLockApp : kLockUser, std::move(lock));
  const std::size_t read = batch.add(caller.application ? kStateApp : kStateUser, std::move(state));
  const std::size_t taken =
      batch.add(caller.application ? kInsertStreamApp : kInsertStreamUser, std::move(slot));
  auto results = co_await tx.batch(batch);
  if (!results) co_return results.error();
  const Rows& registered = (*results)[upsert];
  const Rows& row = (*results)[read];
  const Rows& stream = (*results)[taken];
  if (registered.empty() || row.empty() || stream.empty()) {
    co_return Error(errc::db::query, "the caller's registration returned no row");
  }
  ApiAdmission a;
  a.subject.kind = caller.application ? "app" : "user";
  a.subject.id = std::string(row.text(0, 0));
  a.disabled = registered.boolean(0, 0);
  a.state.open_streams = row.int64(0, 1);
  a.state.used_today = row.int64(0, 2);
  a.state.overrides.daily_tokens = row.optional_int64(0, 3);
  a.state.overrides.concurrent_streams = row.optional_int64(0, 4);
  a.stream_id = std::string(stream.text(0, 0));
  co_return a;
}

boost::asio::awaitable<Status> commit_api_admission(Lease& tx) {
  Batch batch;
  batch.commit();
  auto results = co_await tx.batch(batch);
  if (!results) co_return results.error();
  co_return Status{};
}

boost::asio::awaitable<Status> refuse_api_admission(Lease& tx, const std::string& stream_id,
                                                    const std::optional<AuditEntry>& refusal) {
  Batch batch;
  Params slot{stream_id};
  batch.add(kDeleteStream, std::move(slot));
  if (refusal) {
    batch.add(kDurableCommit, {});
    append_audit(batch, *refusal);
  }
  batch.commit();
  auto results = co_await tx.batch(batch);
  if (!results) co_return results.error();
  co_return Status{};
}

boost::asio::awaitable<Status> renew_api_stream(Pool& pool, const std::string& stream_id) {
  Params params{stream_id};
  auto rows = co_await pool.prepared(kRenewStream, std::move(params));
  if (!rows) co_return rows.error();
  co_return Status{};
}

boost::asio::awaitable<Status> finish_api_call(Pool& pool, const ApiCallEnd& end) {
  Batch batch;
  batch.begin();
  Params slot{end.stream_id};
  batch.add(kDeleteStream, std::move(slot));
  if (end.prompt_tokens || end.completion_tokens) {
    add_usage(batch, end.subject, end.model, end.prompt_tokens.value_or(0),
              end.completion_tokens.value_or(0));
  }
  append_audit(batch, end.audit);
  batch.commit();
  auto results = co_await run_batch(pool, batch);
  if (!results) co_return results.error();
  co_return Status{};
}

boost::asio::awaitable<Result<std::int64_t>> sweep_dead_api_streams(
    Lease& lease, std::chrono::seconds older_than) {
  Params params{static_cast<std::int64_t>(older_than.count())};
  auto rows = co_await lease.prepared(kSweepStreams, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

}  // namespace parley::db
