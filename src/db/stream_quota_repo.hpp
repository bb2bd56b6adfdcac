#pragma once
// What the quota check of a new answer reads, inside the turn's
// transaction and under the user's lock (decision 0012-users-usage-quotas).
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>

#include "core/result.hpp"
#include "db/ids.hpp"
#include "db/usage_repo.hpp"

namespace parley::db {

class Lease;

struct QuotaState {
  // The user's answers streaming now and live /v1 slots (both within the lease).
  std::int64_t open_streams = 0;
  std::int64_t used_today = 0;    // tokens counted today (UTC)
  QuotaRow overrides;
};

// Takes the user's transaction-level advisory lock (held until the caller's
// COMMIT or ROLLBACK: a second turn of the same user, on any replica, waits
// here until the first one's 'streaming' row is committed, so the count it
// reads includes it), then reads the user's open streams, today's tokens and
// the quota overrides. `stream_lease`: a 'streaming' row not written for
// longer belongs to a dead process and does not count.
boost::asio::awaitable<Result<QuotaState>> lock_quota_state(Lease& tx, const UserId& user,
                                                            std::chrono::seconds stream_lease);

}  // namespace parley::db
