#pragma once
// Conversations and answers for the HTTP handlers. Every call takes the
// session's db::UserId: another user's conversation is "not found".
//
// Error codes: chat.bad_cursor (a cursor we did not issue),
// chat.not_found, chat.conflict (an answer is streaming in that
// conversation), chat.nothing_to_regenerate, and db.* (see db/pool.hpp).
//
// Stop across replicas: stop() marks the conversation's streaming answer in
// PostgreSQL and NOTIFYs parley_chat_stop; every process LISTENs and the
// one streaming that answer cancels it (see db/migrations/003_chat.sql).
//
// Strand affinity: the io_context given to the constructor (one thread).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/answer.hpp"
#include "db/conversations_repo.hpp"
#include "db/ids.hpp"
#include "db/listener.hpp"
#include "db/messages_repo.hpp"
#include "http/message.hpp"
#include "llm/chat_model.hpp"

namespace boost::asio {
class io_context;
}
namespace parley::db {
class Pool;
}
namespace parley::metrics {
class Counter;
class Registry;
}

namespace parley::chat {

struct ChatOptions {
  std::string system_prompt;              // PARLEY_SYSTEM_PROMPT
  std::size_t history_max_chars = 24000;  // PARLEY_HISTORY_MAX_CHARS
  std::string instance_id;                // stored as messages.owner
  std::optional<int> max_output_tokens;   // PARLEY_MAX_OUTPUT_TOKENS, sent as max_tokens
  // Run inside a new turn's transaction before anything is stored (the
  // quotas, admin/quota_gate.hpp); empty: every turn is admitted.
  db::TurnAdmission admit_turn;
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
  db::TurnStart start;
  std::string traceparent;
};

// The messages sent upstream for a turn (llm::bound_history over the
// history, the system prompt first, the user's message last).
llm::ModelRequest model_request(const ChatOptions& options, const db::TurnStart& start);

class ChatService {
 public:
  // With a registry, answer outcomes, token usage and time to first token
  // are exported (parley_chat_*, parley_llm_tokens_total).
  ChatService(boost::asio::io_context& io, db::Pool& pool, llm::ChatModel& model,
              ChatOptions options, metrics::Registry* registry = nullptr);
  ~ChatService();
  ChatService(const ChatService&) = delete;
  ChatService& operator=(const ChatService&) = delete;

  boost::asio::awaitable<Result<ConversationPage>> list(db::UserId user,
                                                        std::optional<std::string> cursor,
                                                        int limit);
  boost::asio::awaitable<Result<db::Conversation>> create(db::UserId user,
                                                          std::optional<std::string> title);
  boost::asio::awaitable<Result<std::optional<ConversationDetail>>> get(db::UserId user,
                                                                        db::ConversationId id);
  // Whether the conversation is the user's (without its messages).
  boost::asio::awaitable<Result<bool>> exists(db::UserId user, db::ConversationId id);
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> rename(db::UserId user,
                                                                         db::ConversationId id,
                                                                         std::string title);
  boost::asio::awaitable<Result<bool>> remove(db::UserId user, db::ConversationId id,
                                              db::DeleteContext context);

  // Commits the turn before anything is streamed.
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
  boost::asio::awaitable<void> sweep_loop();
  boost::asio::awaitable<void> sweep_once();

  boost::asio::io_context& io_;
  db::Pool& pool_;
  llm::ChatModel& model_;
  ChatOptions options_;
  std::map<std::string, std::shared_ptr<StopToken>, std::less<>>
      active_;  // by assistant message id
  std::unique_ptr<db::Listener> listener_;
  boost::asio::steady_timer sweep_timer_;
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
