#include "db/messages_repo.hpp"

#include "db/batch.hpp"
#include "db/errors.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

constexpr Statement kLockConversation{
    "messages_lock_conversation",
    "SELECT title, model FROM conversations WHERE id = $2 AND user_id = $1 FOR UPDATE"};

// idle_ms by the database's clock (now(): the transaction's start), floored
// so that "idle < lease" means exactly "updated_at > now() - lease". The
// newest $3 messages only (kTurnMessagesMax), returned oldest first.
constexpr Statement kReadTurn{
    "messages_read_turn",
    "SELECT id, role, status, content, created_text, idle_ms FROM ("
    " SELECT id, role, status, content, created_at::text AS created_text, created_at,"
    " floor(extract(epoch FROM now() - updated_at) * 1000)::bigint AS idle_ms FROM messages"
    " WHERE user_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3"
    ") newest ORDER BY created_at, id"};

// The assistant row's created_at is derived from the user row's so that it
// sorts after it whatever order the CTEs run in.
constexpr Statement kInsertTurn{
    "messages_insert_turn",
    "WITH u AS (INSERT INTO messages (conversation_id, user_id, role, content, status, created_at)"
    "   VALUES ($2, $1, 'user', $3, 'complete', clock_timestamp()) RETURNING id, created_at),"
    " a AS (INSERT INTO messages (conversation_id, user_id, role, status, owner, created_at)"
    "   SELECT $2, $1, 'assistant', 'streaming', $4::text, u.created_at + interval '1 microsecond' "
    "FROM u"
    "   RETURNING id, created_at),"
    " c AS (UPDATE conversations SET updated_at = now() WHERE id = $2 AND user_id = $1)"
    " SELECT u.id, a.id, a.created_at::text, u.created_at::text FROM u, a"};

constexpr Statement kDeleteAnswersAfter{
    "messages_delete_answers_after",
    "DELETE FROM messages WHERE user_id = $1 AND conversation_id = $2 AND role = 'assistant'"
    " AND created_at > $3::timestamptz"};

constexpr Statement kInsertAnswer{
    "messages_insert_answer",
    "WITH a AS (INSERT INTO messages (conversation_id, user_id, role, status, owner, created_at)"
    "   VALUES ($2, $1, 'assistant', 'streaming', $3,"
    "           greatest(clock_timestamp(), $4::timestamptz + interval '1 microsecond'))"
    "   RETURNING id, created_at),"
    " c AS (UPDATE conversations SET updated_at = now() WHERE id = $2 AND user_id = $1)"
    " SELECT a.id, a.created_at::text FROM a"};

