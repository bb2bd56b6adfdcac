// Each Azure OpenAI credential mode end to end: a parley configured with only
// that mode's variables streams answers from a mock-azure-openai that accepts
// nothing but bearer tokens signed by mock-entra-id (an api-key would be
// refused), so a complete answer proves the token path works. Also: one
// token request for 20 concurrent first messages, a wrong client secret, a
// rotated federated token file, and a revoked token (one new token for 20
// answers refused with it; a token refused again is a failure, not a loop).

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "integration/chat_fixture.hpp"
#include "integration/credential_suite.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kIdentityHeader = "identity-header-value-9d2c";
// Distinctive, so that finding it anywhere (stream, database, log) is a leak.
constexpr const char* kWrongSecret = "wrong-secret-value-5e81f0a7";
// Parleys a test suite may start; each needs its callback registered at
// mock-entra-id before it starts.
constexpr int kParleyPorts = 8;

std::string str(const json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

std::string assistant_id(const StreamResult& r) {
  if (r.events.empty() || r.events.front().name != "start") return {};
  return str(json::parse(r.events.front().data), "assistant_message_id");
}

std::string post_json(int port, const std::string& path, const std::string& body) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post(path, body, "application/json");
  return r && r->status == 200 ? r->body : std::string();
}

// A file a test writes and removes; rewrite() replaces it atomically, as the
// kubelet does with a projected token (a reader never sees half a token).
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }
  void rewrite(const std::string& content) const {
    const auto staged = path_.string() + ".new";
    std::ofstream(staged, std::ios::binary | std::ios::trunc) << content;
    std::filesystem::rename(staged, path_);
  }

 private:
  std::filesystem::path path_;
};

// A cpp-httplib server on a loopback port, on its own thread while alive.
class LoopbackServer {
 public:
  // One request per connection: stop() must not wait for a pooled connection.
  LoopbackServer() { server_.set_keep_alive_max_count(1); }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 protected:
  // Call once the routes are set.
  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  // Derived classes call this first in their destructor: handlers use them.
  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  httplib::Server server_;

 private:
  int port_ = 0;
  std::thread thread_;
};

// A loopback stand-in for the App Service managed-identity endpoint: it
// checks the protocol (X-IDENTITY-HEADER, resource, api-version) and hands
// out, in App Service's format, an app token it gets from mock-entra-id, so
// mock-azure-openai accepts it like a real managed identity's token.
class IdentityEndpoint : public LoopbackServer {
 public:
  explicit IdentityEndpoint(int entra_port) {
    server_.Get(
        "/msi/token", [this, entra_port](const httplib::Request& req, httplib::Response& res) {
          if (req.get_header_value("X-IDENTITY-HEADER") != kIdentityHeader ||
              req.get_param_value("resource") != kAudience ||
              req.get_param_value("api-version") != "2019-08-01") {
            ++refused;
            res.status = 400;
            res.set_content(R"({"error":"bad request"})", "application/json");
            return;
          }
          ++served;
          httplib::Client entra("127.0.0.1", entra_port);
          auto r = entra.Post(std::string("/") + kTenant + "/oauth2/v2.0/token",
                              std::string("grant_type=client_credentials&client_id=") + kClientId +
                                  "&client_secret=" + kClientSecret +
                                  "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default",
                              "application/x-www-form-urlencoded");
          if (!r || r->status != 200) {
            res.status = 500;
            return;
          }
          const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
          json::object out;
          out["access_token"] = json::parse(r->body).at("access_token");
          out["expires_on"] = std::to_string(now + 3599);  // App Service sends a string
          out["resource"] = kAudience;
          out["token_type"] = "Bearer";
          res.set_content(json::serialize(out), "application/json");
        });
    start();
  }
  ~IdentityEndpoint() { stop(); }
  std::string url() const { return base() + "/msi/token"; }

  std::atomic<int> served{0};
  std::atomic<int> refused{0};
};

