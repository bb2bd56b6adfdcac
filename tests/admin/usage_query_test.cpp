#include "admin/usage_query.hpp"

#include <gtest/gtest.h>

#include <map>

#include "admin/errors.hpp"

namespace parley::admin {
namespace {

QueryParam from(std::map<std::string, std::string> m) {
  return [m = std::move(m)](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(UsageQuery, ParsesARange) {
  auto q = parse_usage_query(
      from({{"from", "2026-01-01"}, {"to", "2026-01-31"}, {"group_by", "model"}}));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->from, "2026-01-01");
  EXPECT_EQ(q->to, "2026-01-31");
  EXPECT_EQ(q->group_by, UsageGroup::model);
  EXPECT_FALSE(q->csv);
  q = parse_usage_query(from({{"from", "2026-01-01"}, {"to", "2026-01-01"}, {"format", "csv"}}));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->group_by, UsageGroup::day);
  EXPECT_TRUE(q->csv);
}

TEST(UsageQuery, RefusesWhatDoesNotValidate) {
  for (auto bad : std::vector<std::map<std::string, std::string>>{
           {},
           {{"from", "2026-01-01"}},
           {{"from", "2026-02-30"}, {"to", "2026-03-01"}},
           {{"from", "2026-1-01"}, {"to", "2026-03-01"}},
           {{"from", "2026-03-02"}, {"to", "2026-03-01"}},
           {{"from", "2024-01-01"}, {"to", "2025-01-01"}},
           {{"from", "2026-01-01"}, {"to", "2026-01-02"}, {"group_by", "tenant"}},
           {{"from", "2026-01-01"}, {"to", "2026-01-02"}, {"format", "xml"}}}) {
    auto q = parse_usage_query(from(bad));
    ASSERT_FALSE(q);
    EXPECT_TRUE(q.error().is(errc::admin::bad_query));
  }
  // 366 days (a leap year) is the longest range.
  EXPECT_TRUE(parse_usage_query(from({{"from", "2024-01-01"}, {"to", "2024-12-31"}})));
}

TEST(UsageQuery, Days) {
  EXPECT_EQ(*parse_day("1970-01-01"), 0);
  EXPECT_EQ(*parse_day("2024-02-29"), 19782);
  EXPECT_FALSE(parse_day("2023-02-29"));
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(1'709'251'199), "2024-02-29");  // 23:59:59 UTC
  EXPECT_EQ(utc_day(1'709'251'200), "2024-03-01");
}

TEST(UsageReport, JsonAndCsv) {
  std::vector<UsageRow> rows = {
      {"2026-01-01", 10, 2, 1}, {"gpt,\"4\"", 5, 1, 1}, {"=HYPERLINK(\"x\")", 1, 1, 1}};
  EXPECT_EQ(
      usage_json({rows[0]}),
      R"({"rows":[{"key":"2026-01-01","prompt_tokens":10,"completion_tokens":2,"messages":1}]})");
  EXPECT_EQ(usage_csv(rows),
            "key,prompt_tokens,completion_tokens,messages\r\n"
            "2026-01-01,10,2,1\r\n"
            "\"gpt,\"\"4\"\"\",5,1,1\r\n"
            "\"'=HYPERLINK(\"\"x\"\")\",1,1,1\r\n");
  EXPECT_EQ(usage_csv({}), "key,prompt_tokens,completion_tokens,messages\r\n");
}

}  // namespace
}  // namespace parley::admin
