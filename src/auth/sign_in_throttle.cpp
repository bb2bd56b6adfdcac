#include "auth/sign_in_throttle.hpp"

#include <algorithm>
#include <utility>

namespace parley::auth {

double SignInThrottle::refilled(const Bucket& b, TimePoint now) const {
  const double seconds = std::chrono::duration<double>(now - b.updated).count();
  return std::min(limits_.burst, b.tokens + std::max(0.0, seconds) * limits_.refill_per_second);
}

bool SignInThrottle::admit(std::string_view ip, TimePoint now) {
  const auto it = buckets_.find(std::string(ip));
  return it == buckets_.end() || refilled(it->second, now) >= 1.0;
}

void SignInThrottle::failed(std::string_view ip, TimePoint now) {
  auto it = buckets_.find(std::string(ip));
  if (it == buckets_.end()) {
    make_room(now);
    it = buckets_.emplace(std::string(ip), Bucket{limits_.burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::max(0.0, refilled(b, now) - 1.0);
  b.updated = now;
}

void SignInThrottle::make_room(TimePoint now) {
  if (buckets_.size() < limits_.max_tracked_ips) return;
  // Forget the IPs whose bucket has refilled: they are as good as new.
  std::erase_if(buckets_,
                [&](const auto& kv) { return refilled(kv.second, now) >= limits_.burst; });
  // Still full (failures from more IPs than we track): start over rather
  // than grow. The per-process audit budget keeps bounding the database.
  if (buckets_.size() >= limits_.max_tracked_ips) buckets_.clear();
}

bool SignInThrottle::may_audit(TimePoint now) {
  if (now - audit_window_start_ >= std::chrono::minutes(1) || now < audit_window_start_) {
    audit_window_start_ = now;
    audited_in_window_ = 0;
  }
  if (audited_in_window_ < limits_.audit_per_minute) {
    ++audited_in_window_;
    return true;
  }
  ++suppressed_;
  return false;
}

std::int64_t SignInThrottle::take_suppressed() { return std::exchange(suppressed_, 0); }

}  // namespace parley::auth
