#include "db/audit_repo.hpp"

#include <boost/json/serialize.hpp>

#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

constexpr Statement kAppend{
    "audit_append",
    "INSERT INTO audit_events (action, outcome, reason, user_id, session_id, ip, request_id, details)"
    " VALUES ($1, $2, $3, $4::uuid, $5::uuid, $6, $7, $8::jsonb) RETURNING id"};

std::optional<std::string> id_text(const auto& id) {
  if (!id || id->value.empty()) return std::nullopt;
  return id->value;
}

Params params_of(const AuditEvent& event) {
  return Params{event.action,       event.outcome, event.reason,
                id_text(event.user_id), id_text(event.session_id), event.ip,
                event.request_id,   boost::json::serialize(event.details)};
}

}  // namespace

asio::awaitable<Result<std::int64_t>> append_audit_event(Pool& pool, const AuditEvent& event) {
  auto rows = co_await pool.prepared(kAppend, params_of(event));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

asio::awaitable<Result<std::int64_t>> append_audit_event(Lease& tx, const AuditEvent& event) {
  auto rows = co_await tx.prepared(kAppend, params_of(event));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

}  // namespace parley::db
