// Users, usage and quotas for administrators (DESIGN.md "Administration,
// usage and quotas"). Policy::admin has already refused anonymous callers
// (401), non-admins (403 forbidden) and unsafe calls without Origin + CSRF.
//   400 bad_request   a query parameter or body that does not validate
//   404 not_found     no such user (also a malformed id)
//   409 conflict      an administrator disabling themselves
//   503 unavailable   the database (or the audit trail) is unreachable

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "admin/errors.hpp"
#include "admin/usage_query.hpp"
#include "admin/user_query.hpp"
#include "admin/users_service.hpp"
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
json::value opt(const std::optional<std::int64_t>& n) {
  if (!n) return nullptr;
  return json::value(*n);
}

json::object user_json(const db::AdminUserRow& u) {
  json::array roles;
  for (const auto& r : u.roles) roles.emplace_back(r);
  return json::object{{"id", u.id.value},
                      {"name", opt(u.name)},
                      {"email", opt(u.email)},
                      {"tenant_id", u.tenant_id},
                      {"object_id", u.object_id},
                      {"roles", std::move(roles)},
                      {"created_at", u.created_at},
                      {"last_login_at", opt(u.last_login_at)},
                      {"disabled_at", opt(u.disabled_at)}};
}

json::object totals_json(const db::UsageTotals& t) {
  return json::object{{"prompt_tokens", t.prompt_tokens},
                      {"completion_tokens", t.completion_tokens},
                      {"messages", t.messages}};
}

json::object quota_json(const admin::QuotaView& q) {
  const admin::EffectiveQuota effective = admin::effective_quota(q.defaults, q.overrides);
  return json::object{{"daily_tokens", opt(q.overrides.daily_tokens)},
                      {"concurrent_streams", opt(q.overrides.concurrent_streams)},
                      {"effective_daily_tokens", effective.daily_tokens},
                      {"effective_concurrent_streams", effective.concurrent_streams},
                      {"tokens_used_today", q.tokens_used_today},
                      {"resets_at", iso8601(q.resets_at)}};
}

Response json_body(int status, const json::object& o) {
  return json_response(status, json::serialize(o));
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

Response no_user() { return error_response(errc::admin::user_not_found); }

std::optional<db::UserId> user_param(const Request& req) {
  auto id = req.param("id");
  if (!id || !admin::is_uuid(*id)) return std::nullopt;
  std::string lower(*id);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return db::UserId{std::move(lower)};
}

admin::Actor actor_of(const Request& req, const RequestContext& ctx) {
  return admin::Actor{db::UserId{ctx.session->user->id}, ctx.client_ip, req.request_id};
}

admin::QueryParam params_of(const Request& req) {
  return [&req](std::string_view name) { return req.query_param(name); };
}

awaitable<Response> set_disabled(Services& s, Request& req, RequestContext& ctx, bool disabled) {
  auto id = user_param(req);
  if (!id) co_return no_user();
  auto user = co_await s.users_admin->set_disabled(actor_of(req, ctx), std::move(*id), disabled);
  if (!user) co_return failure(user.error(), req);
  if (!*user) co_return no_user();
  co_return json_body(200, user_json(**user));
}

}  // namespace

awaitable<Response> admin_list_users(Services& s, Request& req, RequestContext&) {
  auto query = admin::parse_user_query(params_of(req));
  if (!query) co_return failure(query.error(), req);
  auto page = co_await s.users_admin->list(std::move(*query));
  if (!page) co_return failure(page.error(), req);
  json::array items;
  items.reserve(page->items.size());
  for (const auto& u : page->items) items.push_back(user_json(u));
  co_return json_body(
      200, json::object{{"items", std::move(items)}, {"next_cursor", opt(page->next_cursor)}});
}

