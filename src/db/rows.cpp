#include "db/rows.hpp"

#include <libpq-fe.h>

#include <cassert>
#include <charconv>
#include <chrono>
#include <limits>

#include "db/params.hpp"

namespace parley::db {

void Rows::Clear::operator()(pg_result* r) const noexcept { PQclear(r); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::rows() const { return result_ ? PQntuples(result_.get()) : 0; }
int Rows::cols() const { return result_ ? PQnfields(result_.get()) : 0; }

int Rows::column(std::string_view name) const {
  if (!result_) return -1;
  for (int c = 0; c < cols(); ++c) {
    if (name == PQfname(result_.get(), c)) return c;
  }
  return -1;
}

bool Rows::is_null(int r, int c) const {
  assert(r >= 0 && r < rows() && c >= 0 && c < cols());
  return PQgetisnull(result_.get(), r, c) == 1;
}

std::optional<std::int64_t> Rows::binary_int64(int r, int c) const {
  assert(r >= 0 && r < rows() && c >= 0 && c < cols());
  if (PQgetisnull(result_.get(), r, c) == 1 || PQgetlength(result_.get(), r, c) != 8) {
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), r, c));
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];  // network byte order
  return static_cast<std::int64_t>(v);
}

bool Rows::append_binary_uuid(std::string& out, int r, int c) const {
  assert(r >= 0 && r < rows() && c >= 0 && c < cols());
  if (PQgetisnull(result_.get(), r, c) == 1 || PQgetlength(result_.get(), r, c) != 16) {
    return false;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), r, c));
  char text[36];
  std::size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
    text[at++] = kHex[p[i] >> 4];
    text[at++] = kHex[p[i] & 0x0f];
  }
  out.append(text, sizeof text);
  return true;
}

std::string_view Rows::text(int r, int c) const {
  if (is_null(r, c)) return {};
  return std::string_view(PQgetvalue(result_.get(), r, c),
                          static_cast<std::size_t>(PQgetlength(result_.get(), r, c)));
}

std::optional<std::string> Rows::optional_text(int r, int c) const {
  if (is_null(r, c)) return std::nullopt;
  return std::string(text(r, c));
}

std::optional<std::int64_t> Rows::optional_int64(int r, int c) const {
  if (is_null(r, c)) return std::nullopt;
  const auto t = text(r, c);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

std::int64_t Rows::int64(int r, int c) const { return optional_int64(r, c).value_or(0); }

bool Rows::boolean(int r, int c) const { return text(r, c) == "t"; }

std::vector<std::string> Rows::text_array(int r, int c) const {
  if (is_null(r, c)) return {};
  return parse_text_array(text(r, c));
}

std::int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* t = PQcmdTuples(result_.get());
  std::int64_t v = 0;
  std::from_chars(t, t + std::char_traits<char>::length(t), v);
  return v;
}

std::vector<std::string> parse_text_array(std::string_view s) {
  std::vector<std::string> out;
  // An optional "[1:3]=" dimension prefix precedes the braces.
  if (auto eq = s.find('='); !s.empty() && s.front() == '[' && eq != std::string_view::npos) {
    s.remove_prefix(eq + 1);
  }
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return out;
  s = s.substr(1, s.size() - 2);
  std::size_t i = 0;
  while (i < s.size()) {
    std::string item;
    if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i++];
      }
      ++i;  // closing quote
    } else {
      const std::size_t end = std::min(s.find(',', i), s.size());
      item = std::string(s.substr(i, end - i));
      if (item == "NULL") item.clear();
      i = end;
    }
    out.push_back(std::move(item));
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

std::string format_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Param Param::text_array(const std::vector<std::string>& values) {
  return Param(format_text_array(values));
}

