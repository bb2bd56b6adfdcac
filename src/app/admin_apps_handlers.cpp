// Applications calling the service API, for administrators (DESIGN.md
// "Service API"; decision 0014-service-api). Policy::admin has already
// refused anonymous callers (401), non-admins (403) and unsafe calls without
// Origin + CSRF.
//   404 not_found     no such application
//   503 unavailable   the database (or the audit trail) is unreachable

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "admin/api_gate.hpp"
#include "admin/errors.hpp"
#include "app/handlers.hpp"
#include "app/responses.hpp"
#include "observability/log.hpp"

namespace parley::app::handlers {

namespace {

namespace json = boost::json;

json::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(*s);
}

json::object app_json(const db::AppRow& a) {
  return json::object{
      {"id", a.client_id},
      {"client_id", a.client_id},
      {"tenant_id", a.tenant_id},
      {"object_id", opt(a.object_id)},
      {"display_name", opt(a.display_name)},
      {"first_seen_at", a.first_seen_at},
      {"last_seen_at", a.last_seen_at},
      {"disabled_at", opt(a.disabled_at)},
      {"usage",
       json::object{{"today", json::object{{"prompt_tokens", a.today.prompt_tokens},
                                           {"completion_tokens", a.today.completion_tokens},
                                           {"messages", a.today.messages}}}}}};
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

awaitable<Response> set_app_disabled(Services& s, Request& req, RequestContext& ctx,
                                     bool disabled) {
  auto id = req.param("id");
  if (!id || id->empty() || id->size() > 256) co_return error_response(errc::admin::app_not_found);
  const db::UserId actor{ctx.session->user->id};
  const std::string client_id(*id);
  auto row = co_await s.api_gate->set_app_disabled(actor, ctx.client_ip, req.request_id, client_id,
                                                   disabled);
  if (!row) co_return failure(row.error(), req);
  if (!*row) co_return error_response(errc::admin::app_not_found);
  co_return json_response(200, json::serialize(app_json(**row)));
}

}  // namespace

awaitable<Response> admin_list_apps(Services& s, Request& req, RequestContext&) {
  auto apps = co_await s.api_gate->list_apps();
  if (!apps) co_return failure(apps.error(), req);
  json::array items;
  for (const auto& a : *apps) items.push_back(app_json(a));
  co_return json_response(200, json::serialize(json::object{{"items", std::move(items)}}));
}

awaitable<Response> admin_disable_app(Services& s, Request& req, RequestContext& ctx) {
  co_return co_await set_app_disabled(s, req, ctx, true);
}

awaitable<Response> admin_enable_app(Services& s, Request& req, RequestContext& ctx) {
  co_return co_await set_app_disabled(s, req, ctx, false);
}

}  // namespace parley::app::handlers
