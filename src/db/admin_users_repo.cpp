#include "db/admin_users_repo.hpp"

#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

#define PARLEY_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

// The columns AdminUserRow reads, in order.
#define PARLEY_ADMIN_USER_COLUMNS \
  "id, tenant_id, object_id, email, name, roles, " PARLEY_ISO("created_at") ", "        \
  PARLEY_ISO("last_login_at") ", " PARLEY_ISO("disabled_at") ", "                       \
  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"

// The expression of the users_name_email_trgm index (migration 009).
constexpr std::string_view kSearchExpression =
    "lower(coalesce(name, '') || E'\\x1f' || coalesce(email, ''))";

constexpr Statement kFind{"admin_users_find",
                          "SELECT " PARLEY_ADMIN_USER_COLUMNS " FROM users WHERE id = $1::uuid"};

// Sign-in attempts are audit rows (docs/AUDIT.md). Failures before the user
// is known have no subject and are not here (they are in the audit trail by
// IP). The index audit_events_subject_seq serves it.
constexpr Statement kSignIns{
    "admin_users_sign_ins",
    "SELECT " PARLEY_ISO("at") ","
    " CASE type WHEN 'sign_in.success' THEN 'success' ELSE 'failure' END,"
    " detail->>'reason', ip, detail->>'user_agent'"
    " FROM audit_events WHERE subject = $1 AND type IN ('sign_in.success', 'sign_in.failure')"
    " ORDER BY seq DESC LIMIT $2"};

constexpr Statement kSessions{
    "admin_users_sessions",
    "SELECT id, " PARLEY_ISO("created_at") ", " PARLEY_ISO("last_seen_at") ", "
    PARLEY_ISO("expires_at") ", ip, user_agent FROM sessions"
    " WHERE user_id = $1::uuid AND revoked_at IS NULL AND expires_at > now()"
    " ORDER BY created_at DESC LIMIT 200"};

// A second disable keeps the first time. The users_disabled_revoke trigger
// revokes the sessions and notifies every replica.
constexpr Statement kDisable{
    "admin_users_disable",
    "UPDATE users SET disabled_at = now() WHERE id = $1::uuid AND disabled_at IS NULL"};
constexpr Statement kEnable{
    "admin_users_enable",
    "UPDATE users SET disabled_at = NULL WHERE id = $1::uuid AND disabled_at IS NOT NULL"};

constexpr Statement kRevokeAll{
    "admin_users_revoke_sessions",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $2"
    " WHERE user_id = $1::uuid AND revoked_at IS NULL AND expires_at > now()"};

AdminUserRow read_user(const Rows& rows, int r) {
  AdminUserRow u;
  u.id = UserId{std::string(rows.text(r, 0))};
  u.tenant_id = std::string(rows.text(r, 1));
  u.object_id = std::string(rows.text(r, 2));
  u.email = rows.optional_text(r, 3);
  u.name = rows.optional_text(r, 4);
  u.roles = rows.text_array(r, 5);
  u.created_at = std::string(rows.text(r, 6));
  u.last_login_at = rows.optional_text(r, 7);
  u.disabled_at = rows.optional_text(r, 8);
  u.created_key = std::string(rows.text(r, 9));
  return u;
}

}  // namespace

asio::awaitable<Result<std::vector<AdminUserRow>>> search_users(Pool& pool,
                                                                const UserSearch& search) {
  // The statement is composed from fixed pieces (the values are
  // parameters), and sent unprepared so that each search gets a plan for
  // its own pattern: a generic plan cannot use the trigram index.
  std::string sql = "SELECT " PARLEY_ADMIN_USER_COLUMNS " FROM users WHERE true";
  Params params;
  int n = 0;
  if (search.like_pattern) {
    params.add(*search.like_pattern);
    sql += " AND ";
    sql += kSearchExpression;
    sql += " LIKE lower($" + std::to_string(++n) + ")";
  }
  if (search.status == 1) sql += " AND disabled_at IS NULL";
  if (search.status == 2) sql += " AND disabled_at IS NOT NULL";
  if (search.after_created && search.after_id) {
    params.add(*search.after_created);
    params.add(*search.after_id);
    sql += " AND (created_at, id) < ($" + std::to_string(n + 1) + "::timestamptz, $" +
           std::to_string(n + 2) + "::uuid)";
    n += 2;
  }
  params.add(search.limit);
  sql += " ORDER BY created_at DESC, id DESC LIMIT $" + std::to_string(++n);
  auto rows = co_await pool.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<AdminUserRow> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) out.push_back(read_user(*rows, r));
  co_return out;
}

asio::awaitable<Result<std::optional<AdminUserRow>>> admin_find_user(Pool& pool, const UserId& id) {
  Params params{id.value};
  auto rows = co_await pool.read(kFind, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<AdminUserRow>();
  co_return std::optional<AdminUserRow>(read_user(*rows, 0));
}

asio::awaitable<Result<std::vector<SignInRow>>> recent_sign_ins(Pool& pool, const UserId& id,
                                                                int limit) {
  Params params{id.value, limit};
  auto rows = co_await pool.read(kSignIns, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<SignInRow> out;
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(SignInRow{std::string(rows->text(r, 0)), std::string(rows->text(r, 1)),
                            rows->optional_text(r, 2), rows->optional_text(r, 3),
                            rows->optional_text(r, 4)});
  }
  co_return out;
}

asio::awaitable<Result<std::vector<ActiveSessionRow>>> active_sessions(Pool& pool,
                                                                       const UserId& id) {
  Params params{id.value};
  auto rows = co_await pool.read(kSessions, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<ActiveSessionRow> out;
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(ActiveSessionRow{SessionId{std::string(rows->text(r, 0))},
                                   std::string(rows->text(r, 1)), rows->optional_text(r, 2),
                                   std::string(rows->text(r, 3)), rows->optional_text(r, 4),
                                   rows->optional_text(r, 5)});
  }
  co_return out;
}

asio::awaitable<Result<std::optional<DisableOutcome>>> set_user_disabled(Lease& tx,
                                                                         const UserId& id,
                                                                         bool disabled) {
  Params params{id.value};
  auto moved = co_await tx.prepared(disabled ? kDisable : kEnable, params);
  if (!moved) co_return moved.error();
  auto rows = co_await tx.prepared(kFind, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<DisableOutcome>();
  DisableOutcome out{read_user(*rows, 0), moved->affected() == 1};
  co_return std::optional<DisableOutcome>(std::move(out));
}

asio::awaitable<Result<std::int64_t>> revoke_all_sessions(Lease& tx, const UserId& id,
                                                          std::string_view reason) {
  Params params{id.value, reason};
  auto rows = co_await tx.prepared(kRevokeAll, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

#undef PARLEY_ADMIN_USER_COLUMNS
#undef PARLEY_ISO

}  // namespace parley::db
