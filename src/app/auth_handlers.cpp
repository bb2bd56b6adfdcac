#include <algorithm>

#include "app/errors.hpp"
#include "app/handlers.hpp"
#include "app/html.hpp"
#include "app/responses.hpp"
#include "http/cookies.hpp"
#include "observability/log.hpp"

namespace parley::app::handlers {

namespace {

constexpr std::int64_t kTransactionMaxAge = 600;

std::optional<std::string> cookie(const Request& req, std::string_view name) {
  auto header = req.header("Cookie");
  if (!header) return std::nullopt;
  auto v = http::find_cookie(*header, name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

Response error_redirect(std::string_view reason) {
  return redirect("/api/auth/error?error=" + http::percent_encode(reason));
}

}  // namespace

awaitable<Response> sign_in(Services& s, Request& req, RequestContext&) {
  auto start = co_await s.sign_in->begin(req.query_param("callbackUrl").value_or("/"));
  if (!start) {
    log::warn("auth.sign_in_unavailable")
        .str("code", start.error().code)
        .str("detail", start.error().detail)
        .str("request_id", req.request_id);
    co_return error_redirect("provider_unavailable");
  }
  Response r = redirect(start->authorize_url);
  set_cookie(r, s.transaction_cookie_name, start->transaction_cookie, kTransactionMaxAge, s.https);
  co_return r;
}

awaitable<Response> callback(Services& s, Request& req, RequestContext& ctx) {
  auth::CallbackParams params;
  params.code = req.query_param("code");
  params.state = req.query_param("state");
  params.error = req.query_param("error");
  params.transaction_cookie = cookie(req, s.transaction_cookie_name);
  params.user_agent = std::string(req.header("User-Agent").value_or("")).substr(0, 256);
  params.ip = ctx.client_ip;
  params.request_id = req.request_id;
  if (ctx.session)
    params.replaces = auth::SessionRef{ctx.session->session_id, ctx.session->user->id};

  auto outcome = co_await s.sign_in->complete(std::move(params));
  Response r;
  switch (outcome.kind) {
    case auth::SignInOutcome::Kind::signed_in:
      ctx.session.reset();  // replaced: no renewed cookie of the old one on the way out
      r = redirect(outcome.callback_path);
      set_cookie(r, s.session_cookie_name, outcome.session.cookie_value, s.sessions->max_age(),
                 s.https);
      break;
    case auth::SignInOutcome::Kind::restart:
      r = redirect(outcome.restart.authorize_url);
      set_cookie(r, s.transaction_cookie_name, outcome.restart.transaction_cookie,
                 kTransactionMaxAge, s.https);
      co_return r;
    case auth::SignInOutcome::Kind::failed:
      r = error_redirect(outcome.public_reason);
      break;
    case auth::SignInOutcome::Kind::throttled:
      // Answered here, not by a redirect: the flood costs one small page.
      r = html_response(429, render_sign_in_error_page(outcome.public_reason));
      (void)r.headers.set("Retry-After", "60");
      break;
  }
  // The transaction is single-use whatever the outcome.
  set_cookie(r, s.transaction_cookie_name, "", 0, s.https);
  co_return r;
}

awaitable<Response> sign_out(Services& s, Request& req, RequestContext& ctx) {
  if (ctx.session) {
    auto st =
        co_await s.sessions->revoke(ctx.session->session_id, ctx.session->user->id, "sign_out");
    if (!st) {
      // The local revocation already holds; other replicas need the row.
      log::error("auth.sign_out_store_failed")
          .str("code", st.error().code)
          .str("request_id", req.request_id);
      co_return error_response(errc::app::sign_out_incomplete);
    }
    auth::AuditEvent ev;
    ev.type = "sign_out";
    ev.user_id = ctx.session->user->id;
    ev.session_id = ctx.session->session_id;
    ev.ip = ctx.client_ip;
    ev.user_agent = std::string(req.header("User-Agent").value_or("")).substr(0, 256);
    ev.request_id = req.request_id;
    co_await s.audit->record(std::move(ev));
    ctx.session.reset();  // no renewed cookie on the way out
  }
  Response r = redirect(co_await s.sign_in->end_session_url());
  set_cookie(r, s.session_cookie_name, "", 0, s.https);
  co_return r;
}

namespace {
// Appends `s` as a JSON string, quotes included (json_quote without a temporary).
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  log::append_json_escaped(out, s);
  out += '"';
}
}  // namespace

// The browser asks on every page load and focus: one buffer, no temporaries.
awaitable<Response> session(Services&, Request&, RequestContext& ctx) {
  if (!ctx.session) co_return json_response(200, "null");
  const auth::SessionUser& u = *ctx.session->user;
  std::string body;
  body.reserve(128 + u.id.size() + u.name.size() + u.email.size() + 32 * u.roles.size());
  body += "{\"user\":{\"id\":";
  append_quoted(body, u.id);
  body += ",\"name\":";
  append_quoted(body, u.name);
  body += ",\"email\":";
  append_quoted(body, u.email);
  body += ",\"roles\":[";
  for (std::size_t i = 0; i < u.roles.size(); ++i) {
    if (i) body += ',';
    append_quoted(body, u.roles[i]);
  }
  body += "]},\"expires\":";
  append_quoted(body, iso8601(ctx.session->expires_at));
  body += '}';
  co_return json_response(200, std::move(body));
}

// What the web UI may show this user: whether they hold PARLEY_ADMIN_ROLE
// (the UI cannot know the configured name) and that name, for its help
// text. The admin API decides on its own; this only shapes the menu.
awaitable<Response> me(Services& s, Request&, RequestContext& ctx) {
  const auth::SessionUser& u = *ctx.session->user;
  const std::string& role = s.config->admin_role;
  const bool admin = std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end();
  std::string body = "{\"id\":";
  append_quoted(body, u.id);
  body += admin ? ",\"admin\":true,\"admin_role\":" : ",\"admin\":false,\"admin_role\":";
  append_quoted(body, role);
  body += '}';
  co_return json_response(200, std::move(body));
}

awaitable<Response> csrf(Services& s, Request&, RequestContext& ctx) {
  // Bound to the session id; signed out, the token only allows signing out
  // of nothing.
  const std::string token = s.csrf->token(ctx.session ? ctx.session->session_id : "");
  co_return json_response(200, "{\"csrfToken\":" + json_quote(token) + "}");
}

awaitable<Response> frontchannel_logout(Services& s, Request& req, RequestContext& ctx) {
  // Entra sends only `sid`; the specification adds `iss`, checked when given.
  const auto sid = req.query_param("sid");
  const auto iss = req.query_param("iss");
  const auto& entra = s.config->entra;
  const bool valid = sid && auth::is_acceptable_idp_session_id(*sid) &&
                     (!iss || auth::is_trusted_issuer(*iss, entra.issuer, entra.allowed_tenants));
  Response r;
  if (!valid) {
    r = html_response(400, render_frontchannel_logout_page(false));
  } else {
    auto ended = co_await s.sessions->end_idp_session(iss.value_or(""), *sid);
    if (!ended) {
      log::error("auth.frontchannel_logout_failed")
          .str("code", ended.error().code)
          .str("request_id", req.request_id);
      r = html_response(503, render_frontchannel_logout_page(false));
    } else {
      log::info("auth.frontchannel_logout")
          .num("sessions", static_cast<std::int64_t>(*ended))
          .str("request_id", req.request_id);
      r = html_response(200, render_frontchannel_logout_page(true));
    }
  }
  // OpenID Front-Channel Logout 1.0 §2: never cached; framed by the IdP only.
  (void)r.headers.set("Cache-Control", "no-cache, no-store");
  (void)r.headers.set("Pragma", "no-cache");
  (void)r.headers.set("Content-Security-Policy", s.frontchannel_logout_csp);
  if (ctx.session &&
      s.sessions->revocations().is_revoked(ctx.session->session_id, ctx.session->user->id)) {
    // The cookie came along (same-site framing): it is dead, so drop it.
    set_cookie(r, s.session_cookie_name, "", 0, s.https);
    ctx.session.reset();
  }
  co_return r;
}

awaitable<Response> sign_in_error(Services& s, Request& req, RequestContext&) {
  const std::string reason = req.query_param("error").value_or("");
  if (reason == "account_disabled") {
    co_return html_response(403, render_account_disabled_page(s.config->disabled_user_message));
  }
  // Never 5xx: the sign-in failed, the server did not (the reason says why).
  const int status =
      reason == "access_denied" || reason == "account_disabled" || reason == "tenant_not_allowed"
          ? 403
      : reason == "too_many_attempts" ? 429
                                      : 400;
  co_return html_response(status, render_sign_in_error_page(reason));
}

}  // namespace parley::app::handlers
