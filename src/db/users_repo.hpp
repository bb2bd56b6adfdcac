#pragma once
// Users, identified by Entra's tenant id + object id (never by email, which
// is mutable). Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Pool;

struct SigninIdentity {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::vector<std::string> roles;
};

struct UserRecord {
  UserId id;
  std::string tenant_id;
  std::string object_id;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::vector<std::string> roles;
  std::int64_t created_at = 0;                  // epoch seconds
  std::optional<std::int64_t> last_login_at;    // epoch seconds
  std::optional<std::int64_t> disabled_at;      // epoch seconds; set: may not sign in
  bool disabled() const { return disabled_at.has_value(); }
};

// Inserts or refreshes (email, name, roles, last_login_at) the user keyed by
// (tenant_id, object_id) and records the 'microsoft-entra-id' account
// (provider_account_id "tid.oid"), in one statement.
boost::asio::awaitable<Result<UserRecord>> upsert_user_on_signin(Pool& pool,
                                                                const SigninIdentity& identity);

// std::nullopt when there is no such user.
boost::asio::awaitable<Result<std::optional<UserRecord>>> find_user(Pool& pool, const UserId& id);

}  // namespace parley::db
