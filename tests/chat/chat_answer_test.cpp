// The answer stream against a scripted model: the exact frame sequence for
// complete / filtered / failed-after-tokens / stopped answers, what is
// persisted, and cancellation by the client or a stop while the model is
// silent.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/answer.hpp"
#include "db/errors.hpp"
#include "chat/fake_chat_model.hpp"

namespace parley::chat {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::Delay;
using test::FakeChatModel;
using test::Stall;

class FakeResponseStream final : public http::ResponseStream {
 public:
  explicit FakeResponseStream(asio::io_context& io)
      : gone_timer_(io, asio::steady_timer::time_point::max()) {}
  asio::awaitable<bool> write(std::string_view chunk) override {
    if (gone_) co_return false;
    body += chunk;
    ++writes;
    co_return true;
  }
  bool client_gone() const override { return gone_ || shutting_down_; }
  asio::awaitable<void> wait_client_gone() override {
    if (!client_gone()) {
      (void)co_await gone_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  void abort() override { disconnect(); }
  void disconnect() {
    gone_ = true;
    gone_timer_.cancel();
  }
  // What the HTTP server does on SIGTERM: handlers see client_gone(), but
  // the client is still there and writes go through.
  void shut_down() {
    shutting_down_ = true;
    gone_timer_.cancel();
  }

  std::string body;
  int writes = 0;

 private:
  asio::steady_timer gone_timer_;
  bool gone_ = false;
  bool shutting_down_ = false;
};

class FakeSink final : public AnswerSink {
 public:
  asio::awaitable<Result<bool>> progress(std::string text) override {
    progress_texts.push_back(std::move(text));
    co_return stop_on_progress;
  }
  asio::awaitable<Result<bool>> renew() override {
    ++renewals;
    co_return false;
  }
  asio::awaitable<Status> finish(db::FinalAnswer answer) override {
    ++finish_calls;
    if (finish_failures > 0) {
      --finish_failures;
      co_return make_error(*finish_error);
    }
    finished = std::move(answer);
    co_return Status{};
  }
  asio::awaitable<std::optional<std::string>> title(const AnswerState&) override {
    ++title_calls;
    co_return title_to_give;
  }

  std::vector<std::string> progress_texts;
  bool stop_on_progress = false;
  int renewals = 0;
  std::optional<db::FinalAnswer> finished;
  int finish_calls = 0;
  int finish_failures = 0;  // the next N finish() calls fail with finish_error
  const ErrorCode* finish_error = nullptr;
  std::optional<std::string> title_to_give;
  int title_calls = 0;
};

// The event names of an SSE body, in order.
std::vector<std::string> events(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("event: ", pos)) != std::string::npos) {
    const auto end = body.find('\n', pos);
    out.push_back(body.substr(pos + 7, end - pos - 7));
    pos = end;
  }
  return out;
}

class ChatAnswer : public ::testing::Test {
 protected:
  ChatAnswer()
      : out_(io_),
        sink_(std::make_shared<FakeSink>()),
        stop_(std::make_shared<StopToken>(io_.get_executor())) {}

  AnswerOutcome run(AnswerTiming timing = {}) {
    std::optional<AnswerOutcome> outcome;
    llm::ModelRequest request;
    request.messages = {{"user", "hi"}};
    asio::co_spawn(
        io_, stream_answer(model_, request, out_, sink_, stop_, AnswerIds{"u1", "a1"}, timing),
        [&](std::exception_ptr e, AnswerOutcome o) {
          if (e) std::rethrow_exception(e);
          outcome = std::move(o);
        });
    const auto deadline = std::chrono::steady_clock::now() + 30s;  // a hang, not a timing
    while (!outcome && std::chrono::steady_clock::now() < deadline) io_.run_one_for(20ms);
    if (!outcome) throw std::runtime_error("answer did not finish");
    return *outcome;
  }
  // Fires `fn` after `after` on the test's io_context.
  template <class Fn>
  void at(std::chrono::milliseconds after, Fn fn) {
    auto timer = std::make_shared<asio::steady_timer>(io_, after);
    timer->async_wait([timer, fn](const boost::system::error_code&) { fn(); });
  }

