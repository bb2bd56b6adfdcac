// The service API end to end (DESIGN.md "Service API"): a parley with two
// PARLEY_MODELS routes, mock-entra-id issuing client-credentials tokens for
// registered service clients, mock-azure-openai upstream. Chat completions
// streamed and not, the model list, an unknown model, upstream failures in
// OpenAI's error shape, and hostile tokens refused without a 5xx.

#include <httplib.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/base64url.hpp"
#include "core/percent.hpp"
#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr const char* kServiceId = "service-client";
constexpr const char* kServiceSecret = "service-client-secret";
constexpr const char* kNoRoleId = "norole-client";
constexpr const char* kNoRoleSecret = "norole-client-secret";

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  std::string retry_after;
};

class ServiceApiE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const int port = free_port();
    idp_ = std::make_unique<MockEntra>(
        std::vector<std::string>{Parley::callback_uri(port)}, "",
        std::vector<std::string>{"--app",
                                 std::string(kServiceId) + ":" + kServiceSecret + ":Parley.Api",
                                 "--app", std::string(kNoRoleId) + ":" + kNoRoleSecret});
    aoai_ = std::make_unique<MockAzure>();
    ParleyOptions o;
    o.port = port;
    o.database_url = shared_temp_postgres().url();
    o.issuer = idp_->issuer();
    o.env = {{"AZURE_OPENAI_ENDPOINT", aoai_->base()},
             {"AZURE_OPENAI_API_KEY", kAzureApiKey},
             {"PARLEY_MODELS", "gpt-4o=dep-4o,small=dep-mini"},
             {"PARLEY_MAX_OUTPUT_TOKENS", "100"}};
    parley_ = std::make_unique<Parley>(o);
  }
  static void TearDownTestSuite() {
    parley_.reset();
    aoai_.reset();
    idp_.reset();
  }
  void SetUp() override {
    ASSERT_EQ(idp_->control("/_mock/reset"), 200);
    ASSERT_EQ(aoai_->reset(), 200);
    ASSERT_EQ(aoai_->reset_stats(), 200);
    ASSERT_EQ(aoai_->behaviour(R"({"chunks":4,"chunk_delay_ms":0})"), 200);
  }

  // A client-credentials access token from the mock for `scope`.
  static std::string token(const std::string& client_id, const std::string& secret,
                           const std::string& scope = std::string("api://") + kClientId +
                                                      "/.default") {
    httplib::Client c("127.0.0.1", idp_->port());
    httplib::Params form{{"grant_type", "client_credentials"},
                         {"client_id", client_id},
                         {"client_secret", secret},
                         {"scope", scope}};
    auto r = c.Post("/" + std::string(kTenant) + "/oauth2/v2.0/token", form);
    if (!r || r->status != 200) return {};
    return std::string(json::parse(r->body).at("access_token").as_string());
  }
  static std::string service_token() { return token(kServiceId, kServiceSecret); }

  // A delegated access token for the user `login_hint`, as a client app
  // gets one through the authorization-code flow (PKCE) with `scope`.
  static std::string delegated_token(const std::string& login_hint, const std::string& scope) {
    const std::string verifier(64, 'v');
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
    const std::string challenge =
        base64url_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
    const std::string redirect = Parley::callback_uri(parley_->port());
    httplib::Client c("127.0.0.1", idp_->port());
    const std::string base = "/" + std::string(kTenant) + "/oauth2/v2.0/";
    auto authorize =
        c.Get(base + "authorize?client_id=" + kClientId +
              "&response_type=code&redirect_uri=" + percent_encode(redirect) +
              "&scope=" + percent_encode(scope) + "&state=s&nonce=n&code_challenge=" + challenge +
              "&code_challenge_method=S256&login_hint=" + percent_encode(login_hint));
    if (!authorize || authorize->status != 302) return {};
    const std::string location = authorize->get_header_value("Location");
    const auto at = location.find("code=");
    if (at == std::string::npos) return {};
    const std::string code = location.substr(at + 5, location.find('&', at) - at - 5);
    httplib::Params form{
        {"grant_type", "authorization_code"}, {"client_id", kClientId},
        {"client_secret", kClientSecret},     {"code", percent_decode(code, false).value_or("")},
        {"redirect_uri", redirect},           {"code_verifier", verifier}};
    auto r = c.Post(base + "token", form);
    if (!r || r->status != 200) return {};
    return std::string(json::parse(r->body).at("access_token").as_string());
  }

  static Reply call(const std::string& method, const std::string& path, const std::string& body,
                    const httplib::Headers& headers) {
    httplib::Client c("127.0.0.1", parley_->port());
    c.set_read_timeout(60, 0);
    httplib::Result r =
        method == "GET" ? c.Get(path, headers) : c.Post(path, headers, body, "application/json");
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    out.www_authenticate = r->get_header_value("WWW-Authenticate");
    out.retry_after = r->get_header_value("Retry-After");
    return out;
  }
  static Reply with_token(const std::string& method, const std::string& path,
                          const std::string& bearer, const std::string& body = "") {
    return call(method, path, body, {{"Authorization", "Bearer " + bearer}});
  }

  // The `data:` payloads of an event stream, in order.
  static std::vector<std::string> data_lines(const std::string& body) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while ((at = body.find("data: ", at)) != std::string::npos) {
      const auto end = body.find('\n', at);
      out.push_back(body.substr(at + 6, end - at - 6));
      at = end;
    }
    return out;
  }

  static std::string sql(const std::string& query) {
    return sql_scalar(shared_temp_postgres().url(), query);
  }

  static json::object error_of(const Reply& r) {
    auto v = json::parse(r.body);
    return v.at("error").as_object();
  }

  static std::unique_ptr<MockEntra> idp_;
  static std::unique_ptr<MockAzure> aoai_;
  static std::unique_ptr<Parley> parley_;
};

