#pragma once
// The OpenID Connect authorization-code flow with PKCE, as Parley's sign-in:
// begin() builds the authorize redirect and the sealed transaction cookie;
// complete() checks the callback against that cookie, redeems the code,
// validates the ID token (DESIGN.md security rules), upserts the user by
// (tid, oid), opens a session and writes the audit event.
// Strand affinity: the server's io_context thread.

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "auth/id_token.hpp"
#include "auth/oidc_client.hpp"
#include "auth/seal.hpp"
#include "auth/session_service.hpp"
#include "auth/sign_in_throttle.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "observability/metrics.hpp"

namespace parley::auth {

struct UserRecord {
  std::string id;
  bool disabled = false;
};

// Users keyed by Entra's (tid, oid); email/name/roles refreshed each sign-in.
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  virtual boost::asio::awaitable<Result<UserRecord>> upsert_on_sign_in(IdentityClaims identity) = 0;
};

// One-time use of a sign-in transaction across all replicas.
class ReplayGuard {
 public:
  virtual ~ReplayGuard() = default;
  // true the first time `key` is seen; false for a replay.
  virtual boost::asio::awaitable<Result<bool>> first_use(std::string key, std::int64_t expires_at) = 0;
};

// An audit event of the sign-in flow (db/audit_repo.hpp has the trail).
struct AuditEvent {
  std::string type;        // sign_in.success, sign_in.failure, sign_out
  std::string user_id;     // who (actor and subject); empty when unknown
  std::string reason;      // failures: the error code
  std::string session_id;  // the session opened or ended
  std::string ip;
  std::string user_agent;
  std::string request_id;
  std::vector<std::pair<std::string, std::int64_t>> counts;  // detail, e.g. {"count", 42}
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Never fails the caller: a failed write is logged as an error.
  virtual boost::asio::awaitable<void> record(AuditEvent event) = 0;
};

struct SignInOptions {
  std::string redirect_uri;  // AUTH_URL + /api/auth/callback/microsoft-entra-id
  std::string public_origin;  // AUTH_URL
  std::string client_id;
  std::string issuer;
  std::vector<std::string> allowed_tenants;
  bool silent_sso = false;
  std::int64_t transaction_max_age = 600;
  SignInThrottleLimits throttle;
};

struct SignInStart {
  std::string authorize_url;
  std::string transaction_cookie;
};

struct SessionRef {
  std::string session_id;
  std::string user_id;
};

struct CallbackParams {
  std::optional<std::string> code, state, error;
  std::optional<std::string> transaction_cookie;
  std::string user_agent, ip, request_id;
  // The live session this browser already had: a successful sign-in
  // revokes it (one session per browser; the old one must not linger).
  std::optional<SessionRef> replaces;
};

struct SignInOutcome {
  // throttled: the client IP used up its failures; nothing was done (no
  // query, no token request, no audit row): answer 429.
  enum class Kind { signed_in, restart, failed, throttled } kind = Kind::failed;
  // signed_in
  CreatedSession session;
  std::string callback_path;
  // restart (silent SSO fell back to an interactive sign-in)
  SignInStart restart;
  // failed: the internal code (audit, logs) and the public reason for the page
  std::string error_code;  // the dotted name, for logs
  std::string public_reason;
};

class SignInService {
 public:
  SignInService(OidcClient& oidc, SessionService& sessions, UserDirectory& users,
                ReplayGuard& replay, AuditSink& audit, const Sealer& transaction_sealer,
                Random& random, const Clock& clock, SignInOptions options);

  // callback_url is sanitised to a same-origin path here.
  boost::asio::awaitable<Result<SignInStart>> begin(std::string callback_url,
                                                    std::optional<bool> silent = std::nullopt);
  boost::asio::awaitable<SignInOutcome> complete(CallbackParams params);

  // Where sign-out sends the browser (the IdP's end-session endpoint with
  // post_logout_redirect_uri = AUTH_URL/signed-out), or the local page.
  boost::asio::awaitable<std::string> end_session_url();

  // Writes the one audit row that stands for the failures the per-minute
  // audit budget left out (if any). Called every minute.
  boost::asio::awaitable<void> flush_suppressed_audit();

  // Counters in /metrics: callback failures by public reason, refused
  // (throttled) callbacks, failures left out of the audit trail.
  void register_metrics(metrics::Registry& registry);

 private:
  // `user_id`: the user, when the failure came after they were known.
  boost::asio::awaitable<SignInOutcome> fail(Error error, const CallbackParams& params,
                                             std::string user_id = {});

  OidcClient& oidc_;
  SessionService& sessions_;
  UserDirectory& users_;
  ReplayGuard& replay_;
  AuditSink& audit_;
  const Sealer& transaction_sealer_;
  Random& random_;
  const Clock& clock_;
  SignInOptions options_;
  SignInThrottle throttle_;
  metrics::Registry* metrics_ = nullptr;
  metrics::Counter* throttled_ = nullptr;
  metrics::Counter* audit_suppressed_ = nullptr;
};

// Maps an internal sign-in error code to the public reason shown on the
// error page (app/html.cpp has the texts).
std::string public_reason_for(const Error& e);

}  // namespace parley::auth
