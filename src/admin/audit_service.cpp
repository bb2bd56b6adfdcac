#include "admin/audit_service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "admin/errors.hpp"
#include "db/pool.hpp"
#include "db/rows.hpp"

namespace parley::admin {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::value nullable(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

json::object query_detail(const AuditQuery& q) {
  json::object o;
  if (q.type) o["type"] = *q.type;
  if (q.actor) o["actor"] = *q.actor;
  if (q.subject) o["subject"] = *q.subject;
  if (q.from) o["from"] = *q.from;
  if (q.to) o["to"] = *q.to;
  if (q.before_seq) o["before_seq"] = *q.before_seq;
  return o;
}

db::AuditEntry read_event(const AdminCaller& caller, std::string type, json::object detail) {
  db::AuditEntry e;
  e.type = std::move(type);
  e.actor = caller.user;
  if (!caller.ip.empty()) e.ip = caller.ip;
  if (!caller.request_id.empty()) detail["request_id"] = caller.request_id;
  e.detail = std::move(detail);
  return e;
}

// Rolls back (or drops the connection, which does the same) and passes the
// error on.
asio::awaitable<Error> abandon(db::Lease& lease, Error e) {
  if (!lease.connection().broken()) {
    if (auto rolled_back = co_await lease.execute("ROLLBACK"); !rolled_back) lease.mark_broken();
  }
  co_return e;
}

}  // namespace

asio::awaitable<Result<AuditPage>> AuditService::list(const AdminCaller& caller,
                                                      const AuditQuery& query) {
  db::AuditFilter filter;
  filter.before_seq = query.before_seq;
  filter.type = query.type;
  filter.actor = query.actor;
  filter.subject = query.subject;
  filter.from = query.from;
  filter.to = query.to;

  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await lease->execute("BEGIN"); !begun) co_return begun.error();
  // One more than a page tells whether another page follows.
  auto items = co_await db::list_audit(*lease, filter, query.limit + 1);
  if (!items) co_return co_await abandon(*lease, items.error());
  // The read and its record commit together: no unrecorded read, and the
  // page does not show its own record. Appended last: the chain's lock is
  // held only for the commit.
  json::object detail = query_detail(query);
  if (query.subject && query.subject != caller.user.value) detail["other_user"] = true;
  auto appended = co_await db::append_audit(*lease, read_event(caller, "admin.read_audit", detail));
  if (!appended) co_return co_await abandon(*lease, appended.error());
  if (auto committed = co_await lease->execute("COMMIT"); !committed) co_return committed.error();

  AuditPage page;
  page.items = std::move(*items);
  if (page.items.size() > static_cast<std::size_t>(query.limit)) {
    page.items.resize(static_cast<std::size_t>(query.limit));
    page.next_cursor = encode_audit_cursor(page.items.back().seq);
  }
  co_return page;
}

asio::awaitable<Result<db::AuditChainReport>> AuditService::verify(const AdminCaller& caller) {
  if (verifying_) co_return make_error(errc::admin::verify_running);
  verifying_ = true;
  auto report = co_await db::verify_audit_chain(pool_);
  verifying_ = false;
  if (!report) co_return report.error();
  json::object detail{{"intact", !report->broken.has_value()}, {"count", report->count}};
  if (report->broken) detail["broken_seq"] = report->broken->seq;
  auto appended =
      co_await db::append_audit(pool_, read_event(caller, "admin.verify_audit", detail));
  if (!appended) co_return appended.error();
  co_return report;
}

std::string audit_page_json(const AuditPage& page) {
  json::array items;
  items.reserve(page.items.size());
  for (const db::AuditItem& i : page.items) {
    // detail is a jsonb object as PostgreSQL printed it: valid JSON.
    json::value detail = json::parse(i.detail);
    items.emplace_back(json::object{{"seq", i.seq},
                                    {"at", db::iso8601_utc_millis(i.at).value_or(i.at)},
                                    {"type", i.type},
                                    {"actor", nullable(i.actor)},
                                    {"subject", nullable(i.subject)},
                                    {"ip", nullable(i.ip)},
                                    {"detail", std::move(detail)},
                                    {"hash", i.hash}});
  }
  json::object out{{"items", std::move(items)}, {"next_cursor", nullable(page.next_cursor)}};
  return json::serialize(out);
}

std::string chain_report_json(const db::AuditChainReport& r) {
  json::object out{{"intact", !r.broken.has_value()}, {"count", r.count}};
  if (r.head_seq > 0) {
    out["head"] = json::object{{"seq", r.head_seq}, {"hash", r.head_hash}};
  } else {
    out["head"] = nullptr;
  }
  if (r.broken) {
    out["broken"] =
        json::object{{"seq", r.broken->seq}, {"reason", db::to_string(r.broken->reason)}};
  } else {
    out["broken"] = nullptr;
  }
  return json::serialize(out);
}

}  // namespace parley::admin
