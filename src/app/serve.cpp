// `parley serve`: the composition root. Builds config -> pool -> clients ->
// services -> app, applies migrations, starts the revocation listener and
// the HTTP server on one io_context thread, and shuts down gracefully on
// SIGTERM (stop accepting, finish in-flight requests, exit 0).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>
#include <unistd.h>

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
      : io_(io), sessions_(sessions), store_(store), timer_(io),
        listener_(io, std::string(pool.options().url), {"parley_revocations"},
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
                                    llm::make_credential(io, http_client, cfg.azure, clock),
                                    random, clock);
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
  registry.counter_fn("parley_http_responses_5xx_total", "HTTP responses with a 5xx status",
                 [&server] { return static_cast<double>(server.stats().responses_by_class[5]); });
  registry.counter_fn("parley_http_responses_4xx_total", "HTTP responses with a 4xx status",
                 [&server] { return static_cast<double>(server.stats().responses_by_class[4]); });
  registry.counter_fn("parley_http_request_duration_seconds_sum", "Total time spent handling requests",
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
  asio::io_context io(1);
  OpenSslRandom random;
  SystemClock clock;
  metrics::Registry registry;

  db::PoolOptions pool_options;
  pool_options.url = std::string(cfg.database_url.expose());
  db::Pool pool(io, pool_options);
  auto http_client =
      http::make_http_client(io, http::client_options_from_env(config::process_env()));

  const auth::Sealer session_sealer(cfg.auth_secrets, "parley.session.v1");
  const auth::Sealer transaction_sealer(cfg.auth_secrets, "parley.oidc.v1");
  const auth::CsrfKeys csrf(cfg.auth_secrets);

  PgSessionStore session_store(pool);
  PgUserDirectory users(pool);
  PgReplayGuard replay(pool);
  PgAuditSink audit(pool);
  auth::SessionService sessions(session_store, session_sealer, random, clock,
                                {cfg.session_max_age, cfg.session_absolute_max_age});

  auth::OidcClientOptions oidc_options;
  oidc_options.issuer = cfg.entra.issuer;
  oidc_options.client_id = cfg.entra.client_id;
  oidc_options.client_secret = cfg.entra.client_secret;
  oidc_options.client_assertion_file = cfg.entra.federated_token_file;
  auth::OidcClient oidc(*http_client, clock, oidc_options);
  auth::AccessTokenRules bearer_rules;
  bearer_rules.issuer = cfg.entra.issuer;
  bearer_rules.allowed_tenants = cfg.entra.allowed_tenants;
  bearer_rules.audiences = cfg.api.audiences;
  bearer_rules.api_role = cfg.api.role;
  bearer_rules.api_scope = cfg.api.scope;
  auth::BearerVerifier bearer(oidc, clock, bearer_rules);

  auth::SignInOptions sign_in_options;
  sign_in_options.public_origin = cfg.auth_url.text;
  sign_in_options.redirect_uri = cfg.redirect_uri();
  sign_in_options.client_id = cfg.entra.client_id;
  sign_in_options.issuer = cfg.entra.issuer;
  sign_in_options.allowed_tenants = cfg.entra.allowed_tenants;
  sign_in_options.silent_sso = cfg.silent_sso;
  sign_in_options.throttle.burst = static_cast<double>(cfg.callback_failures_per_minute);
  sign_in_options.throttle.refill_per_second =
      static_cast<double>(cfg.callback_failures_per_minute) / 60.0;
  auth::SignInService sign_in(oidc, sessions, users, replay, audit, transaction_sealer, random,
                              clock, sign_in_options);
  sign_in.register_metrics(registry);
  asio::steady_timer audit_flush_timer(io);

  auto chat_model = make_chat_model(io, *http_client, cfg, random, clock);
  chat::ChatOptions chat_options;
  chat_options.system_prompt = cfg.system_prompt;
  chat_options.history_max_chars = cfg.history_max_chars;
  chat_options.instance_id = instance_id(random);
  chat_options.max_output_tokens = static_cast<int>(cfg.max_output_tokens);
  const admin::QuotaGate quota_gate(
      admin::QuotaDefaults{cfg.quota_daily_tokens, cfg.quota_concurrent_streams}, clock,
      chat::kStreamLease);
  chat::PgChatStore chat_store(io, pool, [&quota_gate](db::Lease& tx, const db::UserId& user) {
    return quota_gate.admit(tx, user);
  });
  chat::SteadyTimers chat_timers;
  chat::ChatService chat_service(io, chat_store, *chat_model, chat_timers, chat_options, &registry);
  admin::AuditService audit_log(pool);
  admin::DataRights data_rights(pool, clock);
  admin::MaintenanceOptions maintenance_options;
  maintenance_options.retention_days = cfg.retention_days;
  admin::MaintenanceTask maintenance(io, pool, clock, maintenance_options, &registry);

  admin::ApiGate api_gate(pool,
                          admin::QuotaDefaults{cfg.quota_daily_tokens, cfg.quota_concurrent_streams},
                          clock, chat::kStreamLease);
  admin::UsersAdmin users_admin(
      pool, admin::QuotaDefaults{cfg.quota_daily_tokens, cfg.quota_concurrent_streams}, clock);

  Services services;
  services.config = &cfg;
  services.chat = &chat_service;
  services.audit_log = &audit_log;
  services.data_rights = &data_rights;
  services.users_admin = &users_admin;
  services.sessions = &sessions;
  services.sign_in = &sign_in;
  services.csrf = &csrf;
  services.audit = &audit;
  services.metrics = &registry;
  services.clock = &clock;
  services.bearer = &bearer;
  services.model = chat_model.get();
  services.api_gate = &api_gate;
  services.https = cfg.auth_url.https();
  services.session_cookie_name = services.https ? "__Host-parley.session" : "parley.session";
  services.transaction_cookie_name = services.https ? "__Host-parley.oidc" : "parley.oidc";
  // The same set on the app's responses and on those the server writes itself.
  const http::Headers response_security_headers = security_headers(cfg);
  services.security_headers = response_security_headers;
  services.frontchannel_logout_csp = frontchannel_logout_csp(cfg);
  services.readiness = [&pool]() -> asio::awaitable<Readiness> {
    auto status = co_await db::migration_status(pool);
    if (!status) co_return Readiness{false, std::string(status.error().code)};
    if (status->pending > 0) co_return Readiness{false, "migrations pending"};
    co_return Readiness{true, {}};
  };
  registry.gauge("parley_chat_answers_streaming", "Answers this process is streaming",
                 [&chat_service] { return static_cast<double>(chat_service.active_answers()); });
  registry.gauge("parley_sessions_cached", "Sessions cached in this process",
                 [&sessions] { return static_cast<double>(sessions.cached_sessions()); });
  registry.gauge("parley_revoked_sessions", "Revoked, unexpired sessions known to this process",
                 [&sessions] { return static_cast<double>(sessions.revocations().revoked_sessions()); });
  registry.gauge("parley_process_start_seconds", "Seconds since the epoch at start-up",
                 [start = clock.now_seconds()] { return static_cast<double>(start); });
  App app(std::move(services));

  http::ServerOptions server_options;
  server_options.host = cfg.host;
  server_options.port = cfg.port;
  server_options.error_headers = response_security_headers;
  http::Server server(io, server_options,
                      [&app](http::Request& req) { return app.handle(req); }, random);
  register_server_metrics(registry, server);
  // METRICS_PORT: a second listener on the same address serving /metrics only.
  std::optional<http::Server> metrics_server;
  if (cfg.metrics_port) {
    http::ServerOptions metrics_options;
    metrics_options.host = cfg.host;
    metrics_options.port = *cfg.metrics_port;
    metrics_options.error_headers = response_security_headers;
    metrics_options.log_flush_interval = 0ms;  // the main server flushes
    metrics_server.emplace(io, metrics_options,
                           metrics_only_handler(registry, response_security_headers), random);
  }

  RevocationSync revocation_sync(io, pool, sessions, session_store);
  int exit_code = 0;

  asio::signal_set signals(io, SIGTERM, SIGINT);
  auto shutdown = [&]() -> asio::awaitable<void> {
    log::info("server.shutting_down");
    server.start_shutdown();
    if (metrics_server) metrics_server->start_shutdown();
    co_await server.drained();
    if (metrics_server) co_await metrics_server->drained();
    chat_service.shutdown();
    maintenance.shutdown();
    audit_flush_timer.cancel();
    co_await sign_in.flush_suppressed_audit();
    revocation_sync.stop();
    pool.close();
    log::info("server.stopped");
    log::flush();
    io.stop();
  };

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto migrated = co_await migrate_or_wait(io, pool);
        if (!migrated) {
          log::error("db.migrate_failed").str("code", migrated.error().code)
              .str("detail", migrated.error().detail);
          exit_code = 1;
          io.stop();
          co_return;
        }
        co_await audit_configuration(pool, cfg, chat_options.instance_id);
        (void)co_await revocation_sync.start();
        co_await chat_service.start();
        auto port = server.listen();
        if (!port) {
          log::error("server.listen_failed").str("detail", port.error().detail);
          exit_code = 1;
          io.stop();
          co_return;
        }
        if (metrics_server) {
          auto metrics_port = metrics_server->listen();
          if (!metrics_port) {
            log::error("server.listen_failed")
                .str("listener", "metrics")
                .str("detail", metrics_port.error().detail);
            exit_code = 1;
            io.stop();
            co_return;
          }
          log::info("metrics.listening").str("host", cfg.host).num("port", *metrics_port);
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started).count();
        log::info("server.listening").str("host", cfg.host).num("port", *port)
            .num("startup_ms", ms).str("azure_openai_credential", config::to_string(cfg.azure.auth))
            .str("version", version());
        log::info("llm.configured").str("credential", llm::describe_credential(cfg.azure))
            .str("endpoint", cfg.azure.endpoint).str("deployment", cfg.azure.deployment)
            .str("api_version", cfg.azure.api_version);
        log::info("maintenance.configured").num("retention_days", cfg.retention_days)
            .num("months_ahead", maintenance_options.months_ahead)
            .num("interval_s", std::chrono::duration_cast<std::chrono::seconds>(
                                   maintenance_options.interval).count());
        log::flush();
        // Partitions ahead (and retention) now, then every interval, on
        // whichever replica holds the maintenance lock.
        maintenance.start();
        asio::co_spawn(io, flush_suppressed_audit_every_minute(audit_flush_timer, sign_in),
                       asio::detached);
        // Warm the discovery document and keys; sign-in retries on failure.
        if (auto st = co_await oidc.refresh_jwks(); !st) {
          log::warn("oidc.warmup_failed").str("code", st.error().code).str("detail", st.error().detail);
        }
      },
      asio::detached);

  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) asio::co_spawn(io, shutdown(), asio::detached);
  });

  io.run();
  log::flush();
  return exit_code;
}

}  // namespace parley::app
