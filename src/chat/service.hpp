#pragma once
// Conversations and answers for the HTTP handlers. Every call takes the
// session's db::UserId: another user's conversation is "not found".
//
// Error codes: chat.bad_cursor (a cursor we did not issue),
// chat.model_not_found (a model not in ChatOptions::models), chat.not_found, chat.conflict (an
// answer is streaming in that conversation), chat.nothing_to_regenerate, and db.* (see
// db/pool.hpp).
//
// Persistence comes through chat::ChatStore (PgChatStore in production),
// time through chat::Timers: the rules of a turn are chat/turn.hpp's, the
// store only runs the transaction steps.
//
// Stop across replicas: stop() marks the conversation's streaming answer in
// the store, which announces it to every process (PostgreSQL NOTIFY
// parley_chat_stop); the one streaming that answer cancels it.
//
// Strand affinity: the io_context given to the constructor (one thread).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chat/answer.hpp"
#include "chat/models.hpp"
#include "chat/store.hpp"
#include "chat/timers.hpp"
#include "chat/turn.hpp"
#include "db/conversations_repo.hpp"
#include "db/ids.hpp"
#include "db/messages_repo.hpp"
#include "http/message.hpp"
#include "llm/chat_model.hpp"

namespace boost::asio {
class io_context;
}
namespace parley::metrics {
class Counter;
class Registry;
}  // namespace parley::metrics

namespace parley::chat {

struct ChatOptions {
  std::string system_prompt;              // PARLEY_SYSTEM_PROMPT
  std::size_t history_max_chars = 24000;  // PARLEY_HISTORY_MAX_CHARS
  std::string instance_id;                // stored as messages.owner
  std::optional<int> max_output_tokens;   // PARLEY_MAX_OUTPUT_TOKENS, sent as max_tokens
  // PARLEY_MODELS in order, the first the default (chat/models.hpp). Empty
  // (tests): every answer goes to the client's own deployment.
  std::vector<ModelChoice> models;
  AnswerTiming timing;
  std::chrono::milliseconds sweep_interval{30000};
};

struct ConversationPage {
  db::ConversationList items;
  std::optional<std::string> next_cursor;  // nullopt on the last page
};

struct ConversationDetail {
  db::Conversation conversation;
  std::vector<db::MessageRecord> messages;  // oldest first
};

// A committed turn (user message + 'streaming' assistant row) to stream.
struct PreparedTurn {
  db::UserId user;
  db::ConversationId conversation;
  TurnPlan plan;
  TurnIds ids;
  ModelChoice model;  // where the answer goes (answering_model)
  std::string traceparent;
};

class ChatService {
 public:
  // With a registry, answer outcomes, token usage and time to first token
  // are exported (parley_chat_*, parley_llm_tokens_total).
  ChatService(boost::asio::io_context& io, ChatStore& store, llm::ChatModel& model, Timers& timers,
              ChatOptions options, metrics::Registry* registry = nullptr);
  ~ChatService();
  ChatService(const ChatService&) = delete;
  ChatService& operator=(const ChatService&) = delete;

  boost::asio::awaitable<Result<ConversationPage>> list(db::UserId user,
                                                        std::optional<std::string> cursor,
                                                        int limit);
  // Title and model when given (chat.model_not_found for a model not
  // configured).
  boost::asio::awaitable<Result<db::Conversation>> create(db::UserId user,
                                                          ConversationFields fields);
  boost::asio::awaitable<Result<std::optional<ConversationDetail>>> get(db::UserId user,
                                                                        db::ConversationId id);
  // Whether the conversation is the user's (without its messages).
  boost::asio::awaitable<Result<bool>> exists(db::UserId user, db::ConversationId id);
  // Sets what is given: the title, the model (null: back to the default;
  // chat.model_not_found for one not configured). nullopt: not the user's.
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> update(db::UserId user,
                                                                         db::ConversationId id,
                                                                         ConversationFields fields);
  // The models a conversation may choose, the default first.
  std::span<const ModelChoice> models() const { return options_.models; }
  boost::asio::awaitable<Result<bool>> remove(db::UserId user, db::ConversationId id,
                                              db::DeleteContext context);

  // Commits the turn before anything is streamed; a refused turn
  // (chat.conflict, chat.nothing_to_regenerate) or a failed write is rolled
  // back.
  boost::asio::awaitable<Result<PreparedTurn>> begin_message(db::UserId user, db::ConversationId id,
                                                             std::string content);
  boost::asio::awaitable<Result<PreparedTurn>> begin_regenerate(db::UserId user,
                                                                db::ConversationId id);
  // The body of the 200 text/event-stream response for a prepared turn.
  boost::asio::awaitable<void> stream(PreparedTurn turn, http::ResponseStream& out);

  // Asks whichever replica streams the conversation's answer to stop.
  boost::asio::awaitable<Status> stop(db::UserId user, db::ConversationId id);

  // After migrations: sweeps interrupted answers, starts the stop listener
  // and the periodic sweep.
  boost::asio::awaitable<void> start();
  void shutdown();

  // A parley_chat_stop payload (an assistant message id).
  void on_stop_notification(std::string_view payload);
  std::size_t active_answers() const { return active_.size(); }

 private:
  boost::asio::awaitable<Result<PreparedTurn>> begin_turn(db::UserId user, db::ConversationId id,
                                                          std::optional<std::string> content);
  boost::asio::awaitable<void> sweep_loop();
  boost::asio::awaitable<void> sweep_once();

  boost::asio::io_context& io_;
  ChatStore& store_;
  llm::ChatModel& model_;
  Timers& timers_;
  ChatOptions options_;
  std::map<std::string, std::shared_ptr<StopToken>, std::less<>>
      active_;                           // by assistant message id
  std::shared_ptr<StopToken> shutdown_;  // ends the sweep loop
  bool stopped_ = false;

  // Exported through the registry given to the constructor (if any).
  struct Metrics {
    metrics::Counter* complete = nullptr;
    metrics::Counter* stopped = nullptr;
    metrics::Counter* failed = nullptr;
    metrics::Counter* filtered = nullptr;
    metrics::Counter* prompt_tokens = nullptr;
    metrics::Counter* completion_tokens = nullptr;
    double first_token_seconds_sum = 0;
    std::uint64_t first_token_count = 0;
  };
  void record(const AnswerOutcome& outcome);
  Metrics metrics_;
};

}  // namespace parley::chat
