#pragma once
// Sessions: a small sealed cookie (session id, user id, expiry) plus a
// `sessions` row holding the rest, cached per process. Resolving a cookie
// costs no query when the session is cached; revocations arrive by push
// (RevocationSet). Strand affinity: the server's io_context thread.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/revocations.hpp"
#include "auth/seal.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"

namespace parley::auth {

struct SessionUser {
  std::string id;  // users.id (uuid text)
  std::string name;
  std::string email;
  std::vector<std::string> roles;
};

struct StoredSession {
  SessionUser user;
  std::int64_t expires_at = 0;
  bool revoked = false;
  bool user_disabled = false;
};

struct NewSessionRow {
  std::string session_id;
  std::string user_id;
  std::int64_t expires_at = 0;
  std::string user_agent;
  std::string ip;
};

struct RevokedSnapshot {
  std::vector<std::string> session_ids;
  std::vector<std::string> user_ids;
};

// Persistence of sessions (PostgreSQL in production). Codes: db.*.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual boost::asio::awaitable<Status> insert(NewSessionRow row) = 0;
  virtual boost::asio::awaitable<Result<std::optional<StoredSession>>> load(
      std::string session_id, std::string user_id) = 0;
  virtual boost::asio::awaitable<Status> extend(std::string session_id, std::string user_id,
                                                std::int64_t expires_at) = 0;
  // Marks the row revoked; the database notifies every replica.
  virtual boost::asio::awaitable<Status> revoke(std::string session_id, std::string user_id,
                                                std::string reason) = 0;
  virtual boost::asio::awaitable<Result<RevokedSnapshot>> revoked_snapshot() = 0;
};

struct ActiveSession {
  std::string session_id;
  SessionUser user;
  std::int64_t expires_at = 0;
  // Set when the cookie passed half its lifetime: the renewed cookie value
  // to send back (the expiry moves to now + max_age).
  std::optional<std::string> renewed_cookie;
};

struct CreatedSession {
  std::string cookie_value;
  std::string session_id;
  std::int64_t expires_at = 0;
};

class SessionService {
 public:
  SessionService(SessionStore& store, const Sealer& sealer, Random& random, const Clock& clock,
                 std::int64_t max_age_seconds);

  boost::asio::awaitable<Result<CreatedSession>> create(SessionUser user, std::string user_agent,
                                                        std::string ip);

  // nullopt: signed out (no, malformed, foreign, expired, revoked or unknown
  // cookie). An error only when the store is unreachable on a cache miss.
  boost::asio::awaitable<Result<std::optional<ActiveSession>>> resolve(std::string_view cookie);

  // Ends the session everywhere (the row is revoked; the notification
  // reaches other replicas) and here at once.
  boost::asio::awaitable<Status> revoke(std::string session_id, std::string user_id,
                                        std::string reason);

  RevocationSet& revocations() { return revocations_; }
  // Applies a revocation notification: also drops the cached entry.
  void on_notification(std::string_view payload);
  void replace_revocations(RevokedSnapshot snapshot);

  std::int64_t max_age() const { return max_age_; }
  std::size_t cached_sessions() const { return cache_.size(); }

 private:
  struct CachedSession {
    SessionUser user;
  };
  static constexpr std::size_t kMaxCached = 100'000;

  SessionStore& store_;
  const Sealer& sealer_;
  Random& random_;
  const Clock& clock_;
  std::int64_t max_age_;
  RevocationSet revocations_;
  std::unordered_map<std::string, CachedSession> cache_;  // by session id
};

}  // namespace parley::auth
