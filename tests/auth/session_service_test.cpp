// SessionService against an in-memory store and a fake clock: cookies,
// cache, renewal, revocation by push and by resync.

#include "auth/session_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <map>

#include "db/errors.hpp"

namespace parley::auth {
namespace {

template <class T>
T run(boost::asio::awaitable<T> op) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.run();
  return f.get();
}

constexpr SessionLifetimes kLifetimes{28800, 86400};

class MemoryStore final : public SessionStore {
 public:
  struct Row {
    NewSessionRow row;
    bool revoked = false;
    bool user_disabled = false;
  };
  std::map<std::string, Row> rows;
  SessionUser user{
      "7d4f0d2c-8f5e-4f7b-9a43-5b0e6a3c2d11", "Ada Lovelace", "ada@example.com", {"admin"}};
  int loads = 0;
  bool down = false;

  boost::asio::awaitable<Status> insert(NewSessionRow row) override {
    if (down) co_return make_error(errc::db::unavailable);
    rows[row.session_id] = Row{row, false, false};
    co_return Status{};
  }
  boost::asio::awaitable<Result<std::optional<StoredSession>>> load(std::string sid,
                                                                    std::string uid) override {
    ++loads;
    if (down) co_return make_error(errc::db::unavailable);
    auto it = rows.find(sid);
    if (it == rows.end() || it->second.row.user_id != uid) co_return std::optional<StoredSession>{};
    StoredSession s;
    s.user = user;
    s.created_at = it->second.row.created_at;
    s.expires_at = it->second.row.expires_at;
    s.revoked = it->second.revoked;
    s.user_disabled = it->second.user_disabled;
    co_return std::optional<StoredSession>(s);
  }
  boost::asio::awaitable<Status> extend(std::string sid, std::string, std::int64_t exp) override {
    rows[sid].row.expires_at = exp;
    co_return Status{};
  }
  boost::asio::awaitable<Status> revoke(std::string sid, std::string, std::string) override {
    rows[sid].revoked = true;
    co_return Status{};
  }
  boost::asio::awaitable<Result<std::vector<std::string>>> revoke_idp_session(
      std::string issuer, std::string sid, std::string) override {
    std::vector<std::string> ended;
    for (auto& [id, r] : rows) {
      if (!r.revoked && r.row.origin.idp_session_id == sid &&
          (issuer.empty() || r.row.origin.idp_issuer == issuer)) {
        r.revoked = true;
        ended.push_back(id);
      }
    }
    co_return ended;
  }
  boost::asio::awaitable<Result<RevokedSnapshot>> revoked_snapshot() override {
    RevokedSnapshot s;
    for (const auto& [id, r] : rows) {
      if (r.revoked) s.session_ids.push_back(id);
    }
    co_return s;
  }
};

class SessionServiceTest : public ::testing::Test {
 protected:
  std::vector<Secret> secrets{Secret(std::string(40, 's'))};
  Sealer sealer{secrets, "parley.session.v1"};
  OpenSslRandom random;
  FakeClock clock{1'800'000'000};
  MemoryStore store;
  SessionService service{store, sealer, random, clock, kLifetimes};

  CreatedSession create() {
    auto created = run(service.create(store.user, {"ua", "127.0.0.1", "idp-sid-1", "https://idp/v2.0"}));
    EXPECT_TRUE(created);
    return *created;
  }
  std::optional<ActiveSession> resolve(const std::string& cookie) {
    auto r = run(service.resolve(cookie));
    EXPECT_TRUE(r);
    return r ? *r : std::nullopt;
  }
};

TEST_F(SessionServiceTest, CreatedCookieResolvesWithoutAQueryWhileCached) {
  CreatedSession s = create();
  EXPECT_EQ(store.rows.size(), 1u);
  auto active = resolve(s.cookie_value);
  ASSERT_TRUE(active);
  EXPECT_EQ(active->user->email, "ada@example.com");
  EXPECT_EQ(active->session_id, s.session_id);
  EXPECT_FALSE(active->renewed_cookie);
  EXPECT_EQ(store.loads, 0);
}

TEST_F(SessionServiceTest, AnotherProcessLoadsTheRowOnceThenCaches) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  EXPECT_EQ(store.loads, 1);
}

TEST_F(SessionServiceTest, ExpiredCookieIsSignedOut) {
  CreatedSession s = create();
  clock.advance(std::chrono::seconds(28801));
  EXPECT_FALSE(resolve(s.cookie_value));
}

TEST_F(SessionServiceTest, CookieIsResealedAfterHalfItsLifetime) {
  CreatedSession s = create();
  clock.advance(std::chrono::seconds(14399));
  EXPECT_FALSE(resolve(s.cookie_value)->renewed_cookie);
  clock.advance(std::chrono::seconds(2));
  auto active = resolve(s.cookie_value);
  ASSERT_TRUE(active && active->renewed_cookie);
  EXPECT_EQ(active->expires_at, clock.now_seconds() + 28800);
  EXPECT_EQ(store.rows[s.session_id].row.expires_at, active->expires_at);
  // The renewed cookie outlives the original one.
  clock.advance(std::chrono::seconds(20000));
  EXPECT_FALSE(resolve(s.cookie_value));
  EXPECT_TRUE(resolve(*active->renewed_cookie));
}

TEST_F(SessionServiceTest, RevokedHereIsSignedOutAtOnce) {
  CreatedSession s = create();
  auto active = resolve(s.cookie_value);
  ASSERT_TRUE(run(service.revoke(active->session_id, active->user->id, "sign_out")));
  EXPECT_FALSE(resolve(s.cookie_value));
  EXPECT_TRUE(store.rows[s.session_id].revoked);
}

TEST_F(SessionServiceTest, NotificationsEndCachedSessionsOfOtherProcesses) {
  CreatedSession s = create();
  ASSERT_TRUE(resolve(s.cookie_value));
  service.on_notification("session:" + s.session_id);
  EXPECT_FALSE(resolve(s.cookie_value));

  CreatedSession t = create();
  ASSERT_TRUE(resolve(t.cookie_value));
  service.on_notification("user:" + store.user.id);
  EXPECT_FALSE(resolve(t.cookie_value));
}

TEST_F(SessionServiceTest, AUserEnabledAgainIsAcceptedAtOnce) {
  CreatedSession s = create();
  service.on_notification("user:" + store.user.id);
  EXPECT_FALSE(resolve(s.cookie_value));
  service.on_notification("user_enabled:" + store.user.id);
  CreatedSession again = create();
  EXPECT_TRUE(resolve(again.cookie_value)) << "no wait for the next resync";
}

TEST_F(SessionServiceTest, ADisabledUsersCookieIsToldApartFromASignedOutOne) {
  CreatedSession s = create();
  EXPECT_FALSE(service.is_disabled_user_cookie(s.cookie_value));
  service.on_notification("user:" + store.user.id);
  EXPECT_FALSE(resolve(s.cookie_value));
  EXPECT_TRUE(service.is_disabled_user_cookie(s.cookie_value));
  // Still told after the cookie expired (the seal is what counts).
  clock.advance(std::chrono::hours(48));
  EXPECT_TRUE(service.is_disabled_user_cookie(s.cookie_value));
  service.on_notification("user_enabled:" + store.user.id);
  EXPECT_FALSE(service.is_disabled_user_cookie(s.cookie_value));
  EXPECT_FALSE(service.is_disabled_user_cookie("garbage"));
}

TEST_F(SessionServiceTest, AnotherProcessLearnsTheUserIsDisabledFromTheRow) {
  CreatedSession s = create();
  store.rows[s.session_id].user_disabled = true;
  SessionService other{store, sealer, random, clock, kLifetimes};
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
  EXPECT_TRUE(other.is_disabled_user_cookie(s.cookie_value));
}

TEST_F(SessionServiceTest, ResyncCatchesRevocationsMissedByTheListener) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  store.rows[s.session_id].revoked = true;  // notification lost
  other.replace_revocations(*run(store.revoked_snapshot()));
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, UnknownRowAndRevokedRowAreSignedOut) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  store.rows.clear();
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, StoreOutageOnACacheMissIsAnErrorNotASignOut) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  store.down = true;
  auto r = run(other.resolve(s.cookie_value));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "db.unavailable");
  // Cached sessions keep working during the outage.
  EXPECT_TRUE(resolve(s.cookie_value));
}

