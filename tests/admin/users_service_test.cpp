// The users service and its repositories against a real PostgreSQL:
// search (case-insensitive substring through the trigram index, literal
// wildcards), keyset paging without duplicates, disable/enable with their
// audit rows in the same transaction, sign out everywhere, quota
// overrides, usage counters and the report.

#include "admin/users_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <random>
#include <set>
#include <tuple>

#include "admin/errors.hpp"
#include "db/batch.hpp"
#include "db/db_test_util.hpp"
#include "db/pool.hpp"
#include "db/sessions_repo.hpp"
#include "db/users_repo.hpp"

namespace parley::admin {
namespace {

using db::test::run_sync;

const std::string& schema_url() {
  static const std::string url = db::test::migrated_database("admin_users");
  return url;
}

class UsersAdminDb : public ::testing::Test {
 protected:
  UsersAdminDb() : pool_(io_, options()), admin_(pool_, QuotaDefaults{1000, 3}, clock_) {}
  static db::PoolOptions options() {
    db::PoolOptions o;
    o.url = schema_url();
    o.max_connections = 4;
    return o;
  }
  // A user with a unique tid/oid; `tag` goes into name and email.
  db::UserRecord user(const std::string& tag) {
    static const unsigned base = std::random_device{}();
    static int counter = 0;
    const std::string oid = std::to_string(base) + "-" + std::to_string(++counter);
    db::SigninIdentity id{"tenant", oid, tag + "." + oid + "@example.com", "User " + tag, {}};
    auto u = run_sync(io_, db::upsert_user_on_signin(pool_, id));
    if (!u) throw std::runtime_error(u.error().detail);
    return *u;
  }
  std::string scalar(const std::string& sql) {
    auto rows = run_sync(io_, pool_.query(sql));
    if (!rows || rows->empty()) throw std::runtime_error("query failed: " + sql);
    return std::string(rows->text(0, 0));
  }
  Actor actor(const db::UserRecord& u) { return Actor{u.id, "203.0.113.9", "req-1"}; }
  UserQuery search(const std::string& q, int limit = 50) {
    UserQuery query;
    query.pattern = like_substring_pattern(q);
    query.limit = limit;
    return query;
  }