namespace {

// Reads exactly `n` digits at `at` into `out`.
bool digits(std::string_view s, std::size_t& at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[at + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  at += n;
  return true;
}

bool expect(std::string_view s, std::size_t& at, char c) {
  if (at >= s.size() || s[at] != c) return false;
  ++at;
  return true;
}

void append_padded(std::string& out, int value, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

struct Timestamp {
  int y, mo, d, h, mi, sec;
  std::size_t fraction_at, fraction_len;  // digits after the dot
  int offset_seconds;                     // east of UTC
};

std::optional<Timestamp> parse_timestamptz(std::string_view s) {
  Timestamp t{};
  std::size_t at = 0;
  if (!digits(s, at, 4, t.y) || !expect(s, at, '-') || !digits(s, at, 2, t.mo) ||
      !expect(s, at, '-') || !digits(s, at, 2, t.d) || !expect(s, at, ' ') ||
      !digits(s, at, 2, t.h) || !expect(s, at, ':') || !digits(s, at, 2, t.mi) ||
      !expect(s, at, ':') || !digits(s, at, 2, t.sec)) {
    return std::nullopt;
  }
  if (at < s.size() && s[at] == '.') {
    t.fraction_at = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    t.fraction_len = at - t.fraction_at;
    if (t.fraction_len == 0 || t.fraction_len > 6) return std::nullopt;
  }
  if (at >= s.size() || (s[at] != '+' && s[at] != '-')) return std::nullopt;
  const int sign = s[at++] == '-' ? -1 : 1;
  int oh = 0, om = 0, os = 0;
  if (!digits(s, at, 2, oh)) return std::nullopt;
  if (at < s.size() && (!expect(s, at, ':') || !digits(s, at, 2, om))) return std::nullopt;
  if (at < s.size() && (!expect(s, at, ':') || !digits(s, at, 2, os))) return std::nullopt;
  if (at != s.size()) return std::nullopt;
  if (t.mo < 1 || t.mo > 12 || t.d < 1 || t.h > 23 || t.mi > 59 || t.sec > 59) return std::nullopt;
  t.offset_seconds = sign * (oh * 3600 + om * 60 + os);
  return t;
}

// 2000-01-01 00:00:00 UTC, PostgreSQL's epoch, in Unix seconds.
constexpr std::int64_t kPgEpochUnixSeconds = 946'684'800;

struct UtcTime {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::microseconds> time;
};

std::optional<UtcTime> utc_time(std::int64_t pg_micros) {
  using namespace std::chrono;
  constexpr std::int64_t kEpochMicros = kPgEpochUnixSeconds * 1'000'000;
  if (pg_micros > std::numeric_limits<std::int64_t>::max() - kEpochMicros) return std::nullopt;
  const sys_time<microseconds> t{microseconds{pg_micros + kEpochMicros}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const int y = static_cast<int>(date.year());
  if (y < 1 || y > 9999) return std::nullopt;
  return UtcTime{date, hh_mm_ss<microseconds>{t - day}};
}

// "YYYY-MM-DD<sep>HH:MM:SS"
void append_date_time(std::string& out, const UtcTime& t, char separator) {
  append_padded(out, static_cast<int>(t.date.year()), 4);
  out += '-';
  append_padded(out, static_cast<int>(unsigned(t.date.month())), 2);
  out += '-';
  append_padded(out, static_cast<int>(unsigned(t.date.day())), 2);
  out += separator;
  append_padded(out, static_cast<int>(t.time.hours().count()), 2);
  out += ':';
  append_padded(out, static_cast<int>(t.time.minutes().count()), 2);
  out += ':';
  append_padded(out, static_cast<int>(t.time.seconds().count()), 2);
}

}  // namespace

bool append_iso8601_utc_millis(std::string& out, std::string_view s) {
  using namespace std::chrono;
  auto t = parse_timestamptz(s);
  std::optional<year_month_day> date;
  if (t) {
    date = year_month_day{year{t->y}, month{static_cast<unsigned>(t->mo)},
                          day{static_cast<unsigned>(t->d)}};
    if (!date->ok()) t.reset();
  }
  if (!t) {
    out += s;
    return false;
  }
  if (t->offset_seconds == 0) {
    // The common case (a UTC session): the digits are already right.
    out.append(s.data(), 10);
    out += 'T';
    out.append(s.data() + 11, 8);
  } else {
    // Local time minus the offset is UTC.
    const sys_seconds utc = sys_days{*date} + hours{t->h} + minutes{t->mi} + seconds{t->sec} -
                            seconds{t->offset_seconds};
    const sys_days utc_day = floor<days>(utc);
    const UtcTime u{year_month_day{utc_day}, hh_mm_ss<microseconds>{utc - utc_day}};
    const int y = static_cast<int>(u.date.year());
    if (y < 0 || y > 9999) {
      out += s;
      return false;
    }
    append_date_time(out, u, 'T');
  }
  out += '.';
  for (std::size_t i = 0; i < 3; ++i) {
    out += i < t->fraction_len ? s[t->fraction_at + i] : '0';
  }
  out += 'Z';
  return true;
}

bool append_iso8601_utc_millis(std::string& out, std::int64_t pg_micros) {
  if (pg_micros == std::numeric_limits<std::int64_t>::max()) {
    out += "infinity";
    return false;
  }
  if (pg_micros == std::numeric_limits<std::int64_t>::min()) {
    out += "-infinity";
    return false;
  }
  const auto t = utc_time(pg_micros);
  if (!t) return false;
  append_date_time(out, *t, 'T');
  out += '.';
  append_padded(out, static_cast<int>(t->time.subseconds().count() / 1000), 3);
  out += 'Z';
  return true;
}

std::optional<std::string> timestamptz_text(std::int64_t pg_micros) {
  const auto t = utc_time(pg_micros);
  if (!t) return std::nullopt;
  std::string out;
  out.reserve(29);
  append_date_time(out, *t, ' ');
  out += '.';
  append_padded(out, static_cast<int>(t->time.subseconds().count()), 6);
  out += "+00";
  return out;
}

std::optional<std::string> iso8601_utc_micros(std::int64_t pg_micros) {
  const auto t = utc_time(pg_micros);
  if (!t) return std::nullopt;
  std::string out;
  out.reserve(27);
  append_date_time(out, *t, 'T');
  out += '.';
  append_padded(out, static_cast<int>(t->time.subseconds().count()), 6);
  out += 'Z';
  return out;
}

std::optional<std::string> iso8601_utc_millis(std::string_view s) {
  std::string out;
  out.reserve(24);
  if (!append_iso8601_utc_millis(out, s)) return std::nullopt;
  return out;
}

}  // namespace parley::db
