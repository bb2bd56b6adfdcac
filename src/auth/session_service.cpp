#include "auth/session_service.hpp"

#include <algorithm>

#include "auth/session_cookie.hpp"
#include "observability/log.hpp"

namespace parley::auth {

SessionService::SessionService(SessionStore& store, const Sealer& sealer, Random& random,
                               const Clock& clock, SessionLifetimes lifetimes)
    : store_(store), sealer_(sealer), random_(random), clock_(clock), lifetimes_(lifetimes) {}

void SessionService::remember(const std::string& session_id, CachedSession entry) {
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[session_id] = std::move(entry);
}

boost::asio::awaitable<Result<CreatedSession>> SessionService::create(SessionUser user,
                                                                      SessionOrigin origin) {
  SessionCookie cookie{};
  random_.fill(cookie.session_id);
  auto user_id = parse_uuid(user.id);
  if (!user_id) co_return user_id.error();
  cookie.user_id = *user_id;
  cookie.issued_at = clock_.now_seconds();
  const std::int64_t absolute_end = cookie.issued_at + lifetimes_.absolute_max_age;
  cookie.expires_at = std::min(cookie.issued_at + lifetimes_.max_age, absolute_end);

  NewSessionRow row;
  row.session_id = uuid_string(cookie.session_id);
  row.user_id = user.id;
  row.created_at = cookie.issued_at;
  row.expires_at = cookie.expires_at;
  row.origin = std::move(origin);
  const std::string session_id = row.session_id;
  auto st = co_await store_.insert(std::move(row));
  if (!st) co_return st.error();

  remember(session_id, {std::make_shared<const SessionUser>(std::move(user)), absolute_end});
  co_return CreatedSession{seal_session(cookie, sealer_, random_), session_id, cookie.expires_at};
}

boost::asio::awaitable<Result<std::optional<ActiveSession>>> SessionService::resolve(
    std::string_view cookie_value) {
  const std::int64_t now = clock_.now_seconds();
  auto cookie = open_session(cookie_value, sealer_, now);
  if (!cookie) co_return std::optional<ActiveSession>{};
  ActiveSession active;
  active.session_id = uuid_string(cookie->session_id);
  std::string user_id = uuid_string(cookie->user_id);
  if (revocations_.is_revoked(active.session_id, user_id)) co_return std::optional<ActiveSession>{};

  std::int64_t absolute_end = 0;
  if (auto it = cache_.find(active.session_id); it != cache_.end()) {
    if (it->second.user->id != user_id) co_return std::optional<ActiveSession>{};
    active.user = it->second.user;
    absolute_end = it->second.absolute_expires_at;
  } else {
    auto stored = co_await store_.load(active.session_id, user_id);
    if (!stored) co_return stored.error();
    if (!*stored || (*stored)->revoked || (*stored)->user_disabled) {
      // Remembered as ended, so a replayed cookie of a deleted or revoked
      // session costs no further query (until the next resync).
      revocations_.revoke_session(active.session_id);
      if (*stored && (*stored)->user_disabled) revocations_.disable_user(user_id);
      co_return std::optional<ActiveSession>{};
    }
    absolute_end = (*stored)->created_at + lifetimes_.absolute_max_age;
    active.user = std::make_shared<const SessionUser>(std::move((*stored)->user));
    remember(active.session_id, {active.user, absolute_end});
  }
  // The absolute lifetime ends the session whatever the activity: a leaver
  // disabled in Entra loses access within a bounded time.
  if (now >= absolute_end) co_return std::optional<ActiveSession>{};

  active.expires_at = std::min(cookie->expires_at, absolute_end);
  const std::int64_t renewed_end = std::min(now + lifetimes_.max_age, absolute_end);
  if (needs_reseal(*cookie, now, lifetimes_.max_age) && renewed_end > cookie->expires_at) {
    SessionCookie renewed = *cookie;
    renewed.issued_at = now;
    renewed.expires_at = renewed_end;
    auto st = co_await store_.extend(active.session_id, user_id, renewed.expires_at);
    if (st) {
      active.renewed_cookie = seal_session(renewed, sealer_, random_);
      active.expires_at = renewed.expires_at;
    } else {
      // Keep serving on the current cookie; renewal is retried next request.
      log::warn("session.renew_failed").str("code", st.error().code);
    }
  }
  co_return std::optional<ActiveSession>(std::move(active));
}

boost::asio::awaitable<Status> SessionService::revoke(std::string session_id, std::string user_id,
                                                      std::string reason) {
  revocations_.revoke_session(session_id);
  cache_.erase(session_id);
  co_return co_await store_.revoke(std::move(session_id), std::move(user_id), std::move(reason));
}

boost::asio::awaitable<Result<std::size_t>> SessionService::end_idp_session(
    std::string idp_issuer, std::string idp_session_id) {
  auto ended = co_await store_.revoke_idp_session(std::move(idp_issuer), std::move(idp_session_id),
                                                  "frontchannel_logout");
  if (!ended) co_return ended.error();
  for (const auto& id : *ended) {
    revocations_.revoke_session(id);
    cache_.erase(id);
  }
  co_return ended->size();
}

bool SessionService::is_disabled_user_cookie(std::string_view cookie_value) const {
  // An expired cookie still names its user: the seal is what matters here.
  auto cookie = open_session(cookie_value, sealer_, 0);
  return cookie && revocations_.is_user_disabled(uuid_string(cookie->user_id));
}

void SessionService::on_notification(std::string_view payload) {
  if (!revocations_.apply_notification(payload)) {
    log::warn("session.unknown_notification");
    return;
  }
  if (payload.starts_with("session:")) cache_.erase(std::string(payload.substr(8)));
  // "user:<id>": the id check in is_revoked covers every session of the user.
}

void SessionService::replace_revocations(RevokedSnapshot snapshot) {
  for (const auto& id : snapshot.session_ids) cache_.erase(id);
  revocations_.replace(std::move(snapshot.session_ids), std::move(snapshot.user_ids));
}

void SessionService::forget_cached_sessions() { cache_.clear(); }

}  // namespace parley::auth
