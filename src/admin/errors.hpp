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
// A request body that does not validate; the public message says why.
inline constexpr ErrorCode bad_body{Kind::bad_request, "admin.bad_body"};
// No user with that id (also a malformed id).
inline constexpr ErrorCode user_not_found{
    Kind::not_found, "admin.user_not_found", {}, "No such user"};
// An administrator may not disable their own account (nobody could undo it
// from the UI if they were the last one).
inline constexpr ErrorCode self_disable{
    Kind::conflict, "admin.self_disable", {}, "You cannot disable your own account"};
// The answer was not given because its audit event could not be written.
inline constexpr ErrorCode audit_unavailable{Kind::unavailable, "admin.audit_unavailable"};
// A new answer refused by a quota (429 quota_exceeded, with Retry-After:
// quota_retry_after() in admin/quota_rules.hpp).
inline constexpr ErrorCode quota_daily_tokens{
    Kind::rate_limited, "admin.quota_daily_tokens", "quota_exceeded",
    "Your daily token quota is used up; it resets at midnight UTC"};
inline constexpr ErrorCode quota_concurrent_streams{
    Kind::rate_limited, "admin.quota_concurrent_streams", "quota_exceeded",
    "Too many answers are streaming at once; wait for one to finish"};

// The service API (/v1): an application an administrator disabled, and a
// delegated user whose account is disabled (403, never 401: a new token
// will not help).
inline constexpr ErrorCode app_disabled{Kind::forbidden, "admin.app_disabled", "app_disabled",
                                        "This application's access to Parley was disabled"};
inline constexpr ErrorCode api_user_disabled{Kind::forbidden, "admin.api_user_disabled",
                                             "account_disabled",
                                             "Your access to Parley was disabled"};
// No application with that client id.
inline constexpr ErrorCode app_not_found{
    Kind::not_found, "admin.app_not_found", {}, "No such application"};

}  // namespace parley::errc::admin
