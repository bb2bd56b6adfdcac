// OidcClient against a scripted identity provider on simulated time:
// discovery failures cached and fetched once at a time, the unknown-kid
// refresh limited to once per 5 minutes, keys kept until they are absent
// from two consecutive successful fetches, a daily refresh.

#include "auth/oidc_client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <vector>

#include "auth/bearer.hpp"
#include "auth/errors.hpp"
#include "auth/support/jws_signer.hpp"
#include "http/errors.hpp"

namespace parley::auth {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using test::shared_key;

constexpr const char* kIssuer = "https://login.example/tenant-1/v2.0";

// An identity provider whose answers the test scripts, per URL. While
// `hold` is set, requests wait until release(): concurrent callers can
// then pile up behind one outstanding request.
class ScriptedIdp final : public http::HttpClient {
 public:
  explicit ScriptedIdp(asio::io_context& io) : gate_(io) {
    gate_.expires_at(asio::steady_timer::time_point::max());
  }

  std::map<std::string, http::ClientResponse> answers;
  std::vector<std::string> urls;  // every request, in order
  std::vector<std::string> bodies;
  bool hold = false;

  void release() {
    hold = false;
    gate_.cancel();
  }
  int count(std::string_view suffix) const {
    int n = 0;
    for (const auto& u : urls) n += u.ends_with(suffix) ? 1 : 0;
    return n;
  }

  asio::awaitable<Result<http::ClientResponse>> send(http::ClientRequest request) override {
    urls.push_back(request.url);
    bodies.push_back(request.body);
    if (hold) co_await gate_.async_wait(asio::as_tuple(asio::use_awaitable));
    auto it = answers.find(request.url);
    if (it == answers.end()) co_return make_error(errc::http_client::connect, "nothing scripted");
    co_return it->second;
  }
  asio::awaitable<Result<std::unique_ptr<http::ClientStream>>> open(http::ClientRequest,
                                                                    http::StreamTimeouts) override {
    co_return make_error(errc::http_client::connect, "not used");
  }

 private:
  asio::steady_timer gate_;
};

std::string discovery_json() {
  return json::serialize(json::object{
      {"issuer", kIssuer},
      {"authorization_endpoint", "https://login.example/tenant-1/oauth2/v2.0/authorize"},
      {"token_endpoint", "https://login.example/tenant-1/oauth2/v2.0/token"},
      {"jwks_uri", "https://login.example/tenant-1/discovery/v2.0/keys"}});
}

const std::string kDiscoveryUrl = std::string(kIssuer) + "/.well-known/openid-configuration";
const std::string kJwksUrl = "https://login.example/tenant-1/discovery/v2.0/keys";

std::string token_signed_by(int key, const std::string& kid) {
  return test::sign_compact(json::object{{"alg", "RS256"}, {"kid", kid}},
                            json::object{{"sub", "s"}}, shared_key(key));
}

class OidcClientTest : public ::testing::Test {
 protected:
  asio::io_context io;
  ScriptedIdp idp{io};
  FakeClock clock{1'800'000'000};
  OidcClient oidc{idp, clock, options()};

  static OidcClientOptions options() {
    OidcClientOptions o;
    o.issuer = kIssuer;
    o.client_id = "client-1";
    return o;
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    auto f = asio::co_spawn(io, std::move(op), asio::use_future);
    io.restart();
    io.run();
    return f.get();
  }
  void publish(std::initializer_list<std::pair<int, std::string>> keys) {
    json::array list;
    for (const auto& [index, kid] : keys) list.push_back(shared_key(index).public_jwk(kid));
    idp.answers[kJwksUrl] = {200, {}, json::serialize(json::object{{"keys", list}})};
  }
  bool verifies(int key, const std::string& kid) {
    return static_cast<bool>(run(oidc.verify_signature(token_signed_by(key, kid))));
  }
};

TEST_F(OidcClientTest, ADiscoveryFloodWhileTheIdpIsDownMakesOneRequestPerFewSeconds) {
  idp.answers[kDiscoveryUrl] = {503, {}, "down"};
  idp.hold = true;
  std::vector<std::string> codes;
  for (int i = 0; i < 50; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto m = co_await oidc.metadata();
          codes.emplace_back(m ? "ok" : m.error().code);
        },
        asio::detached);
  }
  io.restart();
  while (io.poll() > 0) {
  }  // all 50 are waiting now
  EXPECT_EQ(idp.count("openid-configuration"), 1) << "one request at a time";
  idp.release();
  io.restart();
  io.run();
  ASSERT_EQ(codes.size(), 50u);
  for (const auto& c : codes) EXPECT_EQ(c, "oidc.discovery_failed");

