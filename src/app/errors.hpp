#pragma once
// Error codes of the HTTP surface itself (routing, policies), with the
// public faces the API shows.

#include "core/result.hpp"

namespace parley::errc::app {

inline constexpr ErrorCode sign_in_required{Kind::unauthorized, "app.sign_in_required", {},
                                            "Sign in required"};
inline constexpr ErrorCode admin_required{Kind::forbidden, "app.admin_required", "forbidden",
                                          "This needs the administrator role"};
// The cookie is one of a user an administrator disabled (their sessions
// ended): their API calls get 403, not 401, so a client knows signing in
// again will not help.
inline constexpr ErrorCode account_disabled{Kind::forbidden, "app.account_disabled",
                                            "account_disabled",
                                            "Your access to Parley was disabled"};
inline constexpr ErrorCode route_without_policy{Kind::internal, "app.route_without_policy"};
inline constexpr ErrorCode csrf{Kind::forbidden, "app.csrf", "csrf",
                                "Missing or invalid CSRF token or Origin"};
inline constexpr ErrorCode no_endpoint{Kind::not_found, "app.no_endpoint", {}, "No such endpoint"};
inline constexpr ErrorCode no_file{Kind::not_found, "app.no_file", {}, "No such file"};
inline constexpr ErrorCode method_not_allowed{Kind::bad_request, "app.method_not_allowed",
                                              "method_not_allowed",
                                              "Method not allowed on this path", 405};
inline constexpr ErrorCode sign_out_incomplete{Kind::unavailable, "app.sign_out_incomplete", {},
                                               "Sign-out could not be completed; please retry"};

}  // namespace parley::errc::app
