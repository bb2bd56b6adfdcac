// The Azure OpenAI client and credentials against the real mocks
// (mock-azure-openai, mock-entra-id) over Parley's own HTTP client: api-key,
// client-secret and workload-identity tokens validated by the model mock,
// one token request for 20 concurrent first calls, retried 429s, content
// filter (prompt and mid-stream), a cut stream, and cancel of a stall.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "http/client.hpp"
#include "llm/azure_client.hpp"
#include "llm/credential.hpp"
#include "support/child_process.hpp"
#include "llm/azure_stream_fixture.hpp"
#include "support/run_coroutine.hpp"

namespace parley::llm {
namespace {

ModelRequest one_message_request() {
  ModelRequest r;
  r.messages = {{"user", "x"}};
  return r;
}

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

using ::parley::testing::run_on;

using test::azure_stream;
using test::content_chunk;
using test::sse_chunk;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kAppId = "parley-aoai-app";
constexpr const char* kAppSecret = "parley-aoai-app-secret";
constexpr const char* kKey = "test-key";

int start_and_port(std::unique_ptr<parley::testing::ChildProcess>& p,
                   std::vector<std::string> argv) {
  p = std::make_unique<parley::testing::ChildProcess>(
      parley::testing::ChildProcess::Options{std::move(argv), {}, {}});
  if (!p->wait_for_output("listening on http://127.0.0.1:", 10s)) return 0;
  if (!parley::testing::eventually(
          [&] {
            auto out = p->output();
            auto at = out.find("127.0.0.1:");
            return out.find('\n', at) != std::string::npos;
          },
          5s)) {
    return 0;
  }
  const auto out = p->output();
  return std::stoi(out.substr(out.find("127.0.0.1:") + 10));
}

struct Collected {
  std::string text;
  std::string finish;
  bool done = false;
  bool usage = false;
  std::string error;
};

asio::awaitable<Result<Collected>> open_and_drain(ChatModel* model, std::string user) {
  ModelRequest req;
  req.messages = {{"system", "be brief"}, {"user", std::move(user)}};
  auto stream = co_await model->open(req);
  if (!stream) co_return stream.error();
  Collected c;
  while (true) {
    auto items = co_await (*stream)->next();
    if (!items) {
      c.error = std::string(items.error().code);
      co_return c;
    }
    if (items->empty()) co_return c;
    for (const auto& i : *items) {
      if (const auto* t = std::get_if<TextDelta>(&i)) c.text += t->text;
      if (const auto* f = std::get_if<Finish>(&i)) c.finish = f->reason;
      if (std::holds_alternative<Usage>(i)) c.usage = true;
      if (std::holds_alternative<Done>(i)) c.done = true;
    }
  }
}

asio::awaitable<void> drain_into(ChatModel* model, std::vector<Result<Collected>>* out) {
  out->push_back(co_await open_and_drain(model, "concurrent"));
}

class AzureIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto bin = parley::testing::binary_dir();
    entra_port_ = start_and_port(
        entra_, {bin + "/tools/mock_entra_id/mock-entra-id", "--port", "0", "--tenant", kTenant,
                 "--app", std::string(kAppId) + ":" + kAppSecret});
    ASSERT_NE(entra_port_, 0) << (entra_ ? entra_->output() : "");
    const std::string jwks =
        "http://127.0.0.1:" + std::to_string(entra_port_) + "/" + kTenant + "/discovery/v2.0/keys";
    aoai_port_ = start_and_port(aoai_, {bin + "/tools/mock_azure_openai/mock-azure-openai",
                                        "--port", "0", "--api-key", kKey, "--jwks-url", jwks});
    ASSERT_NE(aoai_port_, 0) << (aoai_ ? aoai_->output() : "");
  }
  static void TearDownTestSuite() {
    if (aoai_) aoai_->terminate();
    if (entra_) entra_->terminate();
    aoai_.reset();
    entra_.reset();
  }

