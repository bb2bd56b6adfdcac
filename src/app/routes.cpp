#include "app/routes.hpp"

#include <array>
#include <set>
#include <utility>

#include "app/handlers.hpp"

namespace parley::app {

namespace {
using http::Method;
namespace h = handlers;

constexpr std::array kRoutes = {
    // Sign-in (paths and behaviour follow Auth.js so app registrations carry over).
    Route{Method::get, "/api/auth/signin/microsoft-entra-id", Policy::public_, &h::sign_in},
    Route{Method::get, "/api/auth/callback/microsoft-entra-id", Policy::public_, &h::callback},
    // The callback paths of next-auth v4 (azure-ad) and early Auth.js v5 (entra-id):
    // same handler, so a migrated app registration works unchanged (AUTH_CALLBACK_PATH).
    Route{Method::get, "/api/auth/callback/azure-ad", Policy::public_, &h::callback},
    Route{Method::get, "/api/auth/callback/entra-id", Policy::public_, &h::callback},
    Route{Method::post, "/api/auth/signout", Policy::origin_csrf, &h::sign_out},
    Route{Method::get, "/api/auth/session", Policy::public_, &h::session},
    Route{Method::get, "/api/auth/csrf", Policy::public_, &h::csrf},
    Route{Method::get, "/api/auth/error", Policy::public_, &h::sign_in_error},
    // OpenID Front-Channel Logout 1.0: the IdP loads it in a hidden iframe.
    Route{Method::get, "/api/auth/frontchannel-logout", Policy::public_, &h::frontchannel_logout},
    // Conversations (chat_handlers.cpp).
    Route{Method::get, "/api/conversations", Policy::session, &h::list_conversations},
    Route{Method::post, "/api/conversations", Policy::session_csrf, &h::create_conversation},
    Route{Method::get, "/api/conversations/{id}", Policy::session, &h::get_conversation},
    Route{Method::patch, "/api/conversations/{id}", Policy::session_csrf, &h::update_conversation},
    Route{Method::delete_, "/api/conversations/{id}", Policy::session_csrf,
          &h::delete_conversation},
    Route{Method::post, "/api/conversations/{id}/messages", Policy::session_csrf, &h::post_message},
    Route{Method::post, "/api/conversations/{id}/regenerate", Policy::session_csrf, &h::regenerate},
    Route{Method::post, "/api/conversations/{id}/stop", Policy::session_csrf, &h::stop_answer},
    // The models a conversation may choose (PARLEY_MODELS, as /v1/models).
    Route{Method::get, "/api/models", Policy::session, &h::list_models},
    // Administration (admin_handlers.cpp).
    Route{Method::get, "/api/admin/audit", Policy::admin, &h::admin_audit},
    Route{Method::get, "/api/admin/audit/verify", Policy::admin, &h::admin_audit_verify},
    // Data rights (data_handlers.cpp).
    Route{Method::get, "/api/me", Policy::session, &h::me},
    Route{Method::get, "/api/me/export", Policy::session, &h::export_my_data},
    Route{Method::delete_, "/api/admin/users/{id}/data", Policy::admin, &h::delete_user_data},
    // Administration: users, usage, quotas (admin_users_handlers.cpp).
    Route{Method::get, "/api/admin/users", Policy::admin, &h::admin_list_users},
    Route{Method::get, "/api/admin/users/{id}", Policy::admin, &h::admin_get_user},
    Route{Method::post, "/api/admin/users/{id}/disable", Policy::admin, &h::admin_disable_user},
    Route{Method::post, "/api/admin/users/{id}/enable", Policy::admin, &h::admin_enable_user},
    Route{Method::delete_, "/api/admin/users/{id}/sessions", Policy::admin,
          &h::admin_end_user_sessions},
    Route{Method::put, "/api/admin/users/{id}/quota", Policy::admin, &h::admin_set_user_quota},
    Route{Method::get, "/api/admin/usage", Policy::admin, &h::admin_usage},
    // Applications calling the service API (admin_apps_handlers.cpp).
    Route{Method::get, "/api/admin/apps", Policy::admin, &h::admin_list_apps},
    Route{Method::post, "/api/admin/apps/{id}/disable", Policy::admin, &h::admin_disable_app},
    Route{Method::post, "/api/admin/apps/{id}/enable", Policy::admin, &h::admin_enable_app},
    Route{Method::put, "/api/admin/apps/{id}/quota", Policy::admin, &h::admin_set_app_quota},
    // The service API, OpenAI-compatible (v1_handlers.cpp).
    Route{Method::post, "/v1/chat/completions", Policy::bearer, &h::v1_chat_completions},
    Route{Method::get, "/v1/models", Policy::bearer, &h::v1_models},
    // Pages.
    Route{Method::get, "/", Policy::page, &h::home},
    Route{Method::get, "/c/{id}", Policy::page, &h::home},
    // The admin area's pages: the same shell; its data comes from /api/admin/*.
    Route{Method::get, "/admin", Policy::page, &h::home},
    Route{Method::get, "/admin/users", Policy::page, &h::home},
    Route{Method::get, "/admin/users/{id}", Policy::page, &h::home},
    Route{Method::get, "/admin/usage", Policy::page, &h::home},
    Route{Method::get, "/admin/audit", Policy::page, &h::home},
    Route{Method::get, "/static/{file}", Policy::public_, &h::asset},
    Route{Method::get, "/signed-out", Policy::public_, &h::signed_out},
    Route{Method::get, "/assets/parley.css", Policy::public_, &h::stylesheet},
    // Operations.
    Route{Method::get, "/healthz", Policy::public_, &h::healthz},
    Route{Method::get, "/readyz", Policy::public_, &h::readyz},
    Route{Method::get, "/metrics", Policy::public_, &h::metrics},
    Route{Method::get, "/api/openapi.json", Policy::public_, &h::openapi},
};
}  // namespace

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::public_:
      return "public";
    case Policy::page:
      return "page";
    case Policy::session:
      return "session";
    case Policy::session_csrf:
      return "session+csrf";
    case Policy::origin_csrf:
      return "origin+csrf";
    case Policy::admin:
      return "admin";
    case Policy::bearer:
      return "bearer";
    case Policy::unset:
      return "unset";
  }
  return "unknown";
}

