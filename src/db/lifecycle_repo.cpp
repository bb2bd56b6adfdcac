#include "db/lifecycle_repo.hpp"

#include <limits>

#include "db/errors.hpp"
#include "db/pool.hpp"

namespace parley::db {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// ---- Retention. Simple-protocol statements: their only values are integers
// we format and identifiers quoted by libpq.

constexpr std::string_view kCreateExpired =
    "CREATE TEMP TABLE parley_expired (id uuid NOT NULL, user_id uuid NOT NULL) ON COMMIT DROP";

std::string delete_expired_sql(std::int64_t cutoff) {
  return "WITH d AS (DELETE FROM conversations WHERE updated_at < to_timestamp(" +
         std::to_string(cutoff) +
         ") RETURNING id, user_id) INSERT INTO parley_expired SELECT id, user_id FROM d";
}

// Whether any row of the partition belongs to a conversation that still
// exists (this transaction no longer sees the ones it deleted).
std::string has_live_rows_sql(const std::string& table) {
  return "SELECT EXISTS (SELECT 1 FROM " + table +
         " m JOIN conversations c ON c.id = m.conversation_id AND c.user_id = m.user_id)";
}

std::string expired_rows_in_sql(const std::string& table) {
  return "SELECT count(*) FROM " + table +
         " m JOIN parley_expired e ON e.id = m.conversation_id AND e.user_id = m.user_id";
}

// The expired conversations' messages outside the partitions about to be
// dropped (the range conditions let the planner skip those partitions).
std::string delete_expired_messages_sql(std::span<const MessagePartition> kept_out) {
  std::string sql =
      "DELETE FROM messages m USING parley_expired e"
      " WHERE m.conversation_id = e.id AND m.user_id = e.user_id";
  for (const auto& p : kept_out) {
    sql += " AND NOT (m.created_at < to_timestamp(" + std::to_string(p.to) + ")";
    if (p.from != std::numeric_limits<std::int64_t>::min()) {
      sql += " AND m.created_at >= to_timestamp(" + std::to_string(p.from) + ")";
    }
    sql += ")";
  }
  return sql;
}

Result<std::string> quoted(Lease& lease, std::string_view name) {
  std::string q = lease.connection().escape_identifier(name);
  if (q.empty()) return Error(errc::db::query, "cannot quote identifier");
  return q;
}

// ---- User data

constexpr Statement kUserExists{"lifecycle_user_exists", "SELECT 1 FROM users WHERE id = $1::uuid"};

constexpr Statement kStopUserStreams{
    "lifecycle_stop_user_streams",
    "SELECT pg_notify('parley_chat_stop', id::text) FROM messages"
    " WHERE user_id = $1::uuid AND status = 'streaming'"};

constexpr Statement kDeleteUserConversations{
    "lifecycle_delete_user_conversations",
    "WITH c AS (DELETE FROM conversations WHERE user_id = $1::uuid RETURNING 1)"
    " SELECT count(*) FROM c"};

// A separate statement after the conversations' (a new snapshot): it also
// sees the messages of an answer that was being started while the
// conversations were deleted (that transaction held the conversation's row
// lock, which the delete waited for).
constexpr Statement kDeleteUserMessages{
    "lifecycle_delete_user_messages",
    "WITH m AS (DELETE FROM messages m WHERE m.user_id = $1::uuid AND NOT EXISTS"
    " (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id AND c.user_id = $1::uuid)"
    " RETURNING 1) SELECT count(*) FROM m"};

// A heavy user's history is deleted in one statement: more than the
// request path's usual 15 s.
constexpr auto kDeleteTimeout = 120s;

// ---- Export

#define PARLEY_EXPORT_CONVERSATION \
  "SELECT id, title, created_at, updated_at, model FROM conversations"

constexpr Statement kExportConversationsFirst{
    "export_conversations_first",
    PARLEY_EXPORT_CONVERSATION " WHERE user_id = $1 ORDER BY created_at, id LIMIT $2"};

constexpr Statement kExportConversationsAfter{
    "export_conversations_after",
    PARLEY_EXPORT_CONVERSATION
    " WHERE user_id = $1 AND (created_at, id) > ($3::timestamptz, $4::uuid)"
    " ORDER BY created_at, id LIMIT $2"};

#define PARLEY_EXPORT_MESSAGE                                                            \
  "SELECT id, role, content, status, model, prompt_tokens, completion_tokens,"          \
  " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), created_at" \
  " FROM messages WHERE user_id = $1 AND conversation_id = $2"

constexpr Statement kExportMessagesFirst{
    "export_messages_first", PARLEY_EXPORT_MESSAGE " ORDER BY created_at, id LIMIT $3"};

// created_at >= … is what the (user_id, conversation_id, created_at) index
// can seek to; the row comparison then skips the rows already sent.
constexpr Statement kExportMessagesAfter{
    "export_messages_after",
    PARLEY_EXPORT_MESSAGE
    " AND created_at >= $4::timestamptz AND (created_at, id) > ($4::timestamptz, $5::uuid)"
    " ORDER BY created_at, id LIMIT $3"};

#undef PARLEY_EXPORT_CONVERSATION
#undef PARLEY_EXPORT_MESSAGE

}  // namespace

