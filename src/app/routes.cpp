#include "app/routes.hpp"

#include <array>

#include "app/handlers.hpp"

namespace parley::app {

namespace {
using http::Method;
namespace h = handlers;

constexpr std::array kRoutes = {
    // Sign-in (paths and behaviour follow Auth.js so app registrations carry over).
    Route{Method::get, "/api/auth/signin/microsoft-entra-id", Policy::public_, &h::sign_in},
    Route{Method::get, "/api/auth/callback/microsoft-entra-id", Policy::public_, &h::callback},
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
    Route{Method::patch, "/api/conversations/{id}", Policy::session_csrf, &h::rename_conversation},
    Route{Method::delete_, "/api/conversations/{id}", Policy::session_csrf, &h::delete_conversation},
    Route{Method::post, "/api/conversations/{id}/messages", Policy::session_csrf, &h::post_message},
    Route{Method::post, "/api/conversations/{id}/regenerate", Policy::session_csrf, &h::regenerate},
    Route{Method::post, "/api/conversations/{id}/stop", Policy::session_csrf, &h::stop_answer},
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
    case Policy::public_: return "public";
    case Policy::page: return "page";
    case Policy::session: return "session";
    case Policy::session_csrf: return "session+csrf";
    case Policy::origin_csrf: return "origin+csrf";
  }
  return "unknown";
}

std::span<const Route> routes() { return kRoutes; }

}  // namespace parley::app
