// Data rights end to end (parley + mock-entra-id + PostgreSQL):
// GET /api/me/export streams the caller's own history as a JSON download,
// DELETE /api/admin/users/{id}/data deletes one user's conversations and
// messages, and only an administrator (PARLEY_ADMIN_ROLE) may, with Origin
// and CSRF token like every cookie-authenticated unsafe call.

#include <httplib.h>

#include <boost/json.hpp>
#include <iostream>

#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kAdmin = "root@example.com";
constexpr const char* kBob = "bob@example.com";
constexpr const char* kCarol = "carol@example.com";

std::string error_code(const ApiResult& r) {
  return std::string(json::parse(r.body).at("error").at("code").as_string());
}

class DataRightsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = shared_temp_postgres().url();
    // Own users, so the admin's role is the default PARLEY_ADMIN_ROLE
    // whatever mock-entra-id's defaults are.
    json::array users{json::object{{"id", "root"},
                                   {"name", "Root Admin"},
                                   {"email", kAdmin},
                                   {"roles", json::array{"Parley.Admin"}}},
                      json::object{{"id", "bob"},
                                   {"name", "Bob"},
                                   {"email", kBob},
                                   {"roles", json::array{"admin"}}},  // a role, not the admin role
                      json::object{{"id", "carol"}, {"name", "Carol"}, {"email", kCarol}}};
    stack_ = std::make_unique<OwnUsersStack>(database_url_, json::serialize(users));
  }
  static void TearDownTestSuite() { stack_.reset(); }
  void SetUp() override { ASSERT_EQ(stack_->idp().control("/_mock/reset"), 200); }
  void TearDown() override {
    if (HasFailure()) std::cerr << "parley's log:\n" << stack_->parley().log() << "\n";
  }

  static ChatClient sign_in(const std::string& who) {
    return chat::sign_in(stack_->parley().port(), who);
  }
  static ChatClient anonymous() {
    return ChatClient{Browser(stack_->parley().port()), "", stack_->parley().port()};
  }
  static std::string user_id(ChatClient& c) {
    return std::string(
        json::parse(c.browser.get("/api/auth/session").body).at("user").at("id").as_string());
  }
  static std::string sql(const std::string& text) { return sql_scalar(database_url_, text); }
  // A conversation of `c`'s with `messages` stored messages (written in SQL:
  // the model plays no part in data rights).
  static std::string conversation_with(ChatClient& c, int messages, std::size_t size = 40) {
    const std::string id = chat::create_conversation(c, "talk");
    // In a CTE: sql_scalar wants rows back.
    sql("WITH i AS (INSERT INTO messages (conversation_id, user_id, role, content, status)"
        " SELECT '" +
        id +
        "', user_id, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END,"
        " repeat('x', " +
        std::to_string(size) +
        ") || n, 'complete'"
        " FROM conversations, generate_series(1, " +
        std::to_string(messages) +
        ") n"
        " WHERE id = '" +
        id + "' RETURNING 1) SELECT count(*) FROM i");
    return id;
  }

  // DELETE with the session cookie and the CSRF token, from another Origin.
  static int delete_from_origin(ChatClient& c, const std::string& path, const std::string& origin) {
    httplib::Client client("127.0.0.1", c.port);
    httplib::Headers headers{{"Origin", origin}, {"X-CSRF-Token", c.csrf}};
    std::string cookie;
    for (const auto& [k, v] : c.browser.cookies())
      cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    headers.emplace("Cookie", cookie);
    auto r = client.Delete(path, headers);
    return r ? r->status : 0;
  }

  static inline std::unique_ptr<OwnUsersStack> stack_;
  static inline std::string database_url_;
};

TEST_F(DataRightsE2E, ExportStreamsTheCallersOwnDataAsADownload) {
  ChatClient carol = sign_in(kCarol);
  const std::string big = conversation_with(carol, 3000, 1000);  // about 3 MB
  const std::string small = conversation_with(carol, 3);
  sql("WITH c AS (UPDATE conversations SET model = 'gpt-4o' WHERE id = '" + small +
      "' RETURNING 1) SELECT count(*) FROM c");
  ChatClient bob = sign_in(kBob);
  conversation_with(bob, 2);

  HttpResult r = carol.browser.get("/api/me/export");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_TRUE(r.header("content-disposition").starts_with("attachment; filename=\"parley-export-"))
      << r.header("content-disposition");
  // Streamed as it is read, not built whole first.
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.header("content-length"), "");
  EXPECT_EQ(r.header("cache-control"), "no-store");

  const json::value doc = json::parse(r.body);
  EXPECT_EQ(doc.at("user").at("email").as_string(), kCarol);
  const auto& conversations = doc.at("conversations").as_array();
  ASSERT_EQ(conversations.size(), 2u);
  EXPECT_EQ(conversations[0].at("id").as_string(), big);
  EXPECT_EQ(conversations[0].at("messages").as_array().size(), 3000u);
  EXPECT_EQ(conversations[1].at("id").as_string(), small);
  EXPECT_EQ(conversations[1].at("messages").as_array().size(), 3u);
  // The model picked for the conversation; null for the default model.
  EXPECT_TRUE(conversations[0].at("model").is_null());
  EXPECT_EQ(conversations[1].at("model").as_string(), "gpt-4o");
  // The message shape of GET /api/conversations/{id}.
  const auto& first = conversations[0].at("messages").as_array()[0].as_object();
  for (const char* key : {"id", "role", "content", "status", "model", "usage", "created_at"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'data.exported'"
                " AND actor = '" +
                user_id(carol) + "'"),
            "1");
}

