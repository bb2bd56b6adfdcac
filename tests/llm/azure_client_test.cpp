// The Azure OpenAI ChatModel over a scripted transport (FakeHttpClient):
// request shape, SSE decoding across awkward splits, retries and their
// delays (recorded by an injected sleeper: nothing really waits), error
// mapping, cut streams, idle timeout and cancel().

#include "llm/azure_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "http/errors.hpp"
#include "llm/azure_stream_fixture.hpp"
#include "llm/credential.hpp"
#include "llm/errors.hpp"
#include "support/http/fake_http_client.hpp"
#include "support/run_coroutine.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

using ::parley::testing::run_on;

using test::azure_stream;
using test::content_chunk;
using test::sse_chunk;

asio::awaitable<void> record_sleep(std::shared_ptr<std::vector<std::chrono::milliseconds>> log,
                                   std::chrono::milliseconds d) {
  log->push_back(d);
  co_return;
}

config::AzureOpenAiConfig test_config() {
  config::AzureOpenAiConfig cfg;
  cfg.endpoint = "https://example-aoai.openai.azure.com";
  cfg.deployment = "gpt-4o-mini";
  cfg.api_version = "2024-10-21";
  cfg.auth = config::AzureAuthMode::api_key;
  cfg.api_key = Secret("test-key");
  return cfg;
}

http::ScriptedStream error_stream(int status, const std::string& body,
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::ScriptedStream s;
  s.status = status;
  for (const auto& [n, v] : headers) EXPECT_TRUE(s.headers.set(n, v));
  s.pieces.push_back({body});
  return s;
}

http::ScriptedStream ok_stream(const std::string& body, std::size_t piece = 0) {
  http::ScriptedStream s;
  s.status = 200;
  EXPECT_TRUE(s.headers.set("Content-Type", "text/event-stream"));
  if (piece == 0) {
    s.pieces.push_back({body});
  } else {
    for (std::size_t i = 0; i < body.size(); i += piece)
      s.pieces.push_back({body.substr(i, piece)});
  }
  return s;
}

const std::string k429Body =
    R"({"error":{"code":"429","message":"Requests ... have exceeded token rate limit."}})";
const std::string k500Body = R"({"error":{"code":"InternalServerError","message":"boom"}})";
const std::string kFilterBody =
    R"({"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"},"violence":{"filtered":false,"severity":"safe"}}}}})";
const std::string k401Body =
    R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}})";

struct Collected {
  std::string text;
  std::string finish;
  std::optional<Usage> usage;
  std::string model;
  bool done = false;
  std::string error;
};

asio::awaitable<Collected> drain(ModelStream& stream) {
  Collected c;
  while (true) {
    auto items = co_await stream.next();
    if (!items) {
      c.error = std::string(items.error().code);
      co_return c;
    }
    if (items->empty()) co_return c;
    for (const auto& i : *items) {
      if (const auto* t = std::get_if<TextDelta>(&i)) c.text += t->text;
      if (const auto* f = std::get_if<Finish>(&i)) c.finish = f->reason;
      if (const auto* u = std::get_if<Usage>(&i)) c.usage = *u;
      if (const auto* m = std::get_if<ModelName>(&i)) c.model = m->model;
      if (std::holds_alternative<Done>(i)) c.done = true;
    }
  }
}

asio::awaitable<Result<Collected>> open_and_drain(ChatModel& model, ModelRequest req) {
  auto stream = co_await model.open(std::move(req));
  if (!stream) co_return stream.error();
  co_return co_await drain(**stream);
}

ModelRequest hello() {
  ModelRequest r;
  r.messages = {{"system", "be brief"}, {"user", "Hello"}};
  return r;
}

class AzureClient : public ::testing::Test {
 protected:
  std::unique_ptr<ChatModel> model(AzureClientOptions options = {}) {
    if (!options.sleep) {
      options.sleep = [log = sleeps](std::chrono::milliseconds d) { return record_sleep(log, d); };
    }
    return make_azure_chat_model(io, fake, cfg, make_api_key_credential(cfg.api_key), random, clock,
                                 std::move(options));
  }

  asio::io_context io;
  http::FakeHttpClient fake{io.get_executor()};
  config::AzureOpenAiConfig cfg = test_config();
  CountingRandom random;
  FakeClock clock;
  std::shared_ptr<std::vector<std::chrono::milliseconds>> sleeps =
      std::make_shared<std::vector<std::chrono::milliseconds>>();
};