  // The failure is remembered for 5 seconds ...
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(run(oidc.metadata()));
  clock.advance(4s);
  EXPECT_FALSE(run(oidc.metadata()));
  EXPECT_EQ(idp.count("openid-configuration"), 1);
  // ... then asked again; once Entra is back, it answers.
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  clock.advance(1s);
  EXPECT_TRUE(run(oidc.metadata()));
  EXPECT_EQ(idp.count("openid-configuration"), 2);
}

TEST_F(OidcClientTest, ConcurrentUnknownKidsShareOneJwksRefresh) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  publish({{0, "k0"}});
  ASSERT_TRUE(run(oidc.refresh_jwks()));
  publish({{0, "k0"}, {1, "k1"}});
  idp.hold = true;
  int verified = 0;
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          if (co_await oidc.verify_signature(token_signed_by(1, "k1"))) ++verified;
        },
        asio::detached);
  }
  io.restart();
  while (io.poll() > 0) {
  }
  idp.release();
  io.restart();
  io.run();
  EXPECT_EQ(verified, 20);
  EXPECT_EQ(idp.count("/keys"), 2) << "the first fetch, then one refresh for all 20";
}

TEST_F(OidcClientTest, TheUnknownKidRefreshRunsAtMostOncePerFiveMinutes) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  publish({{0, "k0"}});
  ASSERT_TRUE(verifies(0, "k0"));
  ASSERT_EQ(idp.count("/keys"), 1);

  EXPECT_FALSE(verifies(1, "attacker-1"));
  EXPECT_EQ(idp.count("/keys"), 2) << "the first unknown kid may refresh";
  clock.advance(299s);
  EXPECT_FALSE(verifies(1, "attacker-2"));
  EXPECT_EQ(idp.count("/keys"), 2) << "not again within 5 minutes";
  clock.advance(1s);
  publish({{0, "k0"}, {1, "k1"}});
  EXPECT_TRUE(verifies(1, "k1")) << "a real rotation is picked up after the interval";
  EXPECT_EQ(idp.count("/keys"), 3);
}

TEST_F(OidcClientTest, AKeyIsDroppedOnlyAfterTwoSuccessfulFetchesWithoutIt) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  publish({{0, "k0"}, {1, "k1"}});
  ASSERT_TRUE(run(oidc.refresh_jwks()));
  ASSERT_TRUE(verifies(0, "k0"));

  publish({{1, "k1"}});  // k0 missing once (a partial or transient answer)
  ASSERT_TRUE(run(oidc.refresh_jwks()));
  EXPECT_TRUE(verifies(0, "k0")) << "kept after one absence";
  idp.answers[kJwksUrl] = {500, {}, "oops"};  // failures do not count
  EXPECT_FALSE(run(oidc.refresh_jwks()));
  EXPECT_TRUE(verifies(0, "k0"));
  publish({{0, "k0"}, {1, "k1"}});  // back: the count starts over
  ASSERT_TRUE(run(oidc.refresh_jwks()));
  publish({{1, "k1"}});
  ASSERT_TRUE(run(oidc.refresh_jwks()));
  EXPECT_TRUE(verifies(0, "k0"));
  ASSERT_TRUE(run(oidc.refresh_jwks()));  // absent from two consecutive fetches
  EXPECT_FALSE(verifies(0, "k0"));
  EXPECT_TRUE(verifies(1, "k1"));
}

TEST_F(OidcClientTest, KeysAreRefreshedDailySoRetiredOnesEventuallyGo) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  publish({{0, "k0"}, {1, "k1"}});
  ASSERT_TRUE(verifies(0, "k0"));
  publish({{1, "k1"}});
  clock.advance(24h);
  EXPECT_TRUE(verifies(0, "k0")) << "first fetch without k0";
  EXPECT_EQ(idp.count("/keys"), 2);
  clock.advance(1h);
  EXPECT_TRUE(verifies(0, "k0")) << "no fetch within the day";
  EXPECT_EQ(idp.count("/keys"), 2);
  clock.advance(24h);
  EXPECT_TRUE(verifies(1, "k1"));
  EXPECT_EQ(idp.count("/keys"), 3) << "the second daily fetch without k0 ...";
  EXPECT_FALSE(verifies(0, "k0")) << "... retired it";
}

const std::string kTokenUrl = "https://login.example/tenant-1/oauth2/v2.0/token";

