#pragma once
// The audit trail for administrators: pages of events (newest first, with
// filters) and the chain's verification. Every read is itself audited
// (admin.read_audit, in the same transaction as the read): the trail holds
// other users' data.
// Strand affinity: the server's io_context thread.
// Codes: admin.verify_running, and those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/audit_query.hpp"
#include "core/result.hpp"
#include "db/audit_repo.hpp"
#include "db/ids.hpp"

namespace parley::db {
class Pool;
}

namespace parley::admin {

// The administrator making the request.
struct AdminCaller {
  db::UserId user;
  std::string ip;
  std::string request_id;
};

struct AuditPage {
  std::vector<db::AuditItem> items;
  std::optional<std::string> next_cursor;  // null on the last page
};

class AuditService {
 public:
  explicit AuditService(db::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<Result<AuditPage>> list(const AdminCaller& caller,
                                                 const AuditQuery& query);
  // One at a time per process (a walk reads the whole table); the result is
  // audited (admin.verify_audit).
  boost::asio::awaitable<Result<db::AuditChainReport>> verify(const AdminCaller& caller);

 private:
  db::Pool& pool_;
  bool verifying_ = false;
};

// {"items":[{"seq","at","type","actor","subject","ip","detail","hash"}],"next_cursor"}
std::string audit_page_json(const AuditPage& page);
// {"intact","count","head":{"seq","hash"}|null,"broken":{"seq","reason"}|null}
std::string chain_report_json(const db::AuditChainReport& report);

}  // namespace parley::admin
