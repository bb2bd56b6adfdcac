// `parley serve`: the composition root. Builds config -> pool -> clients ->
// services -> app, applies migrations, starts the revocation listener and
// the HTTP server on one io_context thread, and shuts down gracefully on
// SIGTERM (stop accepting, finish in-flight requests, exit 0).

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "admin/api_gate.hpp"
#include "admin/audit_service.hpp"
#include "admin/data_rights.hpp"
#include "admin/maintenance.hpp"
#include "admin/quota_gate.hpp"
#include "app/app.hpp"
#include "app/commands.hpp"
#include "app/config_summary.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/pg_stores.hpp"
#include "app/security_headers.hpp"
#include "app/serve_options.hpp"
#include "auth/bearer.hpp"
#include "auth/csrf.hpp"
#include "auth/oidc_client.hpp"
#include "auth/seal.hpp"
#include "auth/session_service.hpp"
#include "auth/sign_in.hpp"
#include "chat/pg_store.hpp"
#include "chat/service.hpp"
#include "config/aliases.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "db/audit_repo.hpp"
#include "db/errors.hpp"
#include "db/listener.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "llm/azure_client.hpp"
#include "llm/chat_model.hpp"
#include "llm/credential.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace parley::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const char* version() { return "0.1.0"; }

namespace {

constexpr auto kResyncInterval = 30s;

// Keeps the process's revocation set in step with the database: pushes by
// LISTEN/NOTIFY, and a full resync at start, after every listener
// reconnect and periodically (covers anything missed in between).
class RevocationSync {
 public:
  RevocationSync(asio::io_context& io, db::Pool& pool, auth::SessionService& sessions,
                 auth::SessionStore& store)
      : io_(io),
        sessions_(sessions),
        store_(store),
        timer_(io),
        listener_(
            io, std::string(pool.options().url), {"parley_revocations"},
            [this](std::string_view, std::string_view payload) {
              sessions_.on_notification(payload);
            },
            [this] {
              // Notifications sent while the listener was away are
              // lost; deleted rows are in no snapshot: re-read them.
              sessions_.forget_cached_sessions();
              asio::co_spawn(io_, resync(), asio::detached);
            }) {}

  asio::awaitable<Status> start() {
    auto st = co_await resync_once();
    listener_.start();
    asio::co_spawn(io_, periodic(), asio::detached);
    co_return st;
  }
  void stop() {
    stopped_ = true;
    timer_.cancel();
    listener_.stop();
  }

 private:
  asio::awaitable<Status> resync_once() {
    auto snapshot = co_await store_.revoked_snapshot();
    if (!snapshot) {
      log::warn("session.resync_failed").str("code", snapshot.error().code);
      co_return snapshot.error();
    }
    sessions_.replace_revocations(std::move(*snapshot));
    co_return Status{};
  }
  asio::awaitable<void> resync() { (void)co_await resync_once(); }
  asio::awaitable<void> periodic() {
    while (!stopped_) {
      timer_.expires_after(kResyncInterval);
      auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || stopped_) co_return;
      (void)co_await resync_once();
    }
  }

  asio::io_context& io_;
  auth::SessionService& sessions_;
  auth::SessionStore& store_;
  asio::steady_timer timer_;
  db::Listener listener_;
  bool stopped_ = false;
};

// The model behind the chat API: Azure OpenAI with the configured credential.
std::unique_ptr<llm::ChatModel> make_chat_model(asio::io_context& io, http::HttpClient& http_client,
                                                const config::Config& cfg, Random& random,
                                                const Clock& clock) {
  return llm::make_azure_chat_model(io, http_client, cfg.azure,
                                    llm::make_credential(io, http_client, cfg.azure, clock), random,
                                    clock);
}

// Identifies this process in messages.owner (diagnostics of the lease).
std::string instance_id(Random& random) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "/" + std::to_string(getpid()) + "/" + random.token(6);
}

void register_server_metrics(metrics::Registry& registry, const http::Server& server) {
  registry.counter_fn("parley_http_requests_total", "HTTP requests received",
                      [&server] { return static_cast<double>(server.stats().requests_total); });
  registry.gauge("parley_http_requests_in_flight", "HTTP requests being handled",
                 [&server] { return static_cast<double>(server.stats().in_flight); });
  registry.counter_fn(
      "parley_http_responses_5xx_total", "HTTP responses with a 5xx status",
      [&server] { return static_cast<double>(server.stats().responses_by_class[5]); });
  registry.counter_fn(
      "parley_http_responses_4xx_total", "HTTP responses with a 4xx status",
      [&server] { return static_cast<double>(server.stats().responses_by_class[4]); });
  registry.counter_fn("parley_http_request_duration_seconds_sum",
                      "Total time spent handling requests",
                      [&server] { return server.stats().duration_seconds_sum; });
  registry.gauge("parley_http_connections_active", "Open client connections",
                 [&server] { return static_cast<double>(server.stats().connections_active); });
}