std::unique_ptr<MockEntra> ServiceApiE2E::idp_;
std::unique_ptr<MockAzure> ServiceApiE2E::aoai_;
std::unique_ptr<Parley> ServiceApiE2E::parley_;

constexpr const char* kHello = R"({"model":"small","messages":[
  {"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}]})";

TEST_F(ServiceApiE2E, ACompletionComesBackAsOneJsonObject) {
  const std::string t = service_token();
  ASSERT_FALSE(t.empty());
  const Reply r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v.at("object").as_string(), "chat.completion");
  EXPECT_EQ(v.at("model").as_string(), "small");
  const auto& choice = v.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("message").at("role").as_string(), "assistant");
  EXPECT_NE(
      std::string(choice.at("message").at("content").as_string()).find("You said: Hello there"),
      std::string::npos);
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_GT(v.at("usage").at("completion_tokens").as_int64(), 0);

  // The model's deployment, the caller's messages as given, max_tokens capped.
  const auto last = json::parse(aoai_->stats()).at("last_request").as_object();
  EXPECT_NE(std::string(last.at("target").as_string()).find("/openai/deployments/dep-mini/"),
            std::string::npos);
  const auto& sent = last.at("body").as_object();
  EXPECT_EQ(sent.at("messages").as_array().size(), 2u);
  EXPECT_EQ(sent.at("messages").as_array().at(0).at("role").as_string(), "system");
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 100);
}

TEST_F(ServiceApiE2E, MaxTokensIsCappedButASmallerOneGoesAsAsked) {
  const std::string t = service_token();
  Reply r = with_token(
      "POST", "/v1/chat/completions", t,
      R"({"model":"gpt-4o","max_tokens":100000,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto sent = json::parse(aoai_->stats()).at("last_request").at("body").as_object();
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 100);
  r = with_token(
      "POST", "/v1/chat/completions", t,
      R"({"model":"gpt-4o","max_completion_tokens":7,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  sent = json::parse(aoai_->stats()).at("last_request").at("body").as_object();
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 7);
}

