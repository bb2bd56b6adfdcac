// Quotas through two real parley processes on one database: the
// concurrent-streams limit and the daily token budget hold across replicas,
// a refused post answers 429 quota_exceeded with Retry-After and stores
// nothing, max_tokens goes upstream, and answers are counted in
// usage_daily. Uses the "heavy" user, whose quota rows it removes again.

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <thread>

#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kHeavy = "heavy@example.com";

class ChatQuotaE2E : public ChatE2E {
 protected:
  void TearDown() override { sql_scalar("DELETE FROM quotas RETURNING 1"); }
  std::string user_id(ChatClient& c) {
    return std::string(
        json::parse(call(c, "GET", "/api/auth/session").body).at("user").at("id").as_string());
  }
  // A post whose whole answer (status and headers) is kept: 429s carry Retry-After.
  static HttpResult post_raw(ChatClient& c, const std::string& path, const std::string& body) {
    return c.browser.post(path, body, "application/json",
                          {{"Origin", c.browser.origin()}, {"X-CSRF-Token", c.csrf}});
  }
};

TEST_F(ChatQuotaE2E, TheConcurrentStreamsLimitHoldsAcrossReplicas) {
  auto replica = start_second_parley();
  ChatClient a = sign_in(kHeavy);
  ChatClient b = sign_in(kHeavy, replica->port());
  const std::string id = user_id(a);
  sql_scalar(
      "INSERT INTO quotas (subject_kind, subject, concurrent_streams)"
      " VALUES ('user', '" +
      id + "', 2) RETURNING 1");
  // Answers that stall after their first chunk, until stopped.
  ASSERT_EQ(
      aoai().behaviour(R"({"chunks":3,"first_token_delay_ms":0,"cut_after":1,"fault":"stall"})"),
      200);
  std::vector<std::string> conversations;
  for (int i = 0; i < 3; ++i) conversations.push_back(create_conversation(a));
  std::atomic<int> started{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&, i] {
      ChatClient c = i == 0 ? a : b;
      (void)stream(c, "/api/conversations/" + conversations[i] + "/messages",
                   R"({"content":"hold"})", [&](const SseEvent& e) {
                     if (e.name == "start") ++started;
                     return true;
                   });
    });
  }
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }, 10s));

  // The third, on either replica: 429 before anything is stored.
  for (ChatClient* c : {&a, &b}) {
    const HttpResult refused = post_raw(*c, "/api/conversations/" + conversations[2] + "/messages",
                                        R"({"content":"third"})");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_EQ(json::parse(refused.body).at("error").at("code").as_string(), "quota_exceeded");
    EXPECT_EQ(refused.header("retry-after"), "5");
  }
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM messages WHERE conversation_id = '" +
                       conversations[2] + "'"),
            "0");

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(call(i == 0 ? a : b, "POST", "/api/conversations/" + conversations[i] + "/stop", "{}")
                  .status,
              202);
  }
  for (auto& t : readers) t.join();
  // Slots are free again: the post streams.
  ASSERT_EQ(aoai().reset(), 200);
  StreamResult ok =
      stream(b, "/api/conversations/" + conversations[2] + "/messages", R"({"content":"now"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  ASSERT_NE(ok.last("done"), nullptr) << ok.body;
}

TEST_F(ChatQuotaE2E, FiftyConcurrentPostsOverTwoReplicasStayWithinTheBudgetBound) {
  auto replica = start_second_parley();
  ChatClient a = sign_in(kHeavy);
  ChatClient b = sign_in(kHeavy, replica->port());
  const std::string id = user_id(a);
  // One token left today, at most 5 answers at once: the budget runs out
  // with the first stored answer, so at most the 5 in flight by then exist.
  const std::string used = sql_scalar(
      "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
      " WHERE subject = '" +
      id + "' AND day = (now() AT TIME ZONE 'UTC')::date");
  sql_scalar(
      "INSERT INTO quotas (subject_kind, subject, daily_tokens, concurrent_streams)"
      " VALUES ('user', '" +
      id + "', " + std::to_string(std::stoll(used) + 1) + ", 5) RETURNING 1");
  std::vector<std::string> conversations;
  for (int i = 0; i < 50; ++i) conversations.push_back(create_conversation(i % 2 ? b : a));

  std::atomic<int> answered{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> posts;
  for (int i = 0; i < 50; ++i) {
    posts.emplace_back([&, i] {
      ChatClient c = i % 2 ? b : a;
      const HttpResult r = post_raw(c, "/api/conversations/" + conversations[i] + "/messages",
                                    R"({"content":"go"})");
      if (r.status == 200) {
        ++answered;
      } else if (r.status == 429 && r.body.find("quota_exceeded") != std::string::npos) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : posts) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(answered.load(), 1);
  EXPECT_LE(answered.load(), 5);
  EXPECT_EQ(answered.load() + refused.load(), 50);
  // Refused posts stored nothing.
  std::string ids;
  for (const auto& c : conversations) ids += (ids.empty() ? "'" : ",'") + c + "'";
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM messages WHERE user_id = '" + id +
                       "' AND conversation_id IN (" + ids + ")"),
            std::to_string(2 * answered.load()));

  // Now over budget: refused until the next UTC midnight.
  const HttpResult after =
      post_raw(a, "/api/conversations/" + conversations[0] + "/messages", R"({"content":"more"})");
  EXPECT_EQ(after.status, 429);
  ASSERT_FALSE(after.header("retry-after").empty());
  const long long retry = std::stoll(after.header("retry-after"));
  const long long to_midnight = std::stoll(sql_scalar(
      "SELECT extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day'"
      " - (now() AT TIME ZONE 'UTC'))::bigint"));
  EXPECT_LE(std::abs(retry - to_midnight), 5) << retry << " vs " << to_midnight;
}

TEST_F(ChatQuotaE2E, MaxTokensGoesUpstreamAndAnswersAreCounted) {
  ChatClient c = sign_in(kHeavy);
  const std::string id = user_id(c);
  const std::string before =
      sql_scalar("SELECT coalesce(sum(messages), 0) FROM usage_daily WHERE subject = '" + id + "'");
  // Titled already: no title request follows the answer's, so the mock's
  // last request is the answer's.
  StreamResult r =
      stream(c, "/api/conversations/" + create_conversation(c, "Counted") + "/messages",
             R"({"content":"count me"})");
  ASSERT_NE(r.last("done"), nullptr) << r.body;
  const json::value last = json::parse(aoai().stats()).at("last_request");
  EXPECT_EQ(last.at("body").at("max_tokens").as_int64(), 4096);
  EXPECT_EQ(
      sql_scalar("SELECT coalesce(sum(messages), 0) FROM usage_daily WHERE subject = '" + id + "'"),
      std::to_string(std::stoll(before) + 1));
}

}  // namespace
}  // namespace parley::testing
