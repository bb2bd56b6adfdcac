// `parley doctor`: checks the configuration against the live identity
// provider and database, one verdict per line (ok/warn/fail), --json for
// machines; exit 0 only when nothing failed. `parley migrate` lives here too.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/database_tls.hpp"
#include "app/responses.hpp"
#include "auth/jose.hpp"
#include "auth/oidc_client.hpp"
#include "config/aliases.hpp"
#include "core/clock.hpp"
#include "core/percent.hpp"
#include "core/random.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "http/client.hpp"
#include "llm/azure_client.hpp"
#include "llm/chat_model.hpp"
#include "llm/credential.hpp"
#include "observability/log.hpp"

namespace parley::app {

namespace asio = boost::asio;

namespace {

struct Check {
  std::string status;  // ok | warn | fail
  std::string name;
  std::string detail;
};

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

// Lends a credential to the probe model without giving it away (the token
// check and the deployment probe share one cached token). A 401 is reported
// as is (Credential::on_unauthorized's default): the token is fresh and the
// probe makes no retries.
class BorrowedCredential final : public llm::Credential {
 public:
  explicit BorrowedCredential(llm::Credential& inner) : inner_(inner) {}
  asio::awaitable<Result<llm::AuthHeader>> header() override { return inner_.header(); }
  std::string_view name() const override { return inner_.name(); }

