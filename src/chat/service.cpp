#include "chat/service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include "chat/errors.hpp"
#include "db/rows.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace parley::chat {

namespace asio = boost::asio;

namespace {

// Persists one answer through the store. Storage only: the engine
// (stream_answer) decides what to write and when.
class StoreAnswerSink final : public AnswerSink {
 public:
  StoreAnswerSink(ChatStore& store, db::AnswerRow row) : store_(store), row_(std::move(row)) {}

  asio::awaitable<Result<bool>> progress(std::string text) override {
    co_return co_await store_.save_progress(row_, text);
  }
  asio::awaitable<Result<bool>> renew() override { co_return co_await store_.renew_lease(row_); }
  asio::awaitable<Status> finish(FinalAnswer answer) override {
    auto r = co_await store_.finish_answer(row_, answer);
    if (!r) co_return r.error();
    co_return Status{};
  }
  asio::awaitable<Result<bool>> set_title(std::string title) override {
    co_return co_await store_.set_generated_title(row_.user, row_.conversation, title);
  }

 private:
  ChatStore& store_;
  db::AnswerRow row_;
};

}  // namespace

ChatService::ChatService(asio::io_context& io, ChatStore& store, llm::ChatModel& model,
                         Timers& timers, ChatOptions options, metrics::Registry* registry)
    : io_(io),
      store_(store),
      model_(model),
      timers_(timers),
      options_(std::move(options)),
      shutdown_(std::make_shared<StopToken>(io.get_executor())) {
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
  metrics::Counter* by_status = metrics_.failed;
  switch (outcome.status) {
    case AnswerStatus::complete:
      by_status = metrics_.complete;
      break;
    case AnswerStatus::stopped:
      by_status = metrics_.stopped;
      break;
    case AnswerStatus::filtered:
      by_status = metrics_.filtered;
      break;
    case AnswerStatus::failed:
    case AnswerStatus::streaming:
      break;
  }
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
  auto rows = co_await store_.list_conversations(user, after, limit + 1);
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
                                                              ConversationFields fields) {
  if (fields.model && find_model(options_.models, *fields.model) == nullptr) {
    co_return make_error(errc::chat::model_not_found);
  }
  const std::string t = fields.title.value_or(std::string(kDefaultTitle));
  co_return co_await store_.create_conversation(user, t, fields.model);
}

asio::awaitable<Result<std::optional<ConversationDetail>>> ChatService::get(db::UserId user,
                                                                            db::ConversationId id) {
  auto c = co_await store_.find_conversation(user, id);
  if (!c) co_return c.error();
  if (!*c) co_return std::optional<ConversationDetail>();
  auto messages = co_await store_.list_messages(user, id);
  if (!messages) co_return messages.error();
  co_return std::optional<ConversationDetail>(
      ConversationDetail{std::move(**c), std::move(*messages)});
}

asio::awaitable<Result<bool>> ChatService::exists(db::UserId user, db::ConversationId id) {
  auto c = co_await store_.find_conversation(user, id);
  if (!c) co_return c.error();
  co_return c->has_value();
}

asio::awaitable<Result<std::optional<db::Conversation>>> ChatService::update(
    db::UserId user, db::ConversationId id, ConversationFields fields) {
  if (fields.model && find_model(options_.models, *fields.model) == nullptr) {
    co_return make_error(errc::chat::model_not_found);
  }
  db::ConversationChanges changes{std::move(fields.title), fields.has_model,
                                  std::move(fields.model)};
  co_return co_await store_.update_conversation(user, id, changes);
}

asio::awaitable<Result<bool>> ChatService::remove(db::UserId user, db::ConversationId id,
                                                  db::DeleteContext context) {
  // An answer still streaming in it stops (its row is gone with the rest).
  if (auto stopped = co_await stop(user, id); !stopped) co_return stopped.error();
  co_return co_await store_.delete_conversation(user, id, context);
}

asio::awaitable<Result<PreparedTurn>> ChatService::begin_message(db::UserId user,
                                                                 db::ConversationId id,
                                                                 std::string content) {
  co_return co_await begin_turn(std::move(user), std::move(id), std::move(content));
}

asio::awaitable<Result<PreparedTurn>> ChatService::begin_regenerate(db::UserId user,
                                                                    db::ConversationId id) {
  co_return co_await begin_turn(std::move(user), std::move(id), std::nullopt);
}

