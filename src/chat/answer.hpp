#pragma once
// Streams one assistant answer to an SSE response: opens the model, relays
// text deltas, persists progress, and ends with exactly one `done` or
// `error` frame (DESIGN.md "Conversations"). The `start` frame is written
// first, before the model is called, so every upstream problem is a stream
// event: llm.content_filter (prompt blocked) ends `done` status `filtered`,
// any other model error ends `error` (row `failed`, partial text kept).
//
// A complete answer that should name its conversation (AnswerOptions::
// title_from) asks the model for a title (falling back to the start of the
// user's message), stores it through the sink and sends `title` before
// `done`.
//
// Time (flush interval, lease renewals, retries of the final write, time
// to first token) is read from the injected chat::Timers.
//
// Cancellation: the client going away (ResponseStream::client_gone) or a
// stop request (StopToken, from POST /stop on any replica) cancels the
// upstream at once, even while it is silent, and the answer is stored
// `stopped` with its partial text.
//
// Strand affinity: the io_context thread; everything here is single-threaded.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "chat/proto.hpp"
#include "chat/status.hpp"
#include "chat/timers.hpp"
#include "http/message.hpp"
#include "llm/chat_model.hpp"

namespace parley::chat {

// A one-shot flag that can be awaited. trigger() wakes wait().
class StopToken {
 public:
  explicit StopToken(const boost::asio::any_io_executor& ex);
  void trigger();
  bool triggered() const { return triggered_; }
  // Completes when triggered, or early when the awaiting operation is
  // cancelled (awaitable operators); re-check triggered().
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  bool triggered_ = false;
};

// Where an answer is persisted (PostgreSQL in production, memory in tests).
// Storage only: the rules (when to write, what the title is) are the
// engine's.
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  // Stores the text so far and renews the lease; true when a stop was
  // requested meanwhile (or the row is gone).
  virtual boost::asio::awaitable<Result<bool>> progress(std::string text) = 0;
  // Renews the lease only; same result.
  virtual boost::asio::awaitable<Result<bool>> renew() = 0;
  virtual boost::asio::awaitable<Status> finish(FinalAnswer answer) = 0;
  // Names the conversation unless somebody renamed it meanwhile; true when
  // stored.
  virtual boost::asio::awaitable<Result<bool>> set_title(std::string title) = 0;
};

struct AnswerTiming {
  std::chrono::milliseconds flush_interval{500};
  std::size_t flush_bytes = 2048;
  std::chrono::milliseconds lease_interval{15000};
  // The final write waits out a busy or restarting database: this many
  // attempts, the delay doubling from finish_retry_delay.
  int finish_attempts = 5;
  std::chrono::milliseconds finish_retry_delay{250};
};

struct AnswerIds {
  std::string user_message_id;
  std::string assistant_message_id;
};

struct AnswerOptions {
  AnswerIds ids;
  // The user's message when a complete answer names the conversation.
  std::optional<std::string> title_from;
  AnswerTiming timing;
};

struct AnswerOutcome {
  AnswerStatus status = AnswerStatus::failed;  // complete | stopped | failed | filtered
  std::optional<std::string> error_code;       // the internal code (llm.*, db.*) when failed
  bool client_gone = false;
  std::size_t text_bytes = 0;
  // From the start of the answer to the first text written to the client.
  std::optional<Timers::duration> first_token;
  std::int64_t prompt_tokens = 0;  // 0 when the model did not report usage
  std::int64_t completion_tokens = 0;
};

boost::asio::awaitable<AnswerOutcome> stream_answer(
    llm::ChatModel& model, Timers& timers, llm::ModelRequest request, http::ResponseStream& out,
    std::shared_ptr<AnswerSink> sink, std::shared_ptr<StopToken> stop, AnswerOptions options);

}  // namespace parley::chat
