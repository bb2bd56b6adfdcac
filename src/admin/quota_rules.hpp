#pragma once
// The quota rules (pure; `now` is a parameter): the effective limits of a
// subject and whether a new answer may start.

#include <cstdint>
#include <optional>

#include "core/result.hpp"

namespace parley::admin {

struct QuotaDefaults {
  std::int64_t daily_tokens = 0;        // PARLEY_QUOTA_DAILY_TOKENS; 0 = unlimited
  std::int64_t concurrent_streams = 3;  // PARLEY_QUOTA_CONCURRENT_STREAMS
};

// A subject's overrides (nullopt = the default).
struct QuotaSettings {
  std::optional<std::int64_t> daily_tokens;
  std::optional<std::int64_t> concurrent_streams;
};

struct EffectiveQuota {
  std::int64_t daily_tokens = 0;  // 0 = unlimited
  std::int64_t concurrent_streams = 0;
};
EffectiveQuota effective_quota(const QuotaDefaults& defaults, const QuotaSettings& settings);

// Seconds from `now` to the next UTC midnight (1..86400).
std::int64_t seconds_to_next_utc_midnight(std::int64_t now_epoch_seconds);

// Seconds a caller refused for concurrency is asked to wait: streams end
// at an unknown time, so a short, fixed hint.
inline constexpr std::int64_t kConcurrentRetryAfter = 5;

enum class QuotaLimit { daily_tokens, concurrent_streams };

struct QuotaDenial {
  QuotaLimit limit;
  std::int64_t retry_after = 0;  // seconds
};

// Whether one more answer may start: `used_today` tokens counted today
// (UTC), `open_streams` answers of the subject streaming now (this one not
// included). nullopt: allowed.
std::optional<QuotaDenial> check_quota(const EffectiveQuota& quota, std::int64_t used_today,
                                       std::int64_t open_streams, std::int64_t now_epoch_seconds);

// The error of a denial (errc::admin::quota_*), and the Retry-After seconds
// of such an error at `now` (nullopt for any other error).
Error quota_error(const QuotaDenial& denial);
std::optional<std::int64_t> quota_retry_after(const Error& e, std::int64_t now_epoch_seconds);

}  // namespace parley::admin
