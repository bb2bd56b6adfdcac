#include "db/messages_repo.hpp"

#include "db/pool.hpp"
#include "chat/errors.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

constexpr Statement kLockConversation{
    "messages_lock_conversation",
    "SELECT c.title = 'New chat', NOT EXISTS (SELECT 1 FROM messages m WHERE m.user_id = $1"
    " AND m.conversation_id = $2 AND m.role = 'assistant')"
    " FROM conversations c WHERE c.id = $2 AND c.user_id = $1 FOR UPDATE OF c"};

constexpr Statement kBusy{
    "messages_busy",
    "SELECT 1 FROM messages WHERE user_id = $1 AND conversation_id = $2 AND status = 'streaming'"
    " AND updated_at > now() - make_interval(secs => $3::bigint) LIMIT 1"};

constexpr Statement kHistory{
    "messages_history",
    "SELECT id, role, content, status, created_at::text FROM messages"
    " WHERE user_id = $1 AND conversation_id = $2 ORDER BY created_at, id"};

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
    " SELECT u.id, a.id, a.created_at::text FROM u, a"};

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

constexpr Statement kFinish{
    "messages_finish",
    "UPDATE messages SET content = $5, status = $6, model = $7, prompt_tokens = $8,"
    " completion_tokens = $9, finish_reason = $10, error_code = $11, owner = NULL,"
    " updated_at = now()"
    " WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND created_at = $4::timestamptz"};

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

bool usable_history(std::string_view role, std::string_view status, std::string_view content) {
  if (content.empty()) return false;
  if (role == "user") return true;
  return role == "assistant" && (status == "complete" || status == "stopped");
}

// BEGIN; lock; busy check. On success the lease holds an open transaction.
asio::awaitable<Result<std::pair<bool, bool>>> lock_for_turn(Lease& lease, const UserId& user,
                                                             const ConversationId& conversation) {
  if (auto begun = co_await lease.execute("BEGIN"); !begun) co_return begun.error();
  Params lock_params{user.value, conversation.value};
  auto locked = co_await lease.prepared(kLockConversation, std::move(lock_params));
  if (!locked) co_return locked.error();
  if (locked->empty()) co_return Error(errc::chat::not_found);
  const bool default_title = locked->boolean(0, 0);
  const bool first_answer = locked->boolean(0, 1);
  Params busy_params{user.value, conversation.value,
                     static_cast<std::int64_t>(kStreamLease.count())};
  auto busy = co_await lease.prepared(kBusy, std::move(busy_params));
  if (!busy) co_return busy.error();
  if (!busy->empty()) co_return Error(errc::chat::conflict);
  co_return std::pair{default_title, first_answer};
}

// Runs `body` inside the lease's transaction; commits on success, rolls back
// (or discards the connection) otherwise.
asio::awaitable<Result<TurnStart>> finish_transaction(Lease& lease, Result<TurnStart> outcome) {
  if (outcome) {
    if (auto committed = co_await lease.execute("COMMIT"); !committed) co_return committed.error();
    co_return outcome;
  }
  if (auto rolled_back = co_await lease.execute("ROLLBACK"); !rolled_back) lease.mark_broken();
  co_return outcome;
}

asio::awaitable<Result<TurnStart>> turn_body(Lease& lease, const UserId& user,
                                             const ConversationId& conversation,
                                             std::string_view content, std::string_view owner) {
  auto locked = co_await lock_for_turn(lease, user, conversation);
  if (!locked) co_return locked.error();
  TurnStart t;
  t.default_title = locked->first;
  t.first_answer = locked->second;
  t.user_content = std::string(content);
  Params history_params{user.value, conversation.value};
  auto history = co_await lease.prepared(kHistory, std::move(history_params));
  if (!history) co_return history.error();
  for (int r = 0; r < history->rows(); ++r) {
    if (!usable_history(history->text(r, 1), history->text(r, 3), history->text(r, 2))) continue;
    t.history.push_back({std::string(history->text(r, 1)), std::string(history->text(r, 2))});
  }
  Params insert_params{user.value, conversation.value, content, owner};
  auto inserted = co_await lease.prepared(kInsertTurn, std::move(insert_params));
  if (!inserted) co_return inserted.error();
  if (inserted->rows() != 1) co_return Error(errc::db::query, "turn insert returned no row");
  t.user_message_id = MessageId{std::string(inserted->text(0, 0))};
  t.assistant_message_id = MessageId{std::string(inserted->text(0, 1))};
  t.assistant_created_at = std::string(inserted->text(0, 2));
  co_return t;
}

asio::awaitable<Result<TurnStart>> regenerate_body(Lease& lease, const UserId& user,
                                                   const ConversationId& conversation,
                                                   std::string_view owner) {
  auto locked = co_await lock_for_turn(lease, user, conversation);
  if (!locked) co_return locked.error();
  Params history_params{user.value, conversation.value};
  auto rows = co_await lease.prepared(kHistory, std::move(history_params));
  if (!rows) co_return rows.error();
  int last_user = -1;
  for (int r = 0; r < rows->rows(); ++r) {
    if (rows->text(r, 1) == "user") last_user = r;
  }
  if (last_user < 0) co_return Error(errc::chat::nothing_to_regenerate);
  TurnStart t;
  t.default_title = locked->first;
  t.user_message_id = MessageId{std::string(rows->text(last_user, 0))};
  t.user_content = std::string(rows->text(last_user, 2));
  for (int r = 0; r < last_user; ++r) {
    if (!usable_history(rows->text(r, 1), rows->text(r, 3), rows->text(r, 2))) continue;
    t.history.push_back({std::string(rows->text(r, 1)), std::string(rows->text(r, 2))});
  }
  bool earlier_answer = false;
  for (int r = 0; r < last_user; ++r) earlier_answer |= rows->text(r, 1) == "assistant";
  t.first_answer = !earlier_answer;
  const std::string user_created_at(rows->text(last_user, 4));
  Params delete_params{user.value, conversation.value, user_created_at};
  if (auto deleted = co_await lease.prepared(kDeleteAnswersAfter, std::move(delete_params));
      !deleted) {
    co_return deleted.error();
  }
  Params insert_params{user.value, conversation.value, owner, user_created_at};
  auto inserted = co_await lease.prepared(kInsertAnswer, std::move(insert_params));
  if (!inserted) co_return inserted.error();
  if (inserted->rows() != 1) co_return Error(errc::db::query, "answer insert returned no row");
  t.assistant_message_id = MessageId{std::string(inserted->text(0, 0))};
  t.assistant_created_at = std::string(inserted->text(0, 1));
  co_return t;
}

}  // namespace

asio::awaitable<Result<TurnStart>> begin_turn(Pool& pool, const UserId& user,
                                              const ConversationId& conversation,
                                              std::string_view content, std::string_view owner) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  auto outcome = co_await turn_body(*lease, user, conversation, content, owner);
  co_return co_await finish_transaction(*lease, std::move(outcome));
}

asio::awaitable<Result<TurnStart>> begin_regenerate(Pool& pool, const UserId& user,
                                                    const ConversationId& conversation,
                                                    std::string_view owner) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  auto outcome = co_await regenerate_body(*lease, user, conversation, owner);
  co_return co_await finish_transaction(*lease, std::move(outcome));
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
  auto rows = co_await pool.prepared(kFinish, std::move(params));
  if (!rows) co_return rows.error();
  co_return rows->affected() == 1;
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
