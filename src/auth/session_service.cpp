#include "auth/session_service.hpp"

#include "auth/session_cookie.hpp"
#include "observability/log.hpp"

namespace parley::auth {

SessionService::SessionService(SessionStore& store, const Sealer& sealer, Random& random,
                               const Clock& clock, std::int64_t max_age_seconds)
    : store_(store), sealer_(sealer), random_(random), clock_(clock), max_age_(max_age_seconds) {}

boost::asio::awaitable<Result<CreatedSession>> SessionService::create(SessionUser user,
                                                                      std::string user_agent,
                                                                      std::string ip) {
  SessionCookie cookie{};
  random_.fill(cookie.session_id);
  auto user_id = parse_uuid(user.id);
  if (!user_id) co_return user_id.error();
  cookie.user_id = *user_id;
  cookie.issued_at = clock_.now_seconds();
  cookie.expires_at = cookie.issued_at + max_age_;

  NewSessionRow row;
  row.session_id = uuid_string(cookie.session_id);
  row.user_id = user.id;
  row.expires_at = cookie.expires_at;
  row.user_agent = std::move(user_agent);
  row.ip = std::move(ip);
  const std::string session_id = row.session_id;
  auto st = co_await store_.insert(std::move(row));
  if (!st) co_return st.error();

  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[session_id] = CachedSession{std::move(user)};
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

  if (auto it = cache_.find(active.session_id); it != cache_.end()) {
    if (it->second.user.id != user_id) co_return std::optional<ActiveSession>{};
    active.user = it->second.user;
  } else {
    auto stored = co_await store_.load(active.session_id, user_id);
    if (!stored) co_return stored.error();
    if (!*stored || (*stored)->revoked || (*stored)->user_disabled) {
      if (*stored) revocations_.revoke_session(active.session_id);
      co_return std::optional<ActiveSession>{};
    }
    if (cache_.size() >= kMaxCached) cache_.clear();
    active.user = (*stored)->user;
    cache_[active.session_id] = CachedSession{active.user};
  }

  active.expires_at = cookie->expires_at;
  if (needs_reseal(*cookie, now, max_age_)) {
    SessionCookie renewed = *cookie;
    renewed.issued_at = now;
    renewed.expires_at = now + max_age_;
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

}  // namespace parley::auth
