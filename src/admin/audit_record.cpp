#include "admin/audit_record.hpp"

#include "db/audit_repo.hpp"

namespace parley::admin {

namespace {

db::AuditEntry entry_of(const AdminAuditEvent& e) {
  db::AuditEntry entry;
  entry.type = e.type;
  entry.actor = e.actor;
  entry.subject = e.subject;
  if (!e.ip.empty()) entry.ip = e.ip;
  entry.detail = e.detail;
  if (!e.request_id.empty()) entry.detail["request_id"] = e.request_id;
  return entry;
}

}  // namespace

boost::asio::awaitable<Status> record_audit(db::Lease& tx, const AdminAuditEvent& event) {
  auto seq = co_await db::append_audit(tx, entry_of(event));
  if (!seq) co_return seq.error();
  co_return Status{};
}

boost::asio::awaitable<Status> record_audit(db::Pool& pool, const AdminAuditEvent& event) {
  auto seq = co_await db::append_audit(pool, entry_of(event));
  if (!seq) co_return seq.error();
  co_return Status{};
}

}  // namespace parley::admin
