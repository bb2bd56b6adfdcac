#pragma once
// Error codes of the administration module (see core/result.hpp).

#include "core/result.hpp"

namespace parley::errc::admin {

// A query parameter that does not validate; the public message names it.
inline constexpr ErrorCode bad_query{Kind::bad_request, "admin.bad_query"};
// Another chain verification is running in this process.
inline constexpr ErrorCode verify_running{Kind::conflict,
                                          "admin.verify_running",
                                          {},
                                          "A verification of the audit trail is already running"};

inline constexpr ErrorCode user_not_found{Kind::not_found, "admin.user_not_found", {},
                                          "No such user"};

}  // namespace parley::errc::admin
