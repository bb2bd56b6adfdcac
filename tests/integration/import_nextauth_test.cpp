// `parley import nextauth` against a database made by the seed app's
// schema (Auth.js' Drizzle adapter tables plus a chat app's own tables and
// the operator's view), then the imported users' first Entra sign-in:
// linked by `sub` (same app registration) or by tenant-verified email.

#include <openssl/sha.h>

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

// Auth.js' Drizzle adapter schema for PostgreSQL (authjs.dev, "Drizzle ORM
// adapter"), as drizzle-kit creates it, and a chat app's tables.
constexpr const char* kSeedSchema = R"sql(
CREATE TABLE "user" (
  "id" text PRIMARY KEY NOT NULL,
  "name" text,
  "email" text,
  "emailVerified" timestamp,
  "image" text,
  CONSTRAINT "user_email_unique" UNIQUE("email")
);
CREATE TABLE "account" (
  "userId" text NOT NULL REFERENCES "user"("id") ON DELETE cascade,
  "type" text NOT NULL,
  "provider" text NOT NULL,
  "providerAccountId" text NOT NULL,
  "refresh_token" text,
  "access_token" text,
  "expires_at" integer,
  "token_type" text,
  "scope" text,
  "id_token" text,
  "session_state" text,
  CONSTRAINT "account_provider_providerAccountId_pk" PRIMARY KEY("provider","providerAccountId")
);
CREATE TABLE "session" (
  "sessionToken" text PRIMARY KEY NOT NULL,
  "userId" text NOT NULL REFERENCES "user"("id") ON DELETE cascade,
  "expires" timestamp NOT NULL
);
CREATE TABLE "verificationToken" (
  "identifier" text NOT NULL,
  "token" text NOT NULL,
  "expires" timestamp NOT NULL,
  CONSTRAINT "verificationToken_identifier_token_pk" PRIMARY KEY("identifier","token")
);
CREATE TABLE "chat" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "userId" text NOT NULL REFERENCES "user"("id"),
  "title" text NOT NULL,
  "createdAt" timestamp NOT NULL
);
CREATE TABLE "message" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "chatId" uuid NOT NULL REFERENCES "chat"("id"),
  "role" varchar NOT NULL,
  "content" text NOT NULL,
  "createdAt" timestamp NOT NULL
);
-- The operator's view (docs/decisions, nextauth import): documented columns.
CREATE VIEW parley_import_messages AS
  SELECT c."userId" AS user_id, c.id::text AS conversation_key, m.role, m.content,
         m."createdAt" AS created_at
  FROM message m JOIN chat c ON c.id = m."chatId";
)sql";

constexpr const char* kLinOid = "0a1b2c3d-0000-4000-8000-00000000a111";
constexpr const char* kMoOid = "0a1b2c3d-0000-4000-8000-00000000b222";

// mock-entra-id's pairwise subject for a user of this app registration.
std::string subject_of(const std::string& oid) {
  const std::string input = std::string("sub:") + oid + ":" + kClientId;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest))
      .substr(0, 43);
}

std::string seed_data() {
  return R"sql(
INSERT INTO "user" (id, name, email) VALUES
  ('u-lin', 'Lin Import', 'lin@example.com'),
  ('u-mo', 'Mo Import', 'MO@example.com'),
  ('u-nobody', 'Nobody', 'nobody@example.com');
INSERT INTO account ("userId", type, provider, "providerAccountId") VALUES
  ('u-lin', 'oidc', 'microsoft-entra-id', ')sql" +
         subject_of(kLinOid) + R"sql('),
  ('u-mo', 'oidc', 'azure-ad', 'a-subject-of-another-app-registration'),
  ('u-nobody', 'oauth', 'github', '12345');
INSERT INTO chat (id, "userId", title, "createdAt") VALUES
  ('00000000-0000-4000-8000-0000000000c1', 'u-lin', 'Keys', '2025-01-15 10:00:00'),
  ('00000000-0000-4000-8000-0000000000c2', 'u-lin', 'Trip', '2025-02-20 08:00:00'),
  ('00000000-0000-4000-8000-0000000000c3', 'u-mo', 'Budget', '2024-11-03 12:00:00'),
  ('00000000-0000-4000-8000-0000000000c4', 'u-nobody', 'Hi', '2025-03-01 09:00:00');
INSERT INTO message ("chatId", role, content, "createdAt") VALUES
  ('00000000-0000-4000-8000-0000000000c1', 'user', 'How do I rotate my API key?', '2025-01-15 10:00:00'),
  ('00000000-0000-4000-8000-0000000000c1', 'assistant', 'Open the vault and rotate it.', '2025-01-15 10:00:04.25'),
  ('00000000-0000-4000-8000-0000000000c2', 'user', 'Plan a trip to Lisbon', '2025-02-20 08:00:00'),
  ('00000000-0000-4000-8000-0000000000c2', 'tool', '{"weather":"sunny"}', '2025-02-20 08:00:01'),
  ('00000000-0000-4000-8000-0000000000c2', 'assistant', 'Day one: Alfama.', '2025-02-20 08:00:02'),
  ('00000000-0000-4000-8000-0000000000c3', 'user', 'Q4 budget summary', '2024-11-03 12:00:00'),
  ('00000000-0000-4000-8000-0000000000c3', 'assistant', 'Here it is.', '2024-11-03 12:00:03'),
  ('00000000-0000-4000-8000-0000000000c4', 'user', 'Hello', '2025-03-01 09:00:00');
)sql";
}

class ImportNextAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = shared_temp_postgres().create_database("parley_import");
    source_url_ = shared_temp_postgres().create_database("nextjs");
    sql_exec(source_url_, kSeedSchema);
    sql_exec(source_url_, seed_data());
    json::array users{
        json::object{
            {"id", "lin"}, {"name", "Lin Import"}, {"email", "lin@example.com"}, {"oid", kLinOid}},
        json::object{
            {"id", "mo"}, {"name", "Mo Import"}, {"email", "mo@example.com"}, {"oid", kMoOid}}};
    stack_ = std::make_unique<OwnUsersStack>(database_url_, json::serialize(users));
    port_ = stack_->parley().port();
  }
  static void TearDownTestSuite() { stack_.reset(); }

  static std::map<std::string, std::string> env() {
    return parley_env(database_url_, stack_->idp().issuer(), port_);
  }
  static CommandResult import(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"import", "nextauth", "--from", source_url_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_parley_command(args, env(), std::chrono::seconds(60));
  }
  static std::string sql(const std::string& query) { return sql_scalar(database_url_, query); }
  static std::string count(const std::string& from_where) {
    return sql("SELECT count(*) FROM " + from_where);
  }

  static inline std::unique_ptr<OwnUsersStack> stack_;
  static inline std::string database_url_;
  static inline std::string source_url_;
  static inline int port_ = 0;
};

