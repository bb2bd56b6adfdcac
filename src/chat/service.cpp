#include "chat/service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "db/pool.hpp"
#include "db/rows.hpp"
#include "llm/request.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "chat/errors.hpp"

namespace parley::chat {

namespace asio = boost::asio;

namespace {

// Persists one answer in PostgreSQL and names the conversation after its
// first answer.
class PgAnswerSink final : public AnswerSink {
 public:
  PgAnswerSink(db::Pool& pool, llm::ChatModel& model, db::AnswerRow row, bool wants_title,
               std::string user_content)
      : pool_(pool),
        model_(model),
        row_(std::move(row)),
        wants_title_(wants_title),
        user_content_(std::move(user_content)) {}

  asio::awaitable<Result<bool>> progress(std::string text) override {
    co_return co_await db::save_progress(pool_, row_, text);
  }
  asio::awaitable<Result<bool>> renew() override {
    co_return co_await db::renew_lease(pool_, row_);
  }
  asio::awaitable<Status> finish(db::FinalAnswer answer) override {
    auto r = co_await db::finish_answer(pool_, row_, answer);
    if (!r) co_return r.error();
    co_return Status{};
  }
  asio::awaitable<std::optional<std::string>> title(const AnswerState& answer) override {
    if (!wants_title_) co_return std::nullopt;
    llm::ModelRequest request;
    request.messages = title_prompt(user_content_, answer.text);
    request.max_tokens = 24;
    auto generated = co_await model_.complete(std::move(request));
    std::optional<std::string> title;
    if (generated) {
      title = clean_generated_title(*generated);
    } else {
      log::info("chat.title_fallback").str("code", generated.error().code);
    }
    if (!title) title = fallback_title(user_content_);
    auto set = co_await db::set_generated_title(pool_, row_.user, row_.conversation, *title);
    if (!set || !*set) co_return std::nullopt;  // renamed meanwhile, or the write failed
    co_return title;
  }

