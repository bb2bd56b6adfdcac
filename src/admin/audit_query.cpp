#include "admin/audit_query.hpp"

#include <charconv>
#include <chrono>

#include "admin/errors.hpp"
#include "core/base64url.hpp"

namespace parley::admin {

namespace {

constexpr std::size_t kMaxIdLength = 200;
constexpr std::size_t kMaxTypeLength = 100;

Error bad(std::string message) {
  return make_public_error(errc::admin::bad_query, std::move(message));
}

// audit_events_type_format (migration 007): ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$
bool is_event_type(std::string_view t) {
  if (t.empty() || t.size() > kMaxTypeLength) return false;
  bool segment_start = true;
  for (char c : t) {
    const bool lower = c >= 'a' && c <= 'z';
    const bool tail = lower || (c >= '0' && c <= '9') || c == '_';
    if (segment_start) {
      if (!lower) return false;
      segment_start = false;
    } else if (c == '.') {
      segment_start = true;
    } else if (!tail) {
      return false;
    }
  }
  return !segment_start;
}

bool is_printable_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_time_bound(std::string_view s, bool upper) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (y < 1 || !date.ok()) return std::nullopt;
  const std::int64_t day_micros =
      duration_cast<microseconds>(sys_days{date}.time_since_epoch()).count();
  if (s.size() == 10) return upper ? day_micros + 86'400'000'000LL : day_micros;

  int h = 0, mi = 0, sec = 0;
  if (s[10] != 'T' || !digits(s, 11, 2, h) || s.size() < 19 || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec) || h > 23 || mi > 59 ||
      sec > 59) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t fraction = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int n = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (n < 6) fraction = fraction * 10 + (s[at] - '0');
      ++n;
      ++at;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (; n < 6; ++n) fraction *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (at < s.size() && s[at] == 'Z') {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
        !digits(s, at + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
    at += 6;
  } else {
    return std::nullopt;  // an instant without a zone is ambiguous
  }
  if (at != s.size()) return std::nullopt;
  const std::int64_t micros =
      day_micros + (std::int64_t{h} * 3600 + mi * 60 + sec - offset_seconds) * 1'000'000 + fraction;
  return upper ? micros + 1 : micros;
}

std::string timestamptz_text_utc(std::int64_t unix_micros) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{unix_micros}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<microseconds> time{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%06lld+00",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()));
  return buf;
}

std::string encode_audit_cursor(std::int64_t seq) {
  return base64url_encode("v1|" + std::to_string(seq));
}

std::optional<std::int64_t> decode_audit_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 64) return std::nullopt;
  auto raw = base64url_decode(cursor);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  if (!s.starts_with("v1|")) return std::nullopt;
  s.remove_prefix(3);
  std::int64_t seq = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
  if (ec != std::errc() || ptr != s.data() + s.size() || seq < 1) return std::nullopt;
  return seq;
}

Result<AuditQuery> parse_audit_query(const QueryParam& param) {
  AuditQuery q;
  if (auto v = param("cursor"); v && !v->empty()) {
    q.before_seq = decode_audit_cursor(*v);
    if (!q.before_seq) return bad("cursor: not a cursor this API returned");
  }
  if (auto v = param("type"); v && !v->empty()) {
    if (!is_event_type(*v)) return bad("type: must be a dotted lower-case event type");
    q.type = std::move(*v);
  }
  if (auto v = param("actor"); v && !v->empty()) {
    if (!is_printable_id(*v)) return bad("actor: must be 1 to 200 printable characters");
    q.actor = std::move(*v);
  }
  if (auto v = param("subject"); v && !v->empty()) {
    if (!is_printable_id(*v)) return bad("subject: must be 1 to 200 printable characters");
    q.subject = std::move(*v);
  }
  std::optional<std::int64_t> from, to;
  if (auto v = param("from"); v && !v->empty()) {
    from = parse_time_bound(*v, false);
    if (!from) return bad("from: must be YYYY-MM-DD or an ISO-8601 instant with a time zone");
    q.from = timestamptz_text_utc(*from);
  }
  if (auto v = param("to"); v && !v->empty()) {
    to = parse_time_bound(*v, true);
    if (!to) return bad("to: must be YYYY-MM-DD or an ISO-8601 instant with a time zone");
    q.to = timestamptz_text_utc(*to);
  }
  if (from && to && *from >= *to) return bad("from: must be before to");
  if (auto v = param("limit"); v && !v->empty()) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size() || n < 1 || n > kAuditPageMax) {
      return bad("limit: must be an integer from 1 to " + std::to_string(kAuditPageMax));
    }
    q.limit = n;
  }
  return q;
}

}  // namespace parley::admin
