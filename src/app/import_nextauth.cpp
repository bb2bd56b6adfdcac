// `parley import nextauth --from <url>`: the Next.js app's users, accounts
// and conversations into Parley (nextauth/importer.hpp), with only
// DATABASE_URL and the sign-in issuer (or --tenant) from the environment.
// Exit codes: 0 done; 1 some users failed (the others are imported); 2 bad
// arguments or configuration; 3 a database could not be reached or read.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>

#include "admin/maintenance.hpp"
#include "app/commands.hpp"
#include "app/import_command.hpp"
#include "config/aliases.hpp"
#include "core/clock.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "nextauth/importer.hpp"
#include "observability/log.hpp"

namespace parley::app {

namespace asio = boost::asio;

namespace {

db::PoolOptions import_pool(std::string url) {
  db::PoolOptions o;
  o.url = std::move(url);
  o.max_connections = 1;
  o.pipelined_reads = false;
  o.query_timeout = std::chrono::minutes(5);  // a heavy user's history
  return o;
}

// Imported messages older than the current months land in messages_default;
// the maintenance step gives them partitions of their months (retention is
// not this command's business: retention_days stays 0).
asio::awaitable<void> partition_imported_messages(asio::io_context& io, db::Pool& dest) {
  SystemClock clock;
  admin::MaintenanceTask task(io, dest, clock, admin::MaintenanceOptions{});
  auto report = co_await task.run_once();
  if (!report) {
    std::fprintf(stderr, "partitions: not arranged (%s); the server's maintenance task will\n",
                 std::string(report.error().code).c_str());
  } else if (!report->ran) {
    std::printf("partitions: a running Parley holds the maintenance lock; it arranges them\n");
  } else {
    std::printf("partitions: %zu created, %lld messages moved out of messages_default\n",
                report->partitions_created.size(), static_cast<long long>(report->rows_moved));
  }
}

}  // namespace

int run_import_nextauth(std::span<const std::string_view> args, const config::Env& env) {
  auto parsed = parse_import_args(args);
  if (!parsed) {
    std::fprintf(stderr, "parley import nextauth: %s\n%s", parsed.error().detail.c_str(),
                 kImportUsage.data());
    return 2;
  }
  auto resolved = config::resolve_aliases(env);
  if (!resolved) {
    std::fprintf(stderr, "parley: configuration error: %s\n", resolved.error().detail.c_str());
    return 2;
  }
  auto database_url = config::load_database_url(resolved->env);
  if (!database_url) {
    std::fprintf(stderr, "parley: configuration error: %s\n", database_url.error().detail.c_str());
    return 2;
  }
  auto tenant = import_tenant(*parsed, resolved->env("AUTH_MICROSOFT_ENTRA_ID_ISSUER"));
  if (!tenant) {
    std::fprintf(stderr, "parley import nextauth: %s\n", tenant.error().detail.c_str());
    return 2;
  }
  // Auth.js' Drizzle schema keeps `timestamp` without time zone: read as UTC.
  ::setenv("PGTZ", "UTC", 1);

  nextauth::ImportOptions options;
  options.tenant_id = *tenant;
  options.tables = parsed->tables;
  options.dry_run = parsed->dry_run;

  asio::io_context io(1);
  db::Pool dest(io, import_pool(std::string(database_url->expose())));
  db::Pool source(io, import_pool(parsed->from));
  int code = 3;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (auto migrated = co_await db::migrate(dest); !migrated) {
          std::fprintf(stderr, "parley import nextauth: Parley's database: %s: %s\n",
                       std::string(migrated.error().code).c_str(), migrated.error().detail.c_str());
        } else if (auto summary = co_await nextauth::import_nextauth(source, dest, options);
                   !summary) {
          std::fprintf(stderr, "parley import nextauth: %s: %s\n",
                       std::string(summary.error().code).c_str(), summary.error().detail.c_str());
        } else {
          std::fputs(nextauth::summary_text(*summary).c_str(), stdout);
          if (!options.dry_run && summary->messages_imported > 0) {
            co_await partition_imported_messages(io, dest);
          }
          code = summary->users_failed > 0 ? 1 : 0;
        }
        source.close();
        dest.close();
      },
      asio::detached);
  io.run();
  log::flush();
  return code;
}

}  // namespace parley::app
