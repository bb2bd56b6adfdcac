#include "db/conversations_repo.hpp"

#include "db/pool.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

// Timestamps come back as PostgreSQL prints them and are converted to
// ISO-8601 when rendered (cheaper than to_char per row). ORDER BY updated_at then
// names the column itself, so the (user_id, updated_at, id) index gives the
// order without a sort.
#define PARLEY_CONVERSATION_COLUMNS "id, title, created_at, updated_at, model"

constexpr Statement kCreate{"conversations_create",
                            "INSERT INTO conversations (user_id, title, model) VALUES ($1, $2, $3)"
                            " RETURNING " PARLEY_CONVERSATION_COLUMNS};

// The list comes back in binary: PostgreSQL's uuid and timestamptz text
// output was a fifth of the statement's cost (and their parsing ours).
constexpr Statement kListFirst{"conversations_list_first",
                               "SELECT " PARLEY_CONVERSATION_COLUMNS
                               " FROM conversations WHERE user_id = $1"
                               " ORDER BY updated_at DESC, id DESC LIMIT $2",
                               ResultFormat::binary};

constexpr Statement kListAfter{"conversations_list_after",
                               "SELECT " PARLEY_CONVERSATION_COLUMNS
                               " FROM conversations WHERE user_id = $1"
                               " AND (updated_at, id) < ($3::timestamptz, $4::uuid)"
                               " ORDER BY updated_at DESC, id DESC LIMIT $2",
                               ResultFormat::binary};

constexpr Statement kFind{"conversations_find",
                          "SELECT " PARLEY_CONVERSATION_COLUMNS
                          " FROM conversations WHERE id = $2 AND user_id = $1"};

// $3 NULL keeps the title; $4 says whether $5 (NULL: the default) replaces the model.
constexpr Statement kUpdate{
    "conversations_update",
    "UPDATE conversations SET title = coalesce($3, title),"
    " model = CASE WHEN $4::boolean THEN $5 ELSE model END, updated_at = now()"
    " WHERE id = $2 AND user_id = $1"
    " RETURNING " PARLEY_CONVERSATION_COLUMNS};

constexpr Statement kSetGeneratedTitle{
    "conversations_set_generated_title",
    "UPDATE conversations SET title = $3 WHERE id = $2 AND user_id = $1 AND title = 'New chat'"};

// Messages cannot reference conversations (partitioned, composite key), so
// they go in the same statement; the audit event too, so a deletion is never
// unaudited (the chain's lock is held only while this statement commits).
constexpr Statement kDelete{
    "conversations_delete",
    "WITH c AS (DELETE FROM conversations WHERE id = $2 AND user_id = $1 RETURNING id),"
    " m AS (DELETE FROM messages WHERE user_id = $1 AND conversation_id = $2"
    "       AND EXISTS (SELECT 1 FROM c) RETURNING 1),"
    " a AS (INSERT INTO audit_events (type, actor, subject, ip, detail)"
    "       SELECT 'conversation.deleted', $1::text, $1::text, $4::text,"
    "              jsonb_strip_nulls(jsonb_build_object('conversation_id', c.id,"
    "                'messages', (SELECT count(*) FROM m), 'session_id', $3::uuid,"
    "                'request_id', $5::text))"
    "       FROM c RETURNING 1)"
    " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM a)"};

#undef PARLEY_CONVERSATION_COLUMNS

Conversation read_conversation(const Rows& rows, int r) {
  Conversation c;
  c.id = ConversationId{std::string(rows.text(r, 0))};
  c.title = std::string(rows.text(r, 1));
  c.created_at = std::string(rows.text(r, 2));
  c.updated_at = std::string(rows.text(r, 3));
  c.model = rows.optional_text(r, 4);
  return c;
}

std::optional<Conversation> first(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return read_conversation(rows, 0);
}

}  // namespace

ConversationList::ConversationList(Rows rows)
    : rows_(std::move(rows)), size_(static_cast<std::size_t>(rows_.rows())) {}