constexpr Statement kList{
    "messages_list",
    "SELECT id, role, content, status, model, prompt_tokens, completion_tokens, finish_reason,"
    " error_code, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    " FROM messages WHERE user_id = $1 AND conversation_id = $2 ORDER BY created_at, id"};

constexpr Statement kProgress{
    "messages_progress",
    "UPDATE messages SET content = $5, updated_at = now()"
    " WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND created_at = $4::timestamptz"
    " AND status = 'streaming' RETURNING stop_requested"};

constexpr Statement kRenew{
    "messages_renew_lease",
    "UPDATE messages SET updated_at = now()"
    " WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND created_at = $4::timestamptz"
    " AND status = 'streaming' RETURNING stop_requested"};

// The answer's token counts and the user's usage_daily row (migration 009)
// are written by one statement, so atomically: deleting the conversation
// later keeps the usage. Only the write that ends the stream counts (the
// row was still 'streaming' in the statement's snapshot), so a retried
// final write whose first attempt did commit does not count twice.
constexpr Statement kFinish{
    "messages_finish",
    "WITH prev AS (SELECT status FROM messages"
    "  WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND created_at = $4::timestamptz),"
    " f AS (UPDATE messages SET content = $5, status = $6, model = $7, prompt_tokens = $8,"
    " completion_tokens = $9, finish_reason = $10, error_code = $11, owner = NULL,"
    " updated_at = now()"
    " WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND created_at = $4::timestamptz"
    " RETURNING 1), u AS ("
    " INSERT INTO usage_daily AS d (subject_kind, subject, day, model, prompt_tokens,"
    "  completion_tokens, messages)"
    " SELECT 'user', ($1::uuid)::text, (now() AT TIME ZONE 'UTC')::date, coalesce($7, 'unknown'),"
    "  coalesce($8::bigint, 0), coalesce($9::bigint, 0), 1 FROM prev"
    " WHERE prev.status = 'streaming' AND EXISTS (SELECT 1 FROM f)"
    "  AND ($8::bigint IS NOT NULL OR $9::bigint IS NOT NULL)"
    " ON CONFLICT (subject_kind, subject, day, model) DO UPDATE"
    " SET prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,"
    "  completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens,"
    "  messages = d.messages + 1)"
    " SELECT count(*) FROM f"};

constexpr Statement kRequestStop{
    "messages_request_stop",
    "WITH s AS (UPDATE messages SET stop_requested = true WHERE user_id = $1"
    " AND conversation_id = $2 AND status = 'streaming' RETURNING id)"
    " SELECT id, pg_notify('parley_chat_stop', id::text) FROM s"};

constexpr Statement kSweep{
    "messages_sweep_interrupted",
    "UPDATE messages SET status = 'failed', error_code = 'interrupted', owner = NULL,"
    " updated_at = now()"
    " WHERE status = 'streaming' AND updated_at < now() - make_interval(secs => $1::bigint)"};

}  // namespace

asio::awaitable<Result<std::optional<TurnStart>>> begin_turn(Lease& lease, const UserId& user,
                                                             const ConversationId& conversation) {
  Batch batch;
  batch.begin();
  Params lock{user.value, conversation.value};
  const std::size_t locked = batch.add(kLockConversation, std::move(lock));
  // A statement of its own after the lock: it reads what the lock's
  // previous holder (the turn before) committed.
  Params read{user.value, conversation.value, kTurnMessagesMax};
  const std::size_t turn = batch.add(kReadTurn, std::move(read));
  auto results = co_await lease.batch(batch);
  if (!results) co_return results.error();
  const Rows& conv = (*results)[locked];
  if (conv.empty()) co_return std::optional<TurnStart>();
  TurnStart start;
  start.conversation = LockedConversation{std::string(conv.text(0, 0)), conv.optional_text(0, 1)};
  const Rows& rows = (*results)[turn];
  start.rows.reserve(static_cast<std::size_t>(rows.rows()));
  for (int r = 0; r < rows.rows(); ++r) {
    start.rows.push_back(TurnRow{MessageId{std::string(rows.text(r, 0))},
                                 std::string(rows.text(r, 1)), std::string(rows.text(r, 2)),
                                 std::string(rows.text(r, 3)), std::string(rows.text(r, 4)),
                                 rows.int64(r, 5)});
  }
  co_return std::optional<TurnStart>(std::move(start));
}

asio::awaitable<Result<InsertedTurn>> insert_turn(Lease& lease, const UserId& user,
                                                  const ConversationId& conversation,
                                                  std::string_view content,
                                                  std::string_view owner) {
  Params params{user.value, conversation.value, content, owner};
  auto rows = co_await lease.prepared(kInsertTurn, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "turn insert returned no row");
  const std::string user_created_at(rows->text(0, 3));
  co_return InsertedTurn{
      InsertedMessage{MessageId{std::string(rows->text(0, 0))}, user_created_at},
      InsertedMessage{MessageId{std::string(rows->text(0, 1))}, std::string(rows->text(0, 2))}};
}

asio::awaitable<Status> delete_answers_after(Lease& lease, const UserId& user,
                                             const ConversationId& conversation,
                                             std::string_view created_at) {
  Params params{user.value, conversation.value, created_at};
  auto deleted = co_await lease.prepared(kDeleteAnswersAfter, std::move(params));
  if (!deleted) co_return deleted.error();
  co_return Status{};
}