// An authority host in front of mock-entra-id that holds every token request
// until open() (or a 10 s safety limit), then forwards it. Holding the first
// token request lets a test line every other caller up behind it.
class TokenGate : public LoopbackServer {
 public:
  explicit TokenGate(int entra_port) {
    server_.Post(R"(/.+/oauth2/v2\.0/token)",
                 [this, entra_port](const httplib::Request& req, httplib::Response& res) {
                   ++requests;
                   {
                     std::unique_lock lock(mutex_);
                     if (!opened_.wait_for(lock, 10s, [this] { return open_; })) timed_out = true;
                   }
                   httplib::Client entra("127.0.0.1", entra_port);
                   auto r = entra.Post(req.path, req.body, req.get_header_value("Content-Type"));
                   res.status = r ? r->status : 502;
                   if (r) res.set_content(r->body, r->get_header_value("Content-Type"));
                 });
    start();
  }
  ~TokenGate() {
    open();
    stop();
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }

  std::atomic<int> requests{0};
  std::atomic<bool> timed_out{false};

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

class ChatCredentials : public CredentialSuite<ChatCredentials, kParleyPorts> {
 protected:
  void SetUp() override {
    CredentialSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(idp_->control("/_mock/reset"), 200);
    ASSERT_EQ(idp_->control("/_mock/stats/reset"), 200);
    ASSERT_EQ(aoai_->behaviour(R"({"chunks":4,"chunk_delay_ms":5})"), 200);
  }

  // A parley whose Azure OpenAI credential comes from `credential` only
  // (the default AZURE_OPENAI_API_KEY removed), on a registered port.
  static std::unique_ptr<Parley> start_parley(std::map<std::string, std::string> credential) {
    return start_parley_with(std::move(credential));
  }
  // The variables of client-secret and workload identity: `extra` plus the
  // tenant, client and authority (mock-entra-id).
  static std::map<std::string, std::string> entra_env(std::map<std::string, std::string> extra) {
    extra["AZURE_TENANT_ID"] = kTenant;
    extra["AZURE_CLIENT_ID"] = kClientId;
    extra["AZURE_AUTHORITY_HOST"] = idp_->base();
    return extra;
  }
  static std::map<std::string, std::string> client_secret_env(const std::string& secret) {
    // The twenty-stream tests hold seven answers per user at once: above the
    // default concurrent-streams quota (3), which is not what they test.
    return entra_env({{"AZURE_CLIENT_SECRET", secret}, {"PARLEY_QUOTA_CONCURRENT_STREAMS", "10"}});
  }

  // The `llm.configured` start-up line's credential field.
  static std::string logged_credential(Parley& p) {
    if (!p.process().wait_for_output("\"llm.configured\"", 5s)) return "no llm.configured line";
    const std::string log = p.log();
    const auto line = log.find("\"llm.configured\"");
    const auto at = log.find("\"credential\":\"", line);
    if (at == std::string::npos) return "no credential field";
    const auto begin = at + 14;
    return log.substr(begin, log.find('"', begin) - begin);
  }

  static std::vector<ChatClient> sign_in_three(Parley& parley) {
    std::vector<ChatClient> users;
    for (const char* u : {"ada@example.com", "grace@example.com", "heavy@example.com"}) {
      users.push_back(chat::sign_in(parley.port(), u));
    }
    return users;
  }
  // `n` new conversations spread over `users`: a client copy (one per
  // thread) and the messages path of each.
  static void spread_conversations(const std::vector<ChatClient>& users, int n,
                                   std::vector<ChatClient>& clients,
                                   std::vector<std::string>& paths) {
    for (int i = 0; i < n; ++i) {
      clients.push_back(users[static_cast<std::size_t>(i) % users.size()]);
      paths.push_back("/api/conversations/" + chat::create_conversation(clients.back()) +
                      "/messages");
    }
  }
  static std::string stored(const StreamResult& r, const char* column = "status") {
    return sql_scalar(database_url_, std::string("SELECT ") + column +
                                         " FROM messages WHERE id = '" + assistant_id(r) + "'");
  }

