#include "llm/errors.hpp"

#include <array>
#include <boost/json.hpp>
#include <cctype>

#include "core/ascii.hpp"
#include "llm/chat_stream.hpp"

namespace parley::llm {

namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals_ascii(n, name)) return &v;
  }
  return nullptr;
}

// All-digit value (optionally with a ".digits" fraction, as openai-python
// accepts for retry-after-ms), saturating at `cap` instead of overflowing.
std::optional<std::int64_t> parse_saturating(std::string_view s, std::int64_t multiplier,
                                             std::int64_t cap) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  std::int64_t v = 0;
  bool saturated = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (!saturated) {
      v = v * 10 + (s[i] - '0');
      if (v * multiplier >= cap) saturated = true;
    }
  }
  if (i == 0) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != '.' || i + 1 == s.size()) return std::nullopt;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] < '0' || s[j] > '9') return std::nullopt;
    }
  }
  if (saturated) return cap;
  return v * multiplier;
}

// days_from_civil (H. Hinnant's algorithm): proleptic Gregorian date -> days since 1970-01-01.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<int> two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
      !std::isdigit(static_cast<unsigned char>(s[at + 1]))) {
    return std::nullopt;
  }
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view s) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (exactly 29 characters).
  s = trim(s);
  if (s.size() != 29) return std::nullopt;
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool day_ok = false;
  for (auto d : kDays) day_ok = day_ok || s.substr(0, 3) == d;
  if (!day_ok || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto day = two_digits(s, 5);
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (s.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  const auto y1 = two_digits(s, 12);
  const auto y2 = two_digits(s, 14);
  const auto hh = two_digits(s, 17);
  const auto mm = two_digits(s, 20);
  const auto ss = two_digits(s, 23);
  if (!day || month == 0 || !y1 || !y2 || !hh || !mm || !ss) return std::nullopt;
  if (*day < 1 || *day > 31 || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  const std::int64_t year = *y1 * 100 + *y2;
  return days_from_civil(year, month, static_cast<unsigned>(*day)) * 86400 + *hh * 3600 + *mm * 60 +
         *ss;
}

std::optional<std::int64_t> retry_after_ms(const HeaderList& headers,
                                           std::int64_t now_epoch_seconds, std::int64_t cap_ms) {
  if (cap_ms < 0) cap_ms = 0;
  for (std::string_view name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (const auto* v = find_header(headers, name)) {
      if (auto ms = parse_saturating(*v, 1, cap_ms)) return ms;
    }
  }
  if (const auto* v = find_header(headers, "retry-after")) {
    if (auto ms = parse_saturating(*v, 1000, cap_ms)) return ms;
    if (auto when = parse_http_date(*v)) {
      const std::int64_t delta = *when - now_epoch_seconds;
      if (delta <= 0) return 0;
      return delta >= cap_ms / 1000 ? cap_ms : delta * 1000;
    }
  }
  return std::nullopt;
}

UpstreamError classify(int status, const HeaderList& headers, std::string_view body,
                       std::int64_t now_epoch_seconds) {
  UpstreamError e;
  e.status = status;

  // Azure body: {"error":{"code","message","innererror":{"code","content_filter_result"}}}
  std::string inner_code;
  boost::system::error_code ec;
  const auto root = json::parse(body, ec);
  if (!ec && root.is_object()) {
    if (const auto* err = root.get_object().if_contains("error"); err && err->is_object()) {
      const auto& eo = err->get_object();
      if (const auto* c = eo.if_contains("code")) {
        e.upstream_code = c->is_string() ? std::string(c->get_string())
                          : c->is_null() ? std::string()
                                         : json::serialize(*c);
      }
      if (const auto* m = eo.if_contains("message"); m && m->is_string()) {
        e.detail = std::string(m->get_string());
      }
      if (const auto* inner = eo.if_contains("innererror"); inner && inner->is_object()) {
        const auto& io = inner->get_object();
        if (const auto* c = io.if_contains("code"); c && c->is_string()) {
          inner_code = std::string(c->get_string());
        }
        if (const auto* r = io.if_contains("content_filter_result"); r && r->is_object()) {
          for (const auto& kv : r->get_object()) {
            if (kv.key() == "error") continue;
            if (const auto* ko = kv.value().if_object()) {
              if (const auto* f = ko->if_contains("filtered"); f && f->is_bool() && f->get_bool()) {
                e.filter_categories.emplace_back(kv.key());
              }
            }
          }
        }
      }
    }
  } else if (!body.empty()) {
    e.detail = std::string(body.substr(0, 200));
  }

  if (status == 429) {
    e.kind = UpstreamErrorKind::rate_limited;
    e.retryable = true;
    e.user_message = "The AI service is busy right now. Please try again in a moment.";
  } else if (status == 400 && (e.upstream_code == "content_filter" ||
                               inner_code == "ResponsibleAIPolicyViolation")) {
    e.kind = UpstreamErrorKind::content_filter;
    e.user_message = content_filter_request_message(e.filter_categories);
  } else if (status == 401 || status == 403) {
    e.kind = UpstreamErrorKind::auth;
    e.user_message = "Parley could not authenticate to the AI service.";
  } else if (status == 404) {
    e.kind = UpstreamErrorKind::not_found;
    e.user_message = "The configured AI model deployment was not found.";
  } else if (status == 400 || status == 413 || status == 422) {
    e.kind = UpstreamErrorKind::bad_request;
    e.user_message = "The AI service rejected the request.";
  } else if (status >= 500 || status == 408) {
    e.kind = UpstreamErrorKind::server;
    e.retryable = true;
    e.user_message = "The AI service is temporarily unavailable. Please try again.";
  } else {
    e.kind = UpstreamErrorKind::other;
    e.user_message = "The AI service returned an unexpected error.";
  }
  if (e.retryable) e.retry_after_ms = retry_after_ms(headers, now_epoch_seconds);
  return e;
}

const char* kind_name(UpstreamErrorKind kind) {
  switch (kind) {
    case UpstreamErrorKind::rate_limited:
      return "rate_limited";
    case UpstreamErrorKind::content_filter:
      return "content_filter";
    case UpstreamErrorKind::auth:
      return "auth";
    case UpstreamErrorKind::not_found:
      return "not_found";
    case UpstreamErrorKind::bad_request:
      return "bad_request";
    case UpstreamErrorKind::server:
      return "server";
    case UpstreamErrorKind::other:
      return "other";
  }
  return "other";
}

Error to_error(const UpstreamError& e) {
  std::string detail = "status " + std::to_string(e.status);
  if (!e.upstream_code.empty()) detail += " code " + e.upstream_code;
  if (!e.detail.empty()) detail += ": " + e.detail;
  switch (e.kind) {
    case UpstreamErrorKind::rate_limited:
      return make_error(errc::llm::rate_limited, std::move(detail));
    case UpstreamErrorKind::content_filter:
      return make_error(errc::llm::content_filter, std::move(detail));
    case UpstreamErrorKind::auth:
      return make_error(errc::llm::auth, std::move(detail));
    case UpstreamErrorKind::not_found:
      return make_error(errc::llm::not_found, std::move(detail));
    case UpstreamErrorKind::bad_request:
      return make_error(errc::llm::bad_request, std::move(detail));
    case UpstreamErrorKind::server:
      return make_error(errc::llm::unavailable, std::move(detail));
    case UpstreamErrorKind::other:
      break;
  }
  return make_error(errc::llm::upstream_error, std::move(detail));
}

}  // namespace parley::llm
