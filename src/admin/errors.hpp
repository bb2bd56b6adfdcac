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

}  // namespace parley::errc::admin
