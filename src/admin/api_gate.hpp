#pragma once
// Governance of a /v1 call (decision 0014-service-api): the caller is
// registered on first use (an application in `apps`, a delegated user in
// `users`), refused when disabled, admitted against the subject's quotas
// (daily tokens, concurrent streams) under the same per-subject lock as the
// chat gate, and given a stream slot (api_streams) held across replicas
// until end() releases it, counting the usage and the api.call audit row
// in one transaction. The decision comes before the upstream is called;
// the slot's COMMIT goes out alongside the upstream request (decision
// 0018).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admin/quota_rules.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "db/api_calls_repo.hpp"
#include "db/pool.hpp"

namespace parley::admin {

// Who a verified access token stands for (auth::Caller, flattened: the
// admin module does not depend on auth).
struct ApiCaller {
  bool application = true;
  std::string tenant_id;
  std::string object_id;
  std::string client_id;  // the calling app (also for delegated tokens)
  std::string name;       // delegated only
  std::string email;      // delegated only
};

struct ApiSlot {
  db::Subject subject;
  std::string stream_id;
};

class ApiGate {
 public:
  ApiGate(db::Pool& pool, QuotaDefaults defaults, const Clock& clock, std::chrono::seconds lease)
      : pool_(pool), defaults_(defaults), clock_(clock), lease_(lease) {}

  // An admitted call whose slot is taken but not yet committed: the
  // admission's transaction, still holding the caller's lock.
  struct Admitted {
    ApiSlot slot;
    db::Lease tx;
  };

  // The decision, in one round trip. Errors: errc::admin::app_disabled /
  // api_user_disabled (403), errc::admin::quota_* (429,
  // quota_retry_after()), db.*; a refusal is committed before it is
  // returned. A disabled caller's refusal is audited (api.refused) in the
  // same transaction, at most once a minute per caller and process: a job
  // retrying in a loop must not flood the trail. Quota refusals are not
  // security events: the caller gets 429 with Retry-After, the usage report
  // shows the budget.
  boost::asio::awaitable<Result<Admitted>> admit(const ApiCaller& caller, const std::string& model);
  // Commits an admitted call's slot. The upstream request may go out while
  // this runs (decision 0018): the call is decided, and nothing reaches the
  // caller before both are done. On an error the slot is rolled back and
  // the call must not go on.
  boost::asio::awaitable<Status> commit(Admitted& admitted);
  boost::asio::awaitable<Status> renew(const ApiSlot& slot);
  // Releases the slot, counts the usage and writes the api.call row, in
  // one transaction committed before the answer goes out.
  boost::asio::awaitable<Status> end(const db::ApiCallEnd& end);

  std::chrono::seconds lease() const { return lease_; }

  // Administration: the registered applications with today's usage, and
  // disabling / enabling one (audited as app.disabled / app.enabled by
  // `actor`, in the same transaction). nullopt: no such application.
  boost::asio::awaitable<Result<std::vector<db::AppRow>>> list_apps();
  boost::asio::awaitable<Result<std::optional<db::AppRow>>> set_app_disabled(db::UserId actor,
                                                                             std::string ip,
                                                                             std::string request_id,
                                                                             std::string client_id,
                                                                             bool disabled);

 private:
  db::Pool& pool_;
  QuotaDefaults defaults_;
  const Clock& clock_;
  std::chrono::seconds lease_;
  // "kind:id" -> when its last refusal was audited (epoch seconds).
  static constexpr std::int64_t kRefusalAuditEverySeconds = 60;
  static constexpr std::size_t kRefusalAuditMemory = 10000;
  std::unordered_map<std::string, std::int64_t> last_refusal_audit_;
  bool should_audit_refusal(const db::Subject& subject);
  static db::AuditEntry refusal_audit(const ApiCaller& caller, const db::Subject& subject,
                                      const std::string& model, std::string_view reason);
};

}  // namespace parley::admin