std::span<const Route> routes() { return kRoutes; }

bool is_service_api_path(std::string_view path) {
  return path == "/v1" || path.starts_with("/v1/");
}

std::vector<std::string> route_policy_problems(std::span<const Route> table) {
  std::vector<std::string> problems;
  std::set<std::pair<http::Method, std::string_view>> seen;
  for (const Route& r : table) {
    const std::string name = std::string(http::to_string(r.method)) + " " + std::string(r.pattern);
    auto problem = [&](std::string_view what) {
      problems.push_back(name + ": " + std::string(what));
    };
    const bool admin_path = r.pattern == "/api/admin" || r.pattern.starts_with("/api/admin/");
    const bool api_path = r.pattern == "/api" || r.pattern.starts_with("/api/");
    const bool v1_path = is_service_api_path(r.pattern);
    const bool unsafe = r.method == Method::post || r.method == Method::put ||
                        r.method == Method::patch || r.method == Method::delete_;
    if (r.policy == Policy::unset) problem("no policy");
    if (admin_path && r.policy != Policy::admin) problem("an admin route needs Policy::admin");
    if (!admin_path && r.policy == Policy::admin) problem("Policy::admin outside /api/admin");
    if (v1_path && r.policy != Policy::bearer) problem("a /v1 route needs Policy::bearer");
    if (!v1_path && r.policy == Policy::bearer) problem("Policy::bearer outside /v1");
    if (unsafe && r.policy != Policy::session_csrf && r.policy != Policy::origin_csrf &&
        r.policy != Policy::admin && r.policy != Policy::bearer) {
      problem("an unsafe method needs an Origin and CSRF check");
    }
    if (api_path && r.policy == Policy::page) problem("an API route answers 401, not a redirect");
    if (!seen.emplace(r.method, r.pattern).second) problem("listed twice");
  }
  return problems;
}

}  // namespace parley::app