TEST_F(AzureClient, SendsUrlHeadersAndStreamingBody) {
  fake.push_stream(ok_stream(azure_stream({"Hi", " there"})));
  auto m = model();
  auto req = hello();
  req.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  req.max_tokens = 50;
  auto got = run_on(io, open_and_drain(*m, req));
  ASSERT_TRUE(got) << got.error().code;
  ASSERT_EQ(fake.requests().size(), 1u);
  const auto& r = fake.requests()[0];
  EXPECT_EQ(r.method, http::Method::post);
  EXPECT_EQ(r.url,
            "https://example-aoai.openai.azure.com/openai/deployments/gpt-4o-mini/chat/"
            "completions?api-version=2024-10-21");
  EXPECT_EQ(r.headers.get("content-type").value_or(""), "application/json");
  EXPECT_EQ(r.headers.get("api-key").value_or(""), "test-key");
  EXPECT_FALSE(r.headers.get("authorization"));
  EXPECT_EQ(r.headers.get("traceparent").value_or(""), req.traceparent);
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("stream"), json::value(true));
  EXPECT_EQ(body.at("stream_options").at("include_usage"), json::value(true));
  EXPECT_EQ(body.at("max_tokens"), json::value(50));
  EXPECT_EQ(body.at("messages").as_array().size(), 2u);
  EXPECT_EQ(body.at("messages").as_array()[1].at("content"), json::value("Hello"));
  EXPECT_EQ(got->text, "Hi there");
  EXPECT_EQ(got->finish, "stop");
  EXPECT_EQ(got->model, "gpt-4o-mini");
  EXPECT_TRUE(got->done);
  ASSERT_TRUE(got->usage);
  EXPECT_EQ(got->usage->total_tokens, 7);
  EXPECT_EQ(m->deployment(), "gpt-4o-mini");
}

TEST_F(AzureClient, UrlTrimsTrailingSlashOfEndpoint) {
  cfg.endpoint = "http://127.0.0.1:8080/";
  cfg.deployment = "my dep";
  EXPECT_EQ(
      chat_completions_url(cfg),
      "http://127.0.0.1:8080/openai/deployments/my%20dep/chat/completions?api-version=2024-10-21");
}

TEST_F(AzureClient, DecodesAcrossAwkwardChunkSplits) {
  const auto body = azure_stream({"One", " two", " three", " \\u00e9t\\u00e9"});
  for (std::size_t piece : {1u, 2u, 3u, 7u, 13u}) {
    fake.push_stream(ok_stream(body, piece));
    auto m = model();
    auto got = run_on(io, open_and_drain(*m, hello()));
    ASSERT_TRUE(got) << piece;
    EXPECT_EQ(got->error, "") << piece;
    EXPECT_EQ(got->text, "One two three \xC3\xA9t\xC3\xA9") << piece;
    EXPECT_EQ(got->finish, "stop") << piece;
    EXPECT_TRUE(got->done) << piece;
  }
}

TEST_F(AzureClient, RetriesRateLimitHonouringRetryAfterMs) {
  fake.push_stream(error_stream(429, k429Body, {{"retry-after-ms", "1234"}, {"retry-after", "9"}}));
  fake.push_stream(ok_stream(azure_stream({"ok"})));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->text, "ok");
  EXPECT_EQ(fake.requests().size(), 2u);
  ASSERT_EQ(sleeps->size(), 1u);
  EXPECT_EQ((*sleeps)[0], 1234ms);
}

TEST_F(AzureClient, RetryAfterSecondsWhenNoMsHeader) {
  fake.push_stream(error_stream(429, k429Body, {{"retry-after", "2"}}));
  fake.push_stream(ok_stream(azure_stream({"ok"})));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got);
  ASSERT_EQ(sleeps->size(), 1u);
  EXPECT_EQ((*sleeps)[0], 2000ms);
}

TEST_F(AzureClient, RateLimitRetriedAtMostMaxRetriesThenRateLimited) {
  for (int i = 0; i < 10; ++i) fake.push_stream(error_stream(429, k429Body));
  AzureClientOptions o;
  o.retry.max_retries = 3;
  auto m = model(o);
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.rate_limited");
  EXPECT_EQ(fake.requests().size(), 4u);  // 1 + 3 retries
  ASSERT_EQ(sleeps->size(), 3u);
  // Exponential backoff with jitter in [d/2, d]: 500, 1000, 2000.
  EXPECT_GE((*sleeps)[0], 250ms);
  EXPECT_LE((*sleeps)[0], 500ms);
  EXPECT_GE((*sleeps)[1], 500ms);
  EXPECT_LE((*sleeps)[1], 1000ms);
  EXPECT_GE((*sleeps)[2], 1000ms);
  EXPECT_LE((*sleeps)[2], 2000ms);
}