  static json::object entra_stats() { return json::parse(idp_->get("/_mock/stats")).as_object(); }
  // The headers of the last chat request mock-azure-openai received.
  static json::object last_upstream_headers() {
    return aoai_stats().at("last_request").at("headers").as_object();
  }
  static std::string federated_token(const std::string& request) {
    const std::string body = post_json(idp_->port(), "/_mock/federated-token", request);
    return body.empty() ? body : str(json::parse(body), "token");
  }
};

TEST_F(ChatCredentials, ClientSecretTokenReachesTheModel) {
  auto parley = start_parley(client_secret_env(kClientSecret));
  EXPECT_EQ(logged_credential(*parley), std::string("client-secret (tenant ") + kTenant +
                                            ", client " + kClientId + ", authority " +
                                            idp_->base() + ")");
  ChatClient c = chat::sign_in(parley->port(), "ada@example.com");
  StreamResult r = ask(c, "Hello with a client secret");
  EXPECT_EQ(outcome(r), "done complete") << r.body << parley->log();
  EXPECT_EQ(stored(r), "complete");
  EXPECT_TRUE(stored(r, "content").starts_with("You said: Hello with a client secret."));
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 1);
  EXPECT_EQ(aoai_stats().at("completed_streams"), 1);
  const json::object headers = last_upstream_headers();
  EXPECT_EQ(headers.at("authorization"), "Bearer");
  EXPECT_FALSE(headers.contains("api-key"));
  EXPECT_EQ(parley->log().find(kClientSecret), std::string::npos);
}

// The token cache is single-flight through the whole server: twenty users'
// first messages wait for one token request. The gate holds that request
// until every stream has started (each asks for a token right after its
// `start` frame), so all twenty really arrive while it is in flight.
TEST_F(ChatCredentials, TwentyConcurrentFirstMessagesShareOneTokenRequest) {
  TokenGate gate(idp_->port());
  auto env = client_secret_env(kClientSecret);
  env["AZURE_AUTHORITY_HOST"] = gate.base();
  auto parley = start_parley(env);
  std::vector<ChatClient> users = sign_in_three(*parley);
  constexpr int kMessages = 20;
  std::vector<ChatClient> clients;
  std::vector<std::string> paths;
  spread_conversations(users, kMessages, clients, paths);
  ASSERT_EQ(entra_stats().at("client_credentials_requests"), 0) << "no token before a message";
  std::vector<StreamResult> results(kMessages);
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMessages; ++i) {
    threads.emplace_back([&, i] {
      results[i] = chat::stream(clients[i], paths[i], R"({"content":"All at once"})",
                                [&](const SseEvent& e) {
                                  if (e.name == "start" && ++started == kMessages) gate.open();
                                  return true;
                                });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(gate.timed_out) << started << " of " << kMessages << " streams started";
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(outcome(results[i]), "done complete") << i << " " << results[i].body;
    EXPECT_EQ(stored(results[i]), "complete") << i;
  }
  EXPECT_EQ(gate.requests.load(), 1);
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 1);
  EXPECT_EQ(aoai_stats().at("completed_streams"), kMessages);
}

// A token the model refuses (revoked) is dropped at the first 401 and the
// answer retried with a new one. Twenty answers sent with the same revoked
// token share one token request: mock-azure-openai holds the twenty requests
// until all have arrived with the stale token, then refuses them together.
TEST_F(ChatCredentials, TwentyAnswersRefusedWithARevokedTokenShareOneNewToken) {
  auto parley = start_parley(client_secret_env(kClientSecret));
  std::vector<ChatClient> users = sign_in_three(*parley);
  StreamResult first = ask(users[0], "Before the revocation");
  ASSERT_EQ(outcome(first), "done complete") << first.body << parley->log();
  ASSERT_EQ(entra_stats().at("client_credentials_requests"), 1);

  // (Tokens of the suite's earlier parleys are revoked too; they are unused.)
  const std::string revoked = post_json(aoai_->port(), "/_mock/revoke-tokens", "{}");
  ASSERT_FALSE(revoked.empty());
  ASSERT_GE(json::parse(revoked).at("revoked").as_int64(), 1);
  ASSERT_EQ(aoai_->reset_stats(), 200);
  ASSERT_EQ(aoai_->behaviour(R"({"hold":true})"), 200);
  constexpr int kMessages = 20;
  std::vector<ChatClient> clients;
  std::vector<std::string> paths;
  spread_conversations(users, kMessages, clients, paths);
  std::vector<StreamResult> results(kMessages);
  std::vector<std::thread> threads;
  for (int i = 0; i < kMessages; ++i) {
    threads.emplace_back([&, i] {
      results[i] = chat::stream(clients[i], paths[i], R"({"content":"After the revocation"})");
    });
  }
  const bool all_held =
      eventually([] { return aoai_stats().at("held").as_int64() == kMessages; }, 30s);
  (void)aoai_->behaviour(R"({"hold":false})");
  for (auto& t : threads) t.join();
  ASSERT_TRUE(all_held) << json::serialize(aoai_stats());
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(outcome(results[i]), "done complete") << i << " " << results[i].body;
    EXPECT_EQ(stored(results[i]), "complete") << i;
  }
  EXPECT_EQ(aoai_stats().at("unauthorized"), kMessages) << "all twenty sent the revoked token";
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 2) << "one new token for all";
  EXPECT_EQ(aoai_stats().at("completed_streams"), kMessages);
  const std::string log = parley->log();
  EXPECT_NE(log.find("\"llm.token_rejected\""), std::string::npos) << log;
}

