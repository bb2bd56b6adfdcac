#include "db/import_repo.hpp"

#include "db/errors.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

// ---- Destination statements (migration 011)

constexpr Statement kImportedUser{"import_user_target",
                                  "SELECT target FROM import_map WHERE source = 'nextauth' AND "
                                  "kind = 'user' AND source_key = $1"};

constexpr Statement kInsertPendingUser{
    "import_insert_pending_user",
    "WITH u AS (INSERT INTO users (tenant_id, object_id, email, name, import_pending)"
    "  VALUES ($1, 'nextauth:' || $2, $3, $4, true) RETURNING id)"
    " INSERT INTO import_map (source, kind, source_key, target)"
    " SELECT 'nextauth', 'user', $2, id FROM u RETURNING target"};

constexpr Statement kAddAccounts{
    "import_add_accounts",
    "WITH a AS (INSERT INTO accounts (provider, provider_account_id, user_id)"
    "  SELECT 'nextauth:' || p, i, $1::uuid FROM unnest($2::text[], $3::text[]) AS x(p, i)"
    "  ON CONFLICT (provider, provider_account_id) DO NOTHING RETURNING 1)"
    " SELECT count(*) FROM a"};

// A mapped conversation whose row is gone was deleted by its owner (or by
// retention): it is not brought back.
constexpr Statement kImportedConversation{
    "import_conversation_target",
    "SELECT m.target, EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.target)"
    " FROM import_map m WHERE m.source = 'nextauth' AND m.kind = 'conversation'"
    " AND m.source_key = $1"};

constexpr Statement kInsertConversation{
    "import_insert_conversation",
    "WITH c AS (INSERT INTO conversations (user_id, title, created_at, updated_at)"
    "  VALUES ($1::uuid, $2, $3::timestamptz, $3::timestamptz) RETURNING id)"
    " INSERT INTO import_map (source, kind, source_key, target)"
    " SELECT 'nextauth', 'conversation', $4, id FROM c RETURNING target"};

// A message already there (same time, role and content) is not inserted
// again: running the import twice writes nothing twice, and messages the
// Next.js app gained since the last run are added.
constexpr Statement kInsertMessages{
    "import_insert_messages",
    "WITH x AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) AS x(role, content, at)),"
    " ins AS (INSERT INTO messages (conversation_id, user_id, role, content, status, created_at,"
    "   updated_at)"
    "  SELECT $1::uuid, $2::uuid, x.role, x.content, 'complete', x.at::timestamptz,"
    "   x.at::timestamptz FROM x"
    "  WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.user_id = $2::uuid"
    "   AND m.conversation_id = $1::uuid AND m.created_at = x.at::timestamptz"
    "   AND m.role = x.role AND m.content = x.content)"
    "  RETURNING created_at),"
    " upd AS (UPDATE conversations SET updated_at = greatest(updated_at,"
    "   (SELECT max(created_at) FROM ins)) WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM ins))"
    " SELECT count(*) FROM ins"};

// ---- Linking. Only Entra providers' account ids are ID-token subjects.
constexpr Statement kLinkCandidate{
    "import_link_candidate",
    "SELECT id, method FROM ("
    " SELECT u.id, 'sub' AS method, 1 AS rank FROM accounts a JOIN users u ON u.id = a.user_id"
    "  WHERE a.provider IN ('nextauth:microsoft-entra-id', 'nextauth:azure-ad')"
    "  AND a.provider_account_id = $2 AND u.import_pending AND u.tenant_id = $1"
    " UNION ALL"
    " (SELECT u.id, 'email', 2 FROM users u WHERE $3::text IS NOT NULL AND u.import_pending"
    "  AND u.tenant_id = $1 AND lower(u.email) = lower($3::text) ORDER BY u.created_at LIMIT 1)"
    ") c ORDER BY rank LIMIT 1"};

constexpr Statement kLockPending{
    "import_lock_pending", "SELECT 1 FROM users WHERE id = $1::uuid AND import_pending FOR UPDATE"};
constexpr Statement kMoveConversations{
    "import_move_conversations",
    "UPDATE conversations SET user_id = $2::uuid WHERE user_id = $1::uuid"};