// Sign-in failures over the audit budget are summarised in one row a minute.
asio::awaitable<void> flush_suppressed_audit_every_minute(asio::steady_timer& timer,
                                                          auth::SignInService& sign_in) {
  for (;;) {
    timer.expires_after(std::chrono::minutes(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    co_await sign_in.flush_suppressed_audit();
  }
}

// The configuration this process runs with, secrets redacted, into the
// audit trail: what changed between two starts is on the record. A failure
// is logged; the server still starts (sign-ins are audited on their own).
asio::awaitable<void> audit_configuration(db::Pool& pool, const config::Config& cfg,
                                          std::string instance) {
  db::AuditEntry e;
  e.type = "config.loaded";
  e.detail = config_summary(cfg, version(), instance);
  auto r = co_await db::append_audit(pool, e);
  if (!r) log::error("audit.write_failed").str("type", e.type).str("code", r.error().code);
}

// Applies pending migrations. A runtime role that may not change the schema
// (docs/DEPLOY.md, "Database roles") leaves them to the owner's `parley
// migrate` and waits until they are applied (the start-up probe bounds it).
asio::awaitable<Status> migrate_or_wait(asio::io_context& io, db::Pool& pool) {
  auto migrated = co_await db::migrate(pool);
  if (migrated || !migrated.error().is(errc::db::insufficient_privilege)) co_return migrated;
  log::warn("db.migrations_waiting").str("detail", migrated.error().detail);
  asio::steady_timer timer(io);
  for (;;) {
    timer.expires_after(2s);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return migrated;
    auto status = co_await db::migration_status(pool);
    if (status && status->pending == 0) co_return Status{};
  }
}

// Every streamed answer holds two sockets (browser + upstream): the usual
// soft limit of 1024 descriptors would cap a replica near 500 streams.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// The parts of a running server, one struct per layer, each built from
// the layers before it. Members are constructed top to bottom and destroyed
// in reverse, so a part never outlives what it uses.

// Step 1: the event loop, randomness, time, metrics, the database pool
// (connections open lazily; migrations run in Process::start) and the
// outgoing HTTP client.
struct Platform {
  explicit Platform(const config::Config& cfg)
      : pool(io, pool_options(cfg)),
        http_client(
            http::make_http_client(io, http::client_options_from_env(config::process_env()))) {}

  static db::PoolOptions pool_options(const config::Config& cfg) {
    db::PoolOptions o;
    o.url = std::string(cfg.database_url.expose());
    return o;
  }

  asio::io_context io{1};
  OpenSslRandom random;
  SystemClock clock;
  metrics::Registry registry;
  db::Pool pool;
  std::unique_ptr<http::HttpClient> http_client;
};

// Step 2: credentials and sign-in: cookie sealing keys (one purpose each),
// CSRF keys, the stores behind sessions, the OIDC client and the sign-in
// flow that ties them together.
struct AuthParts {
  AuthParts(const config::Config& cfg, Platform& p)
      : session_sealer(cfg.auth_secrets, "parley.session.v1"),
        transaction_sealer(cfg.auth_secrets, "parley.oidc.v1"),
        csrf(cfg.auth_secrets),
        session_store(p.pool),
        users(p.pool),
        replay(p.pool),
        audit(p.pool),
        sessions(session_store, session_sealer, p.random, p.clock,
                 {cfg.session_max_age, cfg.session_absolute_max_age}),
        oidc(*p.http_client, p.clock, oidc_client_options(cfg)),
        bearer(oidc, p.clock, bearer_rules(cfg)),
        sign_in(oidc, sessions, users, replay, audit, transaction_sealer, p.random, p.clock,
                sign_in_options(cfg)),
        audit_flush_timer(p.io) {
    sign_in.register_metrics(p.registry);
  }

  const auth::Sealer session_sealer;
  const auth::Sealer transaction_sealer;
  const auth::CsrfKeys csrf;
  PgSessionStore session_store;
  PgUserDirectory users;
  PgReplayGuard replay;
  PgAuditSink audit;
  auth::SessionService sessions;
  auth::OidcClient oidc;
  auth::BearerVerifier bearer;  // /v1: the tenant's keys through oidc's cache
  auth::SignInService sign_in;
  asio::steady_timer audit_flush_timer;
};

// Step 3: the model, the chat service on its store, and the administration
// services (audit trail, data rights, partition and retention maintenance).
struct ChatParts {
  ChatParts(const config::Config& cfg, Platform& p)
      : chat_model(make_chat_model(p.io, *p.http_client, cfg, p.random, p.clock)),
        options(chat_options(cfg, instance_id(p.random))),
        quota_gate(quota_defaults(cfg), p.clock, chat::kStreamLease),
        // The quotas run in each new turn's transaction, right before COMMIT.
        store(p.io, p.pool,
              [this](db::Lease& tx, const db::UserId& user) { return quota_gate.admit(tx, user); }),
        chat(p.io, store, *chat_model, timers, options, &p.registry),
        audit_log(p.pool),
        data_rights(p.pool, p.clock),
        maintenance_options(app::maintenance_options(cfg)),
        maintenance(p.io, p.pool, p.clock, maintenance_options, &p.registry),
        users_admin(p.pool, quota_defaults(cfg), p.clock),
        api_gate(p.pool, quota_defaults(cfg), p.clock, chat::kStreamLease) {}

  std::unique_ptr<llm::ChatModel> chat_model;
  chat::ChatOptions options;
  admin::QuotaGate quota_gate;
  chat::PgChatStore store;
  chat::SteadyTimers timers;
  chat::ChatService chat;
  admin::AuditService audit_log;
  admin::DataRights data_rights;
  admin::MaintenanceOptions maintenance_options;
  admin::MaintenanceTask maintenance;
  admin::UsersAdmin users_admin;
  admin::ApiGate api_gate;
};

// Steps 4 to 6: the app over the services, the listeners, and the
// process's life: start (migrate, listen), run until a signal, shut down.
class Process {
 public:
  explicit Process(const config::Config& cfg, std::chrono::steady_clock::time_point started)
      : cfg_(cfg),
        started_(started),
        platform_(cfg),
        auth_(cfg, platform_),
        chat_(cfg, platform_),
        // The same set on the app's responses and on those the server writes itself.
        security_headers_(security_headers(cfg)),
        app_(services()),
        server_(
            platform_.io, main_server_options(cfg, security_headers_),
            [this](http::Request& req) { return app_.handle(req); }, platform_.random),
        revocation_sync_(platform_.io, platform_.pool, auth_.sessions, auth_.session_store),
        signals_(platform_.io, SIGTERM, SIGINT) {
    register_server_metrics(platform_.registry, server_);
    if (auto o = metrics_server_options(cfg, security_headers_)) {
      metrics_server_.emplace(platform_.io, std::move(*o),
                              metrics_only_handler(platform_.registry, security_headers_),
                              platform_.random);
    }
  }

  // Runs the event loop until shutdown; the process's exit code.
  int run() {
    asio::co_spawn(platform_.io, start(), asio::detached);
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) asio::co_spawn(platform_.io, shutdown(), asio::detached);
    });
    platform_.io.run();
    log::flush();
    return exit_code_;
  }

 private:
  // Step 4: what the handlers reach, and the gauges that read it.
  Services services() {
    Services s;
    s.config = &cfg_;
    s.chat = &chat_.chat;
    s.audit_log = &chat_.audit_log;
    s.data_rights = &chat_.data_rights;
    s.users_admin = &chat_.users_admin;
    s.bearer = &auth_.bearer;
    s.model = chat_.chat_model.get();
    s.api_gate = &chat_.api_gate;
    s.sessions = &auth_.sessions;
    s.sign_in = &auth_.sign_in;
    s.csrf = &auth_.csrf;
    s.audit = &auth_.audit;
    s.metrics = &platform_.registry;
    s.clock = &platform_.clock;
    s.https = cfg_.auth_url.https();
    CookieNames names = cookie_names(s.https);
    s.session_cookie_name = std::move(names.session);
    s.transaction_cookie_name = std::move(names.transaction);
    s.security_headers = security_headers_;
    s.frontchannel_logout_csp = frontchannel_logout_csp(cfg_);
    s.readiness = [&pool = platform_.pool]() -> asio::awaitable<Readiness> {
      auto status = co_await db::migration_status(pool);
      if (!status) co_return Readiness{false, std::string(status.error().code)};
      if (status->pending > 0) co_return Readiness{false, "migrations pending"};
      co_return Readiness{true, {}};
    };
    auto& registry = platform_.registry;
    registry.gauge("parley_chat_answers_streaming", "Answers this process is streaming",
                   [&chat = chat_.chat] { return static_cast<double>(chat.active_answers()); });
    registry.gauge(
        "parley_sessions_cached", "Sessions cached in this process",
        [&sessions = auth_.sessions] { return static_cast<double>(sessions.cached_sessions()); });
    registry.gauge("parley_revoked_sessions", "Revoked, unexpired sessions known to this process",
                   [&sessions = auth_.sessions] {
                     return static_cast<double>(sessions.revocations().revoked_sessions());
                   });
    registry.gauge("parley_process_start_seconds", "Seconds since the epoch at start-up",
                   [start = platform_.clock.now_seconds()] { return static_cast<double>(start); });
    return s;
  }

  // Step 5: the database schema first (nothing is served on an old one),
  // then what must be loaded before the first request (revocations, the
  // chat service's leases), then the listeners; background work last.
  asio::awaitable<void> start() {
    auto& pool = platform_.pool;
    auto migrated = co_await migrate_or_wait(platform_.io, pool);
    if (!migrated) {
      log::error("db.migrate_failed")
          .str("code", migrated.error().code)
          .str("detail", migrated.error().detail);
      fail();
      co_return;
    }
    co_await audit_configuration(pool, cfg_, chat_.options.instance_id);
    (void)co_await revocation_sync_.start();
    co_await chat_.chat.start();
    auto port = listen();
    if (!port) {
      fail();
      co_return;
    }
    log_started(*port);
    // Partitions ahead (and retention) now, then every interval, on
    // whichever replica holds the maintenance lock.
    chat_.maintenance.start();
    asio::co_spawn(platform_.io,
                   flush_suppressed_audit_every_minute(auth_.audit_flush_timer, auth_.sign_in),
                   asio::detached);
    // Warm the discovery document and keys; sign-in retries on failure.
    if (auto st = co_await auth_.oidc.refresh_jwks(); !st) {
      log::warn("oidc.warmup_failed").str("code", st.error().code).str("detail", st.error().detail);
    }
  }

  // Both listeners, or nothing: the main port, or an error already logged.
  std::optional<std::uint16_t> listen() {
    auto port = server_.listen();
    if (!port) {
      log::error("server.listen_failed").str("detail", port.error().detail);
      return std::nullopt;
    }
    if (metrics_server_) {
      auto metrics_port = metrics_server_->listen();
      if (!metrics_port) {
        log::error("server.listen_failed")
            .str("listener", "metrics")
            .str("detail", metrics_port.error().detail);
        return std::nullopt;
      }
      log::info("metrics.listening").str("host", cfg_.host).num("port", *metrics_port);
    }
    return *port;
  }

  // The lines operators look for: listening (with the start-up time), and
  // which model and maintenance settings this process runs with.
  void log_started(std::uint16_t port) {
    const auto& cfg = cfg_;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_)
                        .count();
    log::info("server.listening")
        .str("host", cfg.host)
        .num("port", port)
        .num("startup_ms", ms)
        .str("azure_openai_credential", config::to_string(cfg.azure.auth))
        .str("version", version());
    log::info("llm.configured")
        .str("credential", llm::describe_credential(cfg.azure))
        .str("endpoint", cfg.azure.endpoint)
        .str("deployment", cfg.azure.deployment)
        .str("api_version", cfg.azure.api_version);
    const auto& m = chat_.maintenance_options;
    log::info("maintenance.configured")
        .num("retention_days", cfg.retention_days)
        .num("months_ahead", m.months_ahead)
        .num("interval_s", std::chrono::duration_cast<std::chrono::seconds>(m.interval).count());
    log::flush();
  }

  void fail() {
    exit_code_ = 1;
    platform_.io.stop();
  }

  // Step 6 (SIGTERM/SIGINT): stop accepting, let in-flight requests and
  // streams finish (their answers are stored as stopped), then stop the
  // background work and close the pool.
  asio::awaitable<void> shutdown() {
    log::info("server.shutting_down");
    server_.start_shutdown();
    if (metrics_server_) metrics_server_->start_shutdown();
    co_await server_.drained();
    if (metrics_server_) co_await metrics_server_->drained();
    chat_.chat.shutdown();
    chat_.maintenance.shutdown();
    auth_.audit_flush_timer.cancel();
    co_await auth_.sign_in.flush_suppressed_audit();
    revocation_sync_.stop();
    platform_.pool.close();
    log::info("server.stopped");
    log::flush();
    platform_.io.stop();
  }

  const config::Config& cfg_;
  std::chrono::steady_clock::time_point started_;
  Platform platform_;
  AuthParts auth_;
  ChatParts chat_;
  http::Headers security_headers_;
  App app_;
  http::Server server_;
  std::optional<http::Server> metrics_server_;
  RevocationSync revocation_sync_;
  asio::signal_set signals_;
  int exit_code_ = 0;
};

}  // namespace

int run_serve(const config::Config& cfg) {
  const auto started = std::chrono::steady_clock::now();
  raise_descriptor_limit();
  log::set_level(cfg.log_level);
  // Names only, never values: NEXTAUTH_SECRET is among them.
  for (const auto& alias : cfg.aliases_used) {
    log::warn(alias.redundant ? "config.redundant_variable" : "config.renamed_variable")
        .str("variable", alias.old_name)
        .str("use", alias.new_name)
        .str("detail", config::describe(alias));
  }
  Process process(cfg, started);
  return process.run();
}

}  // namespace parley::app
