// `parley audit verify`: walks the audit trail's hash chain (db/audit_chain.hpp)
// with only DATABASE_URL, for an auditor or a scheduled job.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "app/commands.hpp"
#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "observability/log.hpp"

namespace parley::app {

namespace asio = boost::asio;

namespace {

std::string_view explain(db::AuditChainBreak::Reason reason) {
  switch (reason) {
    case db::AuditChainBreak::Reason::missing:
      return "missing (the row was deleted)";
    case db::AuditChainBreak::Reason::out_of_order:
      return "out of order (seq repeats or goes back: rows were reordered or forged)";
    case db::AuditChainBreak::Reason::hash_mismatch:
      return "hash mismatch (the row was changed, or the one before it together with its hash)";
  }
  return "";
}

}  // namespace

int run_audit_verify(const Secret& database_url) {
  asio::io_context io(1);
  db::PoolOptions pool_options;
  pool_options.url = std::string(database_url.expose());
  pool_options.max_connections = 1;
  pool_options.pipelined_reads = false;
  // A long chain takes a while; a lost connection still fails at once.
  pool_options.query_timeout = std::chrono::minutes(5);
  db::Pool pool(io, pool_options);
  int code = 3;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto report = co_await db::verify_audit_chain(pool);
        if (!report) {
          std::fprintf(stderr, "parley audit verify: %s: %s\n",
                       std::string(report.error().code).c_str(), report.error().detail.c_str());
        } else if (report->broken) {
          std::printf("audit chain broken at seq %lld: %s; %lld events before it are intact\n",
                      static_cast<long long>(report->broken->seq),
                      std::string(explain(report->broken->reason)).c_str(),
                      static_cast<long long>(report->count));
          code = 1;
        } else {
          std::printf("audit chain intact: %lld events", static_cast<long long>(report->count));
          if (report->count > 0) {
            std::printf(", head seq %lld hash %s", static_cast<long long>(report->head_seq),
                        report->head_hash.c_str());
          }
          std::printf("\n");
          code = 0;
        }
        pool.close();
      },
      asio::detached);
  io.run();
  log::flush();
  return code;
}

}  // namespace parley::app