constexpr Statement kMoveMessages{
    "import_move_messages", "UPDATE messages SET user_id = $2::uuid WHERE user_id = $1::uuid"};
constexpr Statement kMoveAccounts{
    "import_move_accounts", "UPDATE accounts SET user_id = $2::uuid WHERE user_id = $1::uuid"};
constexpr Statement kRetargetMap{
    "import_retarget_map",
    "UPDATE import_map SET target = $2::uuid WHERE kind = 'user' AND target = $1::uuid"};
constexpr Statement kDeletePending{"import_delete_pending",
                                   "DELETE FROM users WHERE id = $1::uuid AND import_pending"};

std::string quote_identifier(std::string_view part) {
  std::string out = "\"";
  for (char c : part) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string quote_relation(std::string_view name) {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return quote_identifier(name);
  return quote_identifier(name.substr(0, dot)) + "." + quote_identifier(name.substr(dot + 1));
}

asio::awaitable<Result<bool>> relation_exists(Pool& source, std::string_view name) {
  Params params{quote_relation(name)};
  auto rows = co_await source.query("SELECT to_regclass($1) IS NOT NULL", std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->boolean(0, 0);
}

asio::awaitable<Result<std::vector<NextAuthUser>>> nextauth_users_page(
    Pool& source, const NextAuthTables& tables, const std::optional<std::string>& after,
    int limit) {
  std::string sql = "SELECT id::text, name, email FROM " + quote_relation(tables.users);
  Params params{limit};
  if (after) {
    sql += " WHERE id > $2";
    params.add(*after);
  }
  sql += " ORDER BY id LIMIT $1";
  auto rows = co_await source.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<NextAuthUser> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(NextAuthUser{std::string(rows->text(r, 0)), rows->optional_text(r, 1),
                               rows->optional_text(r, 2)});
  }
  co_return out;
}

asio::awaitable<Result<std::vector<NextAuthAccount>>> nextauth_accounts(
    Pool& source, const NextAuthTables& tables, const std::string& user_id) {
  const std::string sql = "SELECT provider, \"providerAccountId\" FROM " +
                          quote_relation(tables.accounts) +
                          " WHERE \"userId\" = $1 ORDER BY provider, \"providerAccountId\"";
  Params params{user_id};
  auto rows = co_await source.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<NextAuthAccount> out;
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(NextAuthAccount{std::string(rows->text(r, 0)), std::string(rows->text(r, 1))});
  }
  co_return out;
}

asio::awaitable<Result<std::vector<SourceMessage>>> nextauth_messages(Pool& source,
                                                                      const NextAuthTables& tables,
                                                                      const std::string& user_id) {
  // A timestamp without time zone is read as UTC: the command sets the
  // source session's TimeZone to UTC (PGTZ). `user_id = $1` (the parameter
  // takes the column's type, text or uuid) lets the view use an index.
  const std::string sql =
      "SELECT conversation_key::text, role::text, content::text,"
      " to_char(created_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
      " FROM " +
      quote_relation(tables.messages) +
      " WHERE user_id = $1 ORDER BY conversation_key::text, created_at";
  Params params{user_id};
  auto rows = co_await source.query(sql, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<SourceMessage> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    out.push_back(SourceMessage{rows->optional_text(r, 0).value_or(""),
                                rows->optional_text(r, 1).value_or(""), rows->optional_text(r, 2),
                                rows->optional_text(r, 3)});
  }
  co_return out;
}

