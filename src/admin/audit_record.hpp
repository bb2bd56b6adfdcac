#pragma once
// The ONE function through which the data lifecycle writes the audit trail
// (export, an administrator's deletion, retention): one row per event,
// inside the caller's transaction, so the row commits or rolls back with
// the change it records.
//
// It writes today's audit_events columns (action = type, user_id = actor,
// the subject in details). The hash-chained trail of issue 12 replaces that
// table's writer; at that merge only this function's body changes.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {
class Lease;
}

namespace parley::admin {

struct AuditRecord {
  std::string type;                     // data.export, admin.delete_user_data, retention.delete
  std::optional<db::UserId> actor;      // who did it; nullopt: Parley itself (maintenance)
  std::optional<db::UserId> subject;    // whose data
  std::optional<db::SessionId> session;  // the actor's session
  std::string ip;
  std::string request_id;
  boost::json::object detail;  // counts and parameters; never content, secrets or tokens
};

// Codes: those of db/pool.hpp.
boost::asio::awaitable<Status> record_audit(db::Lease& tx, const AuditRecord& record);

}  // namespace parley::admin
