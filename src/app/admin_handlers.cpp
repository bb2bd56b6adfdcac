// Administration API (DESIGN.md "Administration, usage and quotas"). The
// route policy (Policy::admin) has already answered 401 to anonymous callers
// and 403 to users without config.admin_role.
//   400 bad_request    a filter, the cursor or the limit does not validate
//   409 conflict       a chain verification is already running here
//   503 unavailable    the database is unreachable

#include "admin/audit_service.hpp"
#include "app/handlers.hpp"
#include "app/responses.hpp"
#include "observability/log.hpp"

namespace parley::app::handlers {

namespace {

admin::AdminCaller caller_of(const Request& req, const RequestContext& ctx) {
  return admin::AdminCaller{db::UserId{ctx.session->user->id}, ctx.client_ip, req.request_id};
}

Response failure(const Error& e, const Request& req) {
  if (e.kind == Kind::internal || e.kind == Kind::unavailable) {
    log::error("admin.request_failed")
        .str("code", e.code)
        .str("detail", e.detail)
        .str("request_id", req.request_id);
  }
  return error_response(e);
}

}  // namespace

awaitable<Response> admin_audit(Services& s, Request& req, RequestContext& ctx) {
  auto query =
      admin::parse_audit_query([&req](std::string_view name) { return req.query_param(name); });
  if (!query) co_return error_response(query.error());
  auto page = co_await s.audit_log->list(caller_of(req, ctx), *query);
  if (!page) co_return failure(page.error(), req);
  co_return json_response(200, admin::audit_page_json(*page));
}

awaitable<Response> admin_audit_verify(Services& s, Request& req, RequestContext& ctx) {
  auto report = co_await s.audit_log->verify(caller_of(req, ctx));
  if (!report) co_return failure(report.error(), req);
  co_return json_response(200, admin::chain_report_json(*report));
}

}  // namespace parley::app::handlers