asio::awaitable<Result<std::optional<UserId>>> imported_user(Lease& tx,
                                                             std::string_view source_id) {
  Params params{source_id};
  auto rows = co_await tx.prepared(kImportedUser, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<UserId>();
  co_return std::optional<UserId>(UserId{std::string(rows->text(0, 0))});
}

asio::awaitable<Result<UserId>> insert_pending_user(Lease& tx, const PendingUser& user) {
  Params params{user.tenant_id, user.source_id, user.email, user.name};
  auto rows = co_await tx.prepared(kInsertPendingUser, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "pending user insert returned no row");
  co_return UserId{std::string(rows->text(0, 0))};
}

asio::awaitable<Result<std::int64_t>> add_imported_accounts(
    Lease& tx, const UserId& user, std::span<const NextAuthAccount> accounts) {
  if (accounts.empty()) co_return std::int64_t{0};
  std::vector<std::string> providers;
  std::vector<std::string> ids;
  for (const auto& a : accounts) {
    providers.push_back(a.provider);
    ids.push_back(a.provider_account_id);
  }
  Params params{user.value, Param::text_array(providers), Param::text_array(ids)};
  auto rows = co_await tx.prepared(kAddAccounts, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

asio::awaitable<Result<ImportedConversation>> import_conversation(Lease& tx, const UserId& user,
                                                                  std::string_view source_user_id,
                                                                  std::string_view key,
                                                                  std::string_view title,
                                                                  std::string_view created_at) {
  std::string map_key(source_user_id);
  map_key += '\x1f';
  map_key += key;
  Params lookup{map_key};
  auto found = co_await tx.prepared(kImportedConversation, std::move(lookup));
  if (!found) co_return found.error();
  if (!found->empty()) {
    ImportedConversation c;
    c.id = ConversationId{std::string(found->text(0, 0))};
    c.state = found->boolean(0, 1) ? ImportedConversation::State::existing
                                   : ImportedConversation::State::deleted;
    co_return c;
  }
  Params params{user.value, title, created_at, map_key};
  auto rows = co_await tx.prepared(kInsertConversation, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "conversation insert returned no row");
  ImportedConversation c;
  c.id = ConversationId{std::string(rows->text(0, 0))};
  c.state = ImportedConversation::State::created;
  co_return c;
}

asio::awaitable<Result<std::int64_t>> insert_imported_messages(
    Lease& tx, const ConversationId& conversation, const UserId& user,
    std::span<const ImportMessage> messages) {
  if (messages.empty()) co_return std::int64_t{0};
  std::vector<std::string> roles;
  std::vector<std::string> contents;
  std::vector<std::string> times;
  roles.reserve(messages.size());
  contents.reserve(messages.size());
  times.reserve(messages.size());
  for (const auto& m : messages) {
    roles.push_back(m.role);
    contents.push_back(m.content);
    times.push_back(m.created_at);
  }
  Params params{conversation.value, user.value, Param::text_array(roles),
                Param::text_array(contents), Param::text_array(times)};
  auto rows = co_await tx.prepared(kInsertMessages, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0);
}

asio::awaitable<Result<std::optional<LinkCandidate>>> find_link_candidate(
    Pool& pool, std::string_view tenant_id, std::string_view subject,
    const std::optional<std::string>& verified_email) {
  Params params{tenant_id, subject, verified_email};
  auto rows = co_await pool.read(kLinkCandidate, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<LinkCandidate>();
  co_return std::optional<LinkCandidate>(
      LinkCandidate{UserId{std::string(rows->text(0, 0))}, std::string(rows->text(0, 1))});
}

asio::awaitable<Result<std::optional<LinkedData>>> take_over_imported_user(Lease& tx,
                                                                           const UserId& user,
                                                                           const UserId& imported) {
  Params one{imported.value};
  auto locked = co_await tx.prepared(kLockPending, one);
  if (!locked) co_return locked.error();
  if (locked->empty()) co_return std::optional<LinkedData>();
  Params both{imported.value, user.value};
  LinkedData out;
  auto conversations = co_await tx.prepared(kMoveConversations, both);
  if (!conversations) co_return conversations.error();
  out.conversations = conversations->affected();
  auto messages = co_await tx.prepared(kMoveMessages, both);
  if (!messages) co_return messages.error();
  out.messages = messages->affected();
  for (const Statement* s : {&kMoveAccounts, &kRetargetMap}) {
    auto moved = co_await tx.prepared(*s, both);
    if (!moved) co_return moved.error();
  }
  auto deleted = co_await tx.prepared(kDeletePending, one);
  if (!deleted) co_return deleted.error();
  co_return std::optional<LinkedData>(out);
}

}  // namespace parley::db