  asio::io_context io_;
  FakeChatModel model_;
  FakeResponseStream out_;
  std::shared_ptr<FakeSink> sink_;
  std::shared_ptr<StopToken> stop_;
};

TEST_F(ChatAnswer, CompleteAnswerIsStartDeltasDoneAndIsStoredWithUsageAndModel) {
  model_.script = {std::vector<llm::StreamItem>{llm::ModelName{"gpt-test"}}, test::text("Hel"),
                   test::text("lo"), test::finish("stop", 7, 3)};
  sink_->title_to_give = "Greeting";
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "complete");
  EXPECT_EQ(events(out_.body),
            (std::vector<std::string>{"start", "delta", "delta", "title", "done"}));
  EXPECT_NE(out_.body.find(start_frame("u1", "a1")), std::string::npos);
  EXPECT_TRUE(
      out_.body.ends_with(done_frame("a1", "complete", std::string("stop"), UsageCounts{7, 3})));
  ASSERT_TRUE(sink_->finished);
  EXPECT_EQ(sink_->finished->content, "Hello");
  EXPECT_EQ(sink_->finished->status, "complete");
  EXPECT_EQ(sink_->finished->model, "gpt-test");
  EXPECT_EQ(sink_->finished->prompt_tokens, 7);
  EXPECT_EQ(sink_->finished->completion_tokens, 3);
  EXPECT_EQ(sink_->finished->finish_reason, "stop");
  EXPECT_FALSE(sink_->finished->error_code);
}

TEST_F(ChatAnswer, FilteredMidStreamEndsDoneFiltered) {
  model_.script = {test::text("Some "), test::text("text"), test::finish("content_filter")};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "filtered");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "delta", "done"}));
  EXPECT_NE(out_.body.find("\"status\":\"filtered\",\"finish_reason\":\"content_filter\""),
            std::string::npos);
  EXPECT_EQ(sink_->finished->status, "filtered");
  EXPECT_EQ(sink_->finished->content, "Some text");
  EXPECT_EQ(sink_->title_calls, 0);
}

TEST_F(ChatAnswer, PromptBlockedBeforeTheFirstTokenEndsDoneFiltered) {
  model_.open_error = Error("llm.content_filter", "hate");
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "filtered");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "done"}));
  EXPECT_EQ(sink_->finished->status, "filtered");
}

TEST_F(ChatAnswer, RateLimitedBeforeTheFirstTokenIsAnErrorEvent) {
  model_.open_error = Error("llm.rate_limited", "429 after retries");
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "failed");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "error"}));
  EXPECT_NE(out_.body.find("\"code\":\"rate_limited\""), std::string::npos);
  EXPECT_NE(out_.body.find("\"message_id\":\"a1\""), std::string::npos);
  EXPECT_EQ(out_.body.find("429 after retries"), std::string::npos) << "detail stays in the log";
  EXPECT_EQ(sink_->finished->status, "failed");
  EXPECT_EQ(sink_->finished->error_code, "rate_limited");
}

TEST_F(ChatAnswer, ABusyDatabaseIsWaitedOutForTheFinalWrite) {
  model_.script = {test::text("Kept"), test::finish("stop", 1, 1)};
  sink_->finish_failures = 2;
  sink_->finish_error = &errc::db::pool_timeout;
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "complete");
  EXPECT_EQ(sink_->finish_calls, 3);
  ASSERT_TRUE(sink_->finished) << "stored on the third attempt";
  EXPECT_EQ(sink_->finished->content, "Kept");
}

TEST_F(ChatAnswer, AnUnexpectedDatabaseErrorIsNotRetried) {
  model_.script = {test::text("Kept"), test::finish("stop", 1, 1)};
  sink_->finish_failures = 1;
  sink_->finish_error = &errc::db::query;
  (void)run();
  EXPECT_EQ(sink_->finish_calls, 1);
}

