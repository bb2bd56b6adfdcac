#include "admin/quota_rules.hpp"

#include <gtest/gtest.h>

namespace parley::admin {
namespace {

constexpr std::int64_t kMidnight = 1'767'225'600;  // 2026-01-01T00:00:00Z

TEST(QuotaRules, OverridesReplaceDefaults) {
  const QuotaDefaults d{1000, 3};
  EXPECT_EQ(effective_quota(d, {}).daily_tokens, 1000);
  EXPECT_EQ(effective_quota(d, {}).concurrent_streams, 3);
  EXPECT_EQ(effective_quota(d, {0, std::nullopt}).daily_tokens, 0);
  EXPECT_EQ(effective_quota(d, {std::nullopt, 10}).concurrent_streams, 10);
}

TEST(QuotaRules, SecondsToTheNextUtcMidnight) {
  EXPECT_EQ(seconds_to_next_utc_midnight(kMidnight), 86400);
  EXPECT_EQ(seconds_to_next_utc_midnight(kMidnight - 1), 1);
  EXPECT_EQ(seconds_to_next_utc_midnight(kMidnight + 3600), 82800);
}

TEST(QuotaRules, TheDailyBudget) {
  const EffectiveQuota q{1000, 3};
  EXPECT_FALSE(check_quota(q, 999, 0, kMidnight + 60));
  auto denied = check_quota(q, 1000, 0, kMidnight + 60);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->limit, QuotaLimit::daily_tokens);
  EXPECT_EQ(denied->retry_after, 86400 - 60);
  // 0 = unlimited.
  EXPECT_FALSE(check_quota({0, 3}, 1'000'000'000, 0, kMidnight));
}

TEST(QuotaRules, ConcurrentStreams) {
  const EffectiveQuota q{0, 2};
  EXPECT_FALSE(check_quota(q, 0, 1, kMidnight));
  auto denied = check_quota(q, 0, 2, kMidnight);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->limit, QuotaLimit::concurrent_streams);
  EXPECT_EQ(denied->retry_after, kConcurrentRetryAfter);
}

}  // namespace
}  // namespace parley::admin
