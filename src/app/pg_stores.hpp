#pragma once
// PostgreSQL implementations of the auth module's ports, on top of the db
// repositories. Strand affinity: the server's io_context thread.

#include "auth/session_service.hpp"
#include "auth/sign_in.hpp"

namespace parley::db {
class Pool;
}

namespace parley::app {

class PgSessionStore final : public auth::SessionStore {
 public:
  explicit PgSessionStore(db::Pool& pool) : pool_(pool) {}
  boost::asio::awaitable<Status> insert(auth::NewSessionRow row) override;
  boost::asio::awaitable<Result<std::optional<auth::StoredSession>>> load(
      std::string session_id, std::string user_id) override;
  boost::asio::awaitable<Status> extend(std::string session_id, std::string user_id,
                                        std::int64_t expires_at) override;
  boost::asio::awaitable<Status> revoke(std::string session_id, std::string user_id,
                                        std::string reason) override;
  boost::asio::awaitable<Result<auth::RevokedSnapshot>> revoked_snapshot() override;
  boost::asio::awaitable<Result<std::vector<std::string>>> revoke_idp_session(
      std::string idp_issuer, std::string idp_session_id, std::string reason) override;

 private:
  db::Pool& pool_;
};

class PgUserDirectory final : public auth::UserDirectory {
 public:
  explicit PgUserDirectory(db::Pool& pool) : pool_(pool) {}
  boost::asio::awaitable<Result<auth::UserRecord>> upsert_on_sign_in(
      auth::IdentityClaims identity) override;

 private:
  db::Pool& pool_;
};

class PgReplayGuard final : public auth::ReplayGuard {
 public:
  explicit PgReplayGuard(db::Pool& pool) : pool_(pool) {}
  boost::asio::awaitable<Result<bool>> first_use(std::string key, std::int64_t expires_at) override;

 private:
  db::Pool& pool_;
};

class PgAuditSink final : public auth::AuditSink {
 public:
  explicit PgAuditSink(db::Pool& pool) : pool_(pool) {}
  boost::asio::awaitable<void> record(auth::AuditEvent event) override;

 private:
  db::Pool& pool_;
};

}  // namespace parley::app
