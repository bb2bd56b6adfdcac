// Three parley replicas behind nginx (Debian's package, configured with the
// example deploy/nginx/parley.conf) on one PostgreSQL, as on Kubernetes:
// a session made through the proxy works on every replica; sign-out, a
// disabled user and stop reach every replica; and a rolling restart
// (SIGTERM one replica at a time, start its replacement, wait for /readyz)
// under wrk and 50 streaming chats fails no plain request and loses no
// answer: every stream completes, or ends with its partial text stored as
// `stopped`/`failed`, and no row is left `streaming`.

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "http/message.hpp"
#include "integration/chat_fixture.hpp"
#include "support/temp_postgres.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kReplicas = 3;
constexpr int kUsers = 14;
// The rolling restart's own users: rr04..rr13 (the other tests sign out,
// disable and re-enable rr00..rr03; a re-enabled user's new sessions are
// refused until the next revocation resync).
constexpr int kLoadFirstUser = 4;
constexpr int kLoadUsers = 10;
constexpr int kChats = 50;  // streaming chats during the rolling restart

std::string user_name(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "rr%02d", i);
  return id;
}

// An executable from PATH or the sbin directories ("" when missing).
std::string find_program(const std::string& name) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/sbin:/usr/bin";
  std::stringstream ss(dirs);
  for (std::string dir; std::getline(ss, dir, ':');) {
    const fs::path p = fs::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// nginx with the repository's example site config, its listen port and
// upstream servers replaced by the test's.
class Nginx {
 public:
  Nginx(int port, const std::vector<int>& upstreams) : port_(port) {
    const std::string binary = find_program("nginx");
    if (binary.empty()) throw std::runtime_error("nginx not found: run scripts/install-deps.sh");
    dir_ = fs::temp_directory_path() / ("parley-nginx-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    site_ = read_file(fs::path(source_dir()) / "deploy/nginx/parley.conf");
    if (site_.empty()) throw std::runtime_error("deploy/nginx/parley.conf is missing");
    write_site(upstreams);
    const std::string d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\nworker_processes 1;\n"
        << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
        << "events { worker_connections 2048; }\n"
        << "http {\n  access_log " << d << "/access.log;\n"
        << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
        << "  fastcgi_temp_path " << d << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
        << "  scgi_temp_path " << d << "/scgi;\n  include " << d << "/parley.conf;\n}\n";
    ChildProcess::Options o;
    o.argv = {binary, "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"};
    process_ = std::make_unique<ChildProcess>(o);
    if (!wait_http_status(port, "/healthz", 200, 20s)) {
      throw std::runtime_error("nginx did not start: " + process_->output() + error_log());
    }
  }
  ~Nginx() {
    process_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string error_log() const { return read_file(dir_ / "error.log"); }
  std::string access_log() const { return read_file(dir_ / "access.log"); }

 private:
  // The example's upstream servers (their options kept) and listen address
  // replaced by the test's.
  void write_site(const std::vector<int>& upstreams) {
    std::string site = site_;
    const std::regex server_line(R"(\n(\s*)server 127\.0\.0\.1:\d+( [^;\n]*)?;)");
    std::smatch m;
    if (!std::regex_search(site, m, server_line))
      throw std::runtime_error("no upstream server line");
    std::string servers;
    for (int p : upstreams) {
      servers += "\n" + m[1].str() + "server 127.0.0.1:" + std::to_string(p) + m[2].str() + ";";
    }
    site = std::regex_replace(site, server_line, "");
    site = std::regex_replace(site, std::regex(R"(upstream parley \{)"),
                              "upstream parley {" + servers);
    site = std::regex_replace(site, std::regex(R"(listen 127\.0\.0\.1:\d+;)"),
                              "listen 127.0.0.1:" + std::to_string(port_) + ";");
    std::ofstream(dir_ / "parley.conf") << site;
  }

  int port_;
  fs::path dir_;
  std::string site_;
  std::unique_ptr<ChildProcess> process_;
};

class NginxReplicas : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = shared_temp_postgres().url();
    json::array users;
    for (int i = 0; i < kUsers; ++i) {
      users.push_back(json::object{{"id", user_name(i)},
                                   {"name", "Replica User " + std::to_string(i)},
                                   {"email", user_name(i) + "@example.com"}});
    }
    users_file_ =
        (fs::temp_directory_path() / ("parley-nginx-users-" + std::to_string(::getpid()) + ".json"))
            .string();
    std::ofstream(users_file_) << json::serialize(users);
    const int proxy_port = free_port();
    idp_ = std::make_unique<MockEntra>(std::vector<std::string>{Parley::callback_uri(proxy_port)},
                                       users_file_);
    aoai_ = std::make_unique<MockAzure>();
    origin_ = "http://127.0.0.1:" + std::to_string(proxy_port);
    for (int i = 0; i < kReplicas; ++i) ports_.push_back(free_port());
    for (int i = 0; i < kReplicas; ++i) replicas_.push_back(start_replica(ports_[i]));
    nginx_ = std::make_unique<Nginx>(proxy_port, ports_);
  }
  static void TearDownTestSuite() {
    nginx_.reset();
    replicas_.clear();
    aoai_.reset();
    idp_.reset();
    fs::remove(users_file_);
  }
  void SetUp() override { ASSERT_EQ(aoai_->reset(), 200); }

  // A replica as the Deployment runs it: the public origin is the proxy's,
  // and it trusts the proxy's X-Forwarded-For.
  static std::string access_statuses() {
    std::map<std::string, int> n;
    std::stringstream ss(nginx_->access_log());
    for (std::string line; std::getline(ss, line);) {
      std::smatch m;
      if (std::regex_search(line, m, std::regex(R"(" (\d{3}) )"))) ++n[m[1].str()];
    }
    std::string out;
    for (auto& [k, v] : n) out += k + "x" + std::to_string(v) + " ";
    return out;
  }
  static std::unique_ptr<Parley> start_replica(int port) {
    ParleyOptions o;
    o.port = port;
    o.database_url = database_url_;
    o.issuer = idp_->issuer();
    o.env = {{"AUTH_URL", origin_},
             {"AUTH_TRUST_HOST", "true"},
             {"AZURE_OPENAI_ENDPOINT", aoai_->base()},
             {"AZURE_OPENAI_API_KEY", kAzureApiKey},
             // Several chats per user at once (the default quota is 3).
             {"PARLEY_QUOTA_CONCURRENT_STREAMS", "100"}};
    auto p = std::make_unique<Parley>(o);
    if (!wait_http_status(port, "/readyz", 200, 30s)) {
      throw std::runtime_error("replica not ready: " + p->log());
    }
    return p;
  }

  static ChatClient sign_in(const std::string& who) { return chat::sign_in(nginx_->port(), who); }
  static std::string cookie_of(ChatClient& c) {
    return "parley.session=" + c.browser.cookies().at("parley.session");
  }
  // GET on one replica directly, bypassing the proxy.
  static std::string session_on(int port, const std::string& cookie) {
    httplib::Client client("127.0.0.1", port);
    auto r = client.Get("/api/auth/session", {{"Cookie", cookie}});
    return r ? r->body : "<no answer>";
  }
  static int streaming_on(int port) {
    httplib::Client client("127.0.0.1", port);
    auto r = client.Get("/metrics");
    if (!r) return -1;
    std::smatch m;
    static const std::regex line(R"(\nparley_chat_answers_streaming (\d+))");
    return std::regex_search(r->body, m, line) ? std::stoi(m[1].str()) : -1;
  }

  static inline std::unique_ptr<MockEntra> idp_;
  static inline std::unique_ptr<MockAzure> aoai_;
  static inline std::unique_ptr<Nginx> nginx_;
  static inline std::vector<std::unique_ptr<Parley>> replicas_;
  static inline std::vector<int> ports_;
  static inline std::string database_url_;
  static inline std::string origin_;
  static inline std::string users_file_;
};

TEST_F(NginxReplicas, ASessionMadeThroughTheProxyWorksOnEveryReplica) {
  ChatClient c = sign_in(user_name(0) + "@example.com");
  const std::string cookie = cookie_of(c);
  for (int port : ports_) {
    const json::value s = json::parse(session_on(port, cookie));
    ASSERT_TRUE(s.is_object()) << port;
    EXPECT_EQ(s.at("user").at("email").as_string(), user_name(0) + "@example.com") << port;
  }
  // Through the proxy, requests land on all replicas in turn: a
  // conversation made on one is listed on the others.
  const std::string id = chat::create_conversation(c, "made once");
  for (int i = 0; i < 2 * kReplicas; ++i) {
    const ApiResult list = chat::call(c, "GET", "/api/conversations");
    ASSERT_EQ(list.status, 200);
    EXPECT_NE(list.body.find(id), std::string::npos);
  }
}

TEST_F(NginxReplicas, SignOutThroughTheProxyEndsTheSessionOnEveryReplica) {
  ChatClient c = sign_in(user_name(1) + "@example.com");
  const std::string cookie = cookie_of(c);
  for (int port : ports_) ASSERT_NE(session_on(port, cookie), "null");
  const HttpResult out =
      c.browser.post("/api/auth/signout", "csrfToken=" + http::percent_encode(c.csrf),
                     "application/x-www-form-urlencoded", {{"Origin", origin_}});
  ASSERT_EQ(out.status, 302) << out.body;
  for (int port : ports_) {
    EXPECT_TRUE(eventually([&] { return session_on(port, cookie) == "null"; }, 2s)) << port;
  }
}

TEST_F(NginxReplicas, DisablingAUserEndsTheirSessionsOnEveryReplica) {
  ChatClient c = sign_in(user_name(2) + "@example.com");
  const std::string cookie = cookie_of(c);
  const std::string id(
      json::parse(chat::call(c, "GET", "/api/auth/session").body).at("user").at("id").as_string());
  for (int port : ports_) ASSERT_NE(session_on(port, cookie), "null");
  sql_scalar(database_url_,
             "UPDATE users SET disabled_at = now() WHERE id = '" + id + "' RETURNING 1");
  for (int port : ports_) {
    EXPECT_TRUE(eventually([&] { return session_on(port, cookie) == "null"; }, 2s)) << port;
  }
  sql_scalar(database_url_,
             "UPDATE users SET disabled_at = NULL WHERE id = '" + id + "' RETURNING 1");
}

// POST on one replica directly (the stop and the sign-out need the public
// Origin, the session cookie and the CSRF token).
ApiResult post_on(int port, ChatClient& c, const std::string& path, const std::string& origin) {
  httplib::Client client("127.0.0.1", port);
  httplib::Headers h{{"Cookie", "parley.session=" + c.browser.cookies().at("parley.session")},
                     {"Origin", origin},
                     {"X-CSRF-Token", c.csrf}};
  auto r = client.Post(path, h, "{}", "application/json");
  return r ? ApiResult{r->status, r->body, r->get_header_value("Content-Type")} : ApiResult{};
}

std::string streamed_text(const StreamResult& r) {
  std::string text;
  for (const auto& e : r.events) {
    if (e.name == "delta") text += json::parse(e.data).at("text").as_string();
  }
  return text;
}

std::string assistant_id(const StreamResult& r) {
  for (const auto& e : r.events) {
    if (e.name == "start") {
      return std::string(json::parse(e.data).at("assistant_message_id").as_string());
    }
  }
  return "";
}

TEST_F(NginxReplicas, StopSentToAnotherReplicaStopsTheAnswer) {
  ASSERT_EQ(aoai_->behaviour(R"({"chunks":25,"chunk_delay_ms":400})"), 200);
  ChatClient c = sign_in(user_name(3) + "@example.com");
  const std::string conversation = chat::create_conversation(c);
  std::atomic<bool> started{false};
  StreamResult result;
  std::thread streamer([&] {
    result = chat::stream(c, "/api/conversations/" + conversation + "/messages",
                          R"({"content":"stop me from elsewhere"})", [&](const SseEvent& e) {
                            if (e.name == "delta") started = true;
                            return true;
                          });
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }, 20s));
  // Which replica streams it: messages.owner is "<host>/<pid>/<random>".
  const std::string owner =
      sql_scalar(database_url_, "SELECT owner FROM messages WHERE conversation_id = '" +
                                    conversation + "' AND role = 'assistant'");
  int streaming = -1;
  for (int i = 0; i < kReplicas; ++i) {
    if (owner.find("/" + std::to_string(replicas_[i]->process().pid()) + "/") != std::string::npos)
      streaming = i;
  }
  ASSERT_GE(streaming, 0) << owner;
  const int other = ports_[(streaming + 1) % kReplicas];
  EXPECT_EQ(post_on(other, c, "/api/conversations/" + conversation + "/stop", origin_).status, 202);
  streamer.join();
  ASSERT_EQ(result.status, 200);
  ASSERT_FALSE(result.events.empty());
  ASSERT_EQ(result.events.back().name, "done") << result.body;
  EXPECT_EQ(json::parse(result.events.back().data).at("status"), "stopped");
  EXPECT_EQ(sql_scalar(database_url_, "SELECT status || ':' || content FROM messages WHERE id = '" +
                                          assistant_id(result) + "'"),
            "stopped:" + streamed_text(result));
}

// One chat's answers during the restart.
struct ChatLog {
  std::vector<StreamResult> turns;
  std::vector<std::string> contents;  // the message each turn posted
};

TEST_F(NginxReplicas, RollingRestartUnderLoadFailsNoPlainRequestAndLosesNoAnswer) {
  // Answers of about 3 s, so that every replica has some in flight when it
  // is told to stop.
  ASSERT_EQ(aoai_->behaviour(R"({"chunks":25,"chunk_delay_ms":120})"), 200);
  std::vector<ChatClient> users;
  for (int u = 0; u < kLoadUsers; ++u) {
    users.push_back(sign_in(user_name(kLoadFirstUser + u) + "@example.com"));
  }
  std::vector<std::string> conversations(kChats);
  for (int i = 0; i < kChats; ++i) {
    conversations[i] = chat::create_conversation(users[i % kLoadUsers]);
  }

  // Plain requests: wrk on the conversation list through the proxy.
  const std::string wrk = find_program("wrk");
  ASSERT_FALSE(wrk.empty()) << "wrk not found: run scripts/install-deps.sh";
  ChildProcess::Options wo;
  // --timeout: a slow answer on a busy machine is not a failed request.
  wo.argv = {wrk, "-t1", "-c8", "-d600s", "--timeout", "30s"};
  wo.argv.insert(wo.argv.end(), {"-H", "Cookie: " + cookie_of(users[0])});
  wo.argv.push_back(nginx_->origin() + "/api/conversations");
  ChildProcess load(wo);

  // 50 chats, each streaming answer after answer until the restart is over.
  std::atomic<bool> restarted{false};
  std::vector<ChatLog> logs(kChats);
  std::vector<std::thread> chats;
  for (int i = 0; i < kChats; ++i) {
    chats.emplace_back([&, i, client = users[i % kLoadUsers]]() mutable {
      for (int turn = 0; turn == 0 || !restarted; ++turn) {
        const std::string content = "chat " + std::to_string(i) + " turn " + std::to_string(turn);
        StreamResult r =
            chat::stream(client, "/api/conversations/" + conversations[i] + "/messages",
                         json::serialize(json::object{{"content", content}}));
        logs[i].turns.push_back(std::move(r));
        logs[i].contents.push_back(content);
      }
    });
  }

  // The rolling restart: one replica at a time, each while it streams.
  // nginx keeps routing to it until its listener closes (there is no
  // preStop here, unlike Kubernetes): requests it cannot send go to the next
  // replica.
  int drained_with_streams = 0;
  for (int i = 0; i < kReplicas; ++i) {
    if (eventually([&] { return streaming_on(ports_[i]) > 0; }, 20s)) ++drained_with_streams;
    EXPECT_EQ(replicas_[i]->process().terminate(40s), 0) << "replica " << i << " exit status";
    replicas_[i] = start_replica(ports_[i]);
  }
  restarted = true;
  for (auto& t : chats) t.join();
  ::kill(load.pid(), SIGINT);  // wrk prints its summary on SIGINT
  ASSERT_TRUE(eventually([&] { return !load.running(); }, 20s));
  const std::string report = load.output();
  EXPECT_EQ(drained_with_streams, kReplicas) << "each replica was stopped while it streamed";

  // Plain requests: none failed.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(report, m, std::regex(R"((\d+) requests in)"))) << report;
  const long requests = std::stol(m[1].str());
  EXPECT_GT(requests, 0) << report;
  EXPECT_EQ(report.find("Non-2xx"), std::string::npos)
      << report << nginx_->error_log().substr(0, 3000) << access_statuses();
  EXPECT_EQ(report.find("Socket errors"), std::string::npos) << report;

  // Chat messages: each POST either streamed — `start`, then its final
  // event: `done` with the stored status (complete, or stopped by a drain
  // with the text so far) or `error` (stored failed), the stored text being
  // the text the client received — or was refused by the proxy before
  // Parley accepted it (nginx does not resend a POST it had already sent on
  // a connection the stopping replica closed): then nothing of it is stored
  // and the browser offers to send it again. Nothing accepted is lost.
  std::map<std::string, int> endings;
  int total = 0;
  for (int i = 0; i < kChats; ++i) {
    for (std::size_t k = 0; k < logs[i].turns.size(); ++k) {
      const StreamResult& r = logs[i].turns[k];
      ++total;
      if (r.status != 200) {
        ++endings["refused by the proxy (" + std::to_string(r.status) + ")"];
        EXPECT_EQ(r.status, 502) << "chat " << i << ": " << r.body;
        EXPECT_EQ(sql_scalar(database_url_, "SELECT count(*) FROM messages WHERE content = '" +
                                                logs[i].contents[k] + "'"),
                  "0")
            << "a refused message was stored";
        continue;
      }
      const std::string id = assistant_id(r);
      ASSERT_FALSE(id.empty()) << "chat " << i << ": no start event: " << r.body;
      const std::string stored = sql_scalar(
          database_url_, "SELECT status || ':' || content FROM messages WHERE id = '" + id + "'");
      const std::string status = stored.substr(0, stored.find(':'));
      const std::string content = stored.substr(stored.find(':') + 1);
      const std::string text = streamed_text(r);
      const std::string last = r.events.back().name;
      if (last == "done") {
        const std::string shown(json::parse(r.events.back().data).at("status").as_string());
        ++endings["done " + shown];
        EXPECT_EQ(status, shown) << id;
        EXPECT_TRUE(status == "complete" || status == "stopped") << id << " " << status;
        EXPECT_EQ(content, text) << id;
      } else {
        ++endings[last];
        EXPECT_EQ(last, "error") << id << ": the stream ended without a final event";
        EXPECT_EQ(status, "failed") << id;
        EXPECT_EQ(content.substr(0, text.size()), text) << id;
      }
    }
  }
  EXPECT_EQ(sql_scalar(database_url_, "SELECT count(*) FROM messages WHERE status = 'streaming'"),
            "0");
  std::cout << "rolling restart: " << requests << " plain requests, 0 failed; " << total
            << " chat messages:";
  for (const auto& [ending, n] : endings) std::cout << " " << n << " " << ending << ";";
  std::cout << " none left streaming\n";
  RecordProperty("plain_requests", static_cast<int>(requests));
  RecordProperty("answers", total);
  RecordProperty("answers_stopped_by_drain", endings["done stopped"]);
}

}  // namespace
}  // namespace parley::testing
