#pragma once
// Sessions: a small sealed cookie (session id, user id, expiry) plus a
// `sessions` row holding the rest, cached per process. Resolving a cookie
// costs no query when the session is cached; revocations arrive by push
// (RevocationSet). Strand affinity: the server's io_context thread.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
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
  std::int64_t created_at = 0;  // sign-in time: the absolute lifetime counts from here
  std::int64_t expires_at = 0;
  bool revoked = false;
  bool user_disabled = false;
};

// Where a session comes from: the browser, and the identity provider's
// session it was made from (for front-channel logout; may be empty).
struct SessionOrigin {
  std::string user_agent;
  std::string ip;
  std::string idp_session_id;
  std::string idp_issuer;
};

struct NewSessionRow {
  std::string session_id;
  std::string user_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  SessionOrigin origin;
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
  // Revokes every live session made from this IdP session (issuer empty:
  // any issuer) and returns their ids; the database notifies every replica.
  virtual boost::asio::awaitable<Result<std::vector<std::string>>> revoke_idp_session(
      std::string idp_issuer, std::string idp_session_id, std::string reason) = 0;
};

struct ActiveSession {
  std::string session_id;
  // Shared with the cache: resolving a cached session copies no strings.
  std::shared_ptr<const SessionUser> user;
  std::int64_t expires_at = 0;  // the earlier of the sliding and the absolute end
  // Set when the cookie passed half its lifetime: the renewed cookie value
  // to send back (the expiry moves to now + max_age, never past the
  // absolute end).
  std::optional<std::string> renewed_cookie;
};

struct SessionLifetimes {
  std::int64_t max_age = 28800;            // AUTH_SESSION_MAX_AGE, renewed while active
  std::int64_t absolute_max_age = 86400;  // AUTH_SESSION_ABSOLUTE_MAX_AGE, from sign-in
};

struct CreatedSession {
  std::string cookie_value;
  std::string session_id;
  std::int64_t expires_at = 0;
};

class SessionService {
 public:
  SessionService(SessionStore& store, const Sealer& sealer, Random& random, const Clock& clock,
                 SessionLifetimes lifetimes);

  boost::asio::awaitable<Result<CreatedSession>> create(SessionUser user, SessionOrigin origin);

  // nullopt: signed out (no, malformed, foreign, expired, revoked or unknown
  // cookie, a deleted row, or past the absolute lifetime). An error only
  // when the store is unreachable on a cache miss.
  boost::asio::awaitable<Result<std::optional<ActiveSession>>> resolve(std::string_view cookie);

  // Ends the session everywhere (the row is revoked; the notification
  // reaches other replicas) and here at once.
  boost::asio::awaitable<Status> revoke(std::string session_id, std::string user_id,
                                        std::string reason);

  // Front-channel logout: ends the sessions made from that IdP session, here
  // at once and on every replica through the store. Returns how many.
  boost::asio::awaitable<Result<std::size_t>> end_idp_session(std::string idp_issuer,
                                                              std::string idp_session_id);

  // Whether the cookie (valid or expired) names a user whose account is
  // disabled: their API calls answer 403 instead of 401. Call only after
  // resolve() refused the cookie.
  bool is_disabled_user_cookie(std::string_view cookie) const;

  RevocationSet& revocations() { return revocations_; }
  // Applies a revocation notification: also drops the cached entry.
  void on_notification(std::string_view payload);
  void replace_revocations(RevokedSnapshot snapshot);
  // Empties the session cache. Called when the revocation listener
  // reconnects: a notification missed meanwhile (a deleted row, say) is not
  // in any snapshot, so cached entries are re-read from the store instead.
  void forget_cached_sessions();

  // Seconds the session cookie may live in the browser.
  std::int64_t max_age() const { return lifetimes_.max_age; }
  std::size_t cached_sessions() const { return cache_.size(); }

 private:
  struct CachedSession {
    std::shared_ptr<const SessionUser> user;
    std::int64_t absolute_expires_at = 0;
  };
  void remember(const std::string& session_id, CachedSession entry);
  static constexpr std::size_t kMaxCached = 100'000;

  SessionStore& store_;
  const Sealer& sealer_;
  Random& random_;
  const Clock& clock_;
  SessionLifetimes lifetimes_;
  RevocationSet revocations_;
  std::unordered_map<std::string, CachedSession> cache_;  // by session id
};

}  // namespace parley::auth