// When the new token is refused as well, the answer fails after that one
// retry (no loop), and the next answer does not ask Entra again at once.
TEST_F(ChatCredentials, ATokenRefusedAgainAfterReplacementFailsTheAnswer) {
  auto parley = start_parley(client_secret_env(kClientSecret));
  ChatClient c = chat::sign_in(parley->port(), "grace@example.com");
  StreamResult first = ask(c, "While all is well");
  ASSERT_EQ(outcome(first), "done complete") << first.body << parley->log();
  ASSERT_EQ(aoai_->behaviour(R"({"fault":"401"})"), 200);
  ASSERT_EQ(aoai_->reset_stats(), 200);

  StreamResult refused = ask(c, "Refused whatever the token");
  EXPECT_EQ(outcome(refused), "error upstream_unavailable") << refused.body;
  EXPECT_EQ(stored(refused), "failed");
  EXPECT_EQ(aoai_stats().at("requests"), 2) << "the stale token, then the new one";
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 2);

  StreamResult again = ask(c, "Still refused");
  EXPECT_EQ(outcome(again), "error upstream_unavailable") << again.body;
  EXPECT_EQ(aoai_stats().at("requests"), 3);
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 2);
}

TEST_F(ChatCredentials, WrongClientSecretFailsTheAnswerWithoutRevealingIt) {
  auto parley = start_parley(client_secret_env(kWrongSecret));
  ChatClient c = chat::sign_in(parley->port(), "grace@example.com");
  StreamResult r = ask(c, "Will this work?");
  // Users get the public code; the credential cause is for the operator's log.
  EXPECT_EQ(outcome(r), "error upstream_unavailable") << r.body;
  EXPECT_EQ(r.names(), (std::vector<std::string>{"start", "error"}));
  EXPECT_EQ(stored(r), "failed");
  EXPECT_EQ(stored(r, "error_code"), "upstream_unavailable");
  EXPECT_EQ(r.body.find(kWrongSecret), std::string::npos);
  const std::string conversation = sql_scalar(
      database_url_, "SELECT conversation_id FROM messages WHERE id = '" + assistant_id(r) + "'");
  const ApiResult read = chat::call(c, "GET", "/api/conversations/" + conversation);
  ASSERT_EQ(read.status, 200);
  EXPECT_NE(read.body.find("\"status\":\"failed\""), std::string::npos) << read.body;
  EXPECT_EQ(read.body.find(kWrongSecret), std::string::npos);
  EXPECT_EQ(sql_scalar(database_url_, std::string("SELECT count(*) FROM messages WHERE "
                                                  "strpos(content, '") +
                                          kWrongSecret + "') > 0"),
            "0");

  EXPECT_GE(entra_stats().at("client_credentials_requests").as_int64(), 1);
  EXPECT_EQ(aoai_stats().at("requests"), 0) << "no token, no model call";
  // The answer's log line follows the last frame: wait for it.
  EXPECT_TRUE(parley->process().wait_for_output("\"error_code\":\"llm.credential\"", 5s))
      << parley->log();
  const std::string log = parley->log();
  EXPECT_NE(log.find("\"llm.credential_failed\""), std::string::npos) << log;
  EXPECT_NE(log.find("AADSTS7000215"), std::string::npos) << "the operator sees Entra's reason";
  EXPECT_EQ(log.find(kWrongSecret), std::string::npos);
}