 private:
  db::Pool& pool_;
  llm::ChatModel& model_;
  db::AnswerRow row_;
  bool wants_title_;
  std::string user_content_;
};

Result<PreparedTurn> prepared(Result<db::TurnStart> start, db::UserId user, db::ConversationId id) {
  if (!start) return start.error();
  PreparedTurn t;
  t.user = std::move(user);
  t.conversation = std::move(id);
  t.start = std::move(*start);
  return t;
}

}  // namespace

llm::ModelRequest model_request(const ChatOptions& options, const db::TurnStart& start) {
  std::vector<llm::ChatMessage> history;
  history.reserve(start.history.size());
  for (const auto& h : start.history) history.push_back({h.role, h.content});
  llm::ModelRequest r;
  r.messages = llm::bound_history(options.system_prompt, history, start.user_content,
                                  options.history_max_chars);
  return r;
}

ChatService::ChatService(asio::io_context& io, db::Pool& pool, llm::ChatModel& model,
                         ChatOptions options, metrics::Registry* registry)
    : io_(io), pool_(pool), model_(model), options_(std::move(options)), sweep_timer_(io) {
  if (registry == nullptr) return;
  constexpr std::string_view kAnswers = "parley_chat_answers_total";
  constexpr std::string_view kAnswersHelp = "Answers finished, by stored status";
  metrics_.complete = &registry->counter(kAnswers, kAnswersHelp, R"(status="complete")");
  metrics_.stopped = &registry->counter(kAnswers, kAnswersHelp, R"(status="stopped")");
  metrics_.failed = &registry->counter(kAnswers, kAnswersHelp, R"(status="failed")");
  metrics_.filtered = &registry->counter(kAnswers, kAnswersHelp, R"(status="filtered")");
  constexpr std::string_view kTokens = "parley_llm_tokens_total";
  constexpr std::string_view kTokensHelp = "Tokens reported by the model for answers";
  metrics_.prompt_tokens = &registry->counter(kTokens, kTokensHelp, R"(kind="prompt")");
  metrics_.completion_tokens = &registry->counter(kTokens, kTokensHelp, R"(kind="completion")");
  // Read on the io_context thread that writes them (the /metrics handler).
  registry->counter_fn("parley_chat_first_token_seconds_sum",
                       "Time from the start of an answer to its first text, summed",
                       [this] { return metrics_.first_token_seconds_sum; });
  registry->counter_fn("parley_chat_first_token_seconds_count", "Answers that produced text",
                       [this] { return static_cast<double>(metrics_.first_token_count); });
}

void ChatService::record(const AnswerOutcome& outcome) {
  if (metrics_.complete == nullptr) return;
  metrics::Counter* by_status = outcome.status == "complete"   ? metrics_.complete
                                : outcome.status == "stopped"  ? metrics_.stopped
                                : outcome.status == "filtered" ? metrics_.filtered
                                                               : metrics_.failed;
  by_status->inc();
  metrics_.prompt_tokens->inc(
      static_cast<std::uint64_t>(std::max<std::int64_t>(outcome.prompt_tokens, 0)));
  metrics_.completion_tokens->inc(
      static_cast<std::uint64_t>(std::max<std::int64_t>(outcome.completion_tokens, 0)));
  if (outcome.first_token) {
    metrics_.first_token_seconds_sum += std::chrono::duration<double>(*outcome.first_token).count();
    ++metrics_.first_token_count;
  }
}

ChatService::~ChatService() { shutdown(); }

asio::awaitable<Result<ConversationPage>> ChatService::list(db::UserId user,
                                                            std::optional<std::string> cursor,
                                                            int limit) {
  std::optional<db::PageKey> after;
  if (cursor) {
    auto key = decode_cursor(*cursor);
    // The shape check lets through times that do not exist ("2026-02-30"),
    // which would fail the statement: cursors we never issued either way.
    if (!key || !db::iso8601_utc_millis(key->updated_at)) co_return Error(errc::chat::bad_cursor);
    after = db::PageKey{std::move(key->updated_at), db::ConversationId{std::move(key->id)}};
  }
  // One extra row tells whether another page exists.
  auto rows = co_await db::list_conversations(pool_, user, after, limit + 1);
  if (!rows) co_return rows.error();
  ConversationPage page;
  page.items = std::move(*rows);
  const auto kept = static_cast<std::size_t>(limit);
  if (page.items.size() > kept) {
    page.items.truncate(kept);
    db::PageKey last = page.items.key(kept - 1);
    page.next_cursor =
        encode_cursor(CursorKey{std::move(last.updated_at), std::move(last.id.value)});
  }
  co_return page;
}

asio::awaitable<Result<db::Conversation>> ChatService::create(db::UserId user,
                                                              std::optional<std::string> title) {
  const std::string t = title.value_or(std::string(db::kDefaultConversationTitle));
  co_return co_await db::create_conversation(pool_, user, t);
}

asio::awaitable<Result<std::optional<ConversationDetail>>> ChatService::get(db::UserId user,
                                                                            db::ConversationId id) {
  auto c = co_await db::find_conversation(pool_, user, id);
  if (!c) co_return c.error();
  if (!*c) co_return std::optional<ConversationDetail>();
  auto messages = co_await db::list_messages(pool_, user, id);
  if (!messages) co_return messages.error();
  co_return std::optional<ConversationDetail>(
      ConversationDetail{std::move(**c), std::move(*messages)});
}

asio::awaitable<Result<bool>> ChatService::exists(db::UserId user, db::ConversationId id) {
  auto c = co_await db::find_conversation(pool_, user, id);
  if (!c) co_return c.error();
  co_return c->has_value();
}

asio::awaitable<Result<std::optional<db::Conversation>>> ChatService::rename(db::UserId user,
                                                                             db::ConversationId id,
                                                                             std::string title) {
  co_return co_await db::rename_conversation(pool_, user, id, title);
}

asio::awaitable<Result<bool>> ChatService::remove(db::UserId user, db::ConversationId id,
                                                  db::DeleteContext context) {
  // An answer still streaming in it stops (its row is gone with the rest).
  if (auto stopped = co_await stop(user, id); !stopped) co_return stopped.error();
  co_return co_await db::delete_conversation(pool_, user, id, context);
}

asio::awaitable<Result<PreparedTurn>> ChatService::begin_message(db::UserId user,
                                                                 db::ConversationId id,
                                                                 std::string content) {
  auto start = co_await db::begin_turn(pool_, user, id, content, options_.instance_id);
  co_return prepared(std::move(start), std::move(user), std::move(id));
}

asio::awaitable<Result<PreparedTurn>> ChatService::begin_regenerate(db::UserId user,
                                                                    db::ConversationId id) {
  auto start = co_await db::begin_regenerate(pool_, user, id, options_.instance_id);
  co_return prepared(std::move(start), std::move(user), std::move(id));
}

asio::awaitable<void> ChatService::stream(PreparedTurn turn, http::ResponseStream& out) {
  const std::string key = turn.start.assistant_message_id.value;
  auto stop = std::make_shared<StopToken>(io_.get_executor());
  active_[key] = stop;
  struct Unregister {
    std::map<std::string, std::shared_ptr<StopToken>, std::less<>>& map;
    const std::string& key;
    ~Unregister() { map.erase(key); }
  } unregister{active_, key};

  llm::ModelRequest request = model_request(options_, turn.start);
  request.traceparent = turn.traceparent;
  db::AnswerRow row{turn.user, turn.conversation, turn.start.assistant_message_id,
                    turn.start.assistant_created_at};
  auto sink = std::make_shared<PgAnswerSink>(pool_, model_, std::move(row),
                                             turn.start.default_title && turn.start.first_answer,
                                             turn.start.user_content);
  AnswerIds ids{turn.start.user_message_id.value, key};
  const auto started = std::chrono::steady_clock::now();
  auto outcome =
      co_await stream_answer(model_, std::move(request), out, sink, stop, ids, options_.timing);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log::info("chat.answer")
      .str("message_id", key)
      .str("status", outcome.status)
      .str("error_code", outcome.error_code.value_or(""))
      .num("bytes", static_cast<std::int64_t>(outcome.text_bytes))
      .num("duration_ms", ms)
      .str("client_gone", outcome.client_gone ? "true" : "false");
  record(outcome);
}

asio::awaitable<Status> ChatService::stop(db::UserId user, db::ConversationId id) {
  auto ids = co_await db::request_stop(pool_, user, id);
  if (!ids) co_return ids.error();
  // This process may be the one streaming: no need to wait for the echo.
  for (const auto& m : *ids) on_stop_notification(m.value);
  co_return Status{};
}

void ChatService::on_stop_notification(std::string_view payload) {
  if (auto it = active_.find(payload); it != active_.end()) it->second->trigger();
}

asio::awaitable<void> ChatService::start() {
  co_await sweep_once();
  listener_ = std::make_unique<db::Listener>(
      io_, std::string(pool_.options().url),
      std::vector<std::string>{std::string(db::kStopChannel)},
      [this](std::string_view, std::string_view payload) { on_stop_notification(payload); },
      nullptr);
  listener_->start();
  asio::co_spawn(io_, sweep_loop(), asio::detached);
}

void ChatService::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  sweep_timer_.cancel();
  if (listener_) listener_->stop();
}

asio::awaitable<void> ChatService::sweep_once() {
  auto swept = co_await db::sweep_interrupted(pool_, db::kStreamLease);
  if (!swept) {
    log::warn("chat.sweep_failed").str("code", swept.error().code);
  } else if (*swept > 0) {
    log::info("chat.swept_interrupted").num("answers", *swept);
  }
}

asio::awaitable<void> ChatService::sweep_loop() {
  while (!stopped_) {
    sweep_timer_.expires_after(options_.sweep_interval);
    auto [ec] = co_await sweep_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopped_) co_return;
    co_await sweep_once();
  }
}

}  // namespace parley::chat
