#pragma once
// GET /api/admin/usage's query string, validated, and the report's CSV
// rendering (pure).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/user_query.hpp"
#include "core/result.hpp"

namespace parley::admin {

enum class UsageGroup { day, user, model, app };
std::string_view to_string(UsageGroup g);

inline constexpr int kUsageMaxDays = 366;

struct UsageQuery {
  std::string from;  // YYYY-MM-DD, inclusive (UTC days)
  std::string to;    // YYYY-MM-DD, inclusive
  UsageGroup group_by = UsageGroup::day;
  bool csv = false;
};

// from, to: required UTC dates, from <= to, at most 366 days; group_by:
// day (default) | user | model | app; format: json (default) | csv.
Result<UsageQuery> parse_usage_query(const QueryParam& param);

// Days since 1970-01-01 of a YYYY-MM-DD date; nullopt when it is not one.
std::optional<std::int64_t> parse_day(std::string_view text);
// The UTC date of an instant, YYYY-MM-DD.
std::string utc_day(std::int64_t epoch_seconds);

struct UsageRow {
  std::string key;  // the day, user id, model or app id
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t messages = 0;
};

// {"rows":[{"key","prompt_tokens","completion_tokens","messages"}]}
std::string usage_json(const std::vector<UsageRow>& rows);
// A header line, then one line per row (RFC 4180; CRLF). A key that a
// spreadsheet would read as a formula (= + - @ tab CR first) is prefixed
// with a quote character.
std::string usage_csv(const std::vector<UsageRow>& rows);

}  // namespace parley::admin