  boost::asio::io_context io_;
  FakeClock clock_{1'767'225'600 + 3600};  // 2026-01-01T01:00:00Z
  db::Pool pool_;
  UsersAdmin admin_;
};

TEST_F(UsersAdminDb, SearchFindsNameOrEmailAnywhereWhateverTheCase) {
  const auto zed = user("ZebraQuux");
  auto page = run_sync(io_, admin_.list(search("ebraq")));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, zed.id);
  page = run_sync(io_, admin_.list(search(*zed.email)));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 1u);
  // Wildcards are literal; no match spans name and email.
  EXPECT_TRUE(run_sync(io_, admin_.list(search("zebra%quux")))->items.empty());
  EXPECT_TRUE(run_sync(io_, admin_.list(search("ZebraQuux zebra")))->items.empty());
}

TEST_F(UsersAdminDb, PagingVisitsEveryMatchOnce) {
  for (int i = 0; i < 7; ++i) (void)user("Pager");
  std::set<std::string> seen;
  UserQuery q = search("pager", 3);
  int pages = 0;
  for (;;) {
    auto page = run_sync(io_, admin_.list(q));
    ASSERT_TRUE(page);
    ++pages;
    for (const auto& u : page->items) EXPECT_TRUE(seen.insert(u.id.value).second);
    if (!page->next_cursor) break;
    q.after = decode_user_cursor(*page->next_cursor);
    ASSERT_TRUE(q.after);
  }
  EXPECT_GE(seen.size(), 7u);
  EXPECT_GE(pages, 3);
}

TEST_F(UsersAdminDb, DisableRevokesSessionsAndIsAuditedOnce) {
  const auto boss = user("Boss");
  const auto worker = user("Worker");
  db::NewSession s;
  s.id = db::SessionId{"11111111-2222-4333-8444-" + worker.id.value.substr(24)};
  s.user_id = worker.id;
  s.created_at = 1'767'225'600;
  s.expires_at = 4'000'000'000;
  ASSERT_TRUE(run_sync(io_, db::create_session(pool_, s)));

  auto off = run_sync(io_, admin_.set_disabled(actor(boss), worker.id, true));
  ASSERT_TRUE(off);
  ASSERT_TRUE(*off);
  EXPECT_TRUE((*off)->disabled_at.has_value());
  EXPECT_EQ(scalar("SELECT revoked_at IS NOT NULL FROM sessions WHERE id = '" + s.id.value + "'"),
            "t");
  // Again: nothing moves, no second audit row.
  ASSERT_TRUE(run_sync(io_, admin_.set_disabled(actor(boss), worker.id, true)));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_events WHERE type = 'user.disabled' AND subject = '" +
             worker.id.value + "' AND actor = '" + boss.id.value + "' AND ip = '203.0.113.9'"),
      "1");
  auto disabled = run_sync(io_, admin_.list([] {
    UserQuery q;
    q.status = UserStatus::disabled;
    q.limit = 200;
    return q;
  }()));
  ASSERT_TRUE(disabled);
  bool listed = false;
  for (const auto& u : disabled->items) listed = listed || u.id == worker.id;
  EXPECT_TRUE(listed);

  auto on = run_sync(io_, admin_.set_disabled(actor(boss), worker.id, false));
  ASSERT_TRUE(on && *on);
  EXPECT_FALSE((*on)->disabled_at.has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_events WHERE type = 'user.enabled' AND subject = '" +
                   worker.id.value + "'"),
            "1");

  auto self = run_sync(io_, admin_.set_disabled(actor(boss), boss.id, true));
  ASSERT_FALSE(self);
  EXPECT_TRUE(self.error().is(errc::admin::self_disable));
  auto missing = run_sync(
      io_,
      admin_.set_disabled(actor(boss), db::UserId{"00000000-0000-4000-8000-000000000000"}, true));
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(UsersAdminDb, TheDetailIsAuditedForAnotherUserOnly) {
  const auto boss = user("Reader");
  const auto other = user("Read");
  ASSERT_TRUE(run_sync(io_, admin_.detail(actor(boss), boss.id)));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_events WHERE type = 'admin.read_user' AND subject = '" +
             boss.id.value + "'"),
      "0");
  auto d = run_sync(io_, admin_.detail(actor(boss), other.id));
  ASSERT_TRUE(d && *d);
  EXPECT_EQ((*d)->quota.defaults.daily_tokens, 1000);
  EXPECT_EQ((*d)->quota.resets_at, 1'767'225'600 + 86400);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_events WHERE type = 'admin.read_user' AND subject = '" +
             other.id.value + "'"),
      "1");
}

TEST_F(UsersAdminDb, UsageCountsAreAddedInTheCallersTransactionAndReported) {
  const auto u = user("Usage");
  const db::Subject subject{"user", u.id.value};
  for (int i = 0; i < 2; ++i) {
    auto lease = run_sync(io_, pool_.acquire());
    ASSERT_TRUE(lease);
    ASSERT_TRUE(run_sync(io_, lease->execute("BEGIN")));
    db::Batch batch;
    db::add_usage(batch, subject, "gpt-x", 100, 10);
    ASSERT_TRUE(run_sync(io_, lease->batch(batch)));
    ASSERT_TRUE(run_sync(io_, lease->execute(i == 0 ? "COMMIT" : "ROLLBACK")));
  }
  auto today = run_sync(io_, db::tokens_used_today(pool_, subject));
  ASSERT_TRUE(today);
  EXPECT_EQ(*today, 110) << "the rolled-back answer counts nothing";
  auto summary = run_sync(io_, db::usage_summary(pool_, subject));
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->today.messages, 1);
  EXPECT_EQ(summary->last_30_days.prompt_tokens, 100);

  const std::string day = scalar("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')");
  UsageQuery q{day, day, UsageGroup::user, false};
  auto rows = run_sync(io_, admin_.usage(q));
  ASSERT_TRUE(rows);
  bool found = false;
  for (const auto& r : *rows) found = found || (r.key == u.id.value && r.completion_tokens == 10);
  EXPECT_TRUE(found);
  q.group_by = UsageGroup::day;
  rows = run_sync(io_, admin_.usage(q));
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].key, day);
}

