#include "auth/sign_in.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/errors.hpp"
#include "auth/oidc_transaction.hpp"
#include "auth/redirect.hpp"
#include "core/base64url.hpp"
#include "http/message.hpp"
#include "observability/log.hpp"

namespace parley::auth {

namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256_b64(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

void append_param(std::string& url, std::string_view key, std::string_view value) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += key;
  url += '=';
  url += http::percent_encode(value);
}

bool is_interaction_needed(std::string_view error) {
  return error == "login_required" || error == "interaction_required" ||
         error == "consent_required";
}

}  // namespace

std::string public_reason_for(const Error& e) {
  namespace oidc = errc::oidc;
  if (e.is(oidc::access_denied)) return "access_denied";
  if (e.is(oidc::user_disabled)) return "account_disabled";
  if (e.is(oidc::tenant_not_allowed) || e.is(oidc::wrong_tenant)) return "tenant_not_allowed";
  if (e.is(oidc::throttled)) return "too_many_attempts";
  if (e.is(oidc::discovery_failed) || e.is(oidc::discovery_invalid) ||
      e.is(oidc::token_endpoint_failed) || e.is(oidc::jwks_unavailable) ||
      e.is(oidc::client_assertion_unavailable) ||
      e.is(errc::jose::jwks_invalid) || e.is(errc::single_flight::abandoned)) {
    return "provider_unavailable";
  }
  switch (e.kind) {
    case Kind::bad_request: return "session_expired";  // the transaction, state or code
    case Kind::unauthorized: return "invalid_token";   // a token rule (jose.*, oidc.*)
    default: return "unavailable";
  }
}

SignInService::SignInService(OidcClient& oidc, SessionService& sessions, UserDirectory& users,
                             ReplayGuard& replay, AuditSink& audit,
                             const Sealer& transaction_sealer, Random& random, const Clock& clock,
                             SignInOptions options)
    : oidc_(oidc),
      sessions_(sessions),
      users_(users),
      replay_(replay),
      audit_(audit),
      transaction_sealer_(transaction_sealer),
      random_(random),
      clock_(clock),
      options_(std::move(options)),
      throttle_(options_.throttle) {}

void SignInService::register_metrics(metrics::Registry& registry) {
  metrics_ = &registry;
  throttled_ = &registry.counter("parley_auth_callbacks_throttled_total",
                                 "Sign-in callbacks refused unprocessed: the client IP had too "
                                 "many failures");
  audit_suppressed_ = &registry.counter("parley_auth_failures_unaudited_total",
                                        "Sign-in failures over the per-minute audit budget "
                                        "(summarised in one audit row a minute)");
  for (std::string_view reason : {"access_denied", "session_expired", "provider_unavailable",
                                  "account_disabled", "tenant_not_allowed", "invalid_token",
                                  "unavailable"}) {
    (void)registry.counter("parley_auth_sign_in_failures_total", "Sign-in failures by reason",
                           "reason=\"" + std::string(reason) + "\"");
  }
}

boost::asio::awaitable<Result<SignInStart>> SignInService::begin(std::string callback_url,
                                                                  std::optional<bool> silent) {
  auto meta = co_await oidc_.metadata();
  if (!meta) co_return meta.error();
  const bool use_silent = silent.value_or(options_.silent_sso);
  OidcTransaction tx = new_transaction(random_, safe_callback_path(callback_url, options_.public_origin),
                                       clock_.now_seconds(), use_silent);
  std::string url = meta->authorization_endpoint;
  append_param(url, "client_id", options_.client_id);
  append_param(url, "response_type", "code");
  append_param(url, "redirect_uri", options_.redirect_uri);
  append_param(url, "response_mode", "query");
  append_param(url, "scope", "openid profile email");
  append_param(url, "state", tx.state);
  append_param(url, "nonce", tx.nonce);
  append_param(url, "code_challenge", pkce_challenge_s256(tx.code_verifier));
  append_param(url, "code_challenge_method", "S256");
  if (use_silent) append_param(url, "prompt", "none");
  co_return SignInStart{std::move(url), seal_transaction(tx, transaction_sealer_, random_)};
}

boost::asio::awaitable<SignInOutcome> SignInService::fail(Error error,
                                                          const CallbackParams& params,
                                                          std::string user_id) {
  const std::string code(error.code);
  const auto now = clock_.now();
  log::warn("auth.sign_in_rejected").str("reason", code).str("request_id", params.request_id);
  throttle_.failed(params.ip, now);
  SignInOutcome out;
  out.kind = SignInOutcome::Kind::failed;
  out.public_reason = public_reason_for(error);
  if (metrics_) {
    metrics_->counter("parley_auth_sign_in_failures_total", "Sign-in failures by reason",
                      "reason=\"" + out.public_reason + "\"")
        .inc();
  }
  if (throttle_.may_audit(now)) {
    AuditEvent ev;
    ev.type = "sign_in.failure";
    ev.user_id = std::move(user_id);
    ev.reason = code;
    ev.ip = params.ip;
    ev.user_agent = params.user_agent;
    ev.request_id = params.request_id;
    co_await audit_.record(std::move(ev));
  } else if (audit_suppressed_) {
    audit_suppressed_->inc();
  }
  out.error_code = code;
  co_return out;
}