TEST_F(AzureClient, RetryAfterLongerThanCapIsNotWaitedFor) {
  fake.push_stream(error_stream(429, k429Body, {{"retry-after", "3600"}}));
  auto m = model();
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.rate_limited");
  EXPECT_EQ(fake.requests().size(), 1u);
  EXPECT_TRUE(sleeps->empty());
}

TEST_F(AzureClient, ServerErrorThenSuccess) {
  fake.push_stream(error_stream(500, k500Body));
  fake.push_stream(ok_stream(azure_stream({"fine"})));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->text, "fine");
  EXPECT_EQ(sleeps->size(), 1u);
}

TEST_F(AzureClient, ConnectionFailureThenSuccess) {
  fake.push_stream(make_error(errc::http_client::connect, "refused"));
  fake.push_stream(ok_stream(azure_stream({"fine"})));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->text, "fine");
}

TEST_F(AzureClient, PersistentServerErrorIsUnavailable) {
  for (int i = 0; i < 5; ++i) fake.push_stream(error_stream(503, k500Body));
  auto m = model();
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.unavailable");
}

TEST_F(AzureClient, ContentFilterIsNotRetried) {
  fake.push_stream(error_stream(400, kFilterBody));
  fake.push_stream(ok_stream(azure_stream({"never"})));
  auto m = model();
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.content_filter");
  EXPECT_EQ(fake.requests().size(), 1u);
  EXPECT_TRUE(sleeps->empty());
}

// api-key: a 401 is final (there is no other key to try).
TEST_F(AzureClient, UnauthorizedIsAuth) {
  fake.push_stream(error_stream(401, k401Body));
  auto m = model();
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.auth");
  EXPECT_EQ(fake.requests().size(), 1u);
}

// Hands out tok-1, tok-2, ... (valid for an hour) and counts the requests.
class NumberedTokens final : public TokenSource {
 public:
  NumberedTokens(const Clock& clock, int* calls) : clock_(clock), calls_(calls) {}
  asio::awaitable<Result<AccessToken>> fetch() override {
    ++*calls_;
    co_return AccessToken{Secret("tok-" + std::to_string(*calls_)), clock_.now_seconds() + 3600};
  }
  std::string_view name() const override { return "client-secret"; }

 private:
  const Clock& clock_;
  int* calls_;
};

class AzureClientWithToken : public AzureClient {
 protected:
  std::unique_ptr<ChatModel> token_model() {
    AzureClientOptions options;
    options.sleep = [log = sleeps](std::chrono::milliseconds d) { return record_sleep(log, d); };
    return make_azure_chat_model(
        io, fake, cfg,
        make_token_credential(io, std::make_unique<NumberedTokens>(clock, &token_requests), clock),
        random, clock, options);
  }
  std::vector<std::string> sent_tokens() const {
    std::vector<std::string> out;
    for (const auto& r : fake.requests()) {
      out.emplace_back(r.headers.get("Authorization").value_or(""));
    }
    return out;
  }
  int token_requests = 0;
};

// A revoked or rotated token: the model answers 401, the token is dropped and
// the request sent again at once (no backoff) with a new one.
TEST_F(AzureClientWithToken, UnauthorizedTokenIsReplacedAndTheRequestSentOnceMore) {
  fake.on_open([](const http::ClientRequest& r) -> Result<http::ScriptedStream> {
    if (r.headers.get("Authorization").value_or("") == "Bearer tok-1") {
      return error_stream(401, k401Body);
    }
    return ok_stream(azure_stream({"fresh"}));
  });
  auto m = token_model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(got->text, "fresh");
  EXPECT_EQ(sent_tokens(), (std::vector<std::string>{"Bearer tok-1", "Bearer tok-2"}));
  EXPECT_EQ(token_requests, 2);
  EXPECT_TRUE(sleeps->empty());
  // The next answer uses the new token straight away.
  auto again = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(again);
  EXPECT_EQ(token_requests, 2);
  EXPECT_EQ(sent_tokens().back(), "Bearer tok-2");
}

