#pragma once
// Messages of a conversation (table partitioned by month on created_at).
// Every statement is scoped by (user_id, conversation_id); rows of a turn
// are addressed with their created_at too, so updates touch one partition.
// A turn is a transaction made of the steps below, run by the caller on a
// leased connection; what the steps mean (conflicts, history, regenerate)
// is chat's (chat/turn.hpp), not decided here.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {

class Lease;
class Pool;

// At most this many of a conversation's newest messages are read per turn:
// the history sent upstream is bounded by characters anyway
// (PARLEY_HISTORY_MAX_CHARS), and a very long conversation must not be
// loaded whole into memory. Chat's rules look at the newest messages only
// (a streaming answer, the last user message, whether any answer exists).
inline constexpr int kTurnMessagesMax = 200;

inline constexpr std::string_view kStopChannel = "parley_chat_stop";

struct MessageRecord {
  MessageId id;
  std::string role;  // user | assistant | system
  std::string content;
  std::string status;  // streaming | complete | stopped | failed | filtered
  std::optional<std::string> model;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::string> finish_reason;
  std::optional<std::string> error_code;
  std::string created_at;  // ISO-8601 UTC, milliseconds
};

// A message as a turn reads it, with how long ago its row was last written
// by the database's clock (the lease of a 'streaming' answer).
struct TurnRow {
  MessageId id;
  std::string role;
  std::string status;
  std::string content;
  std::string created_at;  // exact timestamptz text (partition key)
  std::int64_t idle_ms = 0;
};

// A row a turn inserted.
struct InsertedMessage {
  MessageId id;
  std::string created_at;  // exact timestamptz text (partition key)
};

struct InsertedTurn {
  InsertedMessage user_message;
  InsertedMessage assistant_message;
};

// Addresses one assistant row.
struct AnswerRow {
  UserId user;
  ConversationId conversation;
  MessageId message;
  std::string created_at;  // exact timestamptz text
};

struct FinalAnswer {
  std::string content;
  std::string status;  // complete | stopped | failed | filtered
  std::optional<std::string> model;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::string> finish_reason;
  std::optional<std::string> error_code;
};

// ---- Steps of a turn, in a transaction on `lease`.

// A conversation as its turn locked it.
struct LockedConversation {
  std::string title;
  std::optional<std::string> model;  // nullopt: the default model
};

struct TurnStart {
  LockedConversation conversation;
  std::vector<TurnRow> rows;  // the newest kTurnMessagesMax messages, oldest first
};

// Begins the turn's transaction in one round trip (db/batch.hpp): BEGIN,
// the conversation row locked (FOR UPDATE) until the transaction ends,
// then, with a snapshot taken after the lock, its newest messages. nullopt
// when the conversation is not the user's. The transaction stays open
// either way: the caller commits or rolls back (or the lease closes).
boost::asio::awaitable<Result<std::optional<TurnStart>>> begin_turn(
    Lease& lease, const UserId& user, const ConversationId& conversation);

// Inserts the user's message ('complete') and, after it, the assistant row
// ('streaming', owned by `owner`), and moves the conversation's updated_at.
boost::asio::awaitable<Result<InsertedTurn>> insert_turn(Lease& lease, const UserId& user,
                                                         const ConversationId& conversation,
                                                         std::string_view content,
                                                         std::string_view owner);

// Deletes the assistant messages created after `created_at`.
boost::asio::awaitable<Status> delete_answers_after(Lease& lease, const UserId& user,
                                                    const ConversationId& conversation,
                                                    std::string_view created_at);

// Inserts an assistant row ('streaming', owned by `owner`) sorting after
// `after_created_at`, and moves the conversation's updated_at.
boost::asio::awaitable<Result<InsertedMessage>> insert_answer(Lease& lease, const UserId& user,
                                                              const ConversationId& conversation,
                                                              std::string_view owner,
                                                              std::string_view after_created_at);

// ---- Single statements on the pool.

// Oldest first.
boost::asio::awaitable<Result<std::vector<MessageRecord>>> list_messages(
    Pool& pool, const UserId& user, const ConversationId& conversation);

// Writes the text so far and renews the lease. Returns true when the row
// asks to stop (stop_requested) or is no longer streaming / gone.
boost::asio::awaitable<Result<bool>> save_progress(Pool& pool, const AnswerRow& row,
                                                   std::string_view content);

// Renews the lease only (the upstream is silent). Same return as save_progress.
boost::asio::awaitable<Result<bool>> renew_lease(Pool& pool, const AnswerRow& row);

// Final state; clears the owner. Returns false when the row is gone.
boost::asio::awaitable<Result<bool>> finish_answer(Pool& pool, const AnswerRow& row,
                                                   const FinalAnswer& answer);

// Marks the conversation's streaming rows stop_requested and NOTIFYs
// kStopChannel with each row id. Returns the ids.
boost::asio::awaitable<Result<std::vector<MessageId>>> request_stop(
    Pool& pool, const UserId& user, const ConversationId& conversation);

// Rows still 'streaming' after their lease expired become 'failed'
// ('interrupted'). Maintenance path (all users). Returns how many.
boost::asio::awaitable<Result<std::int64_t>> sweep_interrupted(Pool& pool,
                                                               std::chrono::seconds lease);

}  // namespace parley::db
