#include "admin/usage_query.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "admin/errors.hpp"

namespace parley::admin {

namespace {

Error bad(std::string message) {
  return make_public_error(errc::admin::bad_query, std::move(message));
}

std::string csv_field(std::string_view s) {
  std::string v;
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    v += '\'';
  }
  v += s;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string_view to_string(UsageGroup g) {
  switch (g) {
    case UsageGroup::day:
      return "day";
    case UsageGroup::user:
      return "user";
    case UsageGroup::model:
      return "model";
    case UsageGroup::app:
      return "app";
  }
  return "day";
}

std::optional<std::int64_t> parse_day(std::string_view s) {
  using namespace std::chrono;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (s[i] - '0');
    }
  }
  const year_month_day ymd{year{parts[0]}, month{static_cast<unsigned>(parts[1])},
                           day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok() || parts[0] < 1970) return std::nullopt;
  return sys_days(ymd).time_since_epoch().count();
}

std::string utc_day(std::int64_t epoch_seconds) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(sys_seconds(seconds(epoch_seconds)))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<UsageQuery> parse_usage_query(const QueryParam& param) {
  UsageQuery q;
  auto from = param("from");
  auto to = param("to");
  if (!from || !to) return bad("from and to are required (YYYY-MM-DD)");
  const auto from_day = parse_day(*from);
  const auto to_day = parse_day(*to);
  if (!from_day) return bad("from must be a date YYYY-MM-DD");
  if (!to_day) return bad("to must be a date YYYY-MM-DD");
  if (*from_day > *to_day) return bad("from must not be after to");
  if (*to_day - *from_day >= kUsageMaxDays) return bad("the range must be at most 366 days");
  q.from = *from;
  q.to = *to;
  if (auto g = param("group_by"); g && !g->empty()) {
    if (*g == "day")
      q.group_by = UsageGroup::day;
    else if (*g == "user")
      q.group_by = UsageGroup::user;
    else if (*g == "model")
      q.group_by = UsageGroup::model;
    else if (*g == "app")
      q.group_by = UsageGroup::app;
    else
      return bad("group_by must be day, user, model or app");
  }
  if (auto f = param("format"); f && !f->empty()) {
    if (*f == "csv")
      q.csv = true;
    else if (*f != "json")
      return bad("format must be json or csv");
  }
  return q;
}

std::string usage_json(const std::vector<UsageRow>& rows) {
  boost::json::array items;
  items.reserve(rows.size());
  for (const auto& r : rows) {
    items.push_back(boost::json::object{{"key", r.key},
                                        {"prompt_tokens", r.prompt_tokens},
                                        {"completion_tokens", r.completion_tokens},
                                        {"messages", r.messages}});
  }
  return boost::json::serialize(boost::json::object{{"rows", std::move(items)}});
}

std::string usage_csv(const std::vector<UsageRow>& rows) {
  std::string out = "key,prompt_tokens,completion_tokens,messages\r\n";
  for (const auto& r : rows) {
    out += csv_field(r.key);
    out += ',' + std::to_string(r.prompt_tokens) + ',' + std::to_string(r.completion_tokens) + ',' +
           std::to_string(r.messages) + "\r\n";
  }
  return out;
}

}  // namespace parley::admin
