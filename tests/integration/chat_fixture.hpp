#pragma once
// Set-up for the end-to-end chat tests: one PostgreSQL, mock-entra-id,
// mock-azure-openai and a parley server per test process (a second parley
// on the same database is started by the tests that need one), plus a
// client that signs in, calls the JSON API with Origin + CSRF, and reads
// event streams with arrival times (and can hang up mid-stream).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/browser.hpp"
#include "support/sql.hpp"
#include "support/stack.hpp"
#include "support/temp_postgres.hpp"

namespace parley::testing {

// The key MockAzure accepts by default (and ChatE2E's parley sends).
inline constexpr const char* kAzureApiKey = "test-key";
// ChatE2E's parleys: the default model keeps AZURE_OPENAI_DEPLOYMENT's name
// and deployment; a second one picks another deployment (the model picker).
inline constexpr const char* kChatModels = "test-deployment=test-deployment,small=dep-mini";

struct MockAzureOptions {
  // Empty: no --api-key. With `jwks_url` set too, an api-key header is then
  // refused and only bearer tokens are accepted.
  std::string api_key = kAzureApiKey;
  std::string jwks_url;  // --jwks-url: verify bearer tokens against these keys
  std::string audience;  // --audience (the mock's default when empty)
};

class MockAzure {
 public:
  explicit MockAzure(MockAzureOptions options = {});
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // POST /_mock/behaviour with a JSON object; returns the HTTP status.
  int behaviour(const std::string& json);
  int reset();
  int reset_stats();    // POST /_mock/stats/reset
  std::string stats();  // GET /_mock/stats
  ChildProcess& process() { return *process_; }

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// mock-entra-id with its own users (`users_json`, a JSON array written to a
// temp file that goes with it) and one parley on `database_url`, with
// `env` added to its environment.
class OwnUsersStack {
 public:
  OwnUsersStack(const std::string& database_url, const std::string& users_json,
                std::map<std::string, std::string> env = {});
  ~OwnUsersStack();
  OwnUsersStack(const OwnUsersStack&) = delete;
  OwnUsersStack& operator=(const OwnUsersStack&) = delete;
  MockEntra& idp() { return *idp_; }
  Parley& parley() { return *parley_; }

 private:
  std::string users_file_;
  std::unique_ptr<MockEntra> idp_;
  std::unique_ptr<Parley> parley_;
};

struct SseEvent {
  std::string name;
  std::string data;
  std::chrono::steady_clock::time_point at;
};

struct StreamResult {
  int status = 0;
  std::string content_type;
  std::string cache_control;
  std::string accel_buffering;
  std::string body;
  std::vector<SseEvent> events;
  std::vector<std::string> names() const;
  const SseEvent* last(const std::string& name) const;
};

// A signed-in user talking to one parley origin.
struct ChatClient {
  Browser browser;
  std::string csrf;
  int port = 0;
};

struct ApiResult {
  int status = 0;
  std::string body;
  std::string content_type;
};

// The chat API as a browser-side script uses it, against any parley. Each
// call opens its own connection, so several threads may use these at once
// as long as each thread has its own ChatClient (copies are fine).
namespace chat {
ChatClient sign_in(int port, const std::string& login_hint);
ApiResult call(ChatClient& c, const std::string& method, const std::string& path,
               const std::string& body = "", bool with_csrf = true);
// POSTs and reads the event stream until it ends; `on_event` returning
// false hangs up at once.
StreamResult stream(ChatClient& c, const std::string& path, const std::string& body,
                    std::function<bool(const SseEvent&)> on_event = {});
std::string create_conversation(ChatClient& c, const std::string& title = "");
}  // namespace chat

class ChatE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static MockAzure& aoai() { return *aoai_; }
  static Parley& parley() { return *parley_; }
  static MockEntra& idp() { return *idp_; }
  static int second_port() { return second_port_; }
  static const std::string& database_url() { return database_url_; }
  static std::unique_ptr<Parley> start_second_parley();

  static ChatClient sign_in(const std::string& login_hint, int port = 0);
  static ApiResult call(ChatClient& c, const std::string& method, const std::string& path,
                        const std::string& body = "", bool with_csrf = true);
  // POSTs and reads the event stream until it ends; `on_event` returning
  // false hangs up at once.
  static StreamResult stream(ChatClient& c, const std::string& path, const std::string& body,
                             std::function<bool(const SseEvent&)> on_event = {});
  static std::string create_conversation(ChatClient& c, const std::string& title = "");
  static std::string sql_scalar(const std::string& sql);

 private:
  static std::unique_ptr<MockEntra> idp_;
  static std::unique_ptr<MockAzure> aoai_;
  static std::unique_ptr<Parley> parley_;
  static std::string database_url_;
  static int second_port_;
};

}  // namespace parley::testing