// A 401 for the fresh token too is a real failure, not a loop; the next
// answer does not ask for yet another token right away either.
TEST_F(AzureClientWithToken, SecondUnauthorizedIsAuthWithoutAnotherToken) {
  fake.on_open([](const http::ClientRequest&) -> Result<http::ScriptedStream> {
    return error_stream(401, k401Body);
  });
  auto m = token_model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.auth");
  EXPECT_EQ(sent_tokens(), (std::vector<std::string>{"Bearer tok-1", "Bearer tok-2"}));
  EXPECT_EQ(token_requests, 2);
  auto next = run_on(io, open_and_drain(*m, hello()));
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, "llm.auth");
  EXPECT_EQ(sent_tokens().size(), 3u);
  EXPECT_EQ(token_requests, 2);
  EXPECT_TRUE(sleeps->empty());
}

TEST_F(AzureClientWithToken, CompleteAlsoReplacesARefusedToken) {
  fake.on_send([](const http::ClientRequest& r) -> Result<http::ClientResponse> {
    if (r.headers.get("Authorization").value_or("") == "Bearer tok-1") {
      return http::ClientResponse{401, {}, k401Body};
    }
    return http::ClientResponse{
        200, {}, R"({"choices":[{"index":0,"finish_reason":"stop","message":{"content":"T"}}]})"};
  });
  auto m = token_model();
  auto got = run_on(io, m->complete(hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(*got, "T");
  EXPECT_EQ(token_requests, 2);
}

// The extra attempt after a 401 is not taken from the retry budget.
TEST_F(AzureClientWithToken, RetriesAfterAReplacedTokenKeepTheirBudget) {
  int opens = 0;
  fake.on_open([&opens](const http::ClientRequest&) -> Result<http::ScriptedStream> {
    ++opens;
    if (opens == 1) return error_stream(401, k401Body);
    if (opens <= 4) return error_stream(500, k500Body);
    return ok_stream(azure_stream({"late"}));
  });
  auto m = token_model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(opens, 5);
  EXPECT_EQ(sleeps->size(), 3u);
}

TEST_F(AzureClient, NotFoundAndBadRequest) {
  fake.push_stream(error_stream(404, R"({"error":{"code":"DeploymentNotFound","message":"x"}})"));
  fake.push_stream(
      error_stream(400, R"({"error":{"code":"invalid_request_error","message":"x"}})"));
  auto m = model();
  auto a = run_on(io, m->open(hello()));
  auto b = run_on(io, m->open(hello()));
  ASSERT_FALSE(a);
  ASSERT_FALSE(b);
  EXPECT_EQ(a.error().code, "llm.not_found");
  EXPECT_EQ(b.error().code, "llm.bad_request");
}

TEST_F(AzureClient, CutMidStreamIsCutAndNotRetried) {
  auto s = ok_stream(azure_stream({"partial", " answer"}, /*done=*/false));
  s.end_error = make_error(errc::http_client::closed, "peer closed");
  fake.push_stream(std::move(s));
  fake.push_stream(ok_stream(azure_stream({"never"})));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text, "partial answer");
  EXPECT_EQ(got->error, "llm.cut");
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(AzureClient, CleanCloseWithoutDoneIsCut) {
  fake.push_stream(ok_stream(azure_stream({"partial"}, /*done=*/false)));
  auto m = model();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->error, "llm.cut");
}

TEST_F(AzureClient, IdleTimeoutAfterFirstToken) {
  auto s = ok_stream(azure_stream({"first"}, /*done=*/false));
  s.stall = true;
  fake.push_stream(std::move(s));
  AzureClientOptions o;
  o.idle_timeout = 30ms;
  auto m = model(o);
  const auto started = std::chrono::steady_clock::now();
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text, "first");
  EXPECT_EQ(got->error, "llm.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s) << "the idle timeout, not the 60 s default";
  EXPECT_EQ(fake.cancelled_streams(), 1);  // the upstream connection was closed
}

TEST_F(AzureClient, FirstTokenTimeout) {
  auto s = ok_stream(sse_chunk(R"({"choices":[],"id":"","model":""})"));
  s.stall = true;
  fake.push_stream(std::move(s));
  AzureClientOptions o;
  o.first_token_timeout = 30ms;
  auto m = model(o);
  auto got = run_on(io, open_and_drain(*m, hello()));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->error, "llm.timeout");
}

