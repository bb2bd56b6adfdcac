#include "admin/user_query.hpp"

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

TEST(UserQuery, DefaultsWhenNothingIsGiven) {
  auto q = parse_user_query(from({}));
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->pattern);
  EXPECT_EQ(q->status, UserStatus::any);
  EXPECT_EQ(q->limit, kUsersPageDefault);
  EXPECT_FALSE(q->after);
}

TEST(UserQuery, TheSearchIsALiteralSubstring) {
  auto q = parse_user_query(from({{"q", "50%_off\\"}}));
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->pattern, "%50\\%\\_off\\\\%");
  EXPECT_EQ(like_substring_pattern("Ada"), "%Ada%");
}

TEST(UserQuery, RefusesWhatDoesNotValidate) {
  for (auto bad : std::vector<std::map<std::string, std::string>>{{{"status", "asleep"}},
                                                                  {{"limit", "0"}},
                                                                  {{"limit", "201"}},
                                                                  {{"limit", "12x"}},
                                                                  {{"limit", "99999999999"}},
                                                                  {{"cursor", "not-a-cursor"}},
                                                                  {{"q", std::string(201, 'a')}},
                                                                  {{"q",
                                                                    "a\x1f"
                                                                    "b"}},
                                                                  {{"q", "line\nbreak"}}}) {
    auto q = parse_user_query(from(bad));
    ASSERT_FALSE(q) << bad.begin()->first;
    EXPECT_TRUE(q.error().is(errc::admin::bad_query));
    EXPECT_FALSE(q.error().public_message.empty());
  }
}

TEST(UserQuery, StatusAndLimit) {
  auto q = parse_user_query(from({{"status", "disabled"}, {"limit", "200"}}));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, UserStatus::disabled);
  EXPECT_EQ(q->limit, 200);
  EXPECT_EQ(parse_user_query(from({{"status", "active"}}))->status, UserStatus::active);
}

TEST(UserQuery, TheCursorRoundTripsAndRefusesTampering) {
  UserCursor c{"2026-11-29 06:51:15.123456+00", "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1c2"};
  const std::string text = encode_user_cursor(c);
  auto back = decode_user_cursor(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->created_at, c.created_at);
  EXPECT_EQ(back->id, c.id);
  auto q = parse_user_query(from({{"cursor", text}}));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->after->id, c.id);
  // A cursor whose timestamp carries SQL is refused, not passed on.
  EXPECT_FALSE(decode_user_cursor(encode_user_cursor({"2026-01-01'; DROP TABLE users; --", c.id})));
  EXPECT_FALSE(decode_user_cursor(encode_user_cursor({c.created_at, "not-a-uuid"})));
}

TEST(UserQuery, Uuids) {
  EXPECT_TRUE(is_uuid("6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1c2"));
  EXPECT_TRUE(is_uuid("6F1C2A3B-0D4E-4F5A-9B6C-7D8E9FA0B1C2"));
  EXPECT_FALSE(is_uuid("6f1c2a3b0d4e4f5a9b6c7d8e9fa0b1c2"));
  EXPECT_FALSE(is_uuid("6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1cz"));
}

TEST(QuotaBody, BothKeysNullMeansDefault) {
  auto q = parse_quota_body(R"({"daily_tokens":null,"concurrent_streams":null})");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->daily_tokens);
  EXPECT_FALSE(q->concurrent_streams);
  q = parse_quota_body(R"({"daily_tokens":100000,"concurrent_streams":5})");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->daily_tokens, 100000);
  EXPECT_EQ(*q->concurrent_streams, 5);
}

TEST(QuotaBody, RefusesWhatDoesNotValidate) {
  for (const char* body :
       {"", "[]", "{}", R"({"daily_tokens":1})", R"({"daily_tokens":-1,"concurrent_streams":1})",
        R"({"daily_tokens":1.5,"concurrent_streams":1})",
        R"({"daily_tokens":"1","concurrent_streams":1})",
        R"({"daily_tokens":1,"concurrent_streams":1001})",
        R"({"daily_tokens":1,"concurrent_streams":1,"x":1})"}) {
    auto q = parse_quota_body(body);
    ASSERT_FALSE(q) << body;
    EXPECT_TRUE(q.error().is(errc::admin::bad_body));
  }
}

}  // namespace
}  // namespace parley::admin
