#pragma once
// The users behind /api/admin/users: list and search, detail (sign-ins,
// sessions, usage, quota), disable / enable, sign out everywhere, quota
// overrides. Every change and every read of another user's detail is an
// audit event (audit_record.hpp), in the change's transaction.
// Strand affinity: the server's io_context thread (db::Pool).

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/audit_record.hpp"
#include "admin/quota_rules.hpp"
#include "admin/usage_query.hpp"
#include "admin/user_query.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/admin_users_repo.hpp"
#include "db/usage_repo.hpp"

namespace parley::db {
class Pool;
}

namespace parley::admin {

// Who acts, for the audit trail.
struct Actor {
  db::UserId id;
  std::string ip;
  std::string request_id;
};

struct UserPage {
  std::vector<db::AdminUserRow> items;
  std::optional<std::string> next_cursor;
};

struct QuotaView {
  QuotaSettings overrides;  // nullopt: the default
  QuotaDefaults defaults;
  std::int64_t tokens_used_today = 0;
  std::int64_t resets_at = 0;  // epoch seconds: the next UTC midnight
};

struct UserDetail {
  db::AdminUserRow user;
  std::vector<db::SignInRow> sign_ins;
  std::vector<db::ActiveSessionRow> sessions;
  db::UsageSummary usage;
  QuotaView quota;
};

inline constexpr int kSignInsShown = 50;

class UsersAdmin {
 public:
  UsersAdmin(db::Pool& pool, QuotaDefaults defaults, const Clock& clock);

  boost::asio::awaitable<Result<UserPage>> list(UserQuery query);
  // nullopt: no such user. Audited (admin.read_user) unless the actor reads
  // their own; the detail is not given when the audit cannot be written.
  boost::asio::awaitable<Result<std::optional<UserDetail>>> detail(Actor actor, db::UserId id);
  // admin.self_disable when the actor disables themselves.
  boost::asio::awaitable<Result<std::optional<db::AdminUserRow>>> set_disabled(Actor actor,
                                                                               db::UserId id,
                                                                               bool disabled);
  // false: no such user.
  boost::asio::awaitable<Result<bool>> end_sessions(Actor actor, db::UserId id);
  boost::asio::awaitable<Result<std::optional<QuotaView>>> set_quota(Actor actor, db::UserId id,
                                                                     QuotaOverride quota);
  // The same for an application calling /v1 (by client id); nullopt: no
  // such application. Audited as quota.changed with detail.app.
  boost::asio::awaitable<Result<std::optional<QuotaView>>> set_app_quota(Actor actor,
                                                                         std::string client_id,
                                                                         QuotaOverride quota);

  // GET /api/admin/usage (not audited: aggregates, no user's content).
  boost::asio::awaitable<Result<std::vector<UsageRow>>> usage(UsageQuery query);

  const QuotaDefaults& defaults() const { return defaults_; }

 private:
  boost::asio::awaitable<Result<QuotaView>> quota_view(const db::Subject& subject);
  // Stores the overrides and audits quota.changed (`event` carries who and
  // whom) in one transaction, then reads the quota back.
  boost::asio::awaitable<Result<QuotaView>> store_quota(const db::Subject& subject,
                                                        QuotaOverride quota, AdminAuditEvent event);

  db::Pool& pool_;
  QuotaDefaults defaults_;
  const Clock& clock_;
};

}  // namespace parley::admin
