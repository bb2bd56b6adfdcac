#include "db/sessions_repo.hpp"

#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

constexpr Statement kCreate{
    "sessions_create",
    "INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, user_agent, ip,"
    " idp_session_id, idp_issuer)"
    " VALUES ($1, $2, to_timestamp($3::bigint), to_timestamp($4::bigint), now(), $5, $6,"
    " nullif($7, ''), nullif($8, ''))"};

constexpr Statement kLoad{
    "sessions_load",
    "SELECT s.id, s.user_id, extract(epoch from s.expires_at)::bigint,"
    " extract(epoch from s.revoked_at)::bigint, u.email, u.name, u.roles,"
    " extract(epoch from u.disabled_at)::bigint, extract(epoch from s.created_at)::bigint"
    " FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.id = $1 AND s.user_id = $2"};

constexpr Statement kExtend{
    "sessions_extend",
    "UPDATE sessions SET expires_at = to_timestamp($3::bigint), last_seen_at = now()"
    " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"};

constexpr Statement kRevoke{
    "sessions_revoke",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $3"
    " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"};

constexpr Statement kRevokeUser{
    "sessions_revoke_user",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $2"
    " WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()"};

constexpr Statement kRevokeIdpSession{
    "sessions_revoke_idp_session",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $3"
    " WHERE idp_session_id = $2 AND ($1 = '' OR idp_issuer = $1)"
    " AND revoked_at IS NULL AND expires_at > now() RETURNING id"};

constexpr Statement kRevoked{
    "sessions_revoked_ids",
    "SELECT 's', id::text FROM sessions WHERE revoked_at IS NOT NULL AND expires_at > now()"
    " UNION ALL SELECT 'u', id::text FROM users WHERE disabled_at IS NOT NULL"};

constexpr Statement kDeleteExpired{
    "sessions_delete_expired",
    "DELETE FROM sessions WHERE expires_at < now() - make_interval(secs => $1::bigint)"};

}  // namespace

asio::awaitable<Status> create_session(Pool& pool, const NewSession& session) {
  Params params{session.id.value,   session.user_id.value, session.created_at,
                session.expires_at, session.user_agent,    session.ip,
                session.idp_session_id, session.idp_issuer};
  auto rows = co_await pool.prepared(kCreate, std::move(params));
  if (!rows) co_return rows.error();
  co_return Status{};
}

asio::awaitable<Result<std::optional<SessionRecord>>> load_session(Pool& pool, const SessionId& id,
                                                                  const UserId& user) {
  Params params{id.value, user.value};
  auto rows = co_await pool.read(kLoad, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<SessionRecord>();
  SessionRecord s;
  s.id = SessionId{std::string(rows->text(0, 0))};
  s.user_id = UserId{std::string(rows->text(0, 1))};
  s.expires_at = rows->int64(0, 2);
  s.revoked_at = rows->optional_int64(0, 3);
  s.email = rows->optional_text(0, 4);
  s.name = rows->optional_text(0, 5);
  s.roles = rows->text_array(0, 6);
  s.user_disabled_at = rows->optional_int64(0, 7);
  s.created_at = rows->int64(0, 8);
  co_return std::optional<SessionRecord>(std::move(s));
}

asio::awaitable<Result<bool>> extend_session(Pool& pool, const SessionId& id, const UserId& user,
                                             std::int64_t expires_at) {
  Params params{id.value, user.value, expires_at};
  auto rows = co_await pool.prepared(kExtend, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected() == 1;
}

asio::awaitable<Result<bool>> revoke_session(Pool& pool, const SessionId& id, const UserId& user,
                                             std::string_view reason) {
  Params params{id.value, user.value, reason};
  auto rows = co_await pool.prepared(kRevoke, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected() == 1;
}

asio::awaitable<Result<std::int64_t>> revoke_user_sessions(Pool& pool, const UserId& user,
                                                           std::string_view reason) {
  Params params{user.value, reason};
  auto rows = co_await pool.prepared(kRevokeUser, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

asio::awaitable<Result<std::vector<SessionId>>> revoke_idp_session(Pool& pool,
                                                                   std::string_view idp_issuer,
                                                                   std::string_view idp_session_id,
                                                                   std::string_view reason) {
  Params params{idp_issuer, idp_session_id, reason};
  auto rows = co_await pool.prepared(kRevokeIdpSession, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<SessionId> ids;
  ids.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) ids.push_back(SessionId{std::string(rows->text(r, 0))});
  co_return ids;
}

asio::awaitable<Result<RevokedIds>> revoked_ids(Pool& pool) {
  auto rows = co_await pool.prepared(kRevoked);
  if (!rows) co_return rows.error();
  RevokedIds out;
  for (int r = 0; r < rows->rows(); ++r) {
    if (rows->text(r, 0) == "s") {
      out.sessions.push_back(SessionId{std::string(rows->text(r, 1))});
    } else {
      out.users.push_back(UserId{std::string(rows->text(r, 1))});
    }
  }
  co_return out;
}

asio::awaitable<Result<std::int64_t>> delete_expired_sessions(Pool& pool,
                                                              std::int64_t grace_seconds) {
  Params params{grace_seconds};
  auto rows = co_await pool.prepared(kDeleteExpired, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

}  // namespace parley::db
