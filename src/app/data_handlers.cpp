// Data rights (DESIGN.md "Administration"; docs/decisions, data lifecycle):
//   GET /api/me/export               200 application/json, streamed, as a download
//                                    503 unavailable  the audit row could not be written
//   DELETE /api/admin/users/{id}/data 200 {"conversations","messages"} (counts deleted)
//                                    404 not_found  unknown or malformed id
// 401/403 come from the route policies (session, admin).

#include "admin/data_rights.hpp"
#include "admin/errors.hpp"
#include "app/handlers.hpp"
#include "app/responses.hpp"
#include "core/ascii.hpp"
#include "db/conversations_repo.hpp"
#include "observability/log.hpp"

namespace parley::app::handlers {

namespace {

admin::Caller caller_of(const RequestContext& ctx, const Request& req) {
  admin::Caller c;
  c.user = db::UserId{ctx.session->user->id};
  c.session = db::SessionId{ctx.session->session_id};
  c.ip = ctx.client_ip;
  c.request_id = req.request_id;
  return c;
}

Response failure(const Error& e, const Request& req) {
  if (e.kind == Kind::internal || e.kind == Kind::unavailable) {
    log::error("data_rights.request_failed")
        .str("code", e.code)
        .str("detail", e.detail)
        .str("request_id", req.request_id);
  }
  return error_response(e);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

awaitable<Response> export_my_data(Services& s, Request& req, RequestContext& ctx) {
  const auth::SessionUser& user = *ctx.session->user;
  admin::ExportOwner owner{user.id, user.name, user.email};
  admin::Caller caller = caller_of(ctx, req);
  auto job = co_await s.data_rights->begin_export(std::move(caller), std::move(owner));
  if (!job) co_return failure(job.error(), req);
  Response r;
  r.status = 200;
  (void)r.headers.set("Content-Type", "application/json");
  // The file name is ours (digits and dashes): no quoting issue.
  (void)r.headers.set("Content-Disposition",
                      "attachment; filename=\"" + admin::export_file_name(job->exported_at) + "\"");
  (void)r.headers.set("X-Accel-Buffering", "no");
  auto shared = std::make_shared<admin::ExportJob>(std::move(*job));
  admin::DataRights* service = s.data_rights;
  r.stream = [service, shared](http::ResponseStream& out) {
    return service->stream_export(*shared, out);
  };
  co_return r;
}

awaitable<Response> delete_user_data(Services& s, Request& req, RequestContext& ctx) {
  auto id = req.param("id");
  if (!id || !is_uuid_text(*id)) co_return error_response(errc::admin::user_not_found);
  // Arguments named first: g++ 12 destroys temporaries made inside a co_await
  // expression twice.
  admin::Caller caller = caller_of(ctx, req);
  db::UserId subject{lowercase(*id)};
  auto deleted = co_await s.data_rights->delete_user_data(std::move(caller), std::move(subject));
  if (!deleted) co_return failure(deleted.error(), req);
  // 204 as every DELETE of the API; the counts are in the audit row (data.deleted).
  Response r;
  r.status = 204;
  co_return r;
}

}  // namespace parley::app::handlers
