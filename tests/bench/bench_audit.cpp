// What appending to the audit trail adds to the request that causes it
// (docs/BENCHMARKS.md, "Audit append"). Against a migrated database:
//   bench_audit <database url> [iterations=2000]
// Three pairs, each timed alternately with and without the append, one
// request at a time (latency, not throughput):
//  - an admin change: BEGIN; UPDATE users ...; [append_audit(tx)]; COMMIT
//  - a conversation deletion: the one statement that deletes and audits,
//    against the same statement without its audit part
//  - sign-out's extra statement: append_audit(pool) alone, against a
//    trivial statement
// and then 4 connections appending at once (throughput, the chain's lock).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <cstdio>
#include <string>
#include <vector>

#include "db/audit_repo.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"

namespace {

namespace asio = boost::asio;
using namespace parley;
using Clock = std::chrono::steady_clock;

struct Samples {
  std::vector<double> ms;
  double at(double q) {
    std::sort(ms.begin(), ms.end());
    return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))];
  }
};

void check(const Status& s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s %s\n", what, std::string(s.error().code).c_str(),
                 s.error().detail.c_str());
    std::exit(1);
  }
}
template <class T>
void check(const Result<T>& r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s %s\n", what, std::string(r.error().code).c_str(),
                 r.error().detail.c_str());
    std::exit(1);
  }
}

db::AuditEntry entry(const std::string& user) {
  db::AuditEntry e;
  e.type = "user.disabled";
  e.actor = db::UserId{user};
  e.subject = db::UserId{user};
  e.ip = "203.0.113.9";
  e.detail["request_id"] = "4bf92f3577b34da6a3ce929d0e0e4736";
  return e;
}

constexpr db::Statement kTouch{"bench_touch", "UPDATE users SET name = $2 WHERE id = $1"};
constexpr db::Statement kCreateConversation{
    "bench_create", "INSERT INTO conversations (user_id, title) VALUES ($1, 'x') RETURNING id"};
constexpr db::Statement kDeleteAudited{
    "bench_delete_audited",
    "WITH c AS (DELETE FROM conversations WHERE id = $2 AND user_id = $1 RETURNING id),"
    " m AS (DELETE FROM messages WHERE user_id = $1 AND conversation_id = $2"
    "       AND EXISTS (SELECT 1 FROM c) RETURNING 1),"
    " a AS (INSERT INTO audit_events (type, actor, subject, ip, detail)"
    "       SELECT 'conversation.deleted', $1::text, $1::text, '203.0.113.9',"
    "              jsonb_build_object('conversation_id', c.id, 'messages', (SELECT count(*) FROM m))"
    "       FROM c RETURNING 1)"
    " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM a)"};
constexpr db::Statement kDeletePlain{
    "bench_delete_plain",
    "WITH c AS (DELETE FROM conversations WHERE id = $2 AND user_id = $1 RETURNING id),"
    " m AS (DELETE FROM messages WHERE user_id = $1 AND conversation_id = $2"
    "       AND EXISTS (SELECT 1 FROM c) RETURNING 1)"
    " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM m)"};
constexpr db::Statement kTrivial{"bench_trivial", "SELECT 1"};

asio::awaitable<void> admin_change(db::Pool& pool, std::string user, bool audited, Samples* out) {
  const auto start = Clock::now();
  auto lease = co_await pool.acquire();
  check(lease, "acquire");
  check(co_await lease->execute("BEGIN"), "begin");
  db::Params params{user, "n" + std::to_string(out->ms.size())};
  check(co_await lease->prepared(kTouch, std::move(params)), "update");
  if (audited) check(co_await db::append_audit(*lease, entry(user)), "append");
  check(co_await lease->execute("COMMIT"), "commit");
  out->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
}

asio::awaitable<void> deletion(db::Pool& pool, std::string user, bool audited, Samples* out) {
  db::Params create{user};
  auto created = co_await pool.prepared(kCreateConversation, std::move(create));
  check(created, "create");
  db::Params params{user, std::string(created->text(0, 0))};
  const auto start = Clock::now();
  check(co_await pool.prepared(audited ? kDeleteAudited : kDeletePlain, std::move(params)),
        "delete");
  out->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
}