void ConversationList::append_id(std::string& out, std::size_t i) const {
  (void)rows_.append_binary_uuid(out, static_cast<int>(i), 0);
}
std::string ConversationList::id(std::size_t i) const {
  std::string out;
  append_id(out, i);
  return out;
}
std::string_view ConversationList::title(std::size_t i) const {
  return rows_.text(static_cast<int>(i), 1);
}
std::int64_t ConversationList::created_at(std::size_t i) const {
  return rows_.binary_int64(static_cast<int>(i), 2).value_or(0);
}
std::int64_t ConversationList::updated_at(std::size_t i) const {
  return rows_.binary_int64(static_cast<int>(i), 3).value_or(0);
}
std::optional<std::string_view> ConversationList::model(std::size_t i) const {
  if (rows_.is_null(static_cast<int>(i), 4)) return std::nullopt;
  return rows_.text(static_cast<int>(i), 4);  // text's binary format is its bytes
}
PageKey ConversationList::key(std::size_t i) const {
  return PageKey{timestamptz_text(updated_at(i)).value_or(""), ConversationId{id(i)}};
}
Conversation ConversationList::operator[](std::size_t i) const {
  Conversation c;
  c.id = ConversationId{id(i)};
  c.title = std::string(title(i));
  c.created_at = timestamptz_text(created_at(i)).value_or("");
  c.updated_at = timestamptz_text(updated_at(i)).value_or("");
  if (auto m = model(i)) c.model = std::string(*m);
  return c;
}
void ConversationList::truncate(std::size_t n) { size_ = std::min(size_, n); }

asio::awaitable<Result<Conversation>> create_conversation(Pool& pool, const UserId& user,
                                                          std::string_view title,
                                                          const std::optional<std::string>& model) {
  Params params{user.value, title, model};
  auto rows = co_await pool.prepared(kCreate, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "insert returned no row");
  co_return read_conversation(*rows, 0);
}

std::string_view list_first_page_sql() { return kListFirst.sql; }
std::string_view list_next_page_sql() { return kListAfter.sql; }

asio::awaitable<Result<ConversationList>> list_conversations(Pool& pool, const UserId& user,
                                                             const std::optional<PageKey>& after,
                                                             int limit) {
  Result<Rows> rows = Error(errc::db::query);
  if (after) {
    Params params{user.value, limit, after->updated_at, after->id.value};
    rows = co_await pool.read(kListAfter, std::move(params));
  } else {
    Params params{user.value, limit};
    rows = co_await pool.read(kListFirst, std::move(params));
  }
  if (!rows) co_return rows.error();
  co_return ConversationList(std::move(*rows));
}

asio::awaitable<Result<std::optional<Conversation>>> find_conversation(Pool& pool,
                                                                       const UserId& user,
                                                                       const ConversationId& id) {
  Params params{user.value, id.value};
  auto rows = co_await pool.read(kFind, std::move(params));
  if (!rows) co_return rows.error();
  co_return first(*rows);
}

asio::awaitable<Result<std::optional<Conversation>>> update_conversation(
    Pool& pool, const UserId& user, const ConversationId& id, const ConversationChanges& changes) {
  Params params{user.value, id.value, changes.title, changes.set_model, changes.model};
  auto rows = co_await pool.prepared(kUpdate, std::move(params));
  if (!rows) co_return rows.error();
  co_return first(*rows);
}

asio::awaitable<Result<bool>> set_generated_title(Pool& pool, const UserId& user,
                                                  const ConversationId& id,
                                                  std::string_view title) {
  Params params{user.value, id.value, title};
  auto rows = co_await pool.prepared(kSetGeneratedTitle, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected() == 1;
}

asio::awaitable<Result<bool>> delete_conversation(Pool& pool, const UserId& user,
                                                  const ConversationId& id,
                                                  const DeleteContext& context) {
  std::optional<std::string> session;
  if (context.session_id && !context.session_id->value.empty()) session = context.session_id->value;
  Params params{user.value, id.value, session, context.ip, context.request_id};
  auto rows = co_await pool.prepared(kDelete, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->int64(0, 0) == 1;
}

}  // namespace parley::db
