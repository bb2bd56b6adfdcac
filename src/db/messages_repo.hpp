#pragma once
// Messages of a conversation (table partitioned by month on created_at).
// Every statement is scoped by (user_id, conversation_id); rows of a turn
// are addressed with their created_at too, so updates touch one partition.
// Codes: those of db/pool.hpp, plus from begin_turn/begin_regenerate:
//   chat.not_found  the conversation is not the user's (or does not exist)
//   chat.conflict   an answer is already streaming in it (live lease)
//   chat.nothing_to_regenerate  regenerate without any user message

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
// loaded whole into memory.
inline constexpr int kTurnMessagesMax = 200;

// A 'streaming' row whose updated_at is older than this belongs to a dead
// process (live streams write theirs at least every 15 s).
inline constexpr std::chrono::seconds kStreamLease{120};
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

// (role, content) of a turn that may be sent upstream as history.
struct HistoryTurn {
  std::string role;
  std::string content;
};

// The committed start of an answer: the user message (new, or the existing
// last one for regenerate) and the assistant row in state 'streaming'.
struct TurnStart {
  MessageId user_message_id;
  MessageId assistant_message_id;
  std::string assistant_created_at;  // exact timestamptz text (partition key)
  std::string user_content;          // the message being answered
  std::vector<HistoryTurn> history;  // earlier complete/stopped turns, oldest first
  bool default_title = false;        // the conversation still has the default title
  bool first_answer = false;         // no other assistant message exists
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

// In one transaction: locks the conversation, refuses when an answer streams
// in it, reads the history, inserts the user message ('complete') and the
// assistant row ('streaming', owner) and moves the conversation's updated_at.
// `admit` (when set: the quotas) runs last, right before COMMIT, so that a
// lock it takes is held as briefly as possible; the new 'streaming' row is
// already in the count it reads. Its error rolls the whole turn back:
// nothing is stored.
using TurnAdmission =
    std::function<boost::asio::awaitable<Status>(Lease& tx, const UserId& user)>;
boost::asio::awaitable<Result<TurnStart>> begin_turn(Pool& pool, const UserId& user,
                                                     const ConversationId& conversation,
                                                     std::string_view content,
                                                     std::string_view owner,
                                                     const TurnAdmission& admit = {});

// Like begin_turn for the conversation's last user message: the assistant
// messages after it are deleted and a new 'streaming' row is inserted.
boost::asio::awaitable<Result<TurnStart>> begin_regenerate(Pool& pool, const UserId& user,
                                                           const ConversationId& conversation,
                                                           std::string_view owner,
                                                           const TurnAdmission& admit = {});

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