  void SetUp() override {
    ASSERT_EQ(aoai_post("/_mock/reset", "{}"), 200);
    ASSERT_EQ(aoai_post("/_mock/stats/reset", "{}"), 200);
    ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"chunk_delay_ms":0,"chunks":8})"), 200);
    ASSERT_EQ(entra_post("/_mock/stats/reset", "{}"), 200);
  }

  static int aoai_post(const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", aoai_port_);
    auto r = c.Post(path, body, "application/json");
    return r ? r->status : 0;
  }
  static int entra_post(const std::string& path, const std::string& body,
                        std::string* out = nullptr) {
    httplib::Client c("127.0.0.1", entra_port_);
    auto r = c.Post(path, body, "application/json");
    if (r && out) *out = r->body;
    return r ? r->status : 0;
  }
  static json::object get_json(int port, const std::string& path) {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get(path);
    if (!r) return {};
    return json::parse(r->body).as_object();
  }

  config::AzureOpenAiConfig cfg(config::AzureAuthMode mode) const {
    config::AzureOpenAiConfig c;
    c.endpoint = "http://127.0.0.1:" + std::to_string(aoai_port_);
    c.deployment = "gpt-4o-mini";
    c.auth = mode;
    c.api_key = Secret(kKey);
    c.tenant_id = kTenant;
    c.client_id = kAppId;
    c.client_secret = Secret(kAppSecret);
    c.authority_host = "http://127.0.0.1:" + std::to_string(entra_port_);
    return c;
  }

  std::unique_ptr<ChatModel> model(const config::AzureOpenAiConfig& c,
                                   AzureClientOptions options = {}) {
    return make_azure_chat_model(io, *http, c, make_credential(io, *http, c, clock), random, clock,
                                 std::move(options));
  }

  static inline std::unique_ptr<parley::testing::ChildProcess> entra_;
  static inline std::unique_ptr<parley::testing::ChildProcess> aoai_;
  static inline int entra_port_ = 0;
  static inline int aoai_port_ = 0;

  asio::io_context io;
  std::unique_ptr<http::HttpClient> http = http::make_http_client(io, http::ClientOptions{});
  SystemClock clock;
  OpenSslRandom random;
};

TEST_F(AzureIntegration, StreamsAnAnswerWithApiKey) {
  auto m = model(cfg(config::AzureAuthMode::api_key));
  auto got = run_on(io, open_and_drain(m.get(), "Hello there"));
  ASSERT_TRUE(got) << got.error().code << " " << got.error().detail;
  EXPECT_EQ(got->error, "");
  EXPECT_EQ(got->text.rfind("You said: Hello there. ", 0), 0u) << got->text;
  EXPECT_EQ(got->finish, "stop");
  EXPECT_TRUE(got->done);
  EXPECT_TRUE(got->usage);
  auto stats = get_json(aoai_port_, "/_mock/stats");
  EXPECT_EQ(stats.at("last_request").at("headers").at("api-key"), "[redacted]");
  EXPECT_EQ(stats.at("completed_streams"), 1);
}

TEST_F(AzureIntegration, CompleteReturnsTheAnswerText) {
  auto m = model(cfg(config::AzureAuthMode::api_key));
  ModelRequest req;
  req.messages = {{"user", "Title please"}};
  auto got = run_on(io, m->complete(req));
  ASSERT_TRUE(got) << got.error().code << " " << got.error().detail;
  EXPECT_EQ(got->rfind("You said: Title please. ", 0), 0u) << *got;
}

TEST_F(AzureIntegration, ClientSecretTokenIsAcceptedByTheModel) {
  auto m = model(cfg(config::AzureAuthMode::client_secret));
  auto got = run_on(io, open_and_drain(m.get(), "with a token"));
  ASSERT_TRUE(got) << got.error().code << " " << got.error().detail;
  EXPECT_TRUE(got->done);
  auto stats = get_json(aoai_port_, "/_mock/stats");
  EXPECT_EQ(stats.at("last_request").at("headers").at("authorization"), "Bearer");
  EXPECT_FALSE(stats.at("last_request").at("headers").as_object().contains("api-key"));
}

