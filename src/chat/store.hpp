#pragma once
// What ChatService needs from persistence, as one port: PostgreSQL in
// production (chat/pg_store.hpp over the db repositories), memory in unit
// tests (tests/chat/fake_chat_store.hpp). Every call is scoped by the user
// where a user is given. Stores offer steps; the rules between them are
// chat's (chat/turn.hpp).
//
// Errors: db.* from the PostgreSQL store (db/pool.hpp).
// Strand affinity: the io_context thread.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/proto.hpp"
#include "chat/status.hpp"
#include "chat/turn.hpp"
#include "core/result.hpp"
#include "db/conversations_repo.hpp"
#include "db/ids.hpp"
#include "db/messages_repo.hpp"

namespace parley::chat {

// The rows a turn wrote.
struct TurnIds {
  db::MessageId user_message_id;  // new, or the regenerated one
  db::MessageId assistant_message_id;
  std::string assistant_created_at;  // exact timestamptz text
};

// A turn in progress: the conversation stays locked until commit() or
// rollback(). Destroyed without either, the work is rolled back.
class TurnTransaction {
 public:
  virtual ~TurnTransaction() = default;
  // A new message: inserts it and the assistant row ('streaming', owned by
  // `owner`) after it. Regenerate: deletes the assistant messages after the
  // regenerated one and inserts the new assistant row. Either way the
  // conversation's updated_at moves.
  virtual boost::asio::awaitable<Result<TurnIds>> write(const TurnPlan& plan,
                                                        std::string_view owner) = 0;
  virtual boost::asio::awaitable<Status> commit() = 0;
  virtual boost::asio::awaitable<void> rollback() = 0;
};

struct OpenTurn {
  ConversationSnapshot conversation;
  std::unique_ptr<TurnTransaction> transaction;
};

class ChatStore {
 public:
  virtual ~ChatStore() = default;

  // ---- Conversations (db/conversations_repo.hpp).
  virtual boost::asio::awaitable<Result<db::ConversationList>> list_conversations(
      const db::UserId& user, const std::optional<db::PageKey>& after, int limit) = 0;
  // `model` is stored as given (the service checked it).
  virtual boost::asio::awaitable<Result<db::Conversation>> create_conversation(
      const db::UserId& user, std::string_view title, const std::optional<std::string>& model) = 0;
  virtual boost::asio::awaitable<Result<std::optional<db::Conversation>>> find_conversation(
      const db::UserId& user, const db::ConversationId& id) = 0;
  virtual boost::asio::awaitable<Result<std::vector<db::MessageRecord>>> list_messages(
      const db::UserId& user, const db::ConversationId& id) = 0;
  virtual boost::asio::awaitable<Result<std::optional<db::Conversation>>> update_conversation(
      const db::UserId& user, const db::ConversationId& id,
      const db::ConversationChanges& changes) = 0;
  // Only while the title is still the default one; true when it changed.
  virtual boost::asio::awaitable<Result<bool>> set_generated_title(const db::UserId& user,
                                                                   const db::ConversationId& id,
                                                                   std::string_view title) = 0;
  // With its messages and the audit event; false when not the user's.
  virtual boost::asio::awaitable<Result<bool>> delete_conversation(
      const db::UserId& user, const db::ConversationId& id, const db::DeleteContext& context) = 0;

  // ---- A turn. Locks the conversation and reads it; nullopt when it is not
  // the user's (nothing left open).
  virtual boost::asio::awaitable<Result<std::optional<OpenTurn>>> open_turn(
      const db::UserId& user, const db::ConversationId& id) = 0;

  // ---- An answer's row while it streams. progress/renew return true when
  // a stop was requested meanwhile or the row is gone; finish_answer false
  // when the row is gone.
  virtual boost::asio::awaitable<Result<bool>> save_progress(const db::AnswerRow& row,
                                                             std::string_view content) = 0;
  virtual boost::asio::awaitable<Result<bool>> renew_lease(const db::AnswerRow& row) = 0;
  virtual boost::asio::awaitable<Result<bool>> finish_answer(const db::AnswerRow& row,
                                                             const FinalAnswer& answer) = 0;

  // ---- Stop across replicas: marks the conversation's streaming answers
  // and announces them to every process (the ids, also returned).
  virtual boost::asio::awaitable<Result<std::vector<db::MessageId>>> request_stop(
      const db::UserId& user, const db::ConversationId& id) = 0;
  // Calls on_stop(assistant message id) for every stop announced by any
  // process, from now until stop_listening().
  virtual void listen_for_stops(std::function<void(std::string_view)> on_stop) = 0;
  virtual void stop_listening() = 0;

  // ---- Maintenance (all users): 'streaming' answers whose lease expired
  // become 'failed' (interrupted). Returns how many.
  virtual boost::asio::awaitable<Result<std::int64_t>> sweep_interrupted(
      std::chrono::seconds lease) = 0;
};

}  // namespace parley::chat
