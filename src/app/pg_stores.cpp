#include "app/pg_stores.hpp"

#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "db/sessions_repo.hpp"
#include "db/users_repo.hpp"
#include "nextauth/linker.hpp"
#include "observability/log.hpp"

namespace parley::app {

boost::asio::awaitable<Status> PgSessionStore::insert(auth::NewSessionRow row) {
  db::NewSession s;
  s.id = db::SessionId{std::move(row.session_id)};
  s.user_id = db::UserId{std::move(row.user_id)};
  s.created_at = row.created_at;
  s.expires_at = row.expires_at;
  s.user_agent = std::move(row.origin.user_agent);
  s.ip = std::move(row.origin.ip);
  s.idp_session_id = std::move(row.origin.idp_session_id);
  s.idp_issuer = std::move(row.origin.idp_issuer);
  co_return co_await db::create_session(pool_, s);
}

boost::asio::awaitable<Result<std::optional<auth::StoredSession>>> PgSessionStore::load(
    std::string session_id, std::string user_id) {
  const db::SessionId sid{std::move(session_id)};
  const db::UserId uid{std::move(user_id)};
  auto record = co_await db::load_session(pool_, sid, uid);
  if (!record) co_return record.error();
  if (!*record) co_return std::optional<auth::StoredSession>{};
  auto& r = **record;
  auth::StoredSession s;
  s.user.id = r.user_id.value;
  s.user.name = r.name.value_or("");
  s.user.email = r.email.value_or("");
  s.user.roles = std::move(r.roles);
  s.created_at = r.created_at;
  s.expires_at = r.expires_at;
  s.revoked = r.revoked_at.has_value();
  s.user_disabled = r.user_disabled_at.has_value();
  co_return std::optional<auth::StoredSession>(std::move(s));
}

boost::asio::awaitable<Status> PgSessionStore::extend(std::string session_id, std::string user_id,
                                                      std::int64_t expires_at) {
  const db::SessionId sid{std::move(session_id)};
  const db::UserId uid{std::move(user_id)};
  auto r = co_await db::extend_session(pool_, sid, uid, expires_at);
  if (!r) co_return r.error();
  co_return Status{};
}

boost::asio::awaitable<Status> PgSessionStore::revoke(std::string session_id, std::string user_id,
                                                      std::string reason) {
  const db::SessionId sid{std::move(session_id)};
  const db::UserId uid{std::move(user_id)};
  auto r = co_await db::revoke_session(pool_, sid, uid, reason);
  if (!r) co_return r.error();
  co_return Status{};
}

boost::asio::awaitable<Result<auth::RevokedSnapshot>> PgSessionStore::revoked_snapshot() {
  auto ids = co_await db::revoked_ids(pool_);
  if (!ids) co_return ids.error();
  auth::RevokedSnapshot s;
  s.session_ids.reserve(ids->sessions.size());
  for (auto& id : ids->sessions) s.session_ids.push_back(std::move(id.value));
  for (auto& id : ids->users) s.user_ids.push_back(std::move(id.value));
  co_return s;
}

boost::asio::awaitable<Result<std::vector<std::string>>> PgSessionStore::revoke_idp_session(
    std::string idp_issuer, std::string idp_session_id, std::string reason) {
  auto ids = co_await db::revoke_idp_session(pool_, idp_issuer, idp_session_id, reason);
  if (!ids) co_return ids.error();
  std::vector<std::string> out;
  out.reserve(ids->size());
  for (auto& id : *ids) out.push_back(std::move(id.value));
  co_return out;
}

boost::asio::awaitable<Result<auth::UserRecord>> PgUserDirectory::upsert_on_sign_in(
    auth::IdentityClaims identity) {
  db::SigninIdentity s;
  s.tenant_id = identity.tenant_id;
  s.object_id = std::move(identity.object_id);
  if (!identity.email.empty()) s.email = std::move(identity.email);
  if (!identity.name.empty()) s.name = std::move(identity.name);
  s.roles = std::move(identity.roles);
  auto user = co_await db::upsert_user_on_signin(pool_, s);
  if (!user) co_return user.error();
  nextauth::SignInIdentity link{user->id, std::move(identity.tenant_id),
                                std::move(identity.subject), std::nullopt};
  if (!identity.verified_email.empty()) link.verified_email = std::move(identity.verified_email);
  // The Next.js app's history, imported ahead (`parley import nextauth`).
  // A failure leaves it pending for the next sign-in; the sign-in goes on.
  if (auto linked = co_await nextauth::link_imported_user(pool_, link); !linked) {
    log::error("import.link_failed")
        .str("code", linked.error().code)
        .str("user_id", user->id.value);
  } else if (*linked) {
    log::info("import.linked")
        .str("user_id", user->id.value)
        .str("method", (*linked)->method)
        .num("conversations", (*linked)->conversations);
  }
  co_return auth::UserRecord{user->id.value, user->disabled()};
}

boost::asio::awaitable<Result<bool>> PgReplayGuard::first_use(std::string key,
                                                              std::int64_t expires_at) {
  // The purge keeps the table small; it touches only expired rows.
  static constexpr db::Statement kFirstUse{
      "oidc_state_first_use",
      "WITH purge AS (DELETE FROM oidc_states WHERE expires_at < now() - interval '1 hour') "
      "INSERT INTO oidc_states (state_hash, expires_at) VALUES ($1, to_timestamp($2)) "
      "ON CONFLICT (state_hash) DO NOTHING RETURNING 1"};
  db::Params params{std::move(key), expires_at};
  auto rows = co_await pool_.prepared(kFirstUse, params);
  if (!rows) co_return rows.error();
  co_return rows->rows() == 1;
}

boost::asio::awaitable<void> PgAuditSink::record(auth::AuditEvent event) {
  db::AuditEntry e;
  e.type = std::move(event.type);
  if (!event.user_id.empty()) {
    e.actor = db::UserId{event.user_id};
    e.subject = db::UserId{std::move(event.user_id)};
  }
  if (!event.ip.empty()) e.ip = std::move(event.ip);
  for (auto& [key, value] :
       {std::pair{"reason", &event.reason}, std::pair{"session_id", &event.session_id},
        std::pair{"user_agent", &event.user_agent}, std::pair{"request_id", &event.request_id}}) {
    if (!value->empty()) e.detail[key] = *value;
  }
  for (const auto& [key, value] : event.counts) e.detail[key] = value;
  auto r = co_await db::append_audit(pool_, e);
  if (!r) {
    log::error("audit.write_failed")
        .str("type", e.type)
        .str("code", r.error().code)
        .str("request_id", event.request_id);
  }
}

}  // namespace parley::app
