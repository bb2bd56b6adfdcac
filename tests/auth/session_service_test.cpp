// SessionService against an in-memory store and a fake clock: cookies,
// cache, renewal, revocation by push and by resync.

#include "auth/session_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <map>

namespace parley::auth {
namespace {

template <class T>
T run(boost::asio::awaitable<T> op) {
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.run();
  return f.get();
}

class MemoryStore final : public SessionStore {
 public:
  struct Row {
    NewSessionRow row;
    bool revoked = false;
  };
  std::map<std::string, Row> rows;
  SessionUser user{
      "7d4f0d2c-8f5e-4f7b-9a43-5b0e6a3c2d11", "Ada Lovelace", "ada@example.com", {"admin"}};
  int loads = 0;
  bool down = false;

  boost::asio::awaitable<Status> insert(NewSessionRow row) override {
    if (down) co_return make_error("db.unavailable");
    rows[row.session_id] = Row{row, false};
    co_return Status{};
  }
  boost::asio::awaitable<Result<std::optional<StoredSession>>> load(std::string sid,
                                                                    std::string uid) override {
    ++loads;
    if (down) co_return make_error("db.unavailable");
    auto it = rows.find(sid);
    if (it == rows.end() || it->second.row.user_id != uid) co_return std::optional<StoredSession>{};
    StoredSession s;
    s.user = user;
    s.expires_at = it->second.row.expires_at;
    s.revoked = it->second.revoked;
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
  SessionService service{store, sealer, random, clock, 28800};

  CreatedSession create() {
    auto created = run(service.create(store.user, "ua", "127.0.0.1"));
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
  EXPECT_EQ(active->user.email, "ada@example.com");
  EXPECT_EQ(active->session_id, s.session_id);
  EXPECT_FALSE(active->renewed_cookie);
  EXPECT_EQ(store.loads, 0);
}

TEST_F(SessionServiceTest, AnotherProcessLoadsTheRowOnceThenCaches) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, 28800};
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
  ASSERT_TRUE(run(service.revoke(active->session_id, active->user.id, "sign_out")));
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

TEST_F(SessionServiceTest, ResyncCatchesRevocationsMissedByTheListener) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, 28800};
  ASSERT_TRUE(*run(other.resolve(s.cookie_value)));
  store.rows[s.session_id].revoked = true;  // notification lost
  other.replace_revocations(*run(store.revoked_snapshot()));
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, UnknownRowAndRevokedRowAreSignedOut) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, 28800};
  store.rows.clear();
  EXPECT_FALSE(*run(other.resolve(s.cookie_value)));
}

TEST_F(SessionServiceTest, StoreOutageOnACacheMissIsAnErrorNotASignOut) {
  CreatedSession s = create();
  SessionService other{store, sealer, random, clock, 28800};
  store.down = true;
  auto r = run(other.resolve(s.cookie_value));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "db.unavailable");
  // Cached sessions keep working during the outage.
  EXPECT_TRUE(resolve(s.cookie_value));
}

TEST_F(SessionServiceTest, GarbageCookiesAreSignedOut) {
  for (const std::string& bad : {std::string(), std::string("x"), std::string("AAAA"), std::string(300, 'A'), std::string("\0\r\n", 3)}) {
    EXPECT_FALSE(resolve(bad));
  }
}

}  // namespace
}  // namespace parley::auth