// By user: the heaviest first (prompt + completion), ties by id, exact sums.
TEST_F(UsersAdminDb, UsageByUserIsOrderedByTokensWithExactSums) {
  const auto light = user("Light");
  const auto heavy = user("Heavy");
  const std::int64_t big = 4'000'000'000'123;  // beyond int32, exact in float8
  for (const auto& [who, prompt, completion] :
       {std::tuple{light.id, std::int64_t{5}, std::int64_t{1}},
        std::tuple{heavy.id, big, std::int64_t{7}}}) {
    auto lease = run_sync(io_, pool_.acquire());
    ASSERT_TRUE(lease);
    const db::Subject subject{"user", who.value};
    db::Batch batch;
    batch.begin();
    db::add_usage(batch, subject, "m-a", prompt, completion);
    db::add_usage(batch, subject, "m-b", prompt, completion);
    batch.commit();
    ASSERT_TRUE(run_sync(io_, lease->batch(batch)));
  }
  const std::string day = scalar("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')");
  auto rows = run_sync(io_, admin_.usage(UsageQuery{day, day, UsageGroup::user, false}));
  ASSERT_TRUE(rows);
  std::vector<std::string> order;
  for (const auto& r : *rows) {
    if (r.key == light.id.value || r.key == heavy.id.value) order.push_back(r.key);
    if (r.key == heavy.id.value) {
      EXPECT_EQ(r.prompt_tokens, 2 * big);
      EXPECT_EQ(r.completion_tokens, 14);
      EXPECT_EQ(r.messages, 2);
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{heavy.id.value, light.id.value}));
}

TEST_F(UsersAdminDb, QuotaOverridesAreStoredAuditedAndCleared) {
  const auto boss = user("QuotaBoss");
  const auto u = user("Quota");
  auto v = run_sync(io_, admin_.set_quota(actor(boss), u.id, QuotaOverride{5000, std::nullopt}));
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->overrides.daily_tokens, 5000);
  EXPECT_FALSE((*v)->overrides.concurrent_streams);
  v = run_sync(io_, admin_.set_quota(actor(boss), u.id, QuotaOverride{}));
  ASSERT_TRUE(v && *v);
  EXPECT_FALSE((*v)->overrides.daily_tokens);
  EXPECT_EQ(scalar("SELECT count(*) FROM quotas WHERE subject = '" + u.id.value + "'"), "0");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_events WHERE type = 'quota.changed' AND subject = '" +
             u.id.value + "'"),
      "2");
}

TEST_F(UsersAdminDb, TheSearchUsesTheTrigramIndex) {
  // Planner statistics aside, with sequential scans off the plan must be
  // able to use the index at all.
  auto lease = run_sync(io_, pool_.acquire());
  ASSERT_TRUE(lease);
  ASSERT_TRUE(run_sync(io_, lease->execute("SET enable_seqscan = off")));
  auto plan = run_sync(
      io_,
      lease->query("EXPLAIN SELECT id FROM users WHERE lower(coalesce(name, '') || E'\\x1f' || "
                   "coalesce(email, '')) LIKE lower('%lovelace%')"));
  ASSERT_TRUE(plan);
  std::string text;
  for (int r = 0; r < plan->rows(); ++r) text += std::string(plan->text(r, 0)) + "\n";
  EXPECT_NE(text.find("users_name_email_trgm"), std::string::npos) << text;
  ASSERT_TRUE(run_sync(io_, lease->execute("RESET enable_seqscan")));
}

}  // namespace
}  // namespace parley::admin
