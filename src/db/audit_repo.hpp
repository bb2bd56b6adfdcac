#pragma once
// The append-only audit trail (the table refuses UPDATE, DELETE and
// TRUNCATE). Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Lease;
class Pool;

struct AuditEvent {
  std::string action;   // sign_in, sign_out, session_revoked, conversation_deleted, ...
  std::string outcome;  // success | failure
  std::optional<std::string> reason;  // an error code
  std::optional<UserId> user_id;
  std::optional<SessionId> session_id;
  std::optional<std::string> ip;
  std::optional<std::string> request_id;
  boost::json::object details;  // never secrets or tokens
};

// Returns the new event's id.
boost::asio::awaitable<Result<std::int64_t>> append_audit_event(Pool& pool, const AuditEvent& event);
// The same on a leased connection, inside the caller's transaction (the
// event commits or rolls back with the change it records).
boost::asio::awaitable<Result<std::int64_t>> append_audit_event(Lease& tx, const AuditEvent& event);

}  // namespace parley::db
