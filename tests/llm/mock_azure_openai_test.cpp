// mock-azure-openai as a black box: started on port 0, spoken to over plain
// sockets (Beast client, not Parley's), its streams decoded with Parley's own
// SseParser/ChatStreamDecoder.

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "llm/chat_stream.hpp"
#include "llm/errors.hpp"
#include "llm/request.hpp"
#include "llm/sse_parser.hpp"
#include "support/child_process.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* kKey = "test-key";
constexpr const char* kChatPath =
    "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21";

struct Reply {
  int status = 0;
  HeaderList headers;
  std::string body;
  bool complete = false;  // the body ended properly (not cut)
};

// One blocking request on a fresh connection.
Reply fetch(int port, http::verb method, const std::string& target, const std::string& body,
            const HeaderList& headers = {}) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(30s);
  stream.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  for (const auto& [n, v] : headers) req.set(n, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code ec;
  http::read(stream, buf, parser, ec);
  Reply r;
  r.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) r.headers.emplace_back(f.name_string(), f.value());
  r.body = parser.get().body();
  r.complete = !ec;
  return r;
}

std::string chat_body(const std::string& user, bool stream = true) {
  ChatOptions opt;
  opt.stream = stream;
  return build_chat_request({{"system", "be nice"}, {"user", user}}, opt);
}

struct Decoded {
  std::string text;
  std::vector<StreamItem> items;
  std::string error;
  bool done = false;
  std::optional<Usage> usage;
  std::string finish;
};

Decoded decode_stream(const std::string& body) {
  SseParser parser;
  ChatStreamDecoder decoder;
  Decoded d;
  std::vector<SseEvent> events;
  // Feed in awkward pieces: the parser must not care.
  for (std::size_t i = 0; i < body.size(); i += 7) {
    if (auto st = parser.feed(std::string_view(body).substr(i, 7), events); !st) {
      d.error = std::string(st.error().code);
      return d;
    }
  }
  for (const auto& e : events) {
    if (auto st = decoder.decode(e, d.items); !st) {
      d.error = std::string(st.error().code);
      break;
    }
  }
  for (const auto& i : d.items) {
    if (const auto* t = std::get_if<TextDelta>(&i)) d.text += t->text;
    if (const auto* u = std::get_if<Usage>(&i)) d.usage = *u;
    if (const auto* f = std::get_if<Finish>(&i)) d.finish = f->reason;
    if (std::holds_alternative<Done>(i)) d.done = true;
  }
  return d;
}

std::string header(const Reply& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

class MockAzureOpenAi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start({"--api-key", kKey}); }
  static void TearDownTestSuite() {
    if (mock_) mock_->terminate();
    mock_.reset();
  }

  static void start(std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        testing::binary_dir() + "/tools/mock_azure_openai/mock-azure-openai", "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    mock_ = std::make_unique<testing::ChildProcess>(testing::ChildProcess::Options{argv, {}, {}});
    ASSERT_TRUE(mock_->wait_for_output("listening on http://127.0.0.1:", 10s)) << mock_->output();
    ASSERT_TRUE(
        testing::eventually([] { return mock_->output().find('\n') != std::string::npos; }, 5s));
    const auto out = mock_->output();
    const auto at = out.find("127.0.0.1:") + 10;
    port_ = std::stoi(out.substr(at));
  }

  void SetUp() override {
    control("/_mock/reset", "{}");
    control("/_mock/stats/reset", "{}");
  }

  static void control(const std::string& path, const std::string& body) {
    const auto r = fetch(port_, http::verb::post, path, body);
    ASSERT_EQ(r.status, 200) << path << " " << r.body;
  }

  static json::object stats() {
    return json::parse(fetch(port_, http::verb::get, "/_mock/stats", "").body).as_object();
  }

  static Reply chat(const std::string& body, HeaderList headers = {{"api-key", kKey}}) {
    return fetch(port_, http::verb::post, kChatPath, body, headers);
  }

  static inline std::unique_ptr<testing::ChildProcess> mock_;
  static inline int port_ = 0;
};

