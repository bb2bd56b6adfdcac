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

// Who calls /v1: a verified access token's caller.
struct ApiCallerKey {
  bool application = true;
  std::string client_id;  // the calling application (also for delegated tokens)
  std::string tenant_id;
  std::string object_id;  // the application's service principal, or the user
  std::string name;       // delegated only
  std::string email;      // delegated only
};

struct ApiQuotaState {
  std::int64_t open_streams = 0;  // live api_streams (+ streaming chat answers of a user)
  std::int64_t used_today = 0;
  QuotaRow overrides;
};

struct ApiAdmission {
  Subject subject;  // ("app", client id) or ("user", users.id)
  bool disabled = false;
  ApiQuotaState state;    // read under the subject's lock
  std::string stream_id;  // the call's slot, taken before the decision
};

// Opens the admission's transaction in one round trip (db/batch.hpp):
// BEGIN; the caller registered on first use (an application in `apps`, with
// last_seen_at; a delegated user in `users`, keyed by tid+oid as at sign-in,
// name and email kept when the token carries none); the subject's quota
// lock (the chat gate's advisory lock for a user, so a user's /v1 calls and
// chat turns are admitted one at a time; its own key for an application),
// held to the transaction's end; then, with a snapshot taken after the
// lock, the live streams, today's tokens and the overrides; last, the
// call's stream slot for `model` (not counted in that state), so that an
// admitted call needs only its COMMIT. The transaction stays open for
// commit_api_admission or refuse_api_admission (on an error the lease
// closes the connection, which rolls it back).
boost::asio::awaitable<Result<ApiAdmission>> open_api_admission(Lease& tx,
                                                                const ApiCallerKey& caller,
                                                                std::chrono::seconds lease,
                                                                const std::string& model);

// Commits an admitted call: its slot and registration. Soft state only (a
// slot stops counting after its lease), so the COMMIT does not wait for
// the WAL flush: a database crash may lose it, never an audit row.
boost::asio::awaitable<Status> commit_api_admission(Lease& tx);

// Commits a refused call: its slot deleted, the `refusal` audit row when
// given (then durably). A refused caller stays registered: an
// administrator sees who tried.
boost::asio::awaitable<Status> refuse_api_admission(Lease& tx, const std::string& stream_id,
                                                    const std::optional<AuditEntry>& refusal);

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
// appends the audit row, in one transaction sent as one batch.
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
