#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <random>

#include "db/audit_repo.hpp"
#include "db/errors.hpp"
#include "db/listener.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/sessions_repo.hpp"
#include "db/users_repo.hpp"
#include "db_test_util.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
using test::run_until;
namespace asio = boost::asio;

// A migrated database shared by the repository tests of this process.
const std::string& schema_url() {
  static const std::string url = test::migrated_database("repos");
  return url;
}

class DbRepos : public ::testing::Test {
 protected:
  DbRepos() : pool_(io_, options()) {}
  static PoolOptions options() {
    PoolOptions o;
    o.url = schema_url();
    o.max_connections = 4;
    return o;
  }
  UserRecord sign_in(const std::string& tid, const std::string& oid, const std::string& email,
                     const std::string& name, std::vector<std::string> roles = {}) {
    SigninIdentity id{tid, oid, email, name, std::move(roles)};
    auto u = run_sync(io_, upsert_user_on_signin(pool_, id));
    if (!u) throw std::runtime_error(u.error().detail);
    return *u;
  }
  // Unique per call, also across --gtest_repeat runs on the same database.
  static std::string uuid(int n) {
    static const unsigned base = std::random_device{}();
    static unsigned counter = 0;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4000-8000-%012d", base, ++counter & 0xffff, n);
    return buf;
  }
  static NewSession session(const SessionId& id, const UserId& user) {
    NewSession s;
    s.id = id;
    s.user_id = user;
    s.created_at = now();
    s.expires_at = now() + 3600;
    return s;
  }
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }

  asio::io_context io_;
  Pool pool_;
};

TEST_F(DbRepos, UpsertKeysUsersOnTenantAndObjectIdNotEmail) {
  auto a = sign_in("tid-1", "oid-a", "same@example.com", "A", {"user"});
  auto b = sign_in("tid-1", "oid-b", "same@example.com", "B");
  EXPECT_NE(a.id, b.id);
  auto a2 = sign_in("tid-1", "oid-a", "renamed@example.com", "A Renamed", {"admin", "has \"quote\""});
  EXPECT_EQ(a2.id, a.id);
  EXPECT_EQ(a2.email, "renamed@example.com");
  EXPECT_EQ(a2.name, "A Renamed");
  EXPECT_EQ(a2.roles, (std::vector<std::string>{"admin", "has \"quote\""}));
  EXPECT_TRUE(a2.last_login_at.has_value());
  EXPECT_FALSE(a2.disabled());
  // Another tenant with the same oid is another user.
  auto c = sign_in("tid-2", "oid-a", "x@example.com", "C");
  EXPECT_NE(c.id, a.id);

  Params p{a.id.value};
  auto acc = run_sync(io_, pool_.query("SELECT provider, provider_account_id FROM accounts WHERE user_id = $1", p));
  ASSERT_TRUE(acc);
  ASSERT_EQ(acc->rows(), 1);
  EXPECT_EQ(acc->text(0, 0), "microsoft-entra-id");
  EXPECT_EQ(acc->text(0, 1), "tid-1.oid-a");

  auto found = run_sync(io_, find_user(pool_, a.id));
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->object_id, "oid-a");
}

TEST_F(DbRepos, SessionsCreateLoadExtendRevoke) {
  auto u = sign_in("tid-1", "oid-sess", "s@example.com", "S", {"user"});
  const SessionId sid{uuid(1001)};
  NewSession ns{sid,      u.id,        now() - 60, now() + 3600, "curl/8",
                "127.0.0.1", "idp-sid-1", "https://idp.example/t/v2.0"};
  ASSERT_TRUE(run_sync(io_, create_session(pool_, ns)));
  // Same id again: unique violation.
  auto again = run_sync(io_, create_session(pool_, ns));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "db.unique_violation");

  auto loaded = run_sync(io_, load_session(pool_, sid, u.id));
  ASSERT_TRUE(loaded) << loaded.error().detail;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->email, "s@example.com");
  EXPECT_EQ((*loaded)->roles, std::vector<std::string>{"user"});
  EXPECT_EQ((*loaded)->expires_at, ns.expires_at);
  EXPECT_EQ((*loaded)->created_at, ns.created_at) << "the absolute lifetime counts from here";
  EXPECT_FALSE((*loaded)->revoked_at);

  // Scoped by user: another user id finds nothing.
  auto other = sign_in("tid-1", "oid-other", "o@example.com", "O");
  auto foreign = run_sync(io_, load_session(pool_, sid, other.id));
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(foreign->has_value());

  auto extended = run_sync(io_, extend_session(pool_, sid, u.id, now() + 7200));
  ASSERT_TRUE(extended);
  EXPECT_TRUE(*extended);

  auto revoked = run_sync(io_, revoke_session(pool_, sid, u.id, "sign_out"));
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(*revoked);
  auto twice = run_sync(io_, revoke_session(pool_, sid, u.id, "sign_out"));
  ASSERT_TRUE(twice);
  EXPECT_FALSE(*twice);
  auto after = run_sync(io_, extend_session(pool_, sid, u.id, now() + 9000));
  ASSERT_TRUE(after);
  EXPECT_FALSE(*after);

  auto ids = run_sync(io_, revoked_ids(pool_));
  ASSERT_TRUE(ids);
  EXPECT_NE(std::find(ids->sessions.begin(), ids->sessions.end(), sid), ids->sessions.end());
}

