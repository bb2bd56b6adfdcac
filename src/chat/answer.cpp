#include "chat/answer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "llm/errors.hpp"
#include "observability/log.hpp"

namespace parley::chat {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

StopToken::StopToken(const asio::any_io_executor& ex)
    : timer_(ex, asio::steady_timer::time_point::max()) {}

void StopToken::trigger() {
  if (triggered_) return;
  triggered_ = true;
  timer_.cancel();
}

asio::awaitable<void> StopToken::wait() {
  if (!triggered_) (void)co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

namespace {

enum class Ending { none, ended, stopped, failed, filtered };

// State shared by the pump (reads the model) and the watch (waits for the
// client to leave or a stop). Lives in stream_answer's frame, which awaits
// both.
struct Turn {
  Turn(llm::ChatModel& m, Timers& tm, http::ResponseStream& o, std::shared_ptr<AnswerSink> s,
       std::shared_ptr<StopToken> st, AnswerTiming t)
      : model(m),
        timers(tm),
        out(o),
        sink(std::move(s)),
        stop(std::move(st)),
        timing(t),
        started(tm.now()) {}

  llm::ChatModel& model;
  Timers& timers;
  http::ResponseStream& out;
  std::shared_ptr<AnswerSink> sink;
  std::shared_ptr<StopToken> stop;
  AnswerTiming timing;

  std::unique_ptr<llm::ModelStream> stream;
  AnswerState state;
  Ending ending = Ending::none;
  std::optional<Error> error;
  bool client_gone = false;
  bool write_failed = false;  // the client really left (client_gone alone may be a shutdown)
  Timers::time_point started;
  std::optional<Timers::duration> first_token;

  bool should_stop() const { return stop->triggered() || out.client_gone(); }
  void note_gone() { client_gone = client_gone || out.client_gone(); }
};

// Renews the lease while the model is silent. Detached: it must not be
// cancelled half-way through a query by the awaitable operators.
asio::awaitable<void> renew_lease(std::shared_ptr<AnswerSink> sink,
                                  std::shared_ptr<StopToken> stop) {
  auto r = co_await sink->renew();
  if (r && *r) stop->trigger();
}

asio::awaitable<void> pump(Turn& t, llm::ModelRequest request) {
  if (t.should_stop()) {
    t.ending = Ending::stopped;
    co_return;
  }
  auto opened = co_await t.model.open(std::move(request));
  if (!opened) {
    if (t.should_stop()) {
      t.ending = Ending::stopped;
    } else if (opened.error().is(errc::llm::content_filter)) {
      t.ending = Ending::filtered;
      t.state.finish_reason = "content_filter";
      t.state.filtered = true;
    } else {
      t.ending = Ending::failed;
      t.error = opened.error();
    }
    co_return;
  }
  t.stream = std::move(*opened);
  if (t.should_stop()) {
    t.stream->cancel();
    t.ending = Ending::stopped;
    co_return;
  }
  auto last_flush = t.timers.now();
  std::size_t unsaved = 0;
  for (;;) {
    auto items = co_await t.stream->next();
    if (!items) {
      if (t.should_stop() || items.error().is(errc::llm::cancelled)) {
        t.ending = Ending::stopped;
      } else {
        t.ending = Ending::failed;
        t.error = items.error();
      }
      co_return;
    }
    if (items->empty()) {
      t.ending = t.state.filtered ? Ending::filtered : Ending::ended;
      co_return;
    }
    std::string delta;
    for (const auto& item : *items) t.state.apply(item, delta);
    if (!delta.empty()) {
      if (!t.first_token) t.first_token = t.timers.now() - t.started;
      unsaved += delta.size();
      if (!co_await t.out.write(delta_frame(delta))) {
        t.client_gone = true;
        t.write_failed = true;
        t.stream->cancel();
        t.ending = Ending::stopped;
        co_return;
      }
    }
    if (t.should_stop()) {
      t.stream->cancel();
      t.ending = Ending::stopped;
      co_return;
    }
    const auto now = t.timers.now();
    if (unsaved > 0 &&
        (unsaved >= t.timing.flush_bytes || now - last_flush >= t.timing.flush_interval)) {
      auto saved = co_await t.sink->progress(t.state.text);
      last_flush = t.timers.now();
      unsaved = 0;
      if (!saved) {
        log::warn("chat.progress_failed").str("code", saved.error().code);
      } else if (*saved) {
        t.stop->trigger();
        t.stream->cancel();
        t.ending = Ending::stopped;
        co_return;
      }
    }
  }
}

// Never completes by itself: once the client left or a stop came it cancels
// the model and waits to be cancelled when the pump returns.
asio::awaitable<void> watch(Turn& t) {
  auto ex = co_await asio::this_coro::executor;
  // A cancellation emitted while no operation of ours was pending is only
  // recorded in the state: check it before every wait.
  auto cancelled = []() -> asio::awaitable<bool> {
    co_return (co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none;
  };
  for (;;) {
    if (co_await cancelled()) co_return;
    auto which = co_await (t.out.wait_client_gone() || t.stop->wait() ||
                           t.timers.sleep_for(t.timing.lease_interval));
    if (co_await cancelled()) co_return;
    if (which.index() == 2 && !t.should_stop()) {
      asio::co_spawn(ex, renew_lease(t.sink, t.stop), asio::detached);
      continue;
    }
    if (!t.should_stop()) continue;  // woken by the cancellation of a branch only
    t.note_gone();
    if (t.stream) t.stream->cancel();
    break;
  }
  if (co_await cancelled()) co_return;
  co_await t.timers.sleep_until(Timers::time_point::max());
}

AnswerStatus status_of(Ending e) {
  switch (e) {
    case Ending::ended:
      return AnswerStatus::complete;
    case Ending::stopped:
      return AnswerStatus::stopped;
    case Ending::filtered:
      return AnswerStatus::filtered;
    case Ending::failed:
    case Ending::none:
      return AnswerStatus::failed;
  }
  return AnswerStatus::failed;
}

// The final write is what the user keeps: a busy or restarting database
// (every pooled connection taken, a failover) is waited out for a few
// seconds rather than leaving the row to the sweep as "interrupted".
asio::awaitable<Status> finish_with_retries(AnswerSink& sink, Timers& timers,
                                            const AnswerTiming& timing, const FinalAnswer& answer) {
  auto delay = timing.finish_retry_delay;
  for (int attempt = 1;; ++attempt) {
    auto st = co_await sink.finish(answer);
    if (st || st.error().kind != Kind::unavailable || attempt >= timing.finish_attempts) {
      co_return st;
    }
    log::warn("chat.finish_retry").str("code", st.error().code).num("attempt", attempt);
    co_await timers.sleep_for(delay);
    delay *= 2;
  }
}

// Names the conversation after its first complete answer: the model's
// title, else the start of the user's message. nullopt when nothing was
// stored (renamed meanwhile, or the write failed). Asked of the deployment
// that answered (the conversation's model).
asio::awaitable<std::optional<std::string>> name_conversation(llm::ChatModel& model,
                                                              AnswerSink& sink,
                                                              std::string_view user_message,
                                                              std::string_view answer,
                                                              const std::string& deployment) {
  llm::ModelRequest request;
  request.messages = title_prompt(user_message, answer);
  request.deployment = deployment;
  request.max_tokens = kTitleMaxTokens;
  auto generated = co_await model.complete(std::move(request));
  if (!generated) log::info("chat.title_fallback").str("code", generated.error().code);
  std::string title = conversation_title(
      generated ? std::optional<std::string_view>(*generated) : std::nullopt, user_message);
  auto stored = co_await sink.set_title(title);
  if (!stored) log::warn("chat.title_failed").str("code", stored.error().code);
  if (!stored || !*stored) co_return std::nullopt;
  co_return std::optional<std::string>(std::move(title));
}

}  // namespace

asio::awaitable<AnswerOutcome> stream_answer(llm::ChatModel& model, Timers& timers,
                                             llm::ModelRequest request, http::ResponseStream& out,
                                             std::shared_ptr<AnswerSink> sink,
                                             std::shared_ptr<StopToken> stop,
                                             AnswerOptions options) {
  const AnswerIds& ids = options.ids;
  const std::string deployment = request.deployment;
  Turn t(model, timers, out, sink, stop, options.timing);
  if (!co_await out.write(start_frame(ids.user_message_id, ids.assistant_message_id))) {
    t.client_gone = true;
    t.write_failed = true;
  }
  co_await (pump(t, std::move(request)) || watch(t));
  t.note_gone();
  t.stream.reset();  // closes the upstream connection now

  AnswerStatus status = status_of(t.ending);
  if (t.ending == Ending::ended && t.state.text.empty() && !t.state.finish_reason) {
    // A stream that closed cleanly without a word and without finishing.
    status = AnswerStatus::failed;
    t.error = Error(errc::llm::cut, "stream ended without content or finish_reason");
  }

  std::optional<std::string> title;
  if (status == AnswerStatus::complete && options.title_from) {
    title = co_await name_conversation(model, *sink, *options.title_from, t.state.text, deployment);
  }

  FinalAnswer final_answer;
  final_answer.content = t.state.text;
  final_answer.status = status;
  // The model the upstream named (as /v1 records it), else the deployment
  // the answer went to.
  final_answer.model = t.state.model
                           ? t.state.model
                           : std::optional<std::string>(
                                 deployment.empty() ? std::string(model.deployment()) : deployment);
  if (t.state.usage) {
    final_answer.prompt_tokens = t.state.usage->prompt_tokens;
    final_answer.completion_tokens = t.state.usage->completion_tokens;
  }
  final_answer.finish_reason = t.state.finish_reason;
  std::optional<PublicError> shown;
  if (status == AnswerStatus::failed) {
    shown = public_error(t.error.value_or(Error(errc::llm::upstream_error)));
    final_answer.error_code = shown->code;
  }
  if (auto st = co_await finish_with_retries(*sink, timers, options.timing, final_answer); !st) {
    log::error("chat.finish_failed")
        .str("code", st.error().code)
        .str("message_id", ids.assistant_message_id);
  }

  // A server shutdown (a rolling restart) reads as client_gone() too but
  // still lets us write: the browser then gets the final event with what was
  // stored (`done` complete, or stopped with the text so far) instead of a
  // stream that just ends. To a client that really left, the write fails
  // without effect.
  if (!t.write_failed) {
    std::string tail;
    if (title) tail += title_frame(*title);
    if (shown) {
      tail += error_frame(shown->code, shown->message, ids.assistant_message_id);
    } else {
      tail += done_frame(ids.assistant_message_id, to_string(status), t.state.finish_reason,
                         t.state.usage);
    }
    (void)co_await out.write(tail);
  }

  AnswerOutcome outcome;
  outcome.status = status;
  if (t.error) outcome.error_code = std::string(t.error->code);
  outcome.client_gone = t.client_gone || out.client_gone();
  outcome.text_bytes = t.state.text.size();
  outcome.first_token = t.first_token;
  if (t.state.usage) {
    outcome.prompt_tokens = t.state.usage->prompt_tokens;
    outcome.completion_tokens = t.state.usage->completion_tokens;
  }
  co_return outcome;
}

}  // namespace parley::chat