// The federated token file is read at each token request, never cached: an
// expired assertion fails the answer; once the file holds a fresh one, the
// next message works; a later refresh reads the file again.
TEST_F(ChatCredentials, WorkloadIdentityReadsTheTokenFileAtEachTokenRequest) {
  const std::string expired =
      federated_token(R"({"exp_offset":-600,"nbf_offset":-1200,"iat_offset":-1200})");
  const std::string fresh = federated_token("{}");
  ASSERT_FALSE(expired.empty());
  ASSERT_FALSE(fresh.empty());
  TempFile file("parley-federated-token");
  file.rewrite(expired);
  auto parley = start_parley(entra_env({{"AZURE_FEDERATED_TOKEN_FILE", file.path()}}));
  EXPECT_EQ(logged_credential(*parley), std::string("workload-identity (tenant ") + kTenant +
                                            ", client " + kClientId + ", token file " +
                                            file.path() + ", authority " + idp_->base() + ")");
  ChatClient c = chat::sign_in(parley->port(), "ada@example.com");

  StreamResult refused = ask(c, "With an expired assertion");
  EXPECT_EQ(outcome(refused), "error upstream_unavailable") << refused.body;
  EXPECT_EQ(stored(refused), "failed");
  EXPECT_NE(parley->log().find("AADSTS700024"), std::string::npos)
      << "Entra refused the expired assertion: " << parley->log();
  EXPECT_EQ(aoai_stats().at("requests"), 0);
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 1);

  // Tokens that live less than the 5-minute refresh margin are refreshed at
  // every use while still valid: each message below asks Entra again.
  ASSERT_EQ(idp_->control("/_mock/behaviour", R"({"access_token_expires_in":240})"), 200);
  file.rewrite(fresh);
  StreamResult answered = ask(c, "With a fresh assertion");
  EXPECT_EQ(outcome(answered), "done complete") << answered.body << parley->log();
  EXPECT_EQ(stored(answered), "complete");
  EXPECT_EQ(last_upstream_headers().at("authorization"), "Bearer");
  const std::int64_t after_fresh = entra_stats().at("client_credentials_requests").as_int64();
  EXPECT_GE(after_fresh, 2);

  // The rotated file holds an expired assertion again: the refresh fails at
  // Entra (so the file was read again), and the still-valid token keeps
  // serving, as Azure Identity does.
  file.rewrite(expired);
  StreamResult kept = ask(c, "While the refresh fails");
  EXPECT_EQ(outcome(kept), "done complete") << kept.body;
  EXPECT_GT(entra_stats().at("client_credentials_requests").as_int64(), after_fresh);
  const std::string log = parley->log();
  const auto refresh_failed = log.find("\"llm.credential_refresh_failed\"");
  ASSERT_NE(refresh_failed, std::string::npos) << log;
  EXPECT_NE(log.find("AADSTS700024", refresh_failed), std::string::npos) << log;
  for (const std::string& token : {expired, fresh}) {
    EXPECT_EQ(log.find(token), std::string::npos) << "assertions are never logged";
  }
}

TEST_F(ChatCredentials, ManagedIdentityThroughIdentityEndpoint) {
  IdentityEndpoint identity(idp_->port());
  auto parley =
      start_parley({{"IDENTITY_ENDPOINT", identity.url()}, {"IDENTITY_HEADER", kIdentityHeader}});
  EXPECT_EQ(logged_credential(*parley),
            "managed-identity (IDENTITY_ENDPOINT " + identity.url() + ")");
  ChatClient c = chat::sign_in(parley->port(), "grace@example.com");
  StreamResult first = ask(c, "Managed identity");
  EXPECT_EQ(outcome(first), "done complete") << first.body << parley->log();
  EXPECT_EQ(stored(first), "complete");
  StreamResult second = ask(c, "Managed identity again");
  EXPECT_EQ(outcome(second), "done complete") << second.body;
  EXPECT_EQ(identity.served.load(), 1) << "cached until expires_on";
  EXPECT_EQ(identity.refused.load(), 0);
  EXPECT_EQ(entra_stats().at("client_credentials_requests"), 1);
  EXPECT_EQ(aoai_stats().at("completed_streams"), 2);
  EXPECT_EQ(last_upstream_headers().at("authorization"), "Bearer");
  EXPECT_EQ(parley->log().find(kIdentityHeader), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