TEST_F(MockAzureOpenAi, StreamsDeterministicAnswerWithUsageAndDone) {
  control("/_mock/behaviour", R"({"chunk_delay_ms":0})");
  const auto r = chat(chat_body("What is the capital of France?"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(header(r, "content-type").find("text/event-stream"), std::string::npos);
  ASSERT_TRUE(r.complete);
  const auto d = decode_stream(r.body);
  ASSERT_EQ(d.error, "");
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.finish, "stop");
  EXPECT_EQ(d.text.rfind("You said: What is the capital of France?. ", 0), 0u) << d.text;
  ASSERT_TRUE(d.usage);
  EXPECT_GT(d.usage->prompt_tokens, 0);
  EXPECT_GT(d.usage->completion_tokens, 0);
  EXPECT_EQ(d.usage->total_tokens, d.usage->prompt_tokens + d.usage->completion_tokens);
  // Shape as the recorded sample: preamble first, then the role chunk.
  EXPECT_EQ(r.body.rfind("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\"", 0), 0u);
  EXPECT_TRUE(std::holds_alternative<ModelName>(d.items.front()));
  int texts = 0;
  for (const auto& i : d.items) texts += std::holds_alternative<TextDelta>(i) ? 1 : 0;
  EXPECT_EQ(texts, 20);  // default chunks

  const auto s = stats();
  EXPECT_EQ(s.at("requests"), 1);
  EXPECT_EQ(s.at("completed_streams"), 1);
  const auto& last = s.at("last_request").as_object();
  EXPECT_EQ(last.at("body").at("stream_options").at("include_usage"), true);
  EXPECT_EQ(last.at("body").at("messages").at(1).at("content"), "What is the capital of France?");
  EXPECT_EQ(last.at("headers").at("api-key"), "[redacted]");
}

TEST_F(MockAzureOpenAi, TextOverrideAndChunkCount) {
  control("/_mock/behaviour", R"({"chunk_delay_ms":0,"chunks":3,"text":"one two three four"})");
  const auto d = decode_stream(chat(chat_body("x")).body);
  EXPECT_EQ(d.text, "one two three four");
  const auto deltas = std::count_if(d.items.begin(), d.items.end(), [](const StreamItem& i) {
    return std::holds_alternative<TextDelta>(i);
  });
  EXPECT_EQ(deltas, 3);
}

TEST_F(MockAzureOpenAi, NonStreamingAnswer) {
  const auto r = chat(chat_body("Give me a title", false));
  ASSERT_EQ(r.status, 200);
  const auto v = json::parse(r.body);
  EXPECT_EQ(v.at("object"), "chat.completion");
  const auto content = std::string(v.at("choices").at(0).at("message").at("content").as_string());
  EXPECT_EQ(content.rfind("You said: Give me a title. ", 0), 0u);
  EXPECT_TRUE(v.at("usage").at("total_tokens").is_int64());
}

TEST_F(MockAzureOpenAi, WrongKeyIs401WithAzureBody) {
  const auto r = chat(chat_body("x"), {{"api-key", "wrong"}});
  EXPECT_EQ(r.status, 401);
  const auto e = classify(r.status, r.headers, r.body, 0);
  EXPECT_EQ(e.kind, UpstreamErrorKind::auth);
  EXPECT_EQ(e.upstream_code, "401");
  EXPECT_EQ(chat(chat_body("x"), {}).status, 401);
  EXPECT_EQ(chat(chat_body("x"), {{"authorization", "Bearer abc.def.ghi"}}).status, 401);
}

TEST_F(MockAzureOpenAi, UnauthorizedFaultRefusesAValidCredentialAndIsCounted) {
  control("/_mock/behaviour", R"({"fault":"401","times":1})");
  const auto r = chat(chat_body("x"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(classify(r.status, r.headers, r.body, 0).kind, UpstreamErrorKind::auth);
  EXPECT_EQ(chat(chat_body("x")).status, 200);
  EXPECT_EQ(chat(chat_body("x"), {{"api-key", "wrong"}}).status, 401);
  EXPECT_EQ(stats().at("unauthorized"), 2);
}

TEST_F(MockAzureOpenAi, MissingApiVersionIs400) {
  const auto r = fetch(port_, http::verb::post, "/openai/deployments/d/chat/completions",
                       chat_body("x"), {{"api-key", kKey}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("api-version"), std::string::npos);
}

TEST_F(MockAzureOpenAi, RateLimitFaultWithRetryHeadersForNextRequestsOnly) {
  control(
      "/_mock/behaviour",
      R"({"fault":"429","times":2,"retry_after_ms":"1500","retry_after":"2","chunk_delay_ms":0})");
  for (int i = 0; i < 2; ++i) {
    const auto r = chat(chat_body("x"));
    ASSERT_EQ(r.status, 429);
    EXPECT_EQ(header(r, "retry-after-ms"), "1500");
    EXPECT_EQ(header(r, "retry-after"), "2");
    const auto e = classify(r.status, r.headers, r.body, 0);
    EXPECT_EQ(e.kind, UpstreamErrorKind::rate_limited);
    EXPECT_EQ(e.retry_after_ms, 1500);
  }
  EXPECT_EQ(chat(chat_body("x")).status, 200);
}

TEST_F(MockAzureOpenAi, RateLimitWithHostileRetryAfter) {
  control(
      "/_mock/behaviour",
      R"({"fault":"429","retry_after_ms":"abc","retry_after":"Wed, 21 Oct 2015 07:28:00 GMT"})");
  const auto r = chat(chat_body("x"));
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(header(r, "retry-after-ms"), "abc");
  const auto e = classify(r.status, r.headers, r.body, 1445412470);
  EXPECT_EQ(e.retry_after_ms, 10000);
}

TEST_F(MockAzureOpenAi, ServerErrorFault) {
  control("/_mock/behaviour", R"({"fault":"500","times":1})");
  const auto r = chat(chat_body("x"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(classify(r.status, r.headers, r.body, 0).kind, UpstreamErrorKind::server);
  EXPECT_EQ(chat(chat_body("x")).status, 200);
}

TEST_F(MockAzureOpenAi, ContentFilterPromptIs400) {
  control("/_mock/behaviour", R"({"fault":"content_filter_prompt"})");
  const auto r = chat(chat_body("x"));
  ASSERT_EQ(r.status, 400);
  const auto e = classify(r.status, r.headers, r.body, 0);
  EXPECT_EQ(e.kind, UpstreamErrorKind::content_filter);
  EXPECT_EQ(e.user_message,
            "The request was blocked by the content filter (hate, self-harm, violence).");
}

TEST_F(MockAzureOpenAi, ContentFilterMidStream) {
  control("/_mock/behaviour", R"({"fault":"content_filter_midstream","chunk_delay_ms":0})");
  const auto r = chat(chat_body("sing"));
  ASSERT_EQ(r.status, 200);
  const auto d = decode_stream(r.body);
  ASSERT_EQ(d.error, "");
  EXPECT_FALSE(d.text.empty());
  EXPECT_EQ(d.finish, "content_filter");
  EXPECT_TRUE(d.done);
  std::vector<FilterAlarm> alarms;
  for (const auto& i : d.items) {
    if (const auto* a = std::get_if<FilterAlarm>(&i)) alarms.push_back(*a);
  }
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0], (FilterAlarm{"completion", "protected_material_text"}));
}

TEST_F(MockAzureOpenAi, CutClosesWithoutDone) {
  control("/_mock/behaviour", R"({"fault":"cut","cut_after":2,"chunk_delay_ms":0})");
  const auto r = chat(chat_body("x"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  const auto d = decode_stream(r.body);
  EXPECT_FALSE(d.done);
  EXPECT_FALSE(d.text.empty());
  EXPECT_TRUE(testing::eventually([] { return stats().at("cut_streams") == 1; }, 5s));
}

TEST_F(MockAzureOpenAi, BadJsonChunkIsBadChunk) {
  control("/_mock/behaviour", R"({"fault":"bad_json","chunk_delay_ms":0})");
  const auto d = decode_stream(chat(chat_body("x")).body);
  EXPECT_EQ(d.error, "llm.bad_chunk");
}

TEST_F(MockAzureOpenAi, ClientDisconnectDuringStallIsCounted) {
  control("/_mock/behaviour", R"({"fault":"stall"})");
  {
    asio::io_context io;
    tcp::socket sock(io);
    sock.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
    const std::string body = chat_body("x");
    const std::string req =
        std::string("POST ") + kChatPath + " HTTP/1.1\r\nHost: x\r\napi-key: " + kKey +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    asio::write(sock, asio::buffer(req));
    std::string got;
    char buf[4096];
    while (got.find("prompt_filter_results") == std::string::npos) {
      const auto n = sock.read_some(asio::buffer(buf));
      got.append(buf, n);
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_TRUE(testing::eventually([] { return stats().at("open_streams") == 1; }, 5s));
  }  // socket closed here
  EXPECT_TRUE(testing::eventually([] { return stats().at("cancelled_streams") == 1; }, 5s));
  EXPECT_EQ(stats().at("open_streams"), 0);
}

TEST_F(MockAzureOpenAi, SlowFirstToken) {
  control("/_mock/behaviour", R"({"first_token_delay_ms":300,"chunk_delay_ms":0,"chunks":2})");
  const auto t0 = std::chrono::steady_clock::now();
  const auto d = decode_stream(chat(chat_body("x")).body);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_TRUE(d.done);
}

// `hold` keeps chat requests counted but unanswered until it is cleared, so
// a test can have many requests in flight at the same time.
TEST_F(MockAzureOpenAi, HoldKeepsRequestsUnansweredUntilCleared) {
  control("/_mock/behaviour", R"({"hold":true,"chunks":2,"chunk_delay_ms":0})");
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&answered] {
      if (chat(chat_body("held")).status == 200) ++answered;
    });
  }
  const bool all_held = testing::eventually([] { return stats().at("held") == 3; }, 10s);
  EXPECT_EQ(answered.load(), 0);
  control("/_mock/behaviour", R"({"hold":false})");
  for (auto& t : clients) t.join();
  ASSERT_TRUE(all_held);
  EXPECT_EQ(answered.load(), 3);
  EXPECT_EQ(stats().at("held"), 0);
}

TEST_F(MockAzureOpenAi, ControlRejectsUnknownKnobs) {
  EXPECT_EQ(fetch(port_, http::verb::post, "/_mock/behaviour", R"({"nope":1})").status, 400);
  EXPECT_EQ(fetch(port_, http::verb::post, "/_mock/behaviour", R"({"fault":"teapot"})").status,
            400);
  EXPECT_EQ(fetch(port_, http::verb::post, "/_mock/behaviour", R"({"hold":"yes"})").status, 400);
}

// One chat stream on its own connection, read to the end.
asio::awaitable<void> one_stream(int port, std::string body, std::atomic<int>& ok,
                                 std::atomic<int>& failed) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(60s);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  auto [cec] = co_await stream.async_connect(ep, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    ++failed;
    co_return;
  }
  http::request<http::string_body> req{http::verb::post, kChatPath, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("api-key", kKey);
  req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(stream, buf, res, asio::as_tuple(asio::use_awaitable));
  const auto d = decode_stream(res.body());
  if (!wec && !rec && d.done && d.error.empty() && d.usage) {
    ++ok;
  } else {
    ++failed;
  }
}

// 300 streams open at once on one connection each, all finishing intact.
// Concurrency is shown by the rule, not by sampling: with every stream
// stalled after its headers, all of them must be open at the same time (a
// server with a pool of 8 threads would stay at 8).
TEST_F(MockAzureOpenAi, HoldsThreeHundredConcurrentStreams) {
  // PARLEY_MOCK_AOAI_STREAMS=1000 checks the benchmark's concurrency by hand.
  const char* override_count = std::getenv("PARLEY_MOCK_AOAI_STREAMS");
  const int kStreams = override_count ? std::atoi(override_count) : 300;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  {
    control("/_mock/behaviour", R"({"fault":"stall"})");
    std::atomic<int> ok{0}, failed{0};
    asio::io_context io(1);
    for (int i = 0; i < kStreams; ++i) {
      asio::co_spawn(io, one_stream(port_, chat_body("held " + std::to_string(i)), ok, failed),
                     asio::detached);
    }
    std::thread clients([&io] { io.run_for(120s); });
    EXPECT_TRUE(testing::eventually(
        [&] { return stats().at("open_streams").as_int64() == kStreams; }, 60s))
        << "open at once: " << stats().at("open_streams").as_int64();
    io.stop();  // the clients go away
    clients.join();
    EXPECT_EQ(ok.load(), 0) << "stalled streams never finish";
  }
  EXPECT_TRUE(testing::eventually([] { return stats().at("open_streams") == 0; }, 60s));

  control("/_mock/reset", "{}");
  control("/_mock/behaviour", R"({"chunks":10,"chunk_delay_ms":20})");
  std::atomic<int> ok{0}, failed{0};
  asio::io_context io(1);
  for (int i = 0; i < kStreams; ++i) {
    asio::co_spawn(io, one_stream(port_, chat_body("stream " + std::to_string(i)), ok, failed),
                   asio::detached);
  }
  io.run_for(120s);
  EXPECT_EQ(ok.load(), kStreams);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(stats().at("completed_streams"), kStreams);
}

// --- bearer tokens against a JWKS served by the test ---------------------------------

std::string b64url(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8U) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buf >> static_cast<unsigned>(bits)) & 0x3FU];
    }
  }
  if (bits > 0) out += kAlphabet[(buf << static_cast<unsigned>(6 - bits)) & 0x3FU];
  return out;
}

