// A helper process for audit_db_test's concurrency test: appends N audit
// events over several connections at once, as one Parley replica would.
//   audit_append_load <database url> <events> <process tag> <barrier key>
// It first waits on a shared advisory lock that the test holds, so that
// every process starts appending at the same moment. Exit 0 when every
// append succeeded.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "db/audit_repo.hpp"
#include "db/pool.hpp"

namespace {

namespace asio = boost::asio;
using namespace parley;

constexpr int kConnections = 4;

asio::awaitable<void> appender(db::Pool& pool, std::string tag, int first, int count, int* failed) {
  for (int i = first; i < first + count; ++i) {
    db::AuditEntry e;
    e.type = "test.load";
    e.ip = "127.0.0.1";
    e.detail["process"] = tag;
    e.detail["n"] = i;
    auto r = co_await db::append_audit(pool, e);
    if (!r) {
      std::fprintf(stderr, "append failed: %s %s\n", std::string(r.error().code).c_str(),
                   r.error().detail.c_str());
      ++*failed;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: audit_append_load <url> <events> <tag> <barrier key>\n");
    return 2;
  }
  const std::string url = argv[1];
  const int events = std::atoi(argv[2]);
  const std::string tag = argv[3];
  const std::string barrier = argv[4];

  asio::io_context io(1);
  db::PoolOptions o;
  o.url = url;
  o.max_connections = kConnections;
  o.pipelined_reads = false;
  o.acquire_timeout = std::chrono::seconds(60);
  o.query_timeout = std::chrono::seconds(60);
  db::Pool pool(io, o);
  int failed = 0;
  int finished = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        db::Params key{barrier};
        auto waited = co_await pool.query("SELECT pg_advisory_lock_shared($1::bigint)", key);
        if (!waited) {
          ++failed;
          pool.close();
          co_return;
        }
        const int per = events / kConnections;
        for (int c = 0; c < kConnections; ++c) {
          const int count = c == kConnections - 1 ? events - per * c : per;
          asio::co_spawn(io, appender(pool, tag, per * c, count, &failed),
                         [&](std::exception_ptr) {
                           if (++finished == kConnections) pool.close();
                         });
        }
      },
      [](std::exception_ptr) {});
  io.run();
  return failed == 0 && finished == kConnections ? 0 : 1;
}
