#include "admin/api_gate.hpp"

#include "admin/errors.hpp"
#include "db/audit_repo.hpp"
#include "db/errors.hpp"
#include "db/pool.hpp"

namespace parley::admin {

namespace asio = boost::asio;

asio::awaitable<Result<ApiGate::Admitted>> ApiGate::admit(const ApiCaller& caller,
                                                          const std::string& model) {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  // One round trip to the decision: registration, lock, quota state and a
  // slot taken in advance; then COMMIT (admitted, see commit()) or the
  // slot's deletion and the refusal's audit row. Any error leaves the
  // transaction open: the lease then closes the connection, which rolls it
  // back (db/pool.hpp).
  db::ApiCallerKey key{caller.application, caller.client_id, caller.tenant_id,
                       caller.object_id,   caller.name,      caller.email};
  auto admission = co_await db::open_api_admission(*lease, key, lease_, model);
  if (!admission) co_return admission.error();
  Admitted admitted;
  admitted.slot.subject = admission->subject;
  admitted.slot.stream_id = admission->stream_id;
  std::optional<Error> refusal;
  std::optional<db::AuditEntry> audit;
  if (admission->disabled) {
    refusal =
        make_error(caller.application ? errc::admin::app_disabled : errc::admin::api_user_disabled);
    if (should_audit_refusal(admission->subject)) {
      audit = refusal_audit(caller, admission->subject, model, refusal->code);
    }
  } else {
    const db::ApiQuotaState& state = admission->state;
    const EffectiveQuota quota = effective_quota(
        defaults_, QuotaSettings{state.overrides.daily_tokens, state.overrides.concurrent_streams});
    if (auto denied =
            check_quota(quota, state.used_today, state.open_streams, clock_.now_seconds())) {
      refusal = quota_error(*denied);
    }
  }
  if (!refusal) {
    admitted.tx = std::move(*lease);
    co_return admitted;
  }
  auto refused = co_await db::refuse_api_admission(*lease, admission->stream_id, audit);
  if (!refused) co_return refused.error();
  co_return *refusal;
}

asio::awaitable<Status> ApiGate::commit(Admitted& admitted) {
  // The connection goes back to the pool when this returns, or is closed
  // (rolling the slot back) when the COMMIT failed.
  db::Lease tx = std::move(admitted.tx);
  if (!tx) co_return Error(errc::db::query, "the admission was already committed");
  co_return co_await db::commit_api_admission(tx);
}

db::AuditEntry ApiGate::refusal_audit(const ApiCaller& caller, const db::Subject& subject,
                                      const std::string& model, std::string_view reason) {
  db::AuditEntry audit;
  audit.type = "api.refused";
  if (!caller.application) audit.subject = db::UserId{subject.id};
  audit.detail["caller_kind"] = subject.kind;
  audit.detail["caller"] = subject.id;
  audit.detail["client_id"] = caller.client_id;
  audit.detail["model"] = model;
  audit.detail["reason"] = reason;
  return audit;
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
