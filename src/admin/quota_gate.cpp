#include "admin/quota_gate.hpp"

#include "db/stream_quota_repo.hpp"

namespace parley::admin {

boost::asio::awaitable<Status> QuotaGate::admit(db::Lease& tx, const db::UserId& user) const {
  auto state = co_await db::lock_quota_state(tx, user, stream_lease_);
  if (!state) co_return state.error();
  const EffectiveQuota quota = effective_quota(
      defaults_, QuotaSettings{state->overrides.daily_tokens, state->overrides.concurrent_streams});
  // The turn's own 'streaming' row is in the count: admit runs after the
  // insert, right before COMMIT (db/messages_repo.hpp).
  const std::int64_t others = state->open_streams > 0 ? state->open_streams - 1 : 0;
  if (auto denied = check_quota(quota, state->used_today, others, clock_.now_seconds())) {
    co_return quota_error(*denied);
  }
  co_return Status{};
}

}  // namespace parley::admin
