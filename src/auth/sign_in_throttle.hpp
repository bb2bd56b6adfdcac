#pragma once
// What unauthenticated sign-in failures may cost. A flood of bogus
// callbacks (forged or replayed state, garbage codes) must neither write one
// audit row each nor reach the token endpoint:
//  - per client IP (as seen through AUTH_TRUST_HOST), failures draw from a
//    token bucket; an IP that has used it up is refused before any work
//    (no cookie opened, no query, no token request, no audit row);
//  - per process, at most `audit_per_minute` failures are written to the
//    audit trail each minute; the rest are counted and summarised in one
//    row per minute (take_suppressed()).
// Pure: time is a parameter. Not thread-safe (the server's one thread).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::auth {

struct SignInThrottleLimits {
  double burst = 60;               // failures an IP may have in a row
  double refill_per_second = 1.0;  // then one more a second (60 a minute)
  std::size_t max_tracked_ips = 10'000;
  std::int64_t audit_per_minute = 300;
};

class SignInThrottle {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  explicit SignInThrottle(SignInThrottleLimits limits = {}) : limits_(limits) {}

  // False when `ip` has no failures left: refuse the callback unprocessed.
  bool admit(std::string_view ip, TimePoint now);
  // A callback from `ip` failed.
  void failed(std::string_view ip, TimePoint now);
  // Whether one more failure may be written to the audit trail this minute;
  // when not, it is counted as suppressed.
  bool may_audit(TimePoint now);
  // Failures not written since the last call, and resets the count.
  std::int64_t take_suppressed();

  std::size_t tracked_ips() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };
  double refilled(const Bucket& b, TimePoint now) const;
  void make_room(TimePoint now);

  SignInThrottleLimits limits_;
  std::unordered_map<std::string, Bucket> buckets_;
  TimePoint audit_window_start_{};
  std::int64_t audited_in_window_ = 0;
  std::int64_t suppressed_ = 0;
};

}  // namespace parley::auth
