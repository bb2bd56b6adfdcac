// Credentials toward Azure OpenAI over a scripted transport: token request
// shapes (client secret, workload identity, managed identity), the cache
// (single flight, refresh ahead of expiry, keeping a valid token when a
// refresh fails) and error details.

#include "llm/credential.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "llm/azure_stream_fixture.hpp"
#include "llm/errors.hpp"
#include "support/http/fake_http_client.hpp"
#include "support/run_coroutine.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using ::parley::testing::run_on;

using test::azure_stream;
using test::content_chunk;
using test::sse_chunk;

constexpr std::int64_t kNow = 1'700'000'000;

config::AzureOpenAiConfig entra_config() {
  config::AzureOpenAiConfig cfg;
  cfg.endpoint = "https://example-aoai.openai.azure.com";
  cfg.deployment = "gpt-4o-mini";
  cfg.auth = config::AzureAuthMode::client_secret;
  cfg.tenant_id = "11111111-2222-3333-4444-555555555555";
  cfg.client_id = "app-client";
  cfg.client_secret = Secret("s3cret+/=&");
  cfg.authority_host = "https://login.example.test/";
  return cfg;
}

http::ClientResponse token_response(const std::string& token, int expires_in = 3599) {
  return http::ClientResponse{200,
                              {},
                              R"({"token_type":"Bearer","expires_in":)" +
                                  std::to_string(expires_in) +
                                  R"(,"ext_expires_in":3599,"access_token":")" + token + R"("})"};
}

std::string bearer_of(const Result<AuthHeader>& h) {
  if (!h) return "error:" + std::string(h.error().code);
  return h->name + ": " + h->value;
}

class TempFile {
 public:
  TempFile() {
    char tmpl[] = "/tmp/parley-fedtoken-XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = tmpl;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  void write(const std::string& s) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << s;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Credentials : public ::testing::Test {
 protected:
  asio::io_context io;
  http::FakeHttpClient fake{io.get_executor()};
  FakeClock clock{kNow};
  config::AzureOpenAiConfig cfg = entra_config();
};

TEST_F(Credentials, ApiKeyHeader) {
  auto c = make_api_key_credential(Secret("k-123"));
  EXPECT_EQ(c->name(), "api-key");
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "api-key: k-123");
}

TEST_F(Credentials, ClientSecretRequestShape) {
  fake.push_response(token_response("tok-1"));
  auto c = make_credential(io, fake, cfg, clock);
  EXPECT_EQ(c->name(), "client-secret");
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer tok-1");
  ASSERT_EQ(fake.requests().size(), 1u);
  const auto& r = fake.requests()[0];
  EXPECT_EQ(r.method, http::Method::post);
  EXPECT_EQ(r.url,
            "https://login.example.test/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token");
  EXPECT_EQ(r.headers.get("content-type").value_or(""), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body,
            "grant_type=client_credentials&client_id=app-client"
            "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default"
            "&client_secret=s3cret%2B%2F%3D%26");
}

asio::awaitable<void> call_header(Credential* c, std::vector<std::string>* out) {
  out->push_back(bearer_of(co_await c->header()));
}

// What a 401 makes an answer do: tell the credential, then ask again.
asio::awaitable<void> call_after_rejection(Credential* c, AuthHeader rejected,
                                           std::vector<std::string>* out) {
  if (!c->on_unauthorized(rejected)) {
    out->push_back("kept");
    co_return;
  }
  out->push_back(bearer_of(co_await c->header()));
}

AccessToken token(const std::string& value, std::int64_t expires_on) {
  return AccessToken{Secret(value), expires_on};
}

AuthHeader bearer_header(const std::string& value) {
  return AuthHeader{"Authorization", "Bearer " + value};
}

// The answers a TokenSource gives, in order, and a gate: while held, a token
// request waits until release(), so a test can line callers up behind it
// without any clock. A request beyond the script is an error, never UB.
struct TokenScript {
  explicit TokenScript(asio::io_context& io) : gate(io, asio::steady_timer::time_point::max()) {}
  void hold() { held = true; }
  void release() {
    held = false;
    gate.cancel();
  }

  std::vector<Result<AccessToken>> answers;
  int calls = 0;
  bool held = false;
  asio::steady_timer gate;
};

