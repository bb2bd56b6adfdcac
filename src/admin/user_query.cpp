#include "admin/user_query.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "admin/errors.hpp"
#include "core/base64url.hpp"

namespace parley::admin {

namespace json = boost::json;

namespace {

Error bad(std::string message) {
  return make_public_error(errc::admin::bad_query, std::move(message));
}
Error bad_body(std::string message) {
  return make_public_error(errc::admin::bad_body, std::move(message));
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// A timestamptz as the database prints it: digits, '-', ':', '.', ' ', '+'.
bool is_timestamp_text(std::string_view s) {
  if (s.size() < 19 || s.size() > 40) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == ' ' ||
                    c == '+' || c == 'T' || c == 'Z';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::int64_t> bounded_int(const json::value& v, std::int64_t max) {
  if (v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= max) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(max)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string like_substring_pattern(std::string_view q) {
  std::string out = "%";
  out.reserve(q.size() + 8);
  for (char c : q) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

std::string encode_user_cursor(const UserCursor& c) {
  return base64url_encode("u1|" + c.created_at + "|" + c.id);
}

std::optional<UserCursor> decode_user_cursor(std::string_view cursor) {
  if (cursor.size() > 200) return std::nullopt;
  auto raw = base64url_decode(cursor);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  if (!s.starts_with("u1|")) return std::nullopt;
  s.remove_prefix(3);
  const auto bar = s.rfind('|');
  if (bar == std::string_view::npos) return std::nullopt;
  UserCursor c{std::string(s.substr(0, bar)), std::string(s.substr(bar + 1))};
  if (!is_timestamp_text(c.created_at) || !is_uuid(c.id)) return std::nullopt;
  return c;
}

Result<UserQuery> parse_user_query(const QueryParam& param) {
  UserQuery q;
  if (auto text = param("q"); text && !text->empty()) {
    if (text->size() > kMaxSearchLength) return bad("q must be at most 200 characters");
    if (has_control(*text)) return bad("q must not contain control characters");
    q.pattern = like_substring_pattern(*text);
  }
  if (auto status = param("status"); status && !status->empty()) {
    if (*status == "active") {
      q.status = UserStatus::active;
    } else if (*status == "disabled") {
      q.status = UserStatus::disabled;
    } else {
      return bad("status must be active or disabled");
    }
  }
  if (auto limit = param("limit"); limit && !limit->empty()) {
    int n = 0;
    if (limit->size() > 3) return bad("limit must be between 1 and 200");
    for (char c : *limit) {
      if (c < '0' || c > '9') return bad("limit must be between 1 and 200");
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > kUsersPageMax) return bad("limit must be between 1 and 200");
    q.limit = n;
  }
  if (auto cursor = param("cursor"); cursor && !cursor->empty()) {
    q.after = decode_user_cursor(*cursor);
    if (!q.after) return bad("cursor is not valid");
  }
  return q;
}

Result<QuotaOverride> parse_quota_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return bad_body("The body must be a JSON object");
  const json::object& o = v.get_object();
  if (o.size() != 2 || !o.contains("daily_tokens") || !o.contains("concurrent_streams")) {
    return bad_body("The body must have exactly daily_tokens and concurrent_streams");
  }
  QuotaOverride out;
  if (const json::value& d = o.at("daily_tokens"); !d.is_null()) {
    out.daily_tokens = bounded_int(d, 1'000'000'000'000);
    if (!out.daily_tokens) return bad_body("daily_tokens must be null or 0 to 10^12");
  }
  if (const json::value& c = o.at("concurrent_streams"); !c.is_null()) {
    out.concurrent_streams = bounded_int(c, 1000);
    if (!out.concurrent_streams) return bad_body("concurrent_streams must be null or 0 to 1000");
  }
  return out;
}

}  // namespace parley::admin