boost::asio::awaitable<void> SignInService::flush_suppressed_audit() {
  const std::int64_t suppressed = throttle_.take_suppressed();
  if (suppressed == 0) co_return;
  AuditEvent ev;
  ev.type = "sign_in.failure";
  ev.reason = "suppressed";
  ev.counts.emplace_back("count", suppressed);
  co_await audit_.record(std::move(ev));
}

boost::asio::awaitable<SignInOutcome> SignInService::complete(CallbackParams params) {
  const std::int64_t now = clock_.now_seconds();
  if (!throttle_.admit(params.ip, clock_.now())) {
    if (throttled_) throttled_->inc();
    SignInOutcome out;
    out.kind = SignInOutcome::Kind::throttled;
    out.error_code = errc::oidc::throttled.name;
    out.public_reason = public_reason_for(errc::oidc::throttled);
    co_return out;
  }
  // The transaction cookie binds the callback to the browser that started
  // the sign-in (a callback delivered to another browser has none).
  if (!params.transaction_cookie) co_return co_await fail(errc::oidc::transaction_missing, params);
  auto tx = open_transaction(*params.transaction_cookie, transaction_sealer_, now,
                             options_.transaction_max_age);
  if (!tx) co_return co_await fail(tx.error(), params);
  if (!params.state || !constant_time_equal(*params.state, tx->state)) {
    co_return co_await fail(errc::oidc::state_mismatch, params);
  }
  // state is single-use, on every replica.
  auto first = co_await replay_.first_use(sha256_b64(tx->state),
                                          tx->created_at + options_.transaction_max_age);
  if (!first) co_return co_await fail(first.error(), params);
  if (!*first) co_return co_await fail(errc::oidc::replayed_callback, params);

  if (params.error) {
    if (tx->silent && is_interaction_needed(*params.error)) {
      auto restart = co_await begin(tx->callback_url, false);
      if (!restart) co_return co_await fail(restart.error(), params);
      SignInOutcome out;
      out.kind = SignInOutcome::Kind::restart;
      out.restart = std::move(*restart);
      co_return out;
    }
    co_return co_await fail(*params.error == "access_denied" ? errc::oidc::access_denied
                                                             : errc::oidc::provider_error,
                            params);
  }
  if (!params.code || params.code->empty()) co_return co_await fail(errc::oidc::missing_code, params);

  auto tokens = co_await oidc_.exchange_code(*params.code, tx->code_verifier, options_.redirect_uri);
  if (!tokens) {
    log::warn("auth.token_exchange_failed").str("detail", tokens.error().detail);
    co_return co_await fail(tokens.error(), params);
  }
  auto claims = co_await oidc_.verify_signature(tokens->id_token);
  if (!claims) co_return co_await fail(claims.error(), params);

  IdTokenRules rules;
  auto meta = co_await oidc_.metadata();
  rules.issuer = meta ? meta->issuer : options_.issuer;
  rules.allowed_tenants = options_.allowed_tenants;
  rules.client_id = options_.client_id;
  rules.expected_nonce = tx->nonce;
  rules.now = now;
  auto identity = validate_id_token_claims(*claims, rules);
  if (!identity) co_return co_await fail(identity.error(), params);

  SessionUser user;
  user.name = identity->name;
  user.email = identity->email;
  user.roles = identity->roles;
  auto record = co_await users_.upsert_on_sign_in(*identity);
  if (!record) co_return co_await fail(record.error(), params);
  if (record->disabled) co_return co_await fail(errc::oidc::user_disabled, params, record->id);
  user.id = record->id;

  SessionOrigin origin{params.user_agent, params.ip, identity->idp_session_id, identity->issuer};
  auto session = co_await sessions_.create(std::move(user), std::move(origin));
  if (!session) co_return co_await fail(session.error(), params);
  if (params.replaces) {
    auto st = co_await sessions_.revoke(params.replaces->session_id, params.replaces->user_id,
                                        "replaced");
    // Ended here already; other replicas learn it from the row (or its expiry).
    if (!st) log::warn("auth.replaced_session_revoke_failed").str("code", st.error().code);
  }

  AuditEvent ev;
  ev.type = "sign_in.success";
  ev.user_id = record->id;
  ev.session_id = session->session_id;
  ev.ip = params.ip;
  ev.user_agent = params.user_agent;
  ev.request_id = params.request_id;
  co_await audit_.record(std::move(ev));
  log::info("auth.signed_in").str("user_id", record->id).str("request_id", params.request_id);

  SignInOutcome out;
  out.kind = SignInOutcome::Kind::signed_in;
  out.session = std::move(*session);
  out.callback_path = tx->callback_url;
  co_return out;
}

boost::asio::awaitable<std::string> SignInService::end_session_url() {
  const std::string signed_out = options_.public_origin + "/signed-out";
  auto meta = co_await oidc_.metadata();
  if (!meta || meta->end_session_endpoint.empty()) co_return signed_out;
  std::string url = meta->end_session_endpoint;
  append_param(url, "post_logout_redirect_uri", signed_out);
  append_param(url, "client_id", options_.client_id);
  co_return url;
}

}  // namespace parley::auth