// A token request beyond the script.
inline constexpr ErrorCode kUnexpected{Kind::internal, "test.unexpected"};

class ScriptedSource final : public TokenSource {
 public:
  explicit ScriptedSource(TokenScript& script) : script_(script) {}
  asio::awaitable<Result<AccessToken>> fetch() override {
    const auto n = static_cast<std::size_t>(script_.calls++);
    while (script_.held) {
      (void)co_await script_.gate.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (n >= script_.answers.size()) co_return make_error(kUnexpected, "extra token request");
    co_return script_.answers[n];
  }
  std::string_view name() const override { return "scripted"; }

 private:
  TokenScript& script_;
};

class TokenCache : public Credentials {
 protected:
  std::unique_ptr<Credential> credential(std::vector<Result<AccessToken>> answers) {
    script.answers = std::move(answers);
    return make_token_credential(io, std::make_unique<ScriptedSource>(script), clock);
  }
  // Runs every ready handler; afterwards each spawned caller is parked (on
  // the gate or on the flight it waits for). No time passes.
  void settle() {
    io.restart();
    io.poll();
  }
  void finish() {
    script.release();
    io.restart();
    io.run();
  }

  TokenScript script{io};
};

// The FakeHttpClient answers within the call, so these callers run one after
// the other: this checks the cache. The single flight is checked below with
// callers that really arrive while the token request is in flight.
TEST_F(Credentials, LaterCallersAreServedFromTheCache) {
  int calls = 0;
  fake.on_send([&](const http::ClientRequest&) -> Result<http::ClientResponse> {
    ++calls;
    return token_response("tok-shared");
  });
  auto c = make_credential(io, fake, cfg, clock);
  std::vector<std::string> results;
  for (int i = 0; i < 20; ++i) asio::co_spawn(io, call_header(c.get(), &results), asio::detached);
  io.run();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(results.size(), 20u);
  for (const auto& r : results) EXPECT_EQ(r, "Authorization: Bearer tok-shared");
}

TEST_F(TokenCache, TwentyConcurrentFirstCallersShareOneTokenRequest) {
  auto c = credential({token("t1", kNow + 3600)});
  script.hold();
  std::vector<std::string> results;
  for (int i = 0; i < 20; ++i) asio::co_spawn(io, call_header(c.get(), &results), asio::detached);
  settle();
  EXPECT_EQ(script.calls, 1) << "every caller arrived while the first request was held";
  EXPECT_TRUE(results.empty());
  finish();
  EXPECT_EQ(script.calls, 1);
  ASSERT_EQ(results.size(), 20u);
  for (const auto& r : results) EXPECT_EQ(r, "Authorization: Bearer t1");
}

TEST_F(TokenCache, ConcurrentCallersAllSeeAFailedFirstRequest) {
  auto c = credential({make_error(errc::llm::credential, "down")});
  script.hold();
  std::vector<std::string> results;
  for (int i = 0; i < 5; ++i) asio::co_spawn(io, call_header(c.get(), &results), asio::detached);
  settle();
  finish();
  EXPECT_EQ(script.calls, 1);
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) EXPECT_EQ(r, "error:llm.credential");
}