TEST_F(DataRightsE2E, ExportNeedsASession) {
  ChatClient nobody = anonymous();
  ApiResult r = chat::call(nobody, "GET", "/api/me/export");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
}

TEST_F(DataRightsE2E, AdminDeletesOneUsersConversationsAndMessages) {
  ChatClient bob = sign_in(kBob);
  const std::string bob_id = user_id(bob);
  conversation_with(bob, 4);
  conversation_with(bob, 0);
  const std::string bob_before =
      sql("SELECT count(*) FROM conversations WHERE user_id = '" + bob_id + "'");
  const std::string bob_messages =
      sql("SELECT count(*) FROM messages WHERE user_id = '" + bob_id + "'");
  ChatClient carol = sign_in(kCarol);
  const std::string kept = conversation_with(carol, 2);

  ChatClient admin = sign_in(kAdmin);
  ApiResult r = chat::call(admin, "DELETE", "/api/admin/users/" + bob_id + "/data");
  ASSERT_EQ(r.status, 204) << r.body;

  // Bob is still signed in and has nothing; Carol keeps hers.
  ApiResult list = chat::call(bob, "GET", "/api/conversations");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(json::parse(list.body).at("items").as_array().empty());
  EXPECT_EQ(sql("SELECT count(*) FROM messages WHERE user_id = '" + bob_id + "'"), "0");
  EXPECT_EQ(chat::call(carol, "GET", "/api/conversations/" + kept).status, 200);
  EXPECT_EQ(sql("SELECT count(*) FROM users WHERE id = '" + bob_id + "'"), "1");

  // The audit trail says who deleted whose data, and how much.
  EXPECT_EQ(sql("SELECT detail->>'messages' FROM audit_events WHERE type = 'data.deleted'"
                " AND subject = '" +
                bob_id + "' AND actor = '" + user_id(admin) + "'"),
            bob_messages);
  EXPECT_EQ(sql("SELECT detail->>'conversations' FROM audit_events WHERE type = 'data.deleted'"
                " AND subject = '" +
                bob_id + "'"),
            bob_before);
}

TEST_F(DataRightsE2E, OnlyAnAdministratorMayDeleteAUsersData) {
  ChatClient carol = sign_in(kCarol);
  const std::string carol_id = user_id(carol);
  const std::string kept = conversation_with(carol, 2);
  const std::string path = "/api/admin/users/" + carol_id + "/data";

  ChatClient nobody = anonymous();
  ApiResult anonymous_call = chat::call(nobody, "DELETE", path, "", false);
  EXPECT_EQ(anonymous_call.status, 401);
  EXPECT_EQ(error_code(anonymous_call), "unauthorized");

  // A signed-in user without PARLEY_ADMIN_ROLE (Bob's role is "admin").
  ChatClient bob = sign_in(kBob);
  ApiResult plain = chat::call(bob, "DELETE", path);
  EXPECT_EQ(plain.status, 403);
  EXPECT_EQ(error_code(plain), "forbidden");
  ApiResult own = chat::call(carol, "DELETE", path);
  EXPECT_EQ(own.status, 403) << "not even for one's own data";

  // The administrator still needs the CSRF token and a same-origin Origin.
  ChatClient admin = sign_in(kAdmin);
  ApiResult no_token = chat::call(admin, "DELETE", path, "", false);
  EXPECT_EQ(no_token.status, 403);
  EXPECT_EQ(error_code(no_token), "csrf");
  EXPECT_EQ(delete_from_origin(admin, path, "http://evil.example"), 403);
  EXPECT_EQ(sql("SELECT count(*) FROM messages WHERE conversation_id = '" + kept + "'"), "2");

  // Unknown and malformed ids are 404, like everywhere else.
  ApiResult unknown =
      chat::call(admin, "DELETE", "/api/admin/users/00000000-0000-4000-8000-000000000000/data");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "not_found");
  EXPECT_EQ(chat::call(admin, "DELETE", "/api/admin/users/not-a-uuid/data").status, 404);
  EXPECT_EQ(sql("SELECT count(*) FROM audit_events WHERE type = 'data.deleted'"
                " AND subject = '" +
                carol_id + "'"),
            "0");
}

}  // namespace
}  // namespace parley::testing