asio::awaitable<void> extra_statement(db::Pool& pool, std::string user, bool audited,
                                      Samples* out) {
  const auto start = Clock::now();
  if (audited) {
    check(co_await db::append_audit(pool, entry(user)), "append");
  } else {
    check(co_await pool.prepared(kTrivial), "select");
  }
  out->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
}

asio::awaitable<void> appender(db::Pool& pool, std::string user, int n, int* done) {
  for (int i = 0; i < n; ++i) check(co_await db::append_audit(pool, entry(user)), "append");
  ++*done;
}

void run(asio::io_context& io, asio::awaitable<void> op) {
  bool finished = false;
  asio::co_spawn(io, std::move(op), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    finished = true;
  });
  // run_one() returns 0 once the context ran out of work (e.g. between a
  // pool's timers), which leaves it stopped: restart it, or this spins.
  while (!finished) {
    if (io.run_one() == 0) io.restart();
  }
}

void report(const char* name, Samples& with, Samples& without) {
  const double a = with.at(0.5), b = without.at(0.5);
  std::printf("%-34s p50 %.3f ms with, %.3f ms without: +%.3f ms  (p90 %.3f / %.3f, p99 %.3f / %.3f)\n",
              name, a, b, a - b, with.at(0.9), without.at(0.9), with.at(0.99), without.at(0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_audit <database url> [iterations]\n");
    return 2;
  }
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 2000;
  asio::io_context io(1);
  db::PoolOptions o;
  o.url = argv[1];
  o.max_connections = 4;
  o.pipelined_reads = false;
  db::Pool pool(io, o);
  run(io, [](db::Pool& p) -> asio::awaitable<void> { check(co_await db::migrate(p), "migrate"); }(pool));

  std::string user;
  run(io, [](db::Pool& p, std::string* out) -> asio::awaitable<void> {
    auto rows = co_await p.query(
        "INSERT INTO users (tenant_id, object_id, name) VALUES ('bench', gen_random_uuid()::text, "
        "'Bench') RETURNING id");
    check(rows, "user");
    *out = std::string(rows->text(0, 0));
  }(pool, &user));

  Samples change_with, change_without, delete_with, delete_without, extra_with, extra_without;
  for (int i = 0; i < iterations / 10; ++i) {  // warm-up: connections, prepared statements
    run(io, admin_change(pool, user, i % 2 == 0, &change_with));
    run(io, deletion(pool, user, i % 2 == 0, &delete_with));
    run(io, extra_statement(pool, user, i % 2 == 0, &extra_with));
  }
  change_with.ms.clear();
  delete_with.ms.clear();
  extra_with.ms.clear();
  for (int i = 0; i < iterations; ++i) {
    run(io, admin_change(pool, user, true, &change_with));
    run(io, admin_change(pool, user, false, &change_without));
    run(io, deletion(pool, user, true, &delete_with));
    run(io, deletion(pool, user, false, &delete_without));
    run(io, extra_statement(pool, user, true, &extra_with));
    run(io, extra_statement(pool, user, false, &extra_without));
  }
  std::printf("%d iterations each, one at a time\n", iterations);
  report("admin change (in-transaction append)", change_with, change_without);
  report("conversation delete (same statement)", delete_with, delete_without);
  report("sign-out's append (own transaction)", extra_with, extra_without);

  constexpr int kWriters = 4;
  int done = 0;
  const int each = iterations / 2;
  const auto start = Clock::now();
  for (int w = 0; w < kWriters; ++w) asio::co_spawn(io, appender(pool, user, each, &done), asio::detached);
  while (done < kWriters) {
    if (io.run_one() == 0) io.restart();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%d connections appending at once: %.0f appends/s\n", kWriters,
              kWriters * each / seconds);

  auto verified = std::make_shared<Result<db::AuditChainReport>>(db::AuditChainReport{});
  const auto vstart = Clock::now();
  run(io, [](db::Pool& p, std::shared_ptr<Result<db::AuditChainReport>> out) -> asio::awaitable<void> {
    *out = co_await db::verify_audit_chain(p);
  }(pool, verified));
  check(*verified, "verify");
  std::printf("verify: %lld events %s in %.0f ms\n", static_cast<long long>((*verified)->count),
              (*verified)->broken ? "BROKEN" : "intact",
              std::chrono::duration<double, std::milli>(Clock::now() - vstart).count());
  pool.close();
  return (*verified)->broken ? 1 : 0;
}
