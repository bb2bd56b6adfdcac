#pragma once
// Server-side sessions. The cookie carries only (session id, user id,
// expiry); everything else is read here and cached per process. Every
// statement is scoped by both ids. Times are epoch seconds.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Pool;

struct NewSession {
  SessionId id;
  UserId user_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::string user_agent;
  std::string ip;
  std::string idp_session_id;  // empty: none (stored as NULL)
  std::string idp_issuer;
};

// A session joined with its user, as the session cache needs it.
struct SessionRecord {
  SessionId id;
  UserId user_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::vector<std::string> roles;
  std::optional<std::int64_t> user_disabled_at;
};

struct RevokedIds {
  std::vector<SessionId> sessions;  // revoked and not yet expired
  std::vector<UserId> users;        // disabled
};

boost::asio::awaitable<Status> create_session(Pool& pool, const NewSession& session);

// std::nullopt when no session has this id for this user.
boost::asio::awaitable<Result<std::optional<SessionRecord>>> load_session(Pool& pool,
                                                                         const SessionId& id,
                                                                         const UserId& user);

// Moves expires_at (and last_seen_at = now()) of a live session; returns
// false when it is unknown, revoked or belongs to another user.
boost::asio::awaitable<Result<bool>> extend_session(Pool& pool, const SessionId& id,
                                                    const UserId& user, std::int64_t expires_at);

// Revokes one session (the database notifies 'session:<id>'); returns false
// when it was unknown or already revoked.
boost::asio::awaitable<Result<bool>> revoke_session(Pool& pool, const SessionId& id,
                                                    const UserId& user, std::string_view reason);

// Revokes every live session of a user; returns how many.
boost::asio::awaitable<Result<std::int64_t>> revoke_user_sessions(Pool& pool, const UserId& user,
                                                                  std::string_view reason);

// Revokes every live session made from this identity-provider session
// (front-channel logout); `idp_issuer` empty matches any issuer. Returns the
// revoked ids (the database notifies each).
boost::asio::awaitable<Result<std::vector<SessionId>>> revoke_idp_session(
    Pool& pool, std::string_view idp_issuer, std::string_view idp_session_id,
    std::string_view reason);

// Everything a process must refuse, for the periodic and post-reconnect resync.
boost::asio::awaitable<Result<RevokedIds>> revoked_ids(Pool& pool);

// Deletes sessions that expired more than `grace_seconds` ago; returns how many.
boost::asio::awaitable<Result<std::int64_t>> delete_expired_sessions(Pool& pool,
                                                                     std::int64_t grace_seconds);

}  // namespace parley::db