TEST_F(TokenCache, CachedUntilFiveMinutesBeforeExpiryThenRefreshed) {
  auto c = credential({token("t1", kNow + 3600), token("t2", kNow + 7200)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  clock.advance(std::chrono::seconds(3600 - 301));
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  EXPECT_EQ(script.calls, 1);
  clock.advance(2s);  // now inside the 5-minute margin
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t2");
  EXPECT_EQ(script.calls, 2);
}

TEST_F(TokenCache, FailedRefreshKeepsServingTheValidOldToken) {
  auto c =
      credential({token("t1", kNow + 3600), make_error(errc::llm::credential, "token endpoint 503"),
                  token("t3", kNow + 7200)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  clock.advance(std::chrono::seconds(3600 - 200));
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");  // refresh failed
  EXPECT_EQ(script.calls, 2);
  EXPECT_EQ(bearer_of(run_on(io, c->header())),
            "Authorization: Bearer t1");  // paused, no hammering
  EXPECT_EQ(script.calls, 2);
  clock.advance(60s);
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t3");
  EXPECT_EQ(script.calls, 3);
}

TEST_F(TokenCache, ExpiredTokenAndFailedRefreshIsAnError) {
  auto c = credential({token("t1", kNow + 600), make_error(errc::llm::credential, "down")});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  clock.advance(601s);
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "error:llm.credential");
}

TEST_F(TokenCache, WhileRefreshRunsValidOldTokenIsServedAtOnce) {
  auto c = credential({token("t1", kNow + 3600), token("t2", kNow + 7200)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  clock.advance(std::chrono::seconds(3600 - 100));
  script.hold();
  std::vector<std::string> results;
  for (int i = 0; i < 3; ++i) asio::co_spawn(io, call_header(c.get(), &results), asio::detached);
  settle();
  // The two callers that arrived during the refresh got the old token at once.
  EXPECT_EQ(results,
            (std::vector<std::string>{"Authorization: Bearer t1", "Authorization: Bearer t1"}));
  finish();
  EXPECT_EQ(script.calls, 2);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2], "Authorization: Bearer t2");
}

TEST_F(TokenCache, ARefusedTokenIsDroppedAndTheNextHeaderFetchesANewOne) {
  auto c = credential({token("t1", kNow + 3600), token("t2", kNow + 3600)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  EXPECT_TRUE(c->on_unauthorized(bearer_header("t1")));
  EXPECT_EQ(script.calls, 1) << "on_unauthorized itself sends nothing";
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t2");
  EXPECT_EQ(script.calls, 2);
}

// Twenty answers sent with the same stale token all get a 401: one token
// request, and every one of them retries with the new token. One more 401
// for the stale token arriving after the new one is cached changes nothing.
TEST_F(TokenCache, TwentyCallersRefusedWithTheSameTokenShareOneNewToken) {
  auto c = credential({token("t1", kNow + 3600), token("t2", kNow + 3600)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  script.hold();
  std::vector<std::string> results;
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(io, call_after_rejection(c.get(), bearer_header("t1"), &results),
                   asio::detached);
  }
  settle();
  EXPECT_EQ(script.calls, 2) << "one new token request while the others wait for it";
  finish();
  EXPECT_EQ(script.calls, 2);
  ASSERT_EQ(results.size(), 20u);
  for (const auto& r : results) EXPECT_EQ(r, "Authorization: Bearer t2");

  results.clear();
  asio::co_spawn(io, call_after_rejection(c.get(), bearer_header("t1"), &results), asio::detached);
  finish();
  EXPECT_EQ(results, std::vector<std::string>{"Authorization: Bearer t2"});
  EXPECT_EQ(script.calls, 2);
}

// The token obtained after a rejection is refused too: not a stale token, so
// no new request (each answer would ask Entra again) until 30 s have passed.
TEST_F(TokenCache, ATokenRefusedRightAfterARejectionIsKept) {
  auto c =
      credential({token("t1", kNow + 3600), token("t2", kNow + 3600), token("t3", kNow + 3600)});
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t1");
  EXPECT_TRUE(c->on_unauthorized(bearer_header("t1")));
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t2");
  EXPECT_FALSE(c->on_unauthorized(bearer_header("t2")));
  clock.advance(29s);
  EXPECT_FALSE(c->on_unauthorized(bearer_header("t2")));
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t2");
  EXPECT_EQ(script.calls, 2);
  clock.advance(1s);
  EXPECT_TRUE(c->on_unauthorized(bearer_header("t2")));
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer t3");
  EXPECT_EQ(script.calls, 3);
}

TEST_F(Credentials, ApiKeyIsNeverWorthASecondAttempt) {
  auto c = make_api_key_credential(Secret("k-123"));
  EXPECT_FALSE(c->on_unauthorized(AuthHeader{"api-key", "k-123"}));
}

TEST_F(Credentials, TokenErrorNamesAadstsCodeButNotTheSecret) {
  fake.push_response(http::ClientResponse{
      401,
      {},
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]})"});
  auto c = make_credential(io, fake, cfg, clock);
  auto h = run_on(io, c->header());
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "llm.credential");
  EXPECT_NE(h.error().detail.find("AADSTS7000215"), std::string::npos) << h.error().detail;
  EXPECT_NE(h.error().detail.find("invalid_client"), std::string::npos);
  EXPECT_EQ(h.error().detail.find("s3cret"), std::string::npos);
}

TEST_F(Credentials, AadstsCodeFromDescriptionWhenNoErrorCodes) {
  auto r = parse_token_response(
      {400, {}, R"({"error":"invalid_scope","error_description":"AADSTS70011: bad scope"})"}, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "token endpoint 400 invalid_scope AADSTS70011");
}

TEST_F(Credentials, UnreachableTokenEndpoint) {
  auto c = make_credential(io, fake, cfg, clock);  // no scripted response: connect error
  auto h = run_on(io, c->header());
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "llm.credential");
}

TEST_F(Credentials, WorkloadIdentityRereadsTheTokenFileForEveryRequest) {
  TempFile file;
  file.write("assertion-one\n");
  cfg.auth = config::AzureAuthMode::workload_identity;
  cfg.client_secret = Secret();
  cfg.federated_token_file = file.path();
  fake.push_response(token_response("tok-a", 600));  // inside the margin after 301 s
  fake.push_response(token_response("tok-b", 3600));
  auto c = make_credential(io, fake, cfg, clock);
  EXPECT_EQ(c->name(), "workload-identity");
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer tok-a");
  file.write("assertion-two");  // Kubernetes rotated the projected token
  clock.advance(301s);
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer tok-b");
  ASSERT_EQ(fake.requests().size(), 2u);
  const std::string common =
      "grant_type=client_credentials&client_id=app-client"
      "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default"
      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
      "&client_assertion=";
  EXPECT_EQ(fake.requests()[0].body, common + "assertion-one");
  EXPECT_EQ(fake.requests()[1].body, common + "assertion-two");
  EXPECT_EQ(fake.requests()[0].url,
            "https://login.example.test/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token");
}

TEST_F(Credentials, WorkloadIdentityMissingFileIsCredentialError) {
  cfg.auth = config::AzureAuthMode::workload_identity;
  cfg.federated_token_file = "/nonexistent/parley/token";
  auto c = make_credential(io, fake, cfg, clock);
  auto h = run_on(io, c->header());
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "llm.credential");
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(Credentials, ManagedIdentityAppServiceRequestShape) {
  cfg.auth = config::AzureAuthMode::managed_identity;
  cfg.client_id.clear();
  cfg.identity_endpoint = "http://127.0.0.1:41234/msi/token";
  cfg.identity_header = Secret("id-header-value");
  fake.push_response(http::ClientResponse{
      200,
      {},
      R"({"access_token":"mi-tok","expires_on":")" + std::to_string(kNow + 3600) +
          R"(","resource":"https://cognitiveservices.azure.com","token_type":"Bearer"})"});
  auto c = make_credential(io, fake, cfg, clock);
  EXPECT_EQ(c->name(), "managed-identity");
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer mi-tok");
  ASSERT_EQ(fake.requests().size(), 1u);
  const auto& r = fake.requests()[0];
  EXPECT_EQ(r.method, http::Method::get);
  EXPECT_EQ(r.url,
            "http://127.0.0.1:41234/msi/token?resource=https%3A%2F%2Fcognitiveservices.azure.com"
            "&api-version=2019-08-01");
  EXPECT_EQ(r.headers.get("X-IDENTITY-HEADER").value_or(""), "id-header-value");
  // Cached: expires_on (a string) was understood.
  clock.advance(3000s);
  EXPECT_EQ(bearer_of(run_on(io, c->header())), "Authorization: Bearer mi-tok");
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(Credentials, ManagedIdentityExpiresOnAsNumber) {
  auto r = parse_token_response(
      {200, {}, R"({"access_token":"x","expires_on":)" + std::to_string(kNow + 100) + "}"}, kNow);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expires_on, kNow + 100);
  auto s = parse_token_response({200, {}, R"({"access_token":"x","expires_in":"50"})"}, kNow);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expires_on, kNow + 50);
  auto bad = parse_token_response({200, {}, R"({"access_token":"x"})"}, kNow);
  EXPECT_FALSE(bad);
}

TEST_F(Credentials, ManagedIdentityUserAssignedClientId) {
  cfg.identity_endpoint = "http://127.0.0.1:1/token?x=1";
  cfg.client_id = "user-assigned";
  auto r = managed_identity_request(cfg);
  EXPECT_EQ(r.url,
            "http://127.0.0.1:1/token?x=1&resource=https%3A%2F%2Fcognitiveservices.azure.com"
            "&api-version=2019-08-01&client_id=user-assigned");
}

// Never sent: only the URL and headers are checked (tests must not contact IMDS).
TEST_F(Credentials, ImdsRequestConstructionWithoutNetwork) {
  cfg.auth = config::AzureAuthMode::managed_identity;
  cfg.identity_endpoint.clear();
  cfg.client_id.clear();
  auto r = managed_identity_request(cfg);
  EXPECT_EQ(r.method, http::Method::get);
  EXPECT_EQ(r.url,
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
            "&resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(r.headers.get("Metadata").value_or(""), "true");
  EXPECT_FALSE(r.headers.get("X-IDENTITY-HEADER"));
}

TEST_F(Credentials, ImdsCredentialIsBuiltWithoutContactingAnything) {
  cfg.auth = config::AzureAuthMode::managed_identity;
  cfg.identity_endpoint.clear();
  auto c = make_credential(io, fake, cfg, clock);  // builds its own client; no request made
  EXPECT_EQ(c->name(), "managed-identity");
  EXPECT_TRUE(fake.requests().empty());
}

// Both refusals happen before any network traffic (nothing is contacted).
TEST(PlainHttpAllowList, DefaultClientRefusesImdsAndListAllowsOnlyThatHost) {
  asio::io_context io;
  auto plain = http::make_http_client(io, http::ClientOptions{});
  http::ClientRequest imds;
  imds.url = "http://169.254.169.254/metadata/identity/oauth2/token";
  auto refused = run_on(io, plain->send(imds));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "http_client.insecure_url");

  http::ClientOptions o;
  o.allow_plain_http_hosts = {"169.254.169.254"};
  auto narrow = http::make_http_client(io, o);
  http::ClientRequest other;
  other.url = "http://169.254.169.253/metadata/identity/oauth2/token";
  auto refused_other = run_on(io, narrow->send(other));
  ASSERT_FALSE(refused_other);
  EXPECT_EQ(refused_other.error().code, "http_client.insecure_url");
}

TEST(EntraTokenUrl, TrimsAuthorityHostSlash) {
  config::AzureOpenAiConfig cfg;
  cfg.authority_host = "http://127.0.0.1:5000//";
  cfg.tenant_id = "tid";
  EXPECT_EQ(entra_token_url(cfg), "http://127.0.0.1:5000/tid/oauth2/v2.0/token");
}

// The start-up log and doctor name the mode and its non-secret parameters.
TEST(DescribeCredential, NamesEachModeAndNeverASecret) {
  config::AzureOpenAiConfig cfg = entra_config();
  EXPECT_EQ(describe_credential(cfg),
            "client-secret (tenant 11111111-2222-3333-4444-555555555555, client app-client, "
            "authority https://login.example.test/)");
  cfg.auth = config::AzureAuthMode::workload_identity;
  cfg.federated_token_file = "/var/run/secrets/azure/tokens/azure-identity-token";
  EXPECT_EQ(describe_credential(cfg),
            "workload-identity (tenant 11111111-2222-3333-4444-555555555555, client app-client, "
            "token file /var/run/secrets/azure/tokens/azure-identity-token, authority "
            "https://login.example.test/)");
  cfg.auth = config::AzureAuthMode::managed_identity;
  EXPECT_EQ(describe_credential(cfg), "managed-identity (instance metadata endpoint, client app-client)");
  cfg.identity_endpoint = "http://127.0.0.1:41234/msi/token";
  cfg.identity_header = Secret("header-secret");
  cfg.client_id.clear();
  EXPECT_EQ(describe_credential(cfg), "managed-identity (IDENTITY_ENDPOINT http://127.0.0.1:41234/msi/token)");
  cfg.auth = config::AzureAuthMode::api_key;
  cfg.api_key = Secret("key-secret");
  EXPECT_EQ(describe_credential(cfg), "api-key (AZURE_OPENAI_API_KEY)");
  for (auto mode : {config::AzureAuthMode::api_key, config::AzureAuthMode::client_secret,
                    config::AzureAuthMode::workload_identity,
                    config::AzureAuthMode::managed_identity}) {
    cfg.auth = mode;
    const std::string text = describe_credential(cfg);
    for (const char* secret : {"s3cret", "header-secret", "key-secret"}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace parley::llm
