#include "db/stream_quota_repo.hpp"

#include "db/batch.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace {

// A key space of its own ("parley.quota:" + user id) for the 64-bit
// advisory lock; a hash collision only serialises two users' turn starts.
constexpr Statement kLock{
    "quota_lock_user",
    "SELECT pg_advisory_xact_lock(hashtextextended('parley.quota:' || $1::text, 0))"};

// A user's streams on both surfaces count against one limit: answers
// streaming in the chat and live /v1 slots of their delegated calls (the
// /v1 gate counts both as well, db/api_calls_repo.cpp).
constexpr Statement kState{
    "quota_state",
    "SELECT (SELECT count(*) FROM messages WHERE user_id = ($1::text)::uuid"
    "          AND status = 'streaming' AND updated_at > now() - make_interval(secs => $2::bigint))"
    "  + (SELECT count(*) FROM api_streams WHERE subject_kind = 'user' AND subject = $1::text"
    "       AND renewed_at > now() - make_interval(secs => $2::bigint)),"
    " (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
    "   WHERE subject_kind = 'user' AND subject = $1::text"
    "     AND day = (now() AT TIME ZONE 'UTC')::date),"
    " q.daily_tokens, q.concurrent_streams"
    " FROM (SELECT 1) one LEFT JOIN quotas q ON q.subject_kind = 'user' AND q.subject = $1::text"};

}  // namespace

boost::asio::awaitable<Result<QuotaState>> lock_quota_state(Lease& tx, const UserId& user,
                                                            std::chrono::seconds stream_lease) {
  // One round trip: the lock, then the state read with a snapshot taken
  // after it was granted (two steps of one batch, decision 0017). The lock
  // is held to COMMIT, so every round trip saved here is time other posts
  // of the same user do not wait.
  Batch batch;
  Params lock_params{user.value};
  Params state_params{user.value, static_cast<std::int64_t>(stream_lease.count())};
  batch.add(kLock, std::move(lock_params));
  const std::size_t state = batch.add(kState, std::move(state_params));
  auto results = co_await tx.batch(batch);
  if (!results) co_return results.error();
  const Rows& row = (*results)[state];
  QuotaState s;
  s.open_streams = row.int64(0, 0);
  s.used_today = row.int64(0, 1);
  s.overrides.daily_tokens = row.optional_int64(0, 2);
  s.overrides.concurrent_streams = row.optional_int64(0, 3);
  co_return s;
}

}  // namespace parley::db
