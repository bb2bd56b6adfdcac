#pragma once
// The quota check of a new answer (POST .../messages and .../regenerate),
// run by the chat turn inside its transaction right before COMMIT (its
// refusal rolls the turn back: nothing is stored, nothing sent upstream). Across replicas: see db/stream_quota_repo.hpp and decision
// 0012-users-usage-quotas.

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "admin/quota_rules.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {
class Lease;
}

namespace parley::admin {

class QuotaGate {
 public:
  QuotaGate(QuotaDefaults defaults, const Clock& clock, std::chrono::seconds stream_lease)
      : defaults_(defaults), clock_(clock), stream_lease_(stream_lease) {}

  // Ok: the answer may start (the user's lock is held until the caller's
  // transaction ends). errc::admin::quota_* when a limit is reached.
  boost::asio::awaitable<Status> admit(db::Lease& tx, const db::UserId& user) const;

 private:
  QuotaDefaults defaults_;
  const Clock& clock_;
  std::chrono::seconds stream_lease_;
};

}  // namespace parley::admin