TEST_F(ImportNextAuth, ADryRunWritesNothingAndARealRunImportsOnce) {
  // (Runs first: gtest keeps declaration order.) Parley's schema is applied
  // by the running server; the dry run must leave no row of its own.
  CommandResult dry = import({"--dry-run"});
  ASSERT_EQ(dry.status, 0) << dry.output;
  EXPECT_NE(dry.output.find("dry run: nothing was written"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find("users: 3 imported, 0 already imported, 0 failed"), std::string::npos)
      << dry.output;
  EXPECT_EQ(count("users WHERE import_pending"), "0");
  EXPECT_EQ(count("conversations"), "0");
  EXPECT_EQ(count("import_map"), "0");
  EXPECT_EQ(count("audit_events WHERE type = 'user.imported'"), "0");

  CommandResult first = import();
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("users: 3 imported, 0 already imported, 0 failed"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("accounts: 3 imported"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("conversations: 4 imported"), std::string::npos) << first.output;
  // The 'tool' row has no place in Parley: rejected, counted.
  EXPECT_NE(first.output.find("messages: 7 imported, 0 already imported, 1 rejected"),
            std::string::npos)
      << first.output;
  EXPECT_EQ(count("users WHERE import_pending AND tenant_id = '" + std::string(kTenant) + "'"),
            "3");
  EXPECT_EQ(count("accounts WHERE provider LIKE 'nextauth:%'"), "3");
  EXPECT_EQ(count("messages WHERE status = 'complete'"), "7");
  // Times kept (naive timestamps read as UTC), and old months partitioned.
  EXPECT_EQ(sql("SELECT to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
                " FROM messages WHERE content = 'Open the vault and rotate it.'"),
            "2025-01-15 10:00:04.250");
  EXPECT_EQ(count("messages_default"), "0");
  EXPECT_EQ(count("pg_class WHERE relname IN ('messages_2024_11', 'messages_2025_01',"
                  " 'messages_2025_02', 'messages_2025_03')"),
            "4");
  EXPECT_EQ(
      sql("SELECT title FROM conversations c JOIN import_map m ON m.target = c.id"
          " WHERE m.source_key = 'u-lin' || chr(31) || '00000000-0000-4000-8000-0000000000c1'"),
      "How do I rotate my API key?");
  EXPECT_EQ(count("audit_events WHERE type = 'user.imported'"), "3");

  // Again: nothing twice.
  CommandResult again = import();
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("users: 0 imported, 3 already imported"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("messages: 0 imported, 7 already imported, 1 rejected"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(count("users WHERE import_pending"), "3");
  EXPECT_EQ(count("conversations"), "4");
  EXPECT_EQ(count("messages"), "7");
  EXPECT_EQ(count("audit_events WHERE type = 'user.imported'"), "3");

  // A message the Next.js app gained since is added, alone.
  sql_exec(source_url_,
           "INSERT INTO message (\"chatId\", role, content, \"createdAt\") VALUES"
           " ('00000000-0000-4000-8000-0000000000c4', 'assistant', 'Hi there.',"
           " '2025-03-01 09:00:02')");
  CommandResult more = import();
  ASSERT_EQ(more.status, 0) << more.output;
  EXPECT_NE(more.output.find("messages: 1 imported, 7 already imported"), std::string::npos)
      << more.output;
  EXPECT_EQ(count("messages"), "8");
}

TEST_F(ImportNextAuth, FirstSignInLinksBySubjectOrVerifiedEmailAndIsAudited) {
  ASSERT_EQ(import().status, 0);  // idempotent: whatever ran before
  const std::string pending_before = count("users WHERE import_pending");

  // Lin's account carries her `sub` under this app registration.
  ChatClient lin = chat::sign_in(port_, "lin@example.com");
  ApiResult list = chat::call(lin, "GET", "/api/conversations");
  ASSERT_EQ(list.status, 200) << list.body;
  const json::array items = json::parse(list.body).at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << list.body;
  // Ordered by the Next.js app's times: the February conversation first.
  EXPECT_EQ(items[0].at("title").as_string(), "Plan a trip to Lisbon");
  const std::string keys_id(items[1].at("id").as_string());
  ApiResult detail = chat::call(lin, "GET", "/api/conversations/" + keys_id);
  ASSERT_EQ(detail.status, 200);
  const json::array messages = json::parse(detail.body).at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role").as_string(), "user");
  EXPECT_EQ(messages[1].at("content").as_string(), "Open the vault and rotate it.");
  EXPECT_EQ(sql("SELECT detail->>'method' FROM audit_events WHERE type = 'user.linked'"
                " AND detail->>'conversations' = '2'"),
            "sub");

  // Mo's account came from another registration: her email, which the
  // tenant vouches for (her UPN), links her, whatever its case.
  ChatClient mo = chat::sign_in(port_, "mo@example.com");
  ApiResult mo_list = chat::call(mo, "GET", "/api/conversations");
  ASSERT_EQ(mo_list.status, 200);
  const json::array mo_items = json::parse(mo_list.body).at("items").as_array();
  ASSERT_EQ(mo_items.size(), 1u) << mo_list.body;
  EXPECT_EQ(mo_items[0].at("title").as_string(), "Q4 budget summary");
  EXPECT_EQ(count("audit_events WHERE type = 'user.linked' AND detail->>'method' = 'email'"), "1");

  EXPECT_EQ(std::stoi(count("users WHERE import_pending")), std::stoi(pending_before) - 2);
  EXPECT_EQ(count("users WHERE import_pending AND email = 'nobody@example.com'"), "1");

  // Signing in again links nothing more; importing again writes nothing
  // twice for a linked user (import_map points at her now).
  ChatClient lin_again = chat::sign_in(port_, "lin@example.com");
  EXPECT_EQ(count("audit_events WHERE type = 'user.linked'"), "2");
  CommandResult again = import();
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("users: 0 imported, 3 already imported"), std::string::npos)
      << again.output;
  ApiResult relist = chat::call(lin_again, "GET", "/api/conversations");
  EXPECT_EQ(json::parse(relist.body).at("items").as_array().size(), 2u);

  // A conversation she deleted is not brought back by a later run.
  ASSERT_EQ(chat::call(lin_again, "DELETE", "/api/conversations/" + keys_id).status, 204);
  CommandResult after_delete = import();
  ASSERT_EQ(after_delete.status, 0) << after_delete.output;
  EXPECT_NE(after_delete.output.find("1 deleted since an earlier import"), std::string::npos)
      << after_delete.output;
  ApiResult final_list = chat::call(lin_again, "GET", "/api/conversations");
  EXPECT_EQ(json::parse(final_list.body).at("items").as_array().size(), 1u);

  // The trail that recorded all of it is intact.
  CommandResult verify = run_parley_command({"audit", "verify"}, env());
  EXPECT_EQ(verify.status, 0) << verify.output;
}

TEST_F(ImportNextAuth, BadArgumentsAndAMissingSourceTableAreRefusedClearly) {
  CommandResult no_from = run_parley_command({"import", "nextauth"}, env());
  EXPECT_EQ(no_from.status, 2);
  EXPECT_NE(no_from.output.find("--from is required"), std::string::npos) << no_from.output;

  auto organizations = env();
  organizations["AUTH_MICROSOFT_ENTRA_ID_ISSUER"] =
      "https://login.microsoftonline.com/organizations/v2.0";
  CommandResult no_tenant =
      run_parley_command({"import", "nextauth", "--from", source_url_}, organizations);
  EXPECT_EQ(no_tenant.status, 2);
  EXPECT_NE(no_tenant.output.find("--tenant"), std::string::npos) << no_tenant.output;

  CommandResult missing = import({"--users-table", "users_that_are_not_there"});
  EXPECT_EQ(missing.status, 3);
  EXPECT_NE(missing.output.find("nextauth.source_table_missing"), std::string::npos)
      << missing.output;
  EXPECT_EQ(missing.output.find(source_url_), std::string::npos) << "the URL is a secret";
}

}  // namespace
}  // namespace parley::testing