TEST_F(AzureIntegration, WrongClientSecretIsCredentialErrorNamingAadsts) {
  auto c = cfg(config::AzureAuthMode::client_secret);
  c.client_secret = Secret("wrong");
  auto m = model(c);
  auto got = run_on(io, m->open(one_message_request()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.credential");
  EXPECT_NE(got.error().detail.find("AADSTS7000215"), std::string::npos) << got.error().detail;
  EXPECT_EQ(got.error().detail.find("wrong"), std::string::npos);
}

TEST_F(AzureIntegration, WorkloadIdentityWithFederatedTokenFile) {
  std::string answer;
  ASSERT_EQ(entra_post("/_mock/federated-token", "{}", &answer), 200);
  const auto token = json::parse(answer).at("token").as_string();
  char tmpl[] = "/tmp/parley-wi-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(tmpl);
    out << token.c_str();
  }
  auto c = cfg(config::AzureAuthMode::workload_identity);
  c.client_secret = Secret();
  c.federated_token_file = tmpl;
  auto m = model(c);
  auto got = run_on(io, open_and_drain(m.get(), "federated"));
  std::filesystem::remove(tmpl);
  ASSERT_TRUE(got) << got.error().code << " " << got.error().detail;
  EXPECT_TRUE(got->done);
  EXPECT_EQ(get_json(entra_port_, "/_mock/stats").at("client_credentials_requests"), 1);
}

// A stand-in for the App Service managed-identity endpoint on loopback: it
// checks the protocol (X-IDENTITY-HEADER, resource, api-version) and hands
// out a real app token from mock-entra-id, so mock-azure-openai accepts it.
TEST_F(AzureIntegration, ManagedIdentityThroughIdentityEndpoint) {
  std::atomic<int> calls{0};
  httplib::Server msi;
  const int entra_port = entra_port_;
  msi.Get("/msi/token", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    if (req.get_header_value("X-IDENTITY-HEADER") != "mi-header-value" ||
        req.get_param_value("resource") != "https://cognitiveservices.azure.com" ||
        req.get_param_value("api-version") != "2019-08-01") {
      res.status = 400;
      res.set_content(R"({"error":"bad request"})", "application/json");
      return;
    }
    httplib::Client entra("127.0.0.1", entra_port);
    auto r = entra.Post(std::string("/") + kTenant + "/oauth2/v2.0/token",
                        std::string("grant_type=client_credentials&client_id=") + kAppId +
                            "&client_secret=" + kAppSecret +
                            "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default",
                        "application/x-www-form-urlencoded");
    if (!r || r->status != 200) {
      res.status = 500;
      return;
    }
    auto token = json::parse(r->body).at("access_token").as_string();
    json::object out;
    out["access_token"] = token;
    out["expires_on"] = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count() +
                                       3599);
    out["resource"] = "https://cognitiveservices.azure.com";
    out["token_type"] = "Bearer";
    res.set_content(json::serialize(out), "application/json");
  });
  msi.set_keep_alive_max_count(1);  // stop() must not wait for a pooled connection
  const int msi_port = msi.bind_to_any_port("127.0.0.1");
  ASSERT_GT(msi_port, 0);
  std::thread server([&] { msi.listen_after_bind(); });
  auto c = cfg(config::AzureAuthMode::managed_identity);
  c.client_id.clear();
  c.client_secret = Secret();
  c.identity_endpoint = "http://127.0.0.1:" + std::to_string(msi_port) + "/msi/token";
  c.identity_header = Secret("mi-header-value");
  auto m = model(c);
  auto first = run_on(io, open_and_drain(m.get(), "managed"));
  auto second = run_on(io, open_and_drain(m.get(), "managed again"));
  msi.stop();
  server.join();
  ASSERT_TRUE(first) << first.error().code << " " << first.error().detail;
  ASSERT_TRUE(second) << second.error().code << " " << second.error().detail;
  EXPECT_TRUE(first->done);
  EXPECT_TRUE(second->done);
  EXPECT_EQ(calls.load(), 1);  // cached by expires_on
  EXPECT_EQ(
      get_json(aoai_port_, "/_mock/stats").at("last_request").at("headers").at("authorization"),
      "Bearer");
}

TEST_F(AzureIntegration, TwentyConcurrentFirstRequestsShareOneTokenRequest) {
  auto m = model(cfg(config::AzureAuthMode::client_secret));
  std::vector<Result<Collected>> results;
  for (int i = 0; i < 20; ++i) asio::co_spawn(io, drain_into(m.get(), &results), asio::detached);
  io.run();
  ASSERT_EQ(results.size(), 20u);
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
    EXPECT_TRUE(r->done);
  }
  EXPECT_EQ(get_json(entra_port_, "/_mock/stats").at("client_credentials_requests"), 1);
  EXPECT_EQ(get_json(aoai_port_, "/_mock/stats").at("completed_streams"), 20);
}