// One transaction: lock and read the conversation, apply chat's rules
// (chat/turn.hpp), write the turn, commit. Anything refused rolls back.
asio::awaitable<Result<PreparedTurn>> ChatService::begin_turn(db::UserId user,
                                                              db::ConversationId id,
                                                              std::optional<std::string> content) {
  auto opened = co_await store_.open_turn(user, id);
  if (!opened) co_return opened.error();
  if (!*opened) co_return make_error(errc::chat::not_found);
  OpenTurn& turn = **opened;
  auto plan = content ? plan_message(turn.conversation, std::move(*content))
                      : plan_regenerate(turn.conversation);
  if (!plan) {
    co_await turn.transaction->rollback();
    co_return plan.error();
  }
  auto ids = co_await turn.transaction->write(*plan, options_.instance_id);
  if (!ids) {
    co_await turn.transaction->rollback();
    co_return ids.error();
  }
  if (auto committed = co_await turn.transaction->commit(); !committed) {
    co_return committed.error();
  }
  PreparedTurn prepared{std::move(user),
                        std::move(id),
                        std::move(*plan),
                        std::move(*ids),
                        answering_model(options_.models, turn.conversation.model),
                        {}};
  co_return prepared;
}

asio::awaitable<void> ChatService::stream(PreparedTurn turn, http::ResponseStream& out) {
  const std::string key = turn.ids.assistant_message_id.value;
  auto stop = std::make_shared<StopToken>(io_.get_executor());
  active_[key] = stop;
  struct Unregister {
    std::map<std::string, std::shared_ptr<StopToken>, std::less<>>& map;
    const std::string& key;
    ~Unregister() { map.erase(key); }
  } unregister{active_, key};

  llm::ModelRequest request;
  request.messages = turn_messages(turn.plan, options_.system_prompt, options_.history_max_chars);
  request.traceparent = turn.traceparent;
  request.max_tokens = options_.max_output_tokens;
  request.deployment = turn.model.deployment;
  db::AnswerRow row{turn.user, turn.conversation, turn.ids.assistant_message_id,
                    turn.ids.assistant_created_at};
  auto sink = std::make_shared<StoreAnswerSink>(store_, std::move(row));
  AnswerOptions answer;
  answer.ids = AnswerIds{turn.ids.user_message_id.value, key};
  if (turn.plan.names_conversation) answer.title_from = turn.plan.user_content;
  answer.timing = options_.timing;
  const auto started = timers_.now();
  auto outcome = co_await stream_answer(model_, timers_, std::move(request), out, sink, stop,
                                        std::move(answer));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(timers_.now() - started).count();
  log::info("chat.answer")
      .str("message_id", key)
      .str("status", to_string(outcome.status))
      .str("error_code", outcome.error_code.value_or(""))
      .num("bytes", static_cast<std::int64_t>(outcome.text_bytes))
      .num("duration_ms", ms)
      .str("client_gone", outcome.client_gone ? "true" : "false");
  record(outcome);
}

asio::awaitable<Status> ChatService::stop(db::UserId user, db::ConversationId id) {
  auto ids = co_await store_.request_stop(user, id);
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
  store_.listen_for_stops([this](std::string_view payload) { on_stop_notification(payload); });
  asio::co_spawn(io_, sweep_loop(), asio::detached);
}

void ChatService::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  shutdown_->trigger();
  store_.stop_listening();
}

asio::awaitable<void> ChatService::sweep_once() {
  auto swept = co_await store_.sweep_interrupted(kStreamLease);
  if (!swept) {
    log::warn("chat.sweep_failed").str("code", swept.error().code);
  } else if (*swept > 0) {
    log::info("chat.swept_interrupted").num("answers", *swept);
  }
}

asio::awaitable<void> ChatService::sweep_loop() {
  using namespace asio::experimental::awaitable_operators;
  // Holds the token: the loop may outlive a ChatService destroyed with a
  // stopped io_context.
  const std::shared_ptr<StopToken> shutdown = shutdown_;
  while (!shutdown->triggered()) {
    co_await (timers_.sleep_for(options_.sweep_interval) || shutdown->wait());
    if (shutdown->triggered()) co_return;
    co_await sweep_once();
  }
}

}  // namespace parley::chat