// The token endpoint's form body as name -> value (values are plain here).
std::map<std::string, std::string> form_fields(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    out[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return out;
}

TEST_F(OidcClientTest, TheCodeExchangeAuthenticatesWithTheClientSecret) {
  auto o = options();
  o.client_secret = Secret("s3cret");
  OidcClient client(idp, clock, o);
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  idp.answers[kTokenUrl] = {200, {}, R"({"id_token":"x.y.z"})"};
  ASSERT_TRUE(run(client.exchange_code("code-1", "verifier", "https://app/cb")));
  const auto form = form_fields(idp.bodies.back());
  EXPECT_EQ(form.at("client_secret"), "s3cret");
  EXPECT_FALSE(form.contains("client_assertion"));
  EXPECT_EQ(form.at("code"), "code-1");
}

TEST_F(OidcClientTest, AFederatedTokenFileIsSentAsClientAssertionAndReReadForEachExchange) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("parley-fed-" + std::to_string(::getpid()) + ".jwt");
  std::ofstream(file) << "first.jwt.token\n";
  auto o = options();
  o.client_assertion_file = file.string();
  OidcClient client(idp, clock, o);
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  idp.answers[kTokenUrl] = {200, {}, R"({"id_token":"x.y.z"})"};
  ASSERT_TRUE(run(client.exchange_code("code-1", "verifier", "https://app/cb")));
  auto form = form_fields(idp.bodies.back());
  EXPECT_EQ(form.at("client_assertion"), "first.jwt.token");
  EXPECT_EQ(form.at("client_assertion_type"),
            "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer");
  EXPECT_FALSE(form.contains("client_secret"));
  // The kubelet rotates the projected token: the next exchange sends the new one.
  std::ofstream(file, std::ios::trunc) << "second.jwt.token";
  ASSERT_TRUE(run(client.exchange_code("code-2", "verifier", "https://app/cb")));
  form = form_fields(idp.bodies.back());
  EXPECT_EQ(form.at("client_assertion"), "second.jwt.token");
  std::filesystem::remove(file);
}

TEST_F(OidcClientTest, AnUnreadableTokenFileFailsTheExchangeWithoutCallingTheIdp) {
  auto o = options();
  o.client_assertion_file = "/nonexistent/parley/token";
  OidcClient client(idp, clock, o);
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  auto r = run(client.exchange_code("code-1", "verifier", "https://app/cb"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::oidc::client_assertion_unavailable));
  EXPECT_EQ(idp.count("/token"), 0);
}

// The /v1 bearer check on the same key cache: an app-only access token for
// tenant-1, signed by `key` under `kid`.
std::string access_token_signed_by(int key, const std::string& kid, std::int64_t now) {
  return test::sign_compact(json::object{{"alg", "RS256"}, {"kid", kid}, {"typ", "JWT"}},
                            json::object{{"ver", "2.0"},
                                         {"iss", kIssuer},
                                         {"tid", "tenant-1"},
                                         {"aud", "client-1"},
                                         {"azp", "batch-app"},
                                         {"oid", "sp-1"},
                                         {"sub", "sp-1"},
                                         {"roles", json::array{"Parley.Api"}},
                                         {"iat", now},
                                         {"nbf", now},
                                         {"exp", now + 3600}},
                            shared_key(key));
}

AccessTokenRules bearer_rules() {
  AccessTokenRules r;
  r.issuer = kIssuer;
  r.audiences = default_api_audiences("client-1");
  return r;
}

TEST_F(OidcClientTest, BearerTokensUseTheCachedKeysAndTheRateLimitedRefresh) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  publish({{0, "k0"}});
  BearerVerifier bearer(oidc, clock, bearer_rules());
  const std::int64_t now = clock.now_seconds();

  auto first = run(bearer.verify(access_token_signed_by(0, "k0", now)));
  ASSERT_TRUE(first) << first.error().code;
  EXPECT_EQ(std::get<ApplicationCaller>(*first).app_id, "batch-app");
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(run(bearer.verify(access_token_signed_by(0, "k0", now))));
  EXPECT_EQ(idp.count("/keys"), 1) << "cached keys";
  EXPECT_EQ(bearer.cached_tokens(), 1u);

  // Entra rolled a new key: the unknown kid refreshes once, then verifies.
  publish({{0, "k0"}, {1, "k1"}});
  EXPECT_TRUE(run(bearer.verify(access_token_signed_by(1, "k1", now))));
  EXPECT_EQ(idp.count("/keys"), 2);
  // An attacker's kids within 5 minutes cost no fetch.
  for (int i = 0; i < 5; ++i) {
    auto r = run(bearer.verify(access_token_signed_by(2, "attacker-" + std::to_string(i), now)));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(errc::bearer::unknown_kid));
  }
  EXPECT_EQ(idp.count("/keys"), 2);
}

TEST_F(OidcClientTest, BearerWithoutKeysIsUnavailableAndWithoutATokenUnauthorized) {
  idp.answers[kDiscoveryUrl] = {200, {}, discovery_json()};
  idp.answers[kJwksUrl] = {500, {}, "oops"};
  BearerVerifier bearer(oidc, clock, bearer_rules());
  auto r = run(bearer.verify(access_token_signed_by(0, "k0", clock.now_seconds())));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::oidc::jwks_unavailable));
  auto none = run(bearer.verify(""));
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().is(errc::bearer::missing));
}

}  // namespace
}  // namespace parley::auth
