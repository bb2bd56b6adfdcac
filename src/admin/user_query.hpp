#pragma once
// GET /api/admin/users' query string and the users' request bodies,
// validated (pure). Errors are admin.bad_query / admin.bad_body with a
// public message naming the parameter.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::admin {

inline constexpr int kUsersPageDefault = 50;
inline constexpr int kUsersPageMax = 200;
inline constexpr std::size_t kMaxSearchLength = 200;

enum class UserStatus { any, active, disabled };

// The position after the last item of a page: the list is ordered by
// (created_at DESC, id DESC).
struct UserCursor {
  std::string created_at;  // timestamptz text with microseconds, as the database printed it
  std::string id;          // uuid
};

struct UserQuery {
  // The LIKE pattern for the search ('%' + q with \ % _ escaped + '%'),
  // nullopt without q.
  std::optional<std::string> pattern;
  UserStatus status = UserStatus::any;
  std::optional<UserCursor> after;
  int limit = kUsersPageDefault;
};

using QueryParam = std::function<std::optional<std::string>(std::string_view name)>;

// q: 1-200 characters, no control characters (empty = absent); status:
// active | disabled (empty = both); limit: 1-200; cursor: as returned.
Result<UserQuery> parse_user_query(const QueryParam& param);

// Opaque: base64url of "u1|<created_at>|<id>".
std::string encode_user_cursor(const UserCursor& c);
std::optional<UserCursor> decode_user_cursor(std::string_view cursor);

// A substring for LIKE: backslash, percent and underscore escaped, wrapped
// in '%'.
std::string like_substring_pattern(std::string_view q);

// A users.id in the path: lower-case or upper-case hyphenated uuid.
bool is_uuid(std::string_view s);

// PUT /api/admin/users/{id}/quota: {"daily_tokens": N|null,
// "concurrent_streams": N|null}; both keys required (null = the default),
// nothing else. daily_tokens 0..10^12 (0 = unlimited), concurrent_streams
// 0..1000 (0 = no streams at all).
struct QuotaOverride {
  std::optional<std::int64_t> daily_tokens;
  std::optional<std::int64_t> concurrent_streams;
};
Result<QuotaOverride> parse_quota_body(std::string_view body);

}  // namespace parley::admin