asio::awaitable<Result<ExpiredDeletion>> delete_expired_conversations(
    Lease& tx, std::int64_t cutoff, std::span<const MessagePartition> candidates,
    std::chrono::milliseconds statement_timeout) {
  ExpiredDeletion out;
  if (auto created = co_await tx.execute(kCreateExpired, statement_timeout); !created) {
    co_return created.error();
  }
  auto deleted = co_await tx.execute(delete_expired_sql(cutoff), statement_timeout);
  if (!deleted) co_return deleted.error();
  out.conversations = deleted->affected();
  if (out.conversations > 0) {
    // Without statistics the planner guesses the temp table's size and may
    // scan whole partitions instead of probing their indexes.
    if (auto analyzed = co_await tx.execute("ANALYZE parley_expired", statement_timeout);
        !analyzed) {
      co_return analyzed.error();
    }
  }
  std::vector<MessagePartition> dropping;
  for (const auto& p : candidates) {
    auto table = quoted(tx, p.name);
    if (!table) co_return table.error();
    auto live = co_await tx.execute(has_live_rows_sql(*table), statement_timeout);
    if (!live) co_return live.error();
    if (live->boolean(0, 0)) continue;
    if (out.conversations > 0) {
      auto rows = co_await tx.execute(expired_rows_in_sql(*table), statement_timeout);
      if (!rows) co_return rows.error();
      out.messages += rows->int64(0, 0);
    }
    out.droppable.push_back(p.name);
    dropping.push_back(p);
  }
  if (out.conversations > 0) {
    auto messages = co_await tx.execute(delete_expired_messages_sql(dropping), statement_timeout);
    if (!messages) co_return messages.error();
    out.messages += messages->affected();
  }
  co_return out;
}

asio::awaitable<Result<std::optional<DeletedUserData>>> delete_user_data(Lease& tx,
                                                                         const UserId& user) {
  Params params{user.value};
  auto exists = co_await tx.prepared(kUserExists, params);
  if (!exists) co_return exists.error();
  if (exists->empty()) co_return std::optional<DeletedUserData>{};
  if (auto stopped = co_await tx.connection().prepared(kStopUserStreams, params, kDeleteTimeout);
      !stopped) {
    co_return stopped.error();
  }
  DeletedUserData out;
  auto conversations =
      co_await tx.connection().prepared(kDeleteUserConversations, params, kDeleteTimeout);
  if (!conversations) co_return conversations.error();
  out.conversations = conversations->int64(0, 0);
  auto messages = co_await tx.connection().prepared(kDeleteUserMessages, params, kDeleteTimeout);
  if (!messages) co_return messages.error();
  out.messages = messages->int64(0, 0);
  co_return std::optional<DeletedUserData>(out);
}

asio::awaitable<Result<std::vector<Conversation>>> export_conversations_page(
    Pool& pool, const UserId& user, const std::optional<ExportKey>& after, int limit) {
  Result<Rows> rows = Error(errc::db::query);
  if (after) {
    Params params{user.value, limit, after->created_at, after->id};
    rows = co_await pool.read(kExportConversationsAfter, std::move(params));
  } else {
    Params params{user.value, limit};
    rows = co_await pool.read(kExportConversationsFirst, std::move(params));
  }
  if (!rows) co_return rows.error();
  std::vector<Conversation> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    Conversation c;
    c.id = ConversationId{std::string(rows->text(r, 0))};
    c.title = std::string(rows->text(r, 1));
    c.created_at = std::string(rows->text(r, 2));
    c.updated_at = std::string(rows->text(r, 3));
    c.model = rows->optional_text(r, 4);
    out.push_back(std::move(c));
  }
  co_return out;
}

asio::awaitable<Result<std::vector<ExportMessageRow>>> export_messages_page(
    Pool& pool, const UserId& user, const ConversationId& conversation,
    const std::optional<ExportKey>& after, int limit) {
  Result<Rows> rows = Error(errc::db::query);
  if (after) {
    Params params{user.value, conversation.value, limit, after->created_at, after->id};
    rows = co_await pool.read(kExportMessagesAfter, std::move(params));
  } else {
    Params params{user.value, conversation.value, limit};
    rows = co_await pool.read(kExportMessagesFirst, std::move(params));
  }
  if (!rows) co_return rows.error();
  std::vector<ExportMessageRow> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    ExportMessageRow row;
    MessageRecord& m = row.message;
    m.id = MessageId{std::string(rows->text(r, 0))};
    m.role = std::string(rows->text(r, 1));
    m.content = std::string(rows->text(r, 2));
    m.status = std::string(rows->text(r, 3));
    m.model = rows->optional_text(r, 4);
    m.prompt_tokens = rows->optional_int64(r, 5);
    m.completion_tokens = rows->optional_int64(r, 6);
    m.created_at = std::string(rows->text(r, 7));
    row.created_at_exact = std::string(rows->text(r, 8));
    out.push_back(std::move(row));
  }
  co_return out;
}

}  // namespace parley::db
