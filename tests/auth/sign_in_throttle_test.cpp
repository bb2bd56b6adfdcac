// SignInThrottle on simulated time: per-IP failure buckets, the per-minute
// audit budget and the bound on tracked IPs.

#include "auth/sign_in_throttle.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::auth {
namespace {

using namespace std::chrono_literals;
using TimePoint = SignInThrottle::TimePoint;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));

SignInThrottleLimits limits(double burst, double refill_per_second, std::size_t max_ips = 10'000,
                            std::int64_t audit_per_minute = 300) {
  SignInThrottleLimits l;
  l.burst = burst;
  l.refill_per_second = refill_per_second;
  l.max_tracked_ips = max_ips;
  l.audit_per_minute = audit_per_minute;
  return l;
}

TEST(SignInThrottle, AnIpIsRefusedOnceItsFailuresAreUsedUpAndAdmittedAsTheyRefill) {
  SignInThrottle t(limits(5, 1.0 / 10));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(t.admit("198.51.100.7", kStart)) << i;
    t.failed("198.51.100.7", kStart);
  }
  EXPECT_FALSE(t.admit("198.51.100.7", kStart));
  EXPECT_FALSE(t.admit("198.51.100.7", kStart + 9s));
  EXPECT_TRUE(t.admit("198.51.100.7", kStart + 10s)) << "one more after the refill interval";
  t.failed("198.51.100.7", kStart + 10s);
  EXPECT_FALSE(t.admit("198.51.100.7", kStart + 10s));
  EXPECT_TRUE(t.admit("203.0.113.9", kStart)) << "other IPs are not affected";
}

TEST(SignInThrottle, SuccessesCostNothingOnlyFailuresCount) {
  SignInThrottle t(limits(2, 0));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(t.admit("198.51.100.7", kStart));
  t.failed("198.51.100.7", kStart);
  EXPECT_TRUE(t.admit("198.51.100.7", kStart));
  t.failed("198.51.100.7", kStart);
  EXPECT_FALSE(t.admit("198.51.100.7", kStart));
}

TEST(SignInThrottle, TheAuditBudgetLimitsRowsPerMinuteAndCountsTheRest) {
  SignInThrottle t(limits(60, 1, 10'000, 3));
  EXPECT_TRUE(t.may_audit(kStart));
  EXPECT_TRUE(t.may_audit(kStart + 10s));
  EXPECT_TRUE(t.may_audit(kStart + 20s));
  EXPECT_FALSE(t.may_audit(kStart + 30s));
  EXPECT_FALSE(t.may_audit(kStart + 59s));
  EXPECT_EQ(t.take_suppressed(), 2);
  EXPECT_EQ(t.take_suppressed(), 0) << "taken once";
  EXPECT_TRUE(t.may_audit(kStart + 60s)) << "a new minute, a new budget";
}

TEST(SignInThrottle, TrackedIpsStayBoundedAndRefilledOnesAreForgottenFirst) {
  SignInThrottle t(limits(3, 1, 100));
  for (int i = 0; i < 100; ++i) t.failed("10.0.0." + std::to_string(i), kStart);
  EXPECT_EQ(t.tracked_ips(), 100u);
  // Later, all of them have refilled: room is made by forgetting them.
  t.failed("10.0.1.1", kStart + 10s);
  EXPECT_EQ(t.tracked_ips(), 1u);
  // Failures from more IPs than tracked, at once: the table never grows past its bound.
  for (int i = 0; i < 1000; ++i) {
    t.failed("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), kStart + 11s);
    ASSERT_LE(t.tracked_ips(), 100u);
  }
}

TEST(SignInThrottle, AClockGoingBackwardsNeitherRefillsNorBreaksTheBudget) {
  SignInThrottle t(limits(1, 1, 10'000, 1));
  t.failed("198.51.100.7", kStart);
  EXPECT_FALSE(t.admit("198.51.100.7", kStart - 3600s));
  EXPECT_TRUE(t.may_audit(kStart));
  EXPECT_TRUE(t.may_audit(kStart - 3600s)) << "a new window starts, never a negative one";
}

}  // namespace
}  // namespace parley::auth
