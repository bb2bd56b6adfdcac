#include "admin/audit_record.hpp"

#include "db/audit_repo.hpp"
#include "db/pool.hpp"

namespace parley::admin {

boost::asio::awaitable<Status> record_audit(db::Lease& tx, const AuditRecord& record) {
  db::AuditEvent e;
  e.action = record.type;
  e.outcome = "success";
  e.user_id = record.actor;
  e.session_id = record.session;
  if (!record.ip.empty()) e.ip = record.ip;
  if (!record.request_id.empty()) e.request_id = record.request_id;
  e.details = record.detail;
  if (record.subject) e.details["subject"] = record.subject->value;
  auto id = co_await db::append_audit_event(tx, e);
  if (!id) co_return id.error();
  co_return Status{};
}

}  // namespace parley::admin
