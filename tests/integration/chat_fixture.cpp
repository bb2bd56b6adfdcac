#include "integration/chat_fixture.hpp"

#include <httplib.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "http/message.hpp"

namespace parley::testing {

namespace json = boost::json;

std::unique_ptr<MockEntra> ChatE2E::idp_;
std::unique_ptr<MockAzure> ChatE2E::aoai_;
std::unique_ptr<Parley> ChatE2E::parley_;
std::string ChatE2E::database_url_;
int ChatE2E::second_port_ = 0;

namespace {
std::string mock_azure_binary() {
  return binary_dir() + "/tools/mock_azure_openai/mock-azure-openai";
}
}  // namespace

MockAzure::MockAzure(MockAzureOptions options) {
  port_ = free_port();
  ChildProcess::Options o;
  o.argv = {mock_azure_binary(), "--port", std::to_string(port_)};
  const auto add = [&o](const char* flag, const std::string& value) {
    if (value.empty()) return;
    o.argv.push_back(flag);
    o.argv.push_back(value);
  };
  add("--api-key", options.api_key);
  add("--jwks-url", options.jwks_url);
  add("--audience", options.audience);
  process_ = std::make_unique<ChildProcess>(o);
  // Generous: an ASan build on a loaded machine needs more than 10 s.
  if (!process_->wait_for_output("listening on", std::chrono::seconds(60))) {
    throw std::runtime_error("mock-azure-openai did not start: " + process_->output());
  }
}

int MockAzure::behaviour(const std::string& body) {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Post("/_mock/behaviour", body, "application/json");
  return r ? r->status : 0;
}

int MockAzure::reset() {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Post("/_mock/reset", "{}", "application/json");
  return r ? r->status : 0;
}

int MockAzure::reset_stats() {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Post("/_mock/stats/reset", "{}", "application/json");
  return r ? r->status : 0;
}

std::string MockAzure::stats() {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Get("/_mock/stats");
  return r ? r->body : std::string();
}

std::vector<std::string> StreamResult::names() const {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name);
  return out;
}

