#pragma once
// GET /api/admin/audit's query string, validated (pure): filters, the
// opaque cursor and the page size. Errors are admin.bad_query with a public
// message naming the parameter.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::admin {

inline constexpr int kAuditPageDefault = 50;
inline constexpr int kAuditPageMax = 200;

struct AuditQuery {
  std::optional<std::int64_t> before_seq;  // from the cursor
  std::optional<std::string> type;         // exact or a dotted prefix
  std::optional<std::string> actor;
  std::optional<std::string> subject;
  // timestamptz text in UTC ("2026-01-31 00:00:00.000000+00"): at >= from, at < to.
  std::optional<std::string> from;
  std::optional<std::string> to;
  int limit = kAuditPageDefault;
};

using QueryParam = std::function<std::optional<std::string>(std::string_view name)>;

// type: a dotted lower-case event type ("sign_in" also matches sign_in.*);
// actor, subject: 1-200 printable characters (a users.id); from, to: a UTC
// date (YYYY-MM-DD) or an ISO-8601 instant with Z or an offset, both
// inclusive (a `to` date means to the end of that day); limit: 1-200;
// cursor: as returned in next_cursor.
Result<AuditQuery> parse_audit_query(const QueryParam& param);

// Opaque: base64url of "v1|<seq>".
std::string encode_audit_cursor(std::int64_t seq);
std::optional<std::int64_t> decode_audit_cursor(std::string_view cursor);

// A from/to value as microseconds since the Unix epoch; `upper` moves it to
// the first instant after the bound (the day after a date, 1 µs after an
// instant), so the query is [from, to).
std::optional<std::int64_t> parse_time_bound(std::string_view text, bool upper);
// Microseconds since the Unix epoch as UTC timestamptz text.
std::string timestamptz_text_utc(std::int64_t unix_micros);

}  // namespace parley::admin
