#pragma once
// Data rights (DESIGN.md "Administration"): a user's export of their own
// conversations and messages, and an administrator's deletion of a user's.
// Both are audited (data.exported, data.deleted) through db::append_audit.
//
// Strand affinity: the pool's io_context (one thread).

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "admin/export_json.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/ids.hpp"
#include "db/lifecycle_repo.hpp"
#include "http/message.hpp"

namespace parley::db {
class Pool;
}

namespace parley::admin {

// Who asks, as the audit trail records it.
struct Caller {
  db::UserId user;
  std::optional<db::SessionId> session;
  std::string ip;
  std::string request_id;
};

struct ExportJob {
  db::UserId user;
  ExportOwner owner;
  std::string exported_at;  // ISO-8601 UTC
  std::string request_id;
};

struct DataRightsOptions {
  int conversations_per_page = 50;
  int messages_per_page = 100;
  // Output is handed to the connection in pieces of about this size.
  std::size_t chunk_bytes = 64 * 1024;
};

class DataRights {
 public:
  DataRights(db::Pool& pool, const Clock& clock, DataRightsOptions options = {});

  // Records the export in the audit trail before anything is sent: when
  // that fails (db.*), there is no export. `owner` is the caller's identity
  // as the session knows it (written at the top of the document).
  boost::asio::awaitable<Result<ExportJob>> begin_export(Caller caller, ExportOwner owner);

  // The body of the 200 response (admin/export_json.hpp): pages through the
  // user's conversations and messages, one short statement per page (no
  // transaction stays open while the client downloads), and writes as it
  // goes, so memory holds one page whatever the history's size. A database
  // failure after the first byte aborts the response (the download ends
  // truncated, never as a complete-looking document); a client that goes
  // away ends it.
  boost::asio::awaitable<void> stream_export(ExportJob job, http::ResponseStream& out);

  // Deletes every conversation and message of `subject` (not the user, the
  // sessions, usage or the audit trail) in one transaction with its audit
  // row (actor, subject, counts). Streaming answers of the user stop.
  // Errors: admin.user_not_found, db.*.
  boost::asio::awaitable<Result<db::DeletedUserData>> delete_user_data(Caller admin,
                                                                       db::UserId subject);

 private:
  db::Pool& pool_;
  const Clock& clock_;
  DataRightsOptions options_;
};

}  // namespace parley::admin