TEST_F(AzureIntegration, RateLimitWithRetryHeadersThenSuccess) {
  ASSERT_EQ(aoai_post("/_mock/behaviour",
                      R"({"fault":"429","times":2,"retry_after_ms":"20","retry_after":"1"})"),
            200);
  auto m = model(cfg(config::AzureAuthMode::api_key));
  const auto started = std::chrono::steady_clock::now();
  auto got = run_on(io, open_and_drain(m.get(), "after 429"));
  ASSERT_TRUE(got) << got.error().code << " " << got.error().detail;
  EXPECT_TRUE(got->done);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 40ms);  // two honoured 20 ms waits
  EXPECT_EQ(get_json(aoai_port_, "/_mock/stats").at("requests"), 3);
}

TEST_F(AzureIntegration, RateLimitGivesUpAfterMaxRetries) {
  ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"fault":"429","retry_after_ms":"5"})"), 200);
  AzureClientOptions o;
  o.retry.max_retries = 2;
  auto m = model(cfg(config::AzureAuthMode::api_key), o);
  auto got = run_on(io, m->open(one_message_request()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.rate_limited");
  EXPECT_EQ(get_json(aoai_port_, "/_mock/stats").at("requests"), 3);
}

TEST_F(AzureIntegration, ContentFilterOnThePrompt) {
  ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"fault":"content_filter_prompt"})"), 200);
  auto m = model(cfg(config::AzureAuthMode::api_key));
  auto got = run_on(io, open_and_drain(m.get(), "bad prompt"));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.content_filter");
  EXPECT_EQ(get_json(aoai_port_, "/_mock/stats").at("requests"), 1);
}

TEST_F(AzureIntegration, ContentFilterMidStreamEndsWithFinishContentFilter) {
  ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"fault":"content_filter_midstream"})"), 200);
  auto m = model(cfg(config::AzureAuthMode::api_key));
  auto got = run_on(io, open_and_drain(m.get(), "filtered answer"));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->error, "");
  EXPECT_EQ(got->finish, "content_filter");
  EXPECT_TRUE(got->done);
  EXPECT_FALSE(got->text.empty());
}

TEST_F(AzureIntegration, CutStreamIsCutWithPartialText) {
  ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"fault":"cut","cut_after":3})"), 200);
  auto m = model(cfg(config::AzureAuthMode::api_key));
  auto got = run_on(io, open_and_drain(m.get(), "cut me"));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->error, "llm.cut");
  EXPECT_FALSE(got->text.empty());
  EXPECT_FALSE(got->done);
  EXPECT_EQ(get_json(aoai_port_, "/_mock/stats").at("requests"), 1);  // no retry after a token
}

asio::awaitable<std::string> stall_then_cancel(ChatModel* model) {
  using namespace asio::experimental::awaitable_operators;
  ModelRequest req;
  req.messages = {{"user", "stall"}};
  auto stream = co_await model->open(req);
  if (!stream) co_return std::string(stream.error().code);
  ModelStream* s = stream->get();
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(50ms);
  auto canceller = [](asio::steady_timer* timer, ModelStream* target) -> asio::awaitable<void> {
    co_await timer->async_wait(asio::use_awaitable);
    target->cancel();
  };
  while (true) {
    auto r = co_await (s->next() && canceller(&t, s));
    if (!r) co_return std::string(r.error().code);
    if (r->empty()) co_return std::string("ended");
  }
}

TEST_F(AzureIntegration, CancelDuringStallClosesTheUpstreamPromptly) {
  ASSERT_EQ(aoai_post("/_mock/behaviour", R"({"fault":"stall"})"), 200);
  auto m = model(cfg(config::AzureAuthMode::api_key));
  // The stall never ends by itself: the cancel is what ends the read and
  // closes the upstream.
  auto code = run_on(io, stall_then_cancel(m.get()));
  EXPECT_EQ(code, "llm.cancelled");
  EXPECT_TRUE(parley::testing::eventually(
      [] { return get_json(aoai_port_, "/_mock/stats").at("cancelled_streams").as_int64() == 1; },
      10s));
}

}  // namespace
}  // namespace parley::llm