std::string bn_bytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string sign_jwt(EVP_PKEY* key, const std::string& kid, const json::object& claims) {
  const std::string header = R"({"alg":"RS256","typ":"JWT","kid":")" + kid + "\"}";
  const std::string input = b64url(header) + "." + b64url(json::serialize(claims));
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return input + "." + b64url(sig);
}

TEST(MockAzureOpenAiBearer, AcceptsTokenSignedByJwksKeyAndRejectsOthers) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ASSERT_NE(key, nullptr);
  json::object jwk{{"kty", "RSA"},
                   {"kid", "k1"},
                   {"use", "sig"},
                   {"n", b64url(bn_bytes(key, OSSL_PKEY_PARAM_RSA_N))},
                   {"e", b64url(bn_bytes(key, OSSL_PKEY_PARAM_RSA_E))}};
  const std::string jwks = json::serialize(json::object{{"keys", json::array{jwk}}});
  httplib::Server idp;
  idp.Get("/tenant/discovery/v2.0/keys", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(jwks, "application/json");
  });
  const int idp_port = idp.bind_to_any_port("127.0.0.1");
  std::thread idp_thread([&] { idp.listen_after_bind(); });
  struct StopIdp {  // also on a failed ASSERT: a joinable thread would abort the run
    httplib::Server& server;
    std::thread& thread;
    EVP_PKEY* pkey;
    ~StopIdp() {
      server.stop();
      thread.join();
      EVP_PKEY_free(pkey);
    }
  } stop_idp{idp, idp_thread, key};

  const std::string aud = "https://cognitiveservices.azure.com";
  {
    testing::ChildProcess mock(testing::ChildProcess::Options{
        {testing::binary_dir() + "/tools/mock_azure_openai/mock-azure-openai", "--port", "0",
         "--jwks-url",
         "http://127.0.0.1:" + std::to_string(idp_port) + "/tenant/discovery/v2.0/keys",
         "--audience", aud, "--deployments", "gpt-4o-mini"},
        {},
        {}});
    ASSERT_TRUE(mock.wait_for_output("listening on http://127.0.0.1:", 10s));
    ASSERT_TRUE(
        testing::eventually([&] { return mock.output().find('\n') != std::string::npos; }, 5s));
    const auto out = mock.output();
    const int port = std::stoi(out.substr(out.find("127.0.0.1:") + 10));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    json::object claims{{"iss", "https://login.microsoftonline.com/t/v2.0"},
                        {"aud", aud},
                        {"exp", now + 600},
                        {"iat", now}};
    const std::string body = chat_body("hi", false);
    const auto good = sign_jwt(key, "k1", claims);
    const auto status_with = [&](const std::string& token) {
      return fetch(port, http::verb::post, kChatPath, body, {{"Authorization", "Bearer " + token}})
          .status;
    };
    EXPECT_EQ(status_with(good), 200);
    auto expired = claims;
    expired["exp"] = now - 10;
    EXPECT_EQ(status_with(sign_jwt(key, "k1", expired)), 401);
    auto wrong_aud = claims;
    wrong_aud["aud"] = "api://other";
    EXPECT_EQ(status_with(sign_jwt(key, "k1", wrong_aud)), 401);
    EXPECT_EQ(status_with(sign_jwt(key, "unknown", claims)), 401);
    std::string tampered = good;
    tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(status_with(tampered), 401);
    const auto nf = fetch(port, http::verb::post,
                          "/openai/deployments/other/chat/completions?api-version=2024-10-21", body,
                          {{"Authorization", "Bearer " + good}});
    EXPECT_EQ(nf.status, 404);
    EXPECT_NE(nf.body.find("DeploymentNotFound"), std::string::npos);
    const auto last = json::parse(fetch(port, http::verb::get, "/_mock/stats", "").body);
    EXPECT_EQ(last.at("last_request").at("headers").at("authorization"), "Bearer");

    // Revocation: every token accepted so far is refused from now on; a
    // token issued afterwards is accepted.
    const auto revoked = fetch(port, http::verb::post, "/_mock/revoke-tokens", "");
    EXPECT_EQ(revoked.status, 200);
    EXPECT_EQ(json::parse(revoked.body), json::parse(R"({"revoked":1})"));
    EXPECT_EQ(status_with(good), 401);
    auto later = claims;
    later["uti"] = "issued-after-the-revocation";
    EXPECT_EQ(status_with(sign_jwt(key, "k1", later)), 200);
    const auto after = json::parse(fetch(port, http::verb::get, "/_mock/stats", "").body);
    EXPECT_EQ(after.at("unauthorized"), 5);  // expired, audience, kid, tampered, revoked
    mock.terminate();
  }
}

}  // namespace
}  // namespace parley::llm