awaitable<Response> admin_get_user(Services& s, Request& req, RequestContext& ctx) {
  auto id = user_param(req);
  if (!id) co_return no_user();
  auto detail = co_await s.users_admin->detail(actor_of(req, ctx), std::move(*id));
  if (!detail) co_return failure(detail.error(), req);
  if (!*detail) co_return no_user();
  const admin::UserDetail& d = **detail;
  json::object body = user_json(d.user);
  json::array sign_ins;
  for (const auto& si : d.sign_ins) {
    sign_ins.push_back(json::object{{"at", si.at},
                                    {"result", si.result},
                                    {"reason", opt(si.reason)},
                                    {"ip", opt(si.ip)},
                                    {"user_agent", opt(si.user_agent)}});
  }
  json::array sessions;
  for (const auto& se : d.sessions) {
    sessions.push_back(json::object{{"id", se.id.value},
                                    {"created_at", se.created_at},
                                    {"last_seen_at", opt(se.last_seen_at)},
                                    {"expires_at", se.expires_at},
                                    {"ip", opt(se.ip)},
                                    {"user_agent", opt(se.user_agent)}});
  }
  body["sign_ins"] = std::move(sign_ins);
  body["sessions"] = std::move(sessions);
  body["usage"] = json::object{{"today", totals_json(d.usage.today)},
                               {"last_30_days", totals_json(d.usage.last_30_days)}};
  body["quota"] = quota_json(d.quota);
  co_return json_body(200, body);
}

awaitable<Response> admin_disable_user(Services& s, Request& req, RequestContext& ctx) {
  co_return co_await set_disabled(s, req, ctx, true);
}

awaitable<Response> admin_enable_user(Services& s, Request& req, RequestContext& ctx) {
  co_return co_await set_disabled(s, req, ctx, false);
}

awaitable<Response> admin_end_user_sessions(Services& s, Request& req, RequestContext& ctx) {
  auto id = user_param(req);
  if (!id) co_return no_user();
  auto found = co_await s.users_admin->end_sessions(actor_of(req, ctx), std::move(*id));
  if (!found) co_return failure(found.error(), req);
  if (!*found) co_return no_user();
  Response r;
  r.status = 204;
  co_return r;
}

awaitable<Response> admin_set_user_quota(Services& s, Request& req, RequestContext& ctx) {
  auto id = user_param(req);
  if (!id) co_return no_user();
  auto quota = admin::parse_quota_body(req.body);
  if (!quota) co_return failure(quota.error(), req);
  auto view = co_await s.users_admin->set_quota(actor_of(req, ctx), std::move(*id), *quota);
  if (!view) co_return failure(view.error(), req);
  if (!*view) co_return no_user();
  co_return json_body(200, quota_json(**view));
}

// PUT /api/admin/apps/{id}/quota: an application's overrides, as a user's.
awaitable<Response> admin_set_app_quota(Services& s, Request& req, RequestContext& ctx) {
  auto id = req.param("id");
  if (!id || id->empty() || id->size() > 256) co_return error_response(errc::admin::app_not_found);
  auto quota = admin::parse_quota_body(req.body);
  if (!quota) co_return failure(quota.error(), req);
  auto view = co_await s.users_admin->set_app_quota(actor_of(req, ctx), std::string(*id), *quota);
  if (!view) co_return failure(view.error(), req);
  if (!*view) co_return error_response(errc::admin::app_not_found);
  co_return json_body(200, quota_json(**view));
}

awaitable<Response> admin_usage(Services& s, Request& req, RequestContext&) {
  auto query = admin::parse_usage_query(params_of(req));
  if (!query) co_return failure(query.error(), req);
  const bool csv = query->csv;
  auto rows = co_await s.users_admin->usage(std::move(*query));
  if (!rows) co_return failure(rows.error(), req);
  if (!csv) co_return json_response(200, admin::usage_json(*rows));
  Response r;
  r.status = 200;
  r.body = admin::usage_csv(*rows);
  (void)r.headers.set("Content-Type", "text/csv; charset=utf-8");
  (void)r.headers.set("Content-Disposition", "attachment; filename=\"parley-usage.csv\"");
  co_return r;
}

}  // namespace parley::app::handlers