TEST_F(ServiceApiE2E, AStreamedAnswerEndsWithUsageAndDone) {
  const std::string t = service_token();
  const Reply r =
      with_token("POST", "/v1/chat/completions", t,
                 R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
                                 "messages":[{"role":"user","content":"Stream please"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  const auto lines = data_lines(r.body);
  ASSERT_GE(lines.size(), 4u) << r.body;
  EXPECT_EQ(lines.back(), "[DONE]");
  std::string text;
  std::string finish;
  std::string id;
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
    const auto c = json::parse(lines[i]).as_object();
    EXPECT_EQ(c.at("object").as_string(), "chat.completion.chunk");
    EXPECT_EQ(c.at("model").as_string(), "gpt-4o");
    if (id.empty()) id = std::string(c.at("id").as_string());
    EXPECT_EQ(c.at("id").as_string(), id);
    const auto& delta = c.at("choices").as_array().at(0).at("delta").as_object();
    if (const auto* content = delta.if_contains("content")) text += content->as_string();
    if (const auto& f = c.at("choices").as_array().at(0).at("finish_reason"); f.is_string()) {
      finish = std::string(f.as_string());
    }
  }
  EXPECT_NE(text.find("You said: Stream please"), std::string::npos);
  EXPECT_EQ(finish, "stop");
  const auto usage = json::parse(lines[lines.size() - 2]).as_object();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_GT(usage.at("usage").at("prompt_tokens").as_int64(), 0);
  EXPECT_GT(usage.at("usage").at("completion_tokens").as_int64(), 0);
}

TEST_F(ServiceApiE2E, TheModelListIsTheConfiguredRoutes) {
  const Reply r = with_token("GET", "/v1/models", service_token());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto data = json::parse(r.body).at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data.at(0).at("id").as_string(), "gpt-4o");
  EXPECT_EQ(data.at(1).at("id").as_string(), "small");
  EXPECT_EQ(data.at(0).at("object").as_string(), "model");
}

TEST_F(ServiceApiE2E, AnUnknownModelIs404ModelNotFound) {
  const Reply r = with_token("POST", "/v1/chat/completions", service_token(),
                             R"({"model":"dep-mini","messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 404) << r.body;
  const auto e = error_of(r);
  EXPECT_EQ(e.at("code").as_string(), "model_not_found");
  EXPECT_EQ(e.at("type").as_string(), "not_found_error");
  EXPECT_EQ(e.at("param").as_string(), "model");
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
}

TEST_F(ServiceApiE2E, ABadBodyIs400InOpenAisShape) {
  const Reply r =
      with_token("POST", "/v1/chat/completions", service_token(),
                 R"({"model":"small","messages":[{"role":"user","content":"x"}],"n":2})");
  ASSERT_EQ(r.status, 400) << r.body;
  const auto e = error_of(r);
  EXPECT_EQ(e.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(e.at("param").as_string(), "n");
}

TEST_F(ServiceApiE2E, UpstreamFailuresAreOpenAiErrors) {
  const std::string t = service_token();
  ASSERT_EQ(aoai_->behaviour(R"({"fault":"429","retry_after":"120"})"), 200);
  Reply r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(error_of(r).at("type").as_string(), "rate_limit_error");

  ASSERT_EQ(aoai_->behaviour(R"({"fault":"401","retry_after":null})"), 200);
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(error_of(r).at("type").as_string(), "server_error");

  // Cut mid-stream: the chunks so far, then one error event, no [DONE].
  ASSERT_EQ(aoai_->behaviour(R"({"fault":"cut","cut_after":2})"), 200);
  r = with_token("POST", "/v1/chat/completions", t,
                 R"({"model":"small","stream":true,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto lines = data_lines(r.body);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back(), "[DONE]");
  const auto last = json::parse(lines.back()).as_object();
  EXPECT_EQ(last.at("error").at("type").as_string(), "api_error");
}

TEST_F(ServiceApiE2E, HostileCallsAreRefusedWithoutA5xx) {
  const std::string path = "/v1/chat/completions";
  auto expect_401 = [&](const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    if (r.status != 401) return;
    EXPECT_EQ(error_of(r).at("type").as_string(), "authentication_error") << what;
    EXPECT_EQ(error_of(r).at("code").as_string(), "invalid_token") << what;
    EXPECT_NE(r.www_authenticate.find("Bearer"), std::string::npos) << what;
  };
  expect_401(call("POST", path, kHello, {}), "no bearer");
  expect_401(call("GET", "/v1/models", "", {}), "no bearer, models");
  expect_401(call("POST", path, kHello, {{"Authorization", "Basic dXNlcjpwYXNz"}}), "basic");
  // A browser's session cookie is never accepted on /v1.
  ChatClient user = chat::sign_in(parley_->port(), "ada@example.com");
  ASSERT_FALSE(user.csrf.empty());
  auto cookie = user.browser.post(path, kHello, "application/json",
                                  {{"Origin", user.browser.origin()}, {"X-CSRF-Token", user.csrf}});
  expect_401(Reply{cookie.status, cookie.body, "", cookie.header("www-authenticate"), ""},
             "cookie only");

  expect_401(with_token("POST", path, "not-a-jwt", kHello), "garbage");
  const std::string wrong_aud = token(kServiceId, kServiceSecret, "api://someone-else/.default");
  ASSERT_FALSE(wrong_aud.empty());
  expect_401(with_token("POST", path, wrong_aud, kHello), "wrong audience");

  // alg none: the payload of a valid token, unsigned.
  const std::string valid = service_token();
  const auto dot = valid.find('.');
  const auto dot2 = valid.find('.', dot + 1);
  const std::string payload = valid.substr(dot + 1, dot2 - dot - 1);
  expect_401(
      with_token("POST", path,
                 base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".", kHello),
      "alg none");
  // The payload changed under the same signature.
  auto claims = json::parse(*base64url_decode(payload)).as_object();
  claims["roles"] = json::array{"Parley.Api", "Parley.Admin"};
  expect_401(with_token("POST", path,
                        valid.substr(0, dot) + "." + base64url_encode(json::serialize(claims)) +
                            valid.substr(dot2),
                        kHello),
             "tampered");

  ASSERT_EQ(idp_->control("/_mock/behaviour", R"({"access_token_expires_in":-900})"), 200);
  const std::string expired = service_token();
  ASSERT_FALSE(expired.empty());
  expect_401(with_token("POST", path, expired, kHello), "expired");

  // A valid token of an application without the app role: 403.
  ASSERT_EQ(idp_->control("/_mock/reset"), 200);
  const Reply forbidden = with_token("POST", path, token(kNoRoleId, kNoRoleSecret), kHello);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(error_of(forbidden).at("type").as_string(), "permission_error");
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
}

TEST_F(ServiceApiE2E, UnknownV1PathsAnswerInOpenAisShape) {
  const Reply r = with_token("GET", "/v1/embeddings", service_token());
  ASSERT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(error_of(r).at("type").as_string(), "not_found_error");
  const Reply m = with_token("GET", "/v1/chat/completions", service_token());
  ASSERT_EQ(m.status, 405) << m.body;
  EXPECT_EQ(error_of(m).at("type").as_string(), "invalid_request_error");
}

// Governance: the application is registered on first use, its usage is
// counted in usage_daily with an api.call audit row, its daily quota and a
// disable refuse it before anything goes upstream.
TEST_F(ServiceApiE2E, ApplicationsAreRegisteredCountedAndGoverned) {
  sql("DELETE FROM quotas WHERE subject_kind = 'app' RETURNING 1");
  sql("UPDATE apps SET disabled_at = NULL RETURNING 1");
  const std::string t = service_token();
  const auto used_before =
      sql("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_daily"
          " WHERE subject_kind = 'app' AND subject = 'service-client'");
  Reply r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto v = json::parse(r.body);
  const std::int64_t tokens = v.at("usage").at("prompt_tokens").as_int64() +
                              v.at("usage").at("completion_tokens").as_int64();
  EXPECT_EQ(sql("SELECT tenant_id FROM apps WHERE client_id = 'service-client'"), kTenant);
  EXPECT_EQ(std::stoll(sql("SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)"
                           " FROM usage_daily WHERE subject_kind = 'app'"
                           " AND subject = 'service-client' AND model = 'gpt-4o-mini-2024-07-18'"
                           " AND day = (now() AT TIME ZONE 'UTC')::date")) -
                std::stoll(used_before.empty() ? "0" : used_before),
            tokens);
  EXPECT_EQ(sql("SELECT count(*) FROM api_streams"), "0");
  const auto audit = json::parse(sql(
      "SELECT detail::text FROM audit_events WHERE type = 'api.call' ORDER BY seq DESC LIMIT 1"));
  EXPECT_EQ(audit.at("caller").as_string(), "service-client");
  EXPECT_EQ(audit.at("caller_kind").as_string(), "app");
  EXPECT_EQ(audit.at("model").as_string(), "small");
  EXPECT_EQ(audit.at("status").as_string(), "complete");
  EXPECT_EQ(audit.at("completion_tokens").as_int64(),
            v.at("usage").at("completion_tokens").as_int64());
  EXPECT_EQ(audit.as_object().if_contains("messages"), nullptr);  // no content by default

  // The daily budget is used up: 429 quota_exceeded before the upstream.
  sql("INSERT INTO quotas (subject_kind, subject, daily_tokens) VALUES ('app', 'service-client', 1)"
      " RETURNING 1");
  ASSERT_EQ(aoai_->reset_stats(), 200);
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(error_of(r).at("code").as_string(), "quota_exceeded");
  EXPECT_EQ(error_of(r).at("type").as_string(), "rate_limit_error");
  ASSERT_FALSE(r.retry_after.empty());
  EXPECT_GT(std::stoll(r.retry_after), 0);
  EXPECT_LE(std::stoll(r.retry_after), 86400);
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);

  // No concurrent stream allowed: refused too.
  sql("UPDATE quotas SET daily_tokens = NULL, concurrent_streams = 0"
      " WHERE subject_kind = 'app' RETURNING 1");
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(sql("SELECT count(*) FROM api_streams"), "0")
      << "a refused call's slot, taken before the decision, is gone";
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
  sql("DELETE FROM quotas WHERE subject_kind = 'app' RETURNING 1");

  // An administrator sees the application with today's usage, and the
  // usage report groups by it.
  ChatClient admin = chat::sign_in(parley_->port(), "ada@example.com");
  ApiResult listed = chat::call(admin, "GET", "/api/admin/apps");
  ASSERT_EQ(listed.status, 200) << listed.body;
  bool found = false;
  const json::value apps = json::parse(listed.body);
  for (const auto& item : apps.at("items").as_array()) {
    if (item.at("client_id").as_string() != "service-client") continue;
    found = true;
    EXPECT_EQ(item.at("tenant_id").as_string(), kTenant);
    EXPECT_TRUE(item.at("disabled_at").is_null());
    EXPECT_GE(item.at("usage").at("today").at("completion_tokens").as_int64(),
              v.at("usage").at("completion_tokens").as_int64());
  }
  EXPECT_TRUE(found) << listed.body;
  const std::string today = sql("SELECT ((now() AT TIME ZONE 'UTC')::date)::text");
  const ApiResult report =
      chat::call(admin, "GET", "/api/admin/usage?from=" + today + "&to=" + today + "&group_by=app");
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NE(report.body.find("\"key\":\"service-client\""), std::string::npos) << report.body;

  // Disabled by an administrator: 403 in OpenAI's shape, nothing upstream.
  ApiResult disabled = chat::call(admin, "POST", "/api/admin/apps/service-client/disable");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(json::parse(disabled.body).at("disabled_at").is_null());
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(error_of(r).at("code").as_string(), "app_disabled");
  EXPECT_EQ(error_of(r).at("type").as_string(), "permission_error");
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'app.disabled'"
                " AND detail->>'client_id' = 'service-client'"),
            "1");
  // The refusal is audited; a caller retrying in a loop adds no more rows
  // within the minute.
  EXPECT_EQ(with_token("POST", "/v1/chat/completions", t, kHello).status, 403);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'api.refused'"
                " AND detail->>'caller' = 'service-client'"
                " AND detail->>'reason' = 'admin.app_disabled'"),
            "1");
  ASSERT_EQ(chat::call(admin, "POST", "/api/admin/apps/service-client/enable").status, 200);
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(chat::call(admin, "POST", "/api/admin/apps/nobody/disable").status, 404);

  // A per-application quota, as a user's: over it, 429 before the upstream.
  ApiResult quota = chat::call(admin, "PUT", "/api/admin/apps/service-client/quota",
                               R"({"daily_tokens":1,"concurrent_streams":null})");
  ASSERT_EQ(quota.status, 200) << quota.body;
  EXPECT_EQ(json::parse(quota.body).at("effective_daily_tokens").as_int64(), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'quota.changed'"
                " AND detail->>'app' = 'service-client' AND detail->>'daily_tokens' = '1'"),
            "1");
  aoai_->reset_stats();
  r = with_token("POST", "/v1/chat/completions", t, kHello);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(error_of(r).at("code").as_string(), "quota_exceeded");
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
  ASSERT_EQ(chat::call(admin, "PUT", "/api/admin/apps/service-client/quota",
                       R"({"daily_tokens":null,"concurrent_streams":null})")
                .status,
            200);
  EXPECT_EQ(with_token("POST", "/v1/chat/completions", t, kHello).status, 200);
  EXPECT_EQ(chat::call(admin, "PUT", "/api/admin/apps/nobody/quota",
                       R"({"daily_tokens":5,"concurrent_streams":null})")
                .status,
            404);
}