const SseEvent* StreamResult::last(const std::string& name) const {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

void ChatE2E::SetUpTestSuite() {
  database_url_ = shared_temp_postgres().url();
  const int first = free_port();
  second_port_ = free_port();
  idp_ = std::make_unique<MockEntra>(
      std::vector<std::string>{Parley::callback_uri(first), Parley::callback_uri(second_port_)});
  aoai_ = std::make_unique<MockAzure>();
  ParleyOptions o;
  o.port = first;
  o.database_url = database_url_;
  o.issuer = idp_->issuer();
  o.env = {{"AZURE_OPENAI_ENDPOINT", aoai_->base()},
           {"AZURE_OPENAI_API_KEY", kAzureApiKey},
           {"PARLEY_MODELS", kChatModels}};
  parley_ = std::make_unique<Parley>(o);
}

void ChatE2E::TearDownTestSuite() {
  parley_.reset();
  aoai_.reset();
  idp_.reset();
}

void ChatE2E::SetUp() {
  ASSERT_EQ(idp_->control("/_mock/reset"), 200);
  ASSERT_EQ(aoai_->reset(), 200);
}

std::unique_ptr<Parley> ChatE2E::start_second_parley() {
  ParleyOptions o;
  o.port = second_port_;
  o.database_url = database_url_;
  o.issuer = idp_->issuer();
  o.env = {{"AZURE_OPENAI_ENDPOINT", aoai_->base()},
           {"AZURE_OPENAI_API_KEY", kAzureApiKey},
           {"PARLEY_MODELS", kChatModels}};
  return std::make_unique<Parley>(o);
}

ChatClient ChatE2E::sign_in(const std::string& login_hint, int port) {
  return chat::sign_in(port == 0 ? parley_->port() : port, login_hint);
}

ApiResult ChatE2E::call(ChatClient& c, const std::string& method, const std::string& path,
                        const std::string& body, bool with_csrf) {
  return chat::call(c, method, path, body, with_csrf);
}

StreamResult ChatE2E::stream(ChatClient& c, const std::string& path, const std::string& body,
                             std::function<bool(const SseEvent&)> on_event) {
  return chat::stream(c, path, body, std::move(on_event));
}

std::string ChatE2E::create_conversation(ChatClient& c, const std::string& title) {
  return chat::create_conversation(c, title);
}

std::string ChatE2E::sql_scalar(const std::string& sql) {
  return parley::testing::sql_scalar(database_url_, sql);
}

ChatClient chat::sign_in(int port, const std::string& login_hint) {
  ChatClient c{Browser(port), "", port};
  Browser& b = c.browser;
  HttpResult start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=%2F");
  if (start.status != 302) throw std::runtime_error("sign-in did not start");
  HttpResult authorize =
      b.get(start.location() + "&login_hint=" + http::percent_encode(login_hint));
  if (authorize.status != 302) throw std::runtime_error("authorize failed: " + authorize.body);
  HttpResult callback = b.get(authorize.location());
  if (callback.location() != "/")
    throw std::runtime_error("callback failed: " + callback.location());
  c.csrf = std::string(json::parse(b.get("/api/auth/csrf").body).at("csrfToken").as_string());
  return c;
}

namespace {
httplib::Headers headers_for(ChatClient& c, bool with_csrf) {
  httplib::Headers h;
  std::string cookie;
  for (const auto& [k, v] : c.browser.cookies()) {
    if (!cookie.empty()) cookie += "; ";
    cookie += k + "=" + v;
  }
  if (!cookie.empty()) h.emplace("Cookie", cookie);
  h.emplace("Origin", "http://127.0.0.1:" + std::to_string(c.port));
  if (with_csrf) h.emplace("X-CSRF-Token", c.csrf);
  return h;
}
}  // namespace

ApiResult chat::call(ChatClient& c, const std::string& method, const std::string& path,
                     const std::string& body, bool with_csrf) {
  httplib::Client client("127.0.0.1", c.port);
  client.set_read_timeout(30);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = headers_for(c, with_csrf);
  if (!body.empty() || method == "POST" || method == "PATCH") {
    req.body = body;
    req.headers.emplace("Content-Type", "application/json");
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  ApiResult out;
  if (!client.send(req, res, error)) return out;
  out.status = res.status;
  out.body = res.body;
  out.content_type = res.get_header_value("Content-Type");
  return out;
}

StreamResult chat::stream(ChatClient& c, const std::string& path, const std::string& body,
                          std::function<bool(const SseEvent&)> on_event) {
  httplib::Client client("127.0.0.1", c.port);
  client.set_read_timeout(30);
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.headers = headers_for(c, true);
  req.headers.emplace("Content-Type", "application/json");
  req.headers.emplace("Accept", "text/event-stream");
  req.body = body;
  StreamResult out;
  std::string pending;
  req.response_handler = [&](const httplib::Response& r) {
    out.status = r.status;
    out.content_type = r.get_header_value("Content-Type");
    out.cache_control = r.get_header_value("Cache-Control");
    out.accel_buffering = r.get_header_value("X-Accel-Buffering");
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    out.body.append(data, len);
    if (out.status != 200) return true;
    pending.append(data, len);
    std::size_t end;
    while ((end = pending.find("\n\n")) != std::string::npos) {
      const std::string frame = pending.substr(0, end);
      pending.erase(0, end + 2);
      SseEvent e;
      e.at = std::chrono::steady_clock::now();
      std::size_t pos = 0;
      while (pos < frame.size()) {
        auto nl = frame.find('\n', pos);
        if (nl == std::string::npos) nl = frame.size();
        const std::string line = frame.substr(pos, nl - pos);
        if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
        pos = nl + 1;
      }
      out.events.push_back(e);
      if (on_event && !on_event(out.events.back())) return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  client.send(req, res, error);
  if (out.status == 0) out.status = res.status;
  if (out.status != 200 && out.body.empty()) out.body = res.body;
  return out;
}

std::string chat::create_conversation(ChatClient& c, const std::string& title) {
  const std::string body = title.empty() ? "{}" : R"({"title":")" + title + R"("})";
  ApiResult r = call(c, "POST", "/api/conversations", body);
  if (r.status != 201)
    throw std::runtime_error("create failed: " + std::to_string(r.status) + r.body);
  return std::string(json::parse(r.body).at("id").as_string());
}

OwnUsersStack::OwnUsersStack(const std::string& database_url, const std::string& users_json,
                             std::map<std::string, std::string> env) {
  static int count = 0;
  users_file_ =
      (std::filesystem::temp_directory_path() /
       ("parley-users-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + ".json"))
          .string();
  std::ofstream(users_file_) << users_json;
  const int port = free_port();
  idp_ = std::make_unique<MockEntra>(std::vector<std::string>{Parley::callback_uri(port)},
                                     users_file_);
  ParleyOptions o;
  o.port = port;
  o.database_url = database_url;
  o.issuer = idp_->issuer();
  o.env = std::move(env);
  parley_ = std::make_unique<Parley>(o);
}

OwnUsersStack::~OwnUsersStack() {
  parley_.reset();
  idp_.reset();
  std::filesystem::remove(users_file_);
}

}  // namespace parley::testing
