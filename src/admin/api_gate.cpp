#include "admin/api_gate.hpp"

#include "admin/errors.hpp"
#include "db/audit_repo.hpp"
#include "db/pool.hpp"

namespace parley::admin {

namespace asio = boost::asio;

asio::awaitable<Result<ApiSlot>> ApiGate::admit(const ApiCaller& caller, const std::string& model) {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  db::Lease& tx = *lease;
  // Two round trips: the registration, lock and quota state, then the slot
  // (or the refusal's audit row) with COMMIT. Any error leaves the
  // transaction open: the lease then closes the connection, which rolls it
  // back (db/pool.hpp).
  db::ApiCallerKey key{caller.application, caller.client_id, caller.tenant_id,
                       caller.object_id,   caller.name,      caller.email};
  auto admission = co_await db::open_api_admission(tx, key, lease_);
  if (!admission) co_return admission.error();
  ApiSlot slot;
  slot.subject = admission->subject;
  std::optional<Error> refusal;
  std::optional<std::string> slot_model;
  std::optional<db::AuditEntry> audit;
  if (admission->disabled) {
    refusal =
        make_error(caller.application ? errc::admin::app_disabled : errc::admin::api_user_disabled);
    if (should_audit_refusal(slot.subject)) {
      audit.emplace();
      audit->type = "api.refused";
      if (!caller.application) audit->subject = db::UserId{slot.subject.id};
      audit->detail["caller_kind"] = slot.subject.kind;
      audit->detail["caller"] = slot.subject.id;
      audit->detail["client_id"] = caller.client_id;
      audit->detail["model"] = model;
      audit->detail["reason"] = refusal->code;
    }
  } else {
    const db::ApiQuotaState& state = admission->state;
    const EffectiveQuota quota = effective_quota(
        defaults_,
        QuotaSettings{state.overrides.daily_tokens, state.overrides.concurrent_streams});
    if (auto denied = check_quota(quota, state.used_today, state.open_streams,
                                  clock_.now_seconds())) {
      refusal = quota_error(*denied);
    } else {
      slot_model = model;
    }
  }
  auto closed = co_await db::close_api_admission(tx, slot.subject, slot_model, audit);
  if (!closed) co_return closed.error();
  if (refusal) co_return *refusal;
  slot.stream_id = std::move(*closed);
  co_return slot;
}

bool ApiGate::should_audit_refusal(const db::Subject& subject) {
  const std::int64_t now = clock_.now_seconds();
  if (last_refusal_audit_.size() > kRefusalAuditMemory) last_refusal_audit_.clear();
  auto [it, inserted] = last_refusal_audit_.try_emplace(subject.kind + ":" + subject.id, now);
  if (!inserted && now - it->second < kRefusalAuditEverySeconds) return false;
  it->second = now;
  return true;
}

asio::awaitable<Status> ApiGate::renew(const ApiSlot& slot) {
  co_return co_await db::renew_api_stream(pool_, slot.stream_id);
}

asio::awaitable<Status> ApiGate::end(const db::ApiCallEnd& end) {
  co_return co_await db::finish_api_call(pool_, end);
}

asio::awaitable<Result<std::vector<db::AppRow>>> ApiGate::list_apps() {
  // Applications are few (each is an app registration granted the API
  // role): one page, no cursor.
  co_return co_await db::list_apps(pool_, 1000);
}

asio::awaitable<Result<std::optional<db::AppRow>>> ApiGate::set_app_disabled(db::UserId actor,
                                                                             std::string ip,
                                                                             std::string request_id,
                                                                             std::string client_id,
                                                                             bool disabled) {
  db::AuditEntry audit;
  audit.type = disabled ? "app.disabled" : "app.enabled";
  audit.actor = std::move(actor);
  audit.ip = std::move(ip);
  audit.detail["request_id"] = request_id;
  co_return co_await db::set_app_disabled(pool_, client_id, disabled, std::move(audit));
}

}  // namespace parley::admin