asio::awaitable<std::string> next_then_cancel(ChatModel& model, std::string* error) {
  using namespace asio::experimental::awaitable_operators;
  auto stream = co_await model.open(hello());
  if (!stream) co_return std::string(stream.error().code);
  auto first = co_await (*stream)->next();
  if (!first) co_return std::string(first.error().code);
  // Cancel while next() is pending on the stalled upstream.
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(10ms);
  ModelStream* s = stream->get();
  auto canceller = [](asio::steady_timer* timer, ModelStream* target) -> asio::awaitable<void> {
    co_await timer->async_wait(asio::use_awaitable);
    target->cancel();
  };
  auto pending = co_await (s->next() && canceller(&t, s));
  *error = pending ? std::string("no error") : std::string(pending.error().code);
  auto after = co_await s->next();
  co_return after ? std::string("no error") : std::string(after.error().code);
}

TEST_F(AzureClient, CancelClosesUpstreamAndPendingNextIsCancelled) {
  auto s = ok_stream(azure_stream({"first"}, /*done=*/false));
  s.stall = true;
  fake.push_stream(std::move(s));
  auto m = model();
  std::string pending_error;
  const auto started = std::chrono::steady_clock::now();
  auto after = run_on(io, next_then_cancel(*m, &pending_error));
  EXPECT_EQ(pending_error, "llm.cancelled");
  EXPECT_EQ(after, "llm.cancelled");
  EXPECT_EQ(fake.cancelled_streams(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s) << "the stall never ends by itself";
}

TEST_F(AzureClient, CompleteSendsNonStreamedRequestAndReturnsContent) {
  fake.push_response(http::ClientResponse{
      200,
      {},
      R"({"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"A title"}}]})"});
  auto m = model();
  auto got = run_on(io, m->complete(hello()));
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(*got, "A title");
  ASSERT_EQ(fake.requests().size(), 1u);
  auto body = json::parse(fake.requests()[0].body).as_object();
  EXPECT_FALSE(body.contains("stream") && body.at("stream") == json::value(true));
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_EQ(fake.requests()[0].headers.get("api-key").value_or(""), "test-key");
}

TEST_F(AzureClient, CompleteRetriesRateLimit) {
  http::ClientResponse limited{429, {}, k429Body};
  EXPECT_TRUE(limited.headers.set("retry-after-ms", "10"));
  fake.push_response(limited);
  fake.push_response(http::ClientResponse{
      200, {}, R"({"choices":[{"index":0,"finish_reason":"stop","message":{"content":"T"}}]})"});
  auto m = model();
  auto got = run_on(io, m->complete(hello()));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "T");
  ASSERT_EQ(sleeps->size(), 1u);
  EXPECT_EQ((*sleeps)[0], 10ms);
}

TEST_F(AzureClient, CompleteFilteredIsContentFilter) {
  fake.push_response(http::ClientResponse{
      200,
      {},
      R"({"choices":[{"index":0,"finish_reason":"content_filter","message":{"content":""}}]})"});
  auto m = model();
  auto got = run_on(io, m->complete(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.content_filter");
}

class FailingCredential final : public Credential {
 public:
  asio::awaitable<Result<AuthHeader>> header() override {
    co_return make_error(errc::llm::credential, "token endpoint 401 invalid_client AADSTS7000215");
  }
  std::string_view name() const override { return "client-secret"; }
};

TEST_F(AzureClient, CredentialFailureIsReportedWithoutRequest) {
  auto m = make_azure_chat_model(io, fake, cfg, std::make_unique<FailingCredential>(), random,
                                 clock, {});
  auto got = run_on(io, m->open(hello()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "llm.credential");
  EXPECT_TRUE(fake.requests().empty());
}

TEST(AzureBackoff, GrowsExponentiallyWithJitterAndCap) {
  CountingRandom random;
  AzureRetryPolicy p;
  p.base_backoff = 500ms;
  p.max_backoff = 3000ms;
  for (int i = 0; i < 8; ++i) {
    auto d = backoff_delay(p, i, random);
    const auto full = std::min<std::chrono::milliseconds>(500ms * (1 << i), 3000ms);
    EXPECT_GE(d, full / 2) << i;
    EXPECT_LE(d, full) << i;
  }
}

}  // namespace
}  // namespace parley::llm
