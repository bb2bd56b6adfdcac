#include "app/handlers.hpp"
#include "app/html.hpp"
#include "app/errors.hpp"
#include "app/responses.hpp"
#include "app/static_assets.hpp"

namespace parley::app::handlers {

namespace {
Response asset_response(const Asset& a) {
  Response r;
  r.body = std::string(a.data);
  (void)r.headers.set("Content-Type", a.content_type);
  (void)r.headers.set("Cache-Control", cache_control(a));
  return r;
}
}  // namespace

// The signed-in pages ("/", "/c/{id}", "/admin/...") are the web UI's shell;
// the UI reads /api/auth/session itself (and the admin API answers 403 to
// anyone who is not an administrator). Policy::page has already sent signed-out
// browsers to sign-in with this URL as the callback.
awaitable<Response> home(Services&, Request&, RequestContext&) {
  co_return asset_response(index_html());
}

awaitable<Response> asset(Services&, Request& req, RequestContext&) {
  if (auto a = find_asset(req.path); a && a->path != "/index.html") co_return asset_response(*a);
  co_return error_response(errc::app::no_file);
}

awaitable<Response> signed_out(Services&, Request&, RequestContext&) {
  co_return html_response(200, render_signed_out_page());
}

awaitable<Response> stylesheet(Services&, Request&, RequestContext&) {
  Response r;
  r.body = std::string(app::stylesheet());
  (void)r.headers.set("Content-Type", "text/css; charset=utf-8");
  (void)r.headers.set("Cache-Control", "public, max-age=3600");
  co_return r;
}

}  // namespace parley::app::handlers