TEST_F(SessionServiceTest, AbsoluteLifetimeEndsAnActiveSessionWhateverTheActivity) {
  CreatedSession s = create();
  EXPECT_EQ(store.rows[s.session_id].row.created_at, clock.now_seconds());
  const std::int64_t absolute_end = clock.now_seconds() + 86400;
  std::string cookie = s.cookie_value;
  // Active every 4 hours: the sliding renewal keeps it alive ...
  for (int hour = 4; hour < 24; hour += 4) {
    clock.advance(std::chrono::hours(4));
    auto active = resolve(cookie);
    ASSERT_TRUE(active) << "hour " << hour;
    EXPECT_LE(active->expires_at, absolute_end) << "renewal stays inside the absolute lifetime";
    if (active->renewed_cookie) cookie = *active->renewed_cookie;
  }
  EXPECT_EQ(store.rows[s.session_id].row.expires_at, absolute_end);
  // ... but not past 24 hours after sign-in, here or in another process.
  clock.set(absolute_end - 1);
  EXPECT_TRUE(resolve(cookie));
  clock.set(absolute_end);
  EXPECT_FALSE(resolve(cookie));
  SessionService other{store, sealer, random, clock, kLifetimes};
  EXPECT_FALSE(*run(other.resolve(cookie)));
}