TEST_F(ChatAnswer, FailureAfterTokensKeepsThePartialTextAndEndsWithError) {
  model_.script = {test::text("Partial "), test::text("answer"), Error("llm.cut", "closed")};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "failed");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "delta", "error"}));
  EXPECT_NE(out_.body.find("\"code\":\"upstream_interrupted\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, "failed");
  EXPECT_EQ(sink_->finished->content, "Partial answer");
  EXPECT_EQ(sink_->finished->error_code, "upstream_interrupted");
}

TEST_F(ChatAnswer, StopWhileTheModelIsSilentEndsDoneStopped) {
  model_.script = {test::text("Before "), Stall{}};
  at(100ms, [this] { stop_->trigger(); });
  const auto t0 = std::chrono::steady_clock::now();
  const AnswerOutcome o = run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << "the model stalls forever";
  EXPECT_EQ(o.status, "stopped");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "done"}));
  EXPECT_NE(out_.body.find("\"status\":\"stopped\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, "stopped");
  EXPECT_EQ(sink_->finished->content, "Before ");
  EXPECT_EQ(model_.stats->cancelled, 1);
}

TEST_F(ChatAnswer, ClientGoneWhileTheModelIsSilentCancelsAndStoresStopped) {
  model_.script = {test::text("Partial"), Stall{}};
  at(100ms, [this] { out_.disconnect(); });
  const auto t0 = std::chrono::steady_clock::now();
  const AnswerOutcome o = run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << "the model stalls forever";
  EXPECT_EQ(o.status, "stopped");
  EXPECT_TRUE(o.client_gone);
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta"}))
      << "nothing after leaving";
  EXPECT_EQ(sink_->finished->status, "stopped");
  EXPECT_EQ(sink_->finished->content, "Partial");
}

TEST_F(ChatAnswer, ServerShutdownStopsTheAnswerAndStillSendsDoneStopped) {
  model_.script = {test::text("Partial"), Stall{}};
  at(100ms, [this] { out_.shut_down(); });
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "stopped");
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "done"}))
      << "the browser learns how the answer ended";
  EXPECT_NE(out_.body.find("\"status\":\"stopped\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, "stopped");
  EXPECT_EQ(sink_->finished->content, "Partial");
}

TEST_F(ChatAnswer, StopRequestedBeforeTheModelAnswersNeverStreams) {
  stop_->trigger();
  model_.script = {test::text("never"), test::finish("stop")};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "stopped");
  EXPECT_EQ(model_.stats->opened, 0);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "done"}));
}

TEST_F(ChatAnswer, ProgressIsPersistedWhileStreaming) {
  for (int i = 0; i < 6; ++i) {
    model_.script.push_back(Delay{30ms});
    model_.script.push_back(test::text("chunk" + std::to_string(i) + " "));
  }
  model_.script.push_back(test::finish("stop"));
  AnswerTiming timing;
  timing.flush_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, "complete");
  ASSERT_GE(sink_->progress_texts.size(), 2u);
  EXPECT_TRUE(sink_->progress_texts.front().starts_with("chunk0"));
  EXPECT_EQ(sink_->finished->content, "chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 ");
}

TEST_F(ChatAnswer, StopFoundByAProgressWriteEndsTheAnswer) {
  // A stop flag read back by a progress write (a lost NOTIFY) stops it too.
  model_.script = {test::text("one "), Delay{60ms}, test::text("two "), Stall{}};
  sink_->stop_on_progress = true;
  AnswerTiming timing;
  timing.flush_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, "stopped");
  EXPECT_EQ(sink_->finished->status, "stopped");
  EXPECT_EQ(sink_->finished->content, "one two ");
}

TEST_F(ChatAnswer, SilentModelRenewsTheLease) {
  model_.script = {Delay{180ms}, test::text("late"), test::finish("stop")};
  AnswerTiming timing;
  timing.lease_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, "complete");
  EXPECT_GE(sink_->renewals, 2);
}

TEST_F(ChatAnswer, StreamThatEndsWithoutAWordIsAFailure) {
  model_.script = {};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, "failed");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "error"}));
}

}  // namespace
}  // namespace parley::chat
