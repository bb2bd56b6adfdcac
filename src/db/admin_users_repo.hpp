#pragma once
// Users as administrators see them (GET/POST /api/admin/users...): search
// and keyset paging, recent sign-ins, active sessions, disable / enable.
// Timestamps are ISO-8601 UTC text with milliseconds. Codes: those of
// db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Pool;
class Lease;

struct AdminUserRow {
  UserId id;
  std::string tenant_id;
  std::string object_id;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::vector<std::string> roles;
  std::string created_at;
  std::optional<std::string> last_login_at;
  std::optional<std::string> disabled_at;
  // created_at with microseconds as the database prints it in UTC: the
  // keyset cursor's exact value.
  std::string created_key;
};

struct UserSearch {
  std::optional<std::string> like_pattern;   // against lower(name \x1f email)
  int status = 0;                            // 0 any, 1 active, 2 disabled
  std::optional<std::string> after_created;  // keyset: (created_at, id) < (after_created, after_id)
  std::optional<std::string> after_id;
  int limit = 50;
};

// Newest first (created_at DESC, id DESC), at most `limit` rows.
boost::asio::awaitable<Result<std::vector<AdminUserRow>>> search_users(Pool& pool,
                                                                       const UserSearch& search);

boost::asio::awaitable<Result<std::optional<AdminUserRow>>> admin_find_user(Pool& pool,
                                                                            const UserId& id);

struct SignInRow {
  std::string at;
  std::string result;  // success | failure
  std::optional<std::string> reason;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

// The user's newest sign-in attempts (from the audit trail), newest first.
boost::asio::awaitable<Result<std::vector<SignInRow>>> recent_sign_ins(Pool& pool, const UserId& id,
                                                                       int limit);

struct ActiveSessionRow {
  SessionId id;
  std::string created_at;
  std::optional<std::string> last_seen_at;
  std::string expires_at;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

// Sessions neither revoked nor expired, newest first (at most 200).
boost::asio::awaitable<Result<std::vector<ActiveSessionRow>>> active_sessions(Pool& pool,
                                                                              const UserId& id);

// Inside the caller's transaction. Disabling sets disabled_at (once; the
// row's trigger revokes every session and notifies every replica);
// enabling clears it. nullopt: no such user. `changed` says whether the
// row moved.
struct DisableOutcome {
  AdminUserRow user;
  bool changed = false;
};
boost::asio::awaitable<Result<std::optional<DisableOutcome>>> set_user_disabled(Lease& tx,
                                                                                const UserId& id,
                                                                                bool disabled);

// Revokes every live session of the user inside the caller's transaction
// (each row's trigger notifies every replica); returns how many.
boost::asio::awaitable<Result<std::int64_t>> revoke_all_sessions(Lease& tx, const UserId& id,
                                                                 std::string_view reason);

}  // namespace parley::db
