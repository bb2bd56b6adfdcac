#include "admin/audit_record.hpp"

#include <boost/json/serialize.hpp>

#include "db/pool.hpp"

namespace parley::admin {

namespace {

constexpr db::Statement kAppend{
    "admin_audit_append",
    "INSERT INTO audit_events (action, outcome, user_id, ip, request_id, details)"
    " VALUES ($1, 'success', $2::uuid, $3, $4, $5::jsonb)"};

db::Params params_of(const AdminAuditEvent& e) {
  boost::json::object detail = e.detail;
  if (e.actor) detail["actor"] = e.actor->value;
  std::optional<std::string> subject;
  if (e.subject) subject = e.subject->value;
  std::optional<std::string> ip;
  if (!e.ip.empty()) ip = e.ip;
  std::optional<std::string> request_id;
  if (!e.request_id.empty()) request_id = e.request_id;
  return db::Params{e.type, subject, ip, request_id, boost::json::serialize(detail)};
}

}  // namespace

boost::asio::awaitable<Status> record_audit(db::Lease& tx, const AdminAuditEvent& event) {
  auto rows = co_await tx.prepared(kAppend, params_of(event));
  if (!rows) co_return rows.error();
  co_return Status{};
}

boost::asio::awaitable<Status> record_audit(db::Pool& pool, const AdminAuditEvent& event) {
  auto rows = co_await pool.prepared(kAppend, params_of(event));
  if (!rows) co_return rows.error();
  co_return Status{};
}

}  // namespace parley::admin
