#include "admin/users_service.hpp"

#include "admin/audit_record.hpp"
#include "admin/errors.hpp"
#include "admin/usage_service.hpp"
#include "db/api_calls_repo.hpp"
#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "observability/log.hpp"

namespace parley::admin {

namespace asio = boost::asio;

namespace {

db::Subject user_subject(const db::UserId& id) { return db::Subject{"user", id.value}; }

// Ends the transaction: COMMIT when `outcome` holds, else ROLLBACK (a
// failed ROLLBACK leaves the connection broken, which the pool closes).
template <class T>
asio::awaitable<Result<T>> finish(db::Lease& tx, Result<T> outcome) {
  if (outcome) {
    if (auto committed = co_await tx.execute("COMMIT"); !committed) co_return committed.error();
    co_return outcome;
  }
  if (auto rolled = co_await tx.execute("ROLLBACK"); !rolled) tx.mark_broken();
  co_return outcome;
}

}  // namespace

UsersAdmin::UsersAdmin(db::Pool& pool, QuotaDefaults defaults, const Clock& clock)
    : pool_(pool), defaults_(defaults), clock_(clock) {}

asio::awaitable<Result<UserPage>> UsersAdmin::list(UserQuery query) {
  db::UserSearch search;
  search.like_pattern = std::move(query.pattern);
  search.status = query.status == UserStatus::active     ? 1
                  : query.status == UserStatus::disabled ? 2
                                                         : 0;
  if (query.after) {
    search.after_created = query.after->created_at;
    search.after_id = query.after->id;
  }
  search.limit = query.limit + 1;  // one more tells whether a next page exists
  auto rows = co_await db::search_users(pool_, search);
  if (!rows) co_return rows.error();
  UserPage page;
  page.items = std::move(*rows);
  if (page.items.size() > static_cast<std::size_t>(query.limit)) {
    page.items.resize(static_cast<std::size_t>(query.limit));
    const auto& last = page.items.back();
    page.next_cursor = encode_user_cursor({last.created_key, last.id.value});
  }
  co_return page;
}

asio::awaitable<Result<QuotaView>> UsersAdmin::quota_view(const db::Subject& subject) {
  auto row = co_await db::load_quota(pool_, subject);
  if (!row) co_return row.error();
  auto used = co_await db::tokens_used_today(pool_, subject);
  if (!used) co_return used.error();
  const std::int64_t now = clock_.now_seconds();
  QuotaView v;
  v.overrides = {row->daily_tokens, row->concurrent_streams};
  v.defaults = defaults_;
  v.tokens_used_today = *used;
  v.resets_at = now + seconds_to_next_utc_midnight(now);
  co_return v;
}

asio::awaitable<Result<std::optional<UserDetail>>> UsersAdmin::detail(Actor actor, db::UserId id) {
  auto user = co_await db::admin_find_user(pool_, id);
  if (!user) co_return user.error();
  if (!*user) co_return std::optional<UserDetail>();
  if (actor.id != id) {
    AdminAuditEvent ev{"admin.read_user", actor.id, id, actor.ip, actor.request_id, {}};
    if (auto st = co_await record_audit(pool_, ev); !st) {
      log::error("admin.audit_failed")
          .str("type", ev.type)
          .str("code", st.error().code)
          .str("request_id", actor.request_id);
      co_return make_error(errc::admin::audit_unavailable, st.error().detail);
    }
  }
  UserDetail d;
  d.user = std::move(**user);
  auto sign_ins = co_await db::recent_sign_ins(pool_, id, kSignInsShown);
  if (!sign_ins) co_return sign_ins.error();
  d.sign_ins = std::move(*sign_ins);
  auto sessions = co_await db::active_sessions(pool_, id);
  if (!sessions) co_return sessions.error();
  d.sessions = std::move(*sessions);
  auto usage = co_await db::usage_summary(pool_, user_subject(id));
  if (!usage) co_return usage.error();
  d.usage = *usage;
  const db::Subject subject = user_subject(id);
  auto quota = co_await quota_view(subject);
  if (!quota) co_return quota.error();
  d.quota = *quota;
  co_return std::optional<UserDetail>(std::move(d));
}

asio::awaitable<Result<std::optional<db::AdminUserRow>>> UsersAdmin::set_disabled(Actor actor,
                                                                                  db::UserId id,
                                                                                  bool disabled) {
  using Out = std::optional<db::AdminUserRow>;
  if (disabled && actor.id == id) co_return make_error(errc::admin::self_disable);
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await lease->execute("BEGIN"); !begun) co_return begun.error();
  auto outcome = co_await [&]() -> asio::awaitable<Result<Out>> {
    // The session.revoked rows the trigger writes name the administrator.
    if (auto named = co_await db::set_audit_actor(*lease, actor.id); !named)
      co_return named.error();
    auto moved = co_await db::set_user_disabled(*lease, id, disabled);
    if (!moved) co_return moved.error();
    if (!*moved) co_return Out();
    if ((*moved)->changed) {
      AdminAuditEvent ev{disabled ? "user.disabled" : "user.enabled",
                         actor.id,
                         id,
                         actor.ip,
                         actor.request_id,
                         {}};
      if (auto st = co_await record_audit(*lease, ev); !st) co_return st.error();
    }
    co_return Out(std::move((*moved)->user));
  }();
  co_return co_await finish(*lease, std::move(outcome));
}

