#pragma once
// The service API's rows (migration 010; decision 0014-service-api): the
// calling application or user (registered on first use), the concurrent-
// streams slot held across replicas (api_streams), and the end of a call
// (slot released, usage_daily counted, audit row) in one transaction.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/audit_repo.hpp"
#include "db/ids.hpp"
#include "db/usage_repo.hpp"

namespace parley::db {

class Lease;
class Pool;

// Registers the application on first use (or notes last_seen_at); true when
// an administrator disabled it.
boost::asio::awaitable<Result<bool>> upsert_app(Lease& tx, const std::string& client_id,
                                                const std::string& tenant_id,
                                                const std::string& object_id);

struct ApiUser {
  UserId id;
  bool disabled = false;
};
// The users row of a delegated caller (tid+oid), created on first use as at
// sign-in; name and email refreshed when the token carries them.
boost::asio::awaitable<Result<ApiUser>> upsert_api_user(Lease& tx, const std::string& tenant_id,
                                                        const std::string& object_id,
                                                        const std::string& name,
                                                        const std::string& email);

struct ApiQuotaState {
  std::int64_t open_streams = 0;  // live api_streams (+ streaming chat answers of a user)
  std::int64_t used_today = 0;
  QuotaRow overrides;
};
// Takes the subject's quota lock (the chat gate's advisory lock for a user,
// its own key for an app; held to the transaction's end), then reads the
// live streams, today's tokens and the overrides.
boost::asio::awaitable<Result<ApiQuotaState>> lock_api_quota_state(Lease& tx,
                                                                   const Subject& subject,
                                                                   std::chrono::seconds lease);

// The slot of an admitted call; its id.
boost::asio::awaitable<Result<std::string>> insert_api_stream(Lease& tx, const Subject& subject,
                                                              const std::string& model);
// Keeps the slot counted while the answer streams.
boost::asio::awaitable<Status> renew_api_stream(Pool& pool, const std::string& stream_id);

struct ApiCallEnd {
  std::string stream_id;
  Subject subject;
  std::string model;  // the deployment's reported model, else the route name
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  AuditEntry audit;  // api.call
};
// Releases the slot, counts the usage (when the upstream reported any) and
// appends the audit row, in one transaction.
boost::asio::awaitable<Status> finish_api_call(Pool& pool, const ApiCallEnd& end);

// Deletes the slots not renewed for `older_than` (their process died; the
// count already ignores them after the lease). Returns how many went.
boost::asio::awaitable<Result<std::int64_t>> sweep_dead_api_streams(
    Lease& lease, std::chrono::seconds older_than);

// ---- Administration (GET /api/admin/apps, disable / enable, quota).

boost::asio::awaitable<Result<bool>> app_exists(Pool& pool, const std::string& client_id);

struct AppRow {
  std::string client_id;
  std::string tenant_id;
  std::optional<std::string> object_id;
  std::optional<std::string> display_name;
  std::string first_seen_at;  // ISO-8601 UTC
  std::string last_seen_at;
  std::optional<std::string> disabled_at;
  UsageTotals today;  // usage_daily, today (UTC)
};

// The registered applications, most recently seen first (at most `limit`).
boost::asio::awaitable<Result<std::vector<AppRow>>> list_apps(Pool& pool, std::int64_t limit);

// Sets or clears disabled_at and appends `audit` in one transaction;
// nullopt when no such application.
boost::asio::awaitable<Result<std::optional<AppRow>>> set_app_disabled(Pool& pool,
                                                                       const std::string& client_id,
                                                                       bool disabled,
                                                                       const AuditEntry& audit);

}  // namespace parley::db
