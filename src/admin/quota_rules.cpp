#include "admin/quota_rules.hpp"

#include "admin/errors.hpp"

namespace parley::admin {

EffectiveQuota effective_quota(const QuotaDefaults& defaults, const QuotaSettings& settings) {
  return {settings.daily_tokens.value_or(defaults.daily_tokens),
          settings.concurrent_streams.value_or(defaults.concurrent_streams)};
}

std::int64_t seconds_to_next_utc_midnight(std::int64_t now) {
  constexpr std::int64_t kDay = 86400;
  std::int64_t into_day = now % kDay;
  if (into_day < 0) into_day += kDay;
  return kDay - into_day;
}

std::optional<QuotaDenial> check_quota(const EffectiveQuota& quota, std::int64_t used_today,
                                       std::int64_t open_streams, std::int64_t now) {
  if (quota.daily_tokens > 0 && used_today >= quota.daily_tokens) {
    return QuotaDenial{QuotaLimit::daily_tokens, seconds_to_next_utc_midnight(now)};
  }
  if (open_streams >= quota.concurrent_streams) {
    return QuotaDenial{QuotaLimit::concurrent_streams, kConcurrentRetryAfter};
  }
  return std::nullopt;
}

Error quota_error(const QuotaDenial& denial) {
  return make_error(denial.limit == QuotaLimit::daily_tokens
                        ? errc::admin::quota_daily_tokens
                        : errc::admin::quota_concurrent_streams);
}

std::optional<std::int64_t> quota_retry_after(const Error& e, std::int64_t now) {
  if (e.is(errc::admin::quota_daily_tokens)) return seconds_to_next_utc_midnight(now);
  if (e.is(errc::admin::quota_concurrent_streams)) return kConcurrentRetryAfter;
  return std::nullopt;
}

}  // namespace parley::admin