asio::awaitable<Result<InsertedMessage>> insert_answer(Lease& lease, const UserId& user,
                                                       const ConversationId& conversation,
                                                       std::string_view owner,
                                                       std::string_view after_created_at) {
  Params params{user.value, conversation.value, owner, after_created_at};
  auto rows = co_await lease.prepared(kInsertAnswer, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "answer insert returned no row");
  co_return InsertedMessage{MessageId{std::string(rows->text(0, 0))},
                            std::string(rows->text(0, 1))};
}

asio::awaitable<Result<std::vector<MessageRecord>>> list_messages(
    Pool& pool, const UserId& user, const ConversationId& conversation) {
  Params params{user.value, conversation.value};
  auto rows = co_await pool.read(kList, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<MessageRecord> out;
  out.reserve(static_cast<std::size_t>(rows->rows()));
  for (int r = 0; r < rows->rows(); ++r) {
    MessageRecord m;
    m.id = MessageId{std::string(rows->text(r, 0))};
    m.role = std::string(rows->text(r, 1));
    m.content = std::string(rows->text(r, 2));
    m.status = std::string(rows->text(r, 3));
    m.model = rows->optional_text(r, 4);
    m.prompt_tokens = rows->optional_int64(r, 5);
    m.completion_tokens = rows->optional_int64(r, 6);
    m.finish_reason = rows->optional_text(r, 7);
    m.error_code = rows->optional_text(r, 8);
    m.created_at = std::string(rows->text(r, 9));
    out.push_back(std::move(m));
  }
  co_return out;
}

asio::awaitable<Result<bool>> save_progress(Pool& pool, const AnswerRow& row,
                                            std::string_view content) {
  Params params{row.user.value, row.conversation.value, row.message.value, row.created_at, content};
  auto rows = co_await pool.prepared(kProgress, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return true;  // gone (conversation deleted) or swept
  co_return rows->boolean(0, 0);
}

asio::awaitable<Result<bool>> renew_lease(Pool& pool, const AnswerRow& row) {
  Params params{row.user.value, row.conversation.value, row.message.value, row.created_at};
  auto rows = co_await pool.prepared(kRenew, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return true;
  co_return rows->boolean(0, 0);
}

asio::awaitable<Result<bool>> finish_answer(Pool& pool, const AnswerRow& row,
                                            const FinalAnswer& a) {
  auto num = [](const std::optional<std::int64_t>& v) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return std::to_string(*v);
  };
  Params params{row.user.value,
                row.conversation.value,
                row.message.value,
                row.created_at,
                a.content,
                a.status,
                a.model,
                num(a.prompt_tokens),
                num(a.completion_tokens),
                a.finish_reason,
                a.error_code};
  // One round trip, with the statement's generic plan (db/batch.hpp).
  Batch batch;
  batch.begin();
  batch.prefer_generic_plans();
  const std::size_t finished = batch.add(kFinish, std::move(params));
  batch.commit();
  auto results = co_await run_batch(pool, batch);
  if (!results) co_return results.error();
  co_return (*results)[finished].int64(0, 0) == 1;
}

asio::awaitable<Result<std::vector<MessageId>>> request_stop(Pool& pool, const UserId& user,
                                                             const ConversationId& conversation) {
  Params params{user.value, conversation.value};
  auto rows = co_await pool.prepared(kRequestStop, std::move(params));
  if (!rows) co_return rows.error();
  std::vector<MessageId> out;
  for (int r = 0; r < rows->rows(); ++r) out.push_back(MessageId{std::string(rows->text(r, 0))});
  co_return out;
}

asio::awaitable<Result<std::int64_t>> sweep_interrupted(Pool& pool, std::chrono::seconds lease) {
  Params params{static_cast<std::int64_t>(lease.count())};
  auto rows = co_await pool.prepared(kSweep, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected();
}

}  // namespace parley::db