 private:
  llm::Credential& inner_;
};

std::string error_text(const Error& e) { return std::string(e.code) + ": " + e.detail; }

// The redirect URI Parley sends (AUTH_URL + AUTH_CALLBACK_PATH). Entra does
// not publish an app's registered redirect URIs (reading them needs Graph
// permissions Parley does not have), but its authorize endpoint refuses an
// unregistered one with AADSTS50011 before any sign-in page: a GET without
// state or PKCE tells, and starts no sign-in. Anything else is inconclusive
// and reported as ok (decision 0011-nextauth-migration).
asio::awaitable<Check> check_redirect_uri(const config::Config& cfg, http::HttpClient& client,
                                          const std::optional<auth::ProviderMetadata>& meta) {
  const std::string uri = cfg.redirect_uri();
  const std::string advice =
      " (register it as a Web redirect URI; front-channel logout URL: " + cfg.auth_url.text +
      "/api/auth/frontchannel-logout)";
  if (!meta) co_return Check{"ok", "redirect_uri", uri + advice};
  http::ClientRequest probe;
  probe.url = meta->authorization_endpoint +
              (meta->authorization_endpoint.find('?') == std::string::npos ? "?" : "&") +
              "client_id=" + percent_encode(cfg.entra.client_id) +
              "&response_type=code&scope=openid&redirect_uri=" + percent_encode(uri);
  probe.timeout = std::chrono::seconds(10);
  auto resp = co_await client.send(probe);
  if (resp && resp->body.find("AADSTS50011") != std::string::npos) {
    co_return Check{"warn", "redirect_uri",
                    uri +
                        " is not a registered redirect URI of the app (AADSTS50011): register "
                        "it, or set AUTH_CALLBACK_PATH to the path that is registered"};
  }
  co_return Check{"ok", "redirect_uri", uri + advice};
}

// Which credential is in use, whether it yields a token, and whether the
// deployment answers a one-line completion (no retries: an operator is waiting).
asio::awaitable<void> check_azure_openai(const config::Config& cfg, asio::io_context& io,
                                         http::HttpClient& client, std::vector<Check>& out) {
  out.push_back({"ok", "azure_openai.credential", llm::describe_credential(cfg.azure)});
  SystemClock clock;
  OpenSslRandom random;
  auto credential = llm::make_credential(io, client, cfg.azure, clock);
  if (cfg.azure.auth == config::AzureAuthMode::api_key) {
    out.push_back({"ok", "azure_openai.token", "not needed: the api-key header is sent"});
  } else if (auto header = co_await credential->header(); !header) {
    out.push_back({"fail", "azure_openai.token", error_text(header.error())});
    out.push_back({"fail", "azure_openai.deployment", "not probed: no token"});
    co_return;
  } else {
    out.push_back(
        {"ok", "azure_openai.token", "obtained for " + std::string(llm::kCognitiveServicesScope)});
  }
  llm::AzureClientOptions options;
  options.retry.max_retries = 0;
  options.connect_timeout = std::chrono::seconds(5);
  options.first_token_timeout = std::chrono::seconds(30);
  auto model = llm::make_azure_chat_model(io, client, cfg.azure,
                                          std::make_unique<BorrowedCredential>(*credential), random,
                                          clock, options);
  llm::ModelRequest probe;
  probe.messages.push_back({"user", "Reply with the single word OK."});
  const std::string where = llm::chat_completions_url(cfg.azure);
  if (auto answer = co_await model->complete(std::move(probe)); !answer) {
    out.push_back({"fail", "azure_openai.deployment", where + ": " + error_text(answer.error())});
  } else {
    out.push_back(
        {"ok", "azure_openai.deployment", cfg.azure.deployment + " answered at " + where});
  }
}

asio::awaitable<void> run_checks(const config::Config& cfg, asio::io_context& io,
                                 std::vector<Check>& out) {
  auto client = http::make_http_client(io, http::client_options_from_env(config::process_env()));
  out.push_back({"ok", "config", "environment parsed; issuer " + cfg.entra.issuer});
  for (const auto& alias : cfg.aliases_used) {
    out.push_back({"warn", "config.alias", config::describe(alias)});
  }

  // Discovery, fetched directly so the Date header can be read.
  http::ClientRequest req;
  req.url = cfg.entra.issuer + "/.well-known/openid-configuration";
  req.timeout = std::chrono::seconds(10);
  auto resp = co_await client->send(req);
  std::optional<auth::ProviderMetadata> meta;
  if (!resp) {
    out.push_back(
        {"fail", "discovery", std::string(resp.error().code) + ": " + resp.error().detail});
  } else if (resp->status != 200) {
    out.push_back({"fail", "discovery", req.url + " answered " + std::to_string(resp->status)});
  } else if (auto parsed = auth::parse_discovery(resp->body); !parsed) {
    out.push_back({"fail", "discovery", parsed.error().detail});
  } else {
    meta = *parsed;
    out.push_back({"ok", "discovery", req.url});
    const bool templated = meta->issuer.find("{tenantid}") != std::string::npos;
    if (templated) {
      out.push_back({cfg.entra.multi_tenant ? "ok" : "fail", "issuer",
                     "multi-tenant template " + meta->issuer +
                         "; allowed tenants: " + std::to_string(cfg.entra.allowed_tenants.size())});
    } else if (meta->issuer == cfg.entra.issuer) {
      out.push_back({"ok", "issuer", meta->issuer});
    } else {
      out.push_back({"fail", "issuer",
                     "discovery says " + meta->issuer + ", AUTH_MICROSOFT_ENTRA_ID_ISSUER is " +
                         cfg.entra.issuer});
    }
    if (auto date = resp->headers.get("Date"); date) {
      if (auto idp_now = parse_http_date(*date)) {
        const std::int64_t skew = static_cast<std::int64_t>(std::time(nullptr)) - *idp_now;
        const std::int64_t abs_skew = skew < 0 ? -skew : skew;
        out.push_back(
            {abs_skew > 300  ? "fail"
             : abs_skew > 60 ? "warn"
                             : "ok",
             "clock_skew",
             std::to_string(skew) + " s against the identity provider (tokens allow 300 s)"});
      } else {
        out.push_back({"warn", "clock_skew", "unparseable Date header"});
      }
    } else {
      out.push_back({"warn", "clock_skew", "the identity provider sent no Date header"});
    }
    http::ClientRequest jwks_req;
    jwks_req.url = meta->jwks_uri;
    auto jwks = co_await client->send(jwks_req);
    if (!jwks || jwks->status != 200) {
      out.push_back({"fail", "jwks", meta->jwks_uri + " unreachable"});
    } else if (auto keys = auth::jose::parse_jwks(jwks->body); !keys) {
      out.push_back({"fail", "jwks", keys.error().detail});
    } else {
      out.push_back({keys->size() > 0 ? "ok" : "fail", "jwks",
                     std::to_string(keys->size()) + " RS256 signing keys"});
    }
    out.push_back({meta->end_session_endpoint.empty() ? "warn" : "ok", "end_session",
                   meta->end_session_endpoint.empty()
                       ? "no end_session_endpoint: sign-out stays local"
                       : meta->end_session_endpoint});
  }
  out.push_back(co_await check_redirect_uri(cfg, *client, meta));
  if (cfg.entra.federated_token_file.empty()) {
    out.push_back({"ok", "sign_in.client_credential", "client secret"});
  } else if (auto assertion = read_secret_file(cfg.entra.federated_token_file); !assertion) {
    out.push_back({"fail", "sign_in.client_credential",
                   "federated token file: " + assertion.error().detail});
  } else {
    out.push_back({"ok", "sign_in.client_credential",
                   "federated token file " + cfg.entra.federated_token_file});
  }

  const auto tls = check_database_tls(cfg.database_url.expose(), config::process_env());
  out.push_back({tls.status, "database.tls", tls.detail});

  db::PoolOptions pool_options;
  pool_options.url = std::string(cfg.database_url.expose());
  pool_options.max_connections = 1;
  db::Pool pool(io, pool_options);
  auto ping = co_await pool.query("select version()", {});
  if (!ping) {
    out.push_back(
        {"fail", "database", std::string(ping.error().code) + ": " + ping.error().detail});
  } else {
    out.push_back({"ok", "database", std::string(ping->text(0, 0)).substr(0, 40)});
    // Timestamps are read in PostgreSQL's ISO output (db/rows.hpp).
    if (auto style = co_await pool.query("SHOW DateStyle", {}); style) {
      const std::string value(style->text(0, 0));
      out.push_back({value.starts_with("ISO") ? "ok" : "fail", "database.datestyle",
                     value + (value.starts_with("ISO") ? ""
                                                       : ": Parley needs DateStyle ISO (the "
                                                         "default); set it for its role")});
    }
    auto status = co_await db::migration_status(pool);
    if (!status) {
      out.push_back({"fail", "migrations", std::string(status.error().code)});
    } else if (status->applied > status->latest_known) {
      out.push_back({"fail", "migrations", "the database is newer than this binary"});
    } else if (status->pending > 0) {
      out.push_back({"warn", "migrations",
                     std::to_string(status->pending) +
                         " pending (applied by `parley migrate` or at start-up)"});
    } else {
      out.push_back({"ok", "migrations", "version " + std::to_string(status->applied)});
    }
  }
  pool.close();
  co_await check_azure_openai(cfg, io, *client, out);
}

}  // namespace

int run_doctor(const config::Config& cfg, bool json) {
  log::set_level(log::Level::error);
  asio::io_context io(1);
  std::vector<Check> checks;
  asio::co_spawn(io, run_checks(cfg, io, checks), asio::detached);
  io.run();
  bool failed = false;
  if (json) {
    std::string out = "[";
    for (std::size_t i = 0; i < checks.size(); ++i) {
      if (i) out += ',';
      out += "{\"status\":" + json_quote(checks[i].status) +
             ",\"name\":" + json_quote(checks[i].name) +
             ",\"detail\":" + json_quote(checks[i].detail) + "}";
    }
    out += "]\n";
    std::fputs(out.c_str(), stdout);
  }
  for (const auto& c : checks) {
    failed = failed || c.status == "fail";
    if (!json) std::printf("%-4s  %-24s %s\n", c.status.c_str(), c.name.c_str(), c.detail.c_str());
  }
  return failed ? 1 : 0;
}

int run_migrate(const Secret& database_url) {
  asio::io_context io(1);
  db::PoolOptions pool_options;
  pool_options.url = std::string(database_url.expose());
  pool_options.max_connections = 1;
  db::Pool pool(io, pool_options);
  int code = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto st = co_await db::migrate(pool);
        if (!st) {
          std::fprintf(stderr, "parley migrate: %s: %s\n", std::string(st.error().code).c_str(),
                       st.error().detail.c_str());
          code = 1;
        } else {
          auto status = co_await db::migration_status(pool);
          std::printf("migrations applied; schema version %d\n", status ? status->applied : -1);
        }
        pool.close();
      },
      asio::detached);
  io.run();
  log::flush();
  return code;
}

}  // namespace parley::app