TEST_F(SessionServiceTest, AnotherProcessCountsTheAbsoluteLifetimeFromTheRowsSignInTime) {
  SessionService short_lived{store, sealer, random, clock, {28800, 3600}};
  CreatedSession s = *run(short_lived.create(store.user, {"ua", "127.0.0.1", "", ""}));
  EXPECT_EQ(s.expires_at, clock.now_seconds() + 3600) << "the cookie ends with the absolute limit";
  clock.advance(std::chrono::minutes(59));
  SessionService other{store, sealer, random, clock, {28800, 3600}};
  auto active = *run(other.resolve(s.cookie_value));
  ASSERT_TRUE(active);
  EXPECT_FALSE(active->renewed_cookie) << "nothing to renew: the absolute end is sooner";
  clock.advance(std::chrono::minutes(1));
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, ADeletedRowEndsACachedSessionAndIsNotQueriedAgain) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  store.rows.erase(s.session_id);
  other.on_notification("session:" + s.session_id);  // the delete trigger's notification
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
  const int loads = store.loads;
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
  EXPECT_EQ(store.loads, loads);
}

TEST_F(SessionServiceTest, AfterTheListenerReconnectsCachedSessionsAreReadAgain) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, kLifetimes};
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  store.rows.erase(s.session_id);  // deleted while the listener was away: no notification
  EXPECT_TRUE(*run(other.resolve(s.cookie_value))) << "still cached";
  other.forget_cached_sessions();
  other.replace_revocations(*run(store.revoked_snapshot()));
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, FrontChannelLogoutEndsTheSessionsOfThatIdpSessionOnly) {
  CreatedSession a = create();
  CreatedSession b = create();  // the same IdP session (another tab's sign-in)
  CreatedSession other = *run(
      service.create(store.user, {"ua", "127.0.0.1", "idp-sid-2", "https://idp/v2.0"}));
  ASSERT_TRUE(resolve(a.cookie_value) && resolve(b.cookie_value) && resolve(other.cookie_value));

  EXPECT_EQ(*run(service.end_idp_session("https://other-idp/v2.0", "idp-sid-1")), 0u)
      << "an issuer given must match";
  EXPECT_EQ(*run(service.end_idp_session("", "idp-sid-1")), 2u);
  EXPECT_FALSE(resolve(a.cookie_value)) << "ended here at once, cache or not";
  EXPECT_FALSE(resolve(b.cookie_value));
  EXPECT_TRUE(resolve(other.cookie_value));
  EXPECT_EQ(*run(service.end_idp_session("https://idp/v2.0", "idp-sid-1")), 0u) << "idempotent";
}

TEST_F(SessionServiceTest, GarbageCookiesAreSignedOut) {
  for (const std::string& bad : {std::string(), std::string("x"), std::string("AAAA"), std::string(300, 'A'), std::string("\0\r\n", 3)}) {
    EXPECT_FALSE(resolve(bad));
  }
}

}  // namespace
}  // namespace parley::auth