TEST_F(DbRepos, SessionsOfOneIdpSessionAreRevokedTogetherAndOnlyThem) {
  auto u = sign_in("tid-1", "oid-fcl", "f@example.com", "F");
  const std::string issuer = "https://idp.example/t/v2.0";
  const SessionId a{uuid(3001)}, b{uuid(3002)}, other{uuid(3003)}, none{uuid(3004)};
  for (const auto& [id, sid] : {std::pair{a, "idp-a"}, std::pair{b, "idp-a"},
                                std::pair{other, "idp-b"}, std::pair{none, ""}}) {
    NewSession ns = session(id, u.id);
    ns.idp_session_id = sid;
    ns.idp_issuer = issuer;
    ASSERT_TRUE(run_sync(io_, create_session(pool_, ns)));
  }
  auto wrong_issuer = run_sync(io_, revoke_idp_session(pool_, "https://other/v2.0", "idp-a", "x"));
  ASSERT_TRUE(wrong_issuer);
  EXPECT_TRUE(wrong_issuer->empty());
  auto ended = run_sync(io_, revoke_idp_session(pool_, "", "idp-a", "frontchannel_logout"));
  ASSERT_TRUE(ended) << ended.error().detail;
  std::vector<SessionId> got = *ended;
  std::sort(got.begin(), got.end(), [](const auto& x, const auto& y) { return x.value < y.value; });
  EXPECT_EQ(got, (std::vector<SessionId>{a, b}));
  auto again = run_sync(io_, revoke_idp_session(pool_, issuer, "idp-a", "frontchannel_logout"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty()) << "already revoked: nothing twice";
  auto other_row = run_sync(io_, load_session(pool_, other, u.id));
  ASSERT_TRUE(other_row && other_row->has_value());
  EXPECT_FALSE((*other_row)->revoked_at);
  auto nulls = run_sync(io_, pool_.query("SELECT count(*) FROM sessions WHERE idp_session_id IS"
                                         " NULL AND id = '" + none.value + "'"));
  ASSERT_TRUE(nulls);
  EXPECT_EQ(nulls->text(0, 0), "1") << "no sid is stored as NULL, never matched";
}

TEST_F(DbRepos, DisablingAUserInSqlRevokesSessionsAndNotifies) {
  const std::string oid = "oid-disable-" + uuid(0);
  auto u = sign_in("tid-1", oid, "d@example.com", "D");
  const SessionId s1{uuid(2001)};
  const SessionId s2{uuid(2002)};
  ASSERT_TRUE(run_sync(io_, create_session(pool_, session(s1, u.id))));
  ASSERT_TRUE(run_sync(io_, create_session(pool_, session(s2, u.id))));

  std::vector<std::string> payloads;
  Listener listener(io_, schema_url(), {"parley_revocations"},
                    [&](std::string_view, std::string_view payload) { payloads.emplace_back(payload); },
                    [] {});
  listener.start();
  ASSERT_TRUE(run_until(io_, [&] { return listener.connected(); }, 10s));

  Params p{u.id.value};
  auto upd = run_sync(io_, pool_.query("UPDATE users SET disabled_at = now() WHERE id = $1", p));
  ASSERT_TRUE(upd) << upd.error().detail;

  ASSERT_TRUE(run_until(io_, [&] {
    return std::find(payloads.begin(), payloads.end(), "user:" + u.id.value) != payloads.end();
  }, 5s));
  // The sessions were revoked by the trigger (and each announced itself).
  ASSERT_TRUE(run_until(io_, [&] { return payloads.size() >= 3; }, 5s));
  EXPECT_NE(std::find(payloads.begin(), payloads.end(), "session:" + s1.value), payloads.end());
  auto rows = run_sync(io_, pool_.query(
      "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NOT NULL "
      "AND revoke_reason = 'user_disabled'", p));
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->int64(0, 0), 2);
  auto loaded = run_sync(io_, load_session(pool_, s1, u.id));
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_TRUE((*loaded)->user_disabled_at.has_value());

  auto ids = run_sync(io_, revoked_ids(pool_));
  ASSERT_TRUE(ids);
  EXPECT_NE(std::find(ids->users.begin(), ids->users.end(), u.id), ids->users.end());

  auto again = sign_in("tid-1", oid, "d@example.com", "D");
  EXPECT_TRUE(again.disabled());
  listener.stop();
}

TEST_F(DbRepos, AuditEventsAreAppendOnly) {
  AuditEntry e;
  e.type = "sign_in.failure";
  e.ip = "127.0.0.1";
  e.detail["reason"] = "oidc.state_mismatch";
  e.detail["attempt"] = 1;
  auto seq = run_sync(io_, append_audit(pool_, e));
  ASSERT_TRUE(seq) << seq.error().detail;
  EXPECT_GT(*seq, 0);

  Params p{*seq};
  auto read = run_sync(io_, pool_.query("SELECT type, detail->>'reason', detail->>'attempt', actor "
                                        "FROM audit_events WHERE seq = $1", p));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text(0, 0), "sign_in.failure");
  EXPECT_EQ(read->text(0, 1), "oidc.state_mismatch");
  EXPECT_EQ(read->text(0, 2), "1");
  EXPECT_TRUE(read->is_null(0, 3));

  auto upd = run_sync(io_, pool_.query("UPDATE audit_events SET type = 'sign_in.success' WHERE seq = $1", p));
  ASSERT_FALSE(upd);
  EXPECT_TRUE(upd.error().is(errc::db::insufficient_privilege)) << upd.error().code;
  EXPECT_NE(upd.error().detail.find("append-only"), std::string::npos);
  auto del = run_sync(io_, pool_.query("DELETE FROM audit_events WHERE seq = $1", p));
  ASSERT_FALSE(del);
  auto trunc = run_sync(io_, pool_.query("TRUNCATE audit_events"));
  ASSERT_FALSE(trunc);
  auto still = run_sync(io_, pool_.query("SELECT type FROM audit_events WHERE seq = $1", p));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->text(0, 0), "sign_in.failure");
}

}  // namespace
}  // namespace parley::db
