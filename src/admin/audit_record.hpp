#pragma once
// The one place the users/usage/quota administration writes its audit
// events (DESIGN.md: every admin change and every admin read of another
// user's data is an audit event, in the transaction of the change).
//
// A thin face over db::append_audit (docs/AUDIT.md): the request id goes in
// `detail`. Inside a transaction, call it last, right before COMMIT: the
// chain's lock is held from the append to the end of the transaction.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {
class Lease;
class Pool;
}  // namespace parley::db

namespace parley::admin {

struct AdminAuditEvent {
  std::string
      type;  // user.disabled, user.enabled, user.sessions_revoked, quota.changed, admin.read_user
  std::optional<db::UserId> actor;    // the administrator
  std::optional<db::UserId> subject;  // the user concerned
  std::string ip;
  std::string request_id;
  boost::json::object detail;  // never secrets or tokens
};

// Inside the caller's transaction (BEGIN done; commits with the change).
boost::asio::awaitable<Status> record_audit(db::Lease& tx, const AdminAuditEvent& event);
// In a transaction of its own (an event that goes with no change: a read).
boost::asio::awaitable<Status> record_audit(db::Pool& pool, const AdminAuditEvent& event);

}  // namespace parley::admin