asio::awaitable<Result<bool>> UsersAdmin::end_sessions(Actor actor, db::UserId id) {
  auto user = co_await db::admin_find_user(pool_, id);
  if (!user) co_return user.error();
  if (!*user) co_return false;
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await lease->execute("BEGIN"); !begun) co_return begun.error();
  auto outcome = co_await [&]() -> asio::awaitable<Result<bool>> {
    if (auto named = co_await db::set_audit_actor(*lease, actor.id); !named)
      co_return named.error();
    auto ended = co_await db::revoke_all_sessions(*lease, id, "admin_sign_out");
    if (!ended) co_return ended.error();
    AdminAuditEvent ev{"user.sessions_revoked", actor.id, id, actor.ip, actor.request_id,
                       {{"sessions", *ended}}};
    if (auto st = co_await record_audit(*lease, ev); !st) co_return st.error();
    co_return true;
  }();
  co_return co_await finish(*lease, std::move(outcome));
}

asio::awaitable<Result<std::optional<QuotaView>>> UsersAdmin::set_quota(Actor actor, db::UserId id,
                                                                        QuotaOverride quota) {
  using Out = std::optional<QuotaView>;
  auto user = co_await db::admin_find_user(pool_, id);
  if (!user) co_return user.error();
  if (!*user) co_return Out();
  AdminAuditEvent ev{"quota.changed", actor.id, id, actor.ip, actor.request_id, {}};
  // Named: g++ 12 destroys temporaries of a co_await expression twice.
  const db::Subject subject = user_subject(id);
  auto view = co_await store_quota(subject, quota, std::move(ev));
  if (!view) co_return view.error();
  co_return Out(*view);
}

asio::awaitable<Result<std::optional<QuotaView>>> UsersAdmin::set_app_quota(Actor actor,
                                                                            std::string client_id,
                                                                            QuotaOverride quota) {
  using Out = std::optional<QuotaView>;
  auto exists = co_await db::app_exists(pool_, client_id);
  if (!exists) co_return exists.error();
  if (!*exists) co_return Out();
  AdminAuditEvent ev{"quota.changed", actor.id,         std::nullopt,
                     actor.ip,        actor.request_id, {{"app", client_id}}};
  const db::Subject subject{"app", client_id};
  auto view = co_await store_quota(subject, quota, std::move(ev));
  if (!view) co_return view.error();
  co_return Out(*view);
}

asio::awaitable<Result<QuotaView>> UsersAdmin::store_quota(const db::Subject& subject,
                                                           QuotaOverride quota,
                                                           AdminAuditEvent event) {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await lease->execute("BEGIN"); !begun) co_return begun.error();
  auto outcome = co_await [&]() -> asio::awaitable<Result<bool>> {
    const db::QuotaRow row{quota.daily_tokens, quota.concurrent_streams};
    if (auto st = co_await db::store_quota(*lease, subject, row); !st) co_return st.error();
    event.detail["daily_tokens"] =
        quota.daily_tokens ? boost::json::value(*quota.daily_tokens) : nullptr;
    event.detail["concurrent_streams"] =
        quota.concurrent_streams ? boost::json::value(*quota.concurrent_streams) : nullptr;
    if (auto st = co_await record_audit(*lease, event); !st) co_return st.error();
    co_return true;
  }();
  auto done = co_await finish(*lease, std::move(outcome));
  if (!done) co_return done.error();
  co_return co_await quota_view(subject);
}

asio::awaitable<Result<std::vector<UsageRow>>> UsersAdmin::usage(UsageQuery query) {
  co_return co_await usage_report(pool_, query);
}

}  // namespace parley::admin