// A streamed call counts like a completion, and a client that hangs up
// frees its slot.
TEST_F(ServiceApiE2E, AStreamedCallIsCountedAndFreesItsSlot) {
  const std::string t = service_token();
  const Reply r =
      with_token("POST", "/v1/chat/completions", t,
                 R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
                                 "messages":[{"role":"user","content":"Count me"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto audit = json::parse(sql(
      "SELECT detail::text FROM audit_events WHERE type = 'api.call' ORDER BY seq DESC LIMIT 1"));
  EXPECT_EQ(audit.at("stream").as_bool(), true);
  EXPECT_EQ(audit.at("model").as_string(), "gpt-4o");
  EXPECT_EQ(audit.at("deployment").as_string(), "dep-4o");
  EXPECT_GT(audit.at("completion_tokens").as_int64(), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM api_streams"), "0");
}

// A client that hangs up mid-stream cancels the upstream request, and its
// slot is released with what was used (status cancelled).
TEST_F(ServiceApiE2E, AClientHangingUpCancelsTheUpstream) {
  ASSERT_EQ(aoai_->behaviour(R"({"chunks":200,"chunk_delay_ms":100})"), 200);
  const std::string t = service_token();
  httplib::Client c("127.0.0.1", parley_->port());
  c.set_read_timeout(60, 0);
  std::string received;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = {{"Authorization", "Bearer " + t}, {"Content-Type", "application/json"}};
  req.body = R"({"model":"small","stream":true,"messages":[{"role":"user","content":"long"}]})";
  req.response_handler = [](const httplib::Response&) { return true; };
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    received.append(data, n);
    // Hang up after the role chunk and two pieces of the answer.
    std::size_t chunks = 0;
    for (std::size_t at = 0; (at = received.find("data: ", at)) != std::string::npos; ++at)
      ++chunks;
    return chunks < 3;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  (void)c.send(req, res, error);
  c.stop();
  EXPECT_NE(received.find("\"content\":\"You\""), std::string::npos) << received;
  EXPECT_EQ(received.find("[DONE]"), std::string::npos) << received;
  EXPECT_TRUE(eventually(
      [&] { return json::parse(aoai_->stats()).at("cancelled_streams").as_int64() == 1; },
      std::chrono::seconds(20)))
      << aoai_->stats();
  EXPECT_TRUE(eventually([&] { return sql("SELECT count(*) FROM api_streams") == "0"; },
                         std::chrono::seconds(20)));
  EXPECT_EQ(sql("SELECT detail->>'status' FROM audit_events WHERE type = 'api.call'"
                " ORDER BY seq DESC LIMIT 1"),
            "cancelled");
}

#ifdef PARLEY_NODE
// The official `openai` npm client (6.x, examples/package.json) against
// /v1: the model list, a streamed completion with usage
// (examples/service-call.mjs, run as a user would).
TEST_F(ServiceApiE2E, TheOfficialOpenAiClientWorks) {
  ChildProcess::Options o;
  o.argv = {PARLEY_NODE, std::string(PARLEY_EXAMPLES_DIR) + "/service-call.mjs", "Hi from node"};
  o.env = {{"PARLEY_URL", parley_->origin()},
           {"TOKEN_URL", idp_->base() + "/" + kTenant + "/oauth2/v2.0/token"},
           {"CLIENT_ID", kServiceId},
           {"CLIENT_SECRET", kServiceSecret},
           {"PARLEY_API_SCOPE_URI", std::string("api://") + kClientId + "/.default"},
           {"NO_COLOR", "1"}};
  ChildProcess node(o);
  ASSERT_TRUE(eventually([&] { return !node.running(); }, std::chrono::seconds(120)))
      << node.output();
  EXPECT_EQ(node.terminate(), 0) << node.output();
  EXPECT_NE(node.output().find("You said: Hi from node"), std::string::npos) << node.output();
  EXPECT_NE(node.output().find("[gpt-4o: "), std::string::npos) << node.output();
}
#endif

// A delegated token (a user signed in to another client app, with the API's
// scope) acts as that user: usage and audit name the user, and a disabled
// user is refused 403 before the upstream. Without the scope: 403.
TEST_F(ServiceApiE2E, ADelegatedTokenActsAsItsUser) {
  const std::string scoped =
      delegated_token("grace@example.com", std::string("openid api://") + kClientId + "/Chat");
  ASSERT_FALSE(scoped.empty());
  Reply r = with_token("POST", "/v1/chat/completions", scoped, kHello);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string grace =
      sql("SELECT id FROM users WHERE email = 'grace@example.com' AND NOT import_pending");
  ASSERT_FALSE(grace.empty());
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'api.call'"
                " AND detail->>'caller_kind' = 'user' AND detail->>'caller' = '" +
                grace + "'"),
            "1");
  EXPECT_EQ(sql("SELECT count(*) > 0 FROM usage_daily WHERE subject_kind = 'user'"
                " AND subject = '" +
                grace + "'"),
            "t");

  const std::string other_scope =
      delegated_token("grace@example.com", std::string("openid api://") + kClientId + "/Other");
  ASSERT_FALSE(other_scope.empty());
  Reply no_scope = with_token("POST", "/v1/chat/completions", other_scope, kHello);
  EXPECT_EQ(no_scope.status, 403) << no_scope.body;
  // A Graph token from the same sign-in is for another audience.
  const std::string graph = delegated_token("grace@example.com", "openid profile email");
  ASSERT_FALSE(graph.empty());
  EXPECT_EQ(with_token("POST", "/v1/chat/completions", graph, kHello).status, 401);

  sql("WITH u AS (UPDATE users SET disabled_at = now() WHERE id = '" + grace +
      "' RETURNING 1) SELECT count(*) FROM u");
  aoai_->reset_stats();
  Reply disabled = with_token("POST", "/v1/chat/completions", scoped, kHello);
  EXPECT_EQ(disabled.status, 403) << disabled.body;
  EXPECT_EQ(error_of(disabled).at("code").as_string(), "account_disabled");
  EXPECT_EQ(json::parse(aoai_->stats()).at("requests").as_int64(), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'api.refused'"
                " AND subject = '" +
                grace + "' AND detail->>'reason' = 'admin.api_user_disabled'"),
            "1");
  sql("WITH u AS (UPDATE users SET disabled_at = NULL WHERE id = '" + grace +
      "' RETURNING 1) SELECT count(*) FROM u");
}

}  // namespace
}  // namespace parley::testing
