// The answer stream against a scripted model, on simulated time: the exact
// frame sequence for complete / filtered / failed-after-tokens / stopped
// answers, what is persisted and when (progress every N ms, lease renewals
// while the model is silent, retries of the final write), naming the
// conversation, and cancellation by the client or a stop while the model is
// silent.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "chat/answer.hpp"
#include "chat/fake_chat_model.hpp"
#include "chat/fake_response_stream.hpp"
#include "chat/fake_timers.hpp"
#include "db/errors.hpp"
#include "llm/errors.hpp"

namespace parley::chat {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::Delay;
using test::events;
using test::FakeChatModel;
using test::FakeResponseStream;
using test::FakeTimers;
using test::Stall;

class FakeSink final : public AnswerSink {
 public:
  explicit FakeSink(const FakeTimers& timers) : timers_(timers) {}

  asio::awaitable<Result<bool>> progress(std::string text) override {
    progress_texts.push_back(std::move(text));
    progress_times.push_back(timers_.now());
    co_return stop_on_progress;
  }
  asio::awaitable<Result<bool>> renew() override {
    ++renewals;
    co_return stop_on_renew;
  }
  asio::awaitable<Status> finish(FinalAnswer answer) override {
    ++finish_calls;
    finish_times.push_back(timers_.now());
    if (finish_failures > 0) {
      --finish_failures;
      co_return make_error(*finish_error);
    }
    finished = std::move(answer);
    co_return Status{};
  }
  asio::awaitable<Result<bool>> set_title(std::string title) override {
    titles.push_back(std::move(title));
    co_return title_stored;
  }

  std::vector<std::string> progress_texts;
  std::vector<Timers::time_point> progress_times;
  bool stop_on_progress = false;
  int renewals = 0;
  bool stop_on_renew = false;
  std::optional<FinalAnswer> finished;
  int finish_calls = 0;
  std::vector<Timers::time_point> finish_times;
  int finish_failures = 0;  // the next N finish() calls fail with finish_error
  const ErrorCode* finish_error = nullptr;
  std::vector<std::string> titles;
  bool title_stored = true;  // false: renamed meanwhile

 private:
  const FakeTimers& timers_;
};

class ChatAnswer : public ::testing::Test {
 protected:
  ChatAnswer()
      : model_(timers_),
        out_(io_),
        sink_(std::make_shared<FakeSink>(timers_)),
        stop_(std::make_shared<StopToken>(io_.get_executor())),
        t0_(timers_.now()) {}

  AnswerOutcome run(AnswerTiming timing = {}, std::optional<std::string> title_from = {}) {
    std::optional<AnswerOutcome> outcome;
    llm::ModelRequest request;
    request.messages = {{"user", "hi"}};
    AnswerOptions options{AnswerIds{"u1", "a1"}, std::move(title_from), timing};
    asio::co_spawn(io_, stream_answer(model_, timers_, request, out_, sink_, stop_, options),
                   [&](std::exception_ptr e, AnswerOutcome o) {
                     if (e) std::rethrow_exception(e);
                     outcome = std::move(o);
                   });
    test::run_simulated(io_, timers_, [&] { return outcome.has_value(); });
    ended_ = timers_.now();
    return *outcome;
  }
  template <class Fn>
  void at(std::chrono::milliseconds after, Fn fn) {
    test::at(io_, timers_, after, std::move(fn));
  }
  // Simulated time the answer took.
  Timers::duration took() const { return ended_ - t0_; }

  asio::io_context io_;
  FakeTimers timers_;
  FakeChatModel model_;
  FakeResponseStream out_;
  std::shared_ptr<FakeSink> sink_;
  std::shared_ptr<StopToken> stop_;
  Timers::time_point t0_;
  Timers::time_point ended_;
};

TEST_F(ChatAnswer, CompleteAnswerIsStartDeltasDoneAndIsStoredWithUsageAndModel) {
  model_.script = {std::vector<llm::StreamItem>{llm::ModelName{"gpt-test"}}, test::text("Hel"),
                   test::text("lo"), test::finish("stop", 7, 3)};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::complete);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "delta", "done"}));
  EXPECT_NE(out_.body.find(start_frame("u1", "a1")), std::string::npos);
  EXPECT_TRUE(
      out_.body.ends_with(done_frame("a1", "complete", std::string("stop"), UsageCounts{7, 3})));
  ASSERT_TRUE(sink_->finished);
  EXPECT_EQ(sink_->finished->content, "Hello");
  EXPECT_EQ(sink_->finished->status, AnswerStatus::complete);
  EXPECT_EQ(sink_->finished->model, "gpt-test");
  EXPECT_EQ(sink_->finished->prompt_tokens, 7);
  EXPECT_EQ(sink_->finished->completion_tokens, 3);
  EXPECT_EQ(sink_->finished->finish_reason, "stop");
  EXPECT_FALSE(sink_->finished->error_code);
  EXPECT_TRUE(sink_->titles.empty()) << "not asked to name the conversation";
  EXPECT_TRUE(model_.stats->completions.empty());
}

TEST_F(ChatAnswer, FirstAnswerNamesTheConversationBeforeDone) {
  model_.script = {test::text("Hello"), test::finish("stop")};
  model_.completion = std::string("\"Greeting.\"");
  const AnswerOutcome o = run({}, "hi there");
  EXPECT_EQ(o.status, AnswerStatus::complete);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "title", "done"}));
  EXPECT_NE(out_.body.find(title_frame("Greeting")), std::string::npos) << "cleaned up";
  EXPECT_EQ(sink_->titles, std::vector<std::string>{"Greeting"});
  ASSERT_EQ(model_.stats->completions.size(), 1u);
  EXPECT_EQ(model_.stats->completions[0].max_tokens, kTitleMaxTokens);
}

TEST_F(ChatAnswer, WithoutAModelTitleTheUsersMessageNamesTheConversation) {
  model_.script = {test::text("Hello"), test::finish("stop")};
  model_.completion = Error(errc::llm::unavailable);
  (void)run({}, "  how   do I bake bread? ");
  EXPECT_EQ(sink_->titles, std::vector<std::string>{"how do I bake bread?"});
  EXPECT_NE(out_.body.find(title_frame("how do I bake bread?")), std::string::npos);
}

TEST_F(ChatAnswer, ATitleNotStoredBecauseOfARenameIsNotSent) {
  model_.script = {test::text("Hello"), test::finish("stop")};
  sink_->title_stored = false;
  (void)run({}, "hi");
  EXPECT_EQ(sink_->titles.size(), 1u);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "done"}));
}

TEST_F(ChatAnswer, AnAnswerThatIsNotCompleteNamesNothing) {
  model_.script = {test::text("Some"), Error(errc::llm::cut, "closed")};
  (void)run({}, "hi");
  EXPECT_TRUE(sink_->titles.empty());
  EXPECT_TRUE(model_.stats->completions.empty());
}

TEST_F(ChatAnswer, FilteredMidStreamEndsDoneFiltered) {
  model_.script = {test::text("Some "), test::text("text"), test::finish("content_filter")};
  const AnswerOutcome o = run({}, "hi");
  EXPECT_EQ(o.status, AnswerStatus::filtered);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "delta", "done"}));
  EXPECT_NE(out_.body.find("\"status\":\"filtered\",\"finish_reason\":\"content_filter\""),
            std::string::npos);
  EXPECT_EQ(sink_->finished->status, AnswerStatus::filtered);
  EXPECT_EQ(sink_->finished->content, "Some text");
  EXPECT_TRUE(sink_->titles.empty());
}

TEST_F(ChatAnswer, PromptBlockedBeforeTheFirstTokenEndsDoneFiltered) {
  model_.open_error = Error(errc::llm::content_filter, "hate");
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::filtered);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "done"}));
  EXPECT_EQ(sink_->finished->status, AnswerStatus::filtered);
}

TEST_F(ChatAnswer, RateLimitedBeforeTheFirstTokenIsAnErrorEvent) {
  model_.open_error = Error(errc::llm::rate_limited, "429 after retries");
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::failed);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "error"}));
  EXPECT_NE(out_.body.find("\"code\":\"rate_limited\""), std::string::npos);
  EXPECT_NE(out_.body.find("\"message_id\":\"a1\""), std::string::npos);
  EXPECT_EQ(out_.body.find("429 after retries"), std::string::npos) << "detail stays in the log";
  EXPECT_EQ(sink_->finished->status, AnswerStatus::failed);
  EXPECT_EQ(sink_->finished->error_code, "rate_limited");
}

TEST_F(ChatAnswer, ABusyDatabaseIsWaitedOutForTheFinalWrite) {
  model_.script = {test::text("Kept"), test::finish("stop", 1, 1)};
  sink_->finish_failures = 2;
  sink_->finish_error = &errc::db::pool_timeout;
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::complete);
  EXPECT_EQ(sink_->finish_calls, 3);
  ASSERT_TRUE(sink_->finished) << "stored on the third attempt";
  EXPECT_EQ(sink_->finished->content, "Kept");
  // 250 ms, then 500 ms (doubling), of simulated time between the attempts.
  ASSERT_EQ(sink_->finish_times.size(), 3u);
  EXPECT_EQ(sink_->finish_times[1] - sink_->finish_times[0], 250ms);
  EXPECT_EQ(sink_->finish_times[2] - sink_->finish_times[1], 500ms);
}

TEST_F(ChatAnswer, TheFinalWriteGivesUpAfterItsAttempts) {
  model_.script = {test::text("Kept"), test::finish("stop", 1, 1)};
  sink_->finish_failures = 100;
  sink_->finish_error = &errc::db::unavailable;
  const AnswerOutcome o = run();
  EXPECT_EQ(sink_->finish_calls, AnswerTiming{}.finish_attempts);
  EXPECT_FALSE(sink_->finished);
  EXPECT_EQ(o.status, AnswerStatus::complete) << "what the client was told";
  EXPECT_LT(took(), 10s) << "250+500+1000+2000 ms, then the row is left to the sweep";
}

TEST_F(ChatAnswer, AnUnexpectedDatabaseErrorIsNotRetried) {
  model_.script = {test::text("Kept"), test::finish("stop", 1, 1)};
  sink_->finish_failures = 1;
  sink_->finish_error = &errc::db::query;
  (void)run();
  EXPECT_EQ(sink_->finish_calls, 1);
}

TEST_F(ChatAnswer, FailureAfterTokensKeepsThePartialTextAndEndsWithError) {
  model_.script = {test::text("Partial "), test::text("answer"), Error(errc::llm::cut, "closed")};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::failed);
  EXPECT_EQ(o.error_code, "llm.cut");
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "delta", "error"}));
  EXPECT_NE(out_.body.find("\"code\":\"upstream_interrupted\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, AnswerStatus::failed);
  EXPECT_EQ(sink_->finished->content, "Partial answer");
  EXPECT_EQ(sink_->finished->error_code, "upstream_interrupted");
}

TEST_F(ChatAnswer, StopWhileTheModelIsSilentEndsDoneStoppedAtOnce) {
  model_.script = {test::text("Before "), Stall{}};
  at(100ms, [this] { stop_->trigger(); });
  const AnswerOutcome o = run();
  EXPECT_EQ(took(), 100ms) << "stopped when asked, although the model stalls forever";
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "done"}));
  EXPECT_NE(out_.body.find("\"status\":\"stopped\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, AnswerStatus::stopped);
  EXPECT_EQ(sink_->finished->content, "Before ");
  EXPECT_EQ(model_.stats->cancelled, 1);
}

TEST_F(ChatAnswer, ClientGoneWhileTheModelIsSilentCancelsAndStoresStopped) {
  model_.script = {test::text("Partial"), Stall{}};
  at(100ms, [this] { out_.disconnect(); });
  const AnswerOutcome o = run();
  EXPECT_EQ(took(), 100ms) << "the model stalls forever";
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_TRUE(o.client_gone);
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta"}))
      << "nothing after leaving";
  EXPECT_EQ(sink_->finished->status, AnswerStatus::stopped);
  EXPECT_EQ(sink_->finished->content, "Partial");
}

TEST_F(ChatAnswer, ServerShutdownStopsTheAnswerAndStillSendsDoneStopped) {
  model_.script = {test::text("Partial"), Stall{}};
  at(100ms, [this] { out_.shut_down(); });
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_EQ(model_.stats->cancelled, 1);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "delta", "done"}))
      << "the browser learns how the answer ended";
  EXPECT_NE(out_.body.find("\"status\":\"stopped\""), std::string::npos);
  EXPECT_EQ(sink_->finished->status, AnswerStatus::stopped);
  EXPECT_EQ(sink_->finished->content, "Partial");
}

TEST_F(ChatAnswer, StopRequestedBeforeTheModelAnswersNeverStreams) {
  stop_->trigger();
  model_.script = {test::text("never"), test::finish("stop")};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_EQ(model_.stats->opened, 0);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "done"}));
}

TEST_F(ChatAnswer, ProgressIsPersistedEveryFlushInterval) {
  for (int i = 0; i < 6; ++i) {
    model_.script.push_back(Delay{30ms});
    model_.script.push_back(test::text("chunk" + std::to_string(i) + " "));
  }
  model_.script.push_back(test::finish("stop"));
  AnswerTiming timing;
  timing.flush_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, AnswerStatus::complete);
  // Text at 30, 60, ..., 180 ms; a write once 50 ms passed since the last.
  EXPECT_EQ(sink_->progress_texts,
            (std::vector<std::string>{"chunk0 chunk1 ", "chunk0 chunk1 chunk2 chunk3 ",
                                      "chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 "}));
  EXPECT_EQ(sink_->progress_times,
            (std::vector<Timers::time_point>{t0_ + 60ms, t0_ + 120ms, t0_ + 180ms}));
  EXPECT_EQ(sink_->finished->content, "chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 ");
}

TEST_F(ChatAnswer, ProgressIsPersistedEveryFlushBytes) {
  model_.script = {test::text(std::string(30, 'a')), test::text(std::string(30, 'b')),
                   test::text("c"), test::finish("stop")};
  AnswerTiming timing;
  timing.flush_bytes = 50;
  (void)run(timing);
  ASSERT_EQ(sink_->progress_texts.size(), 1u) << "no time passes: only the size counts";
  EXPECT_EQ(sink_->progress_texts[0].size(), 60u);
}

TEST_F(ChatAnswer, StopFoundByAProgressWriteEndsTheAnswer) {
  // A stop flag read back by a progress write (a lost NOTIFY) stops it too.
  model_.script = {test::text("one "), Delay{60ms}, test::text("two "), Stall{}};
  sink_->stop_on_progress = true;
  AnswerTiming timing;
  timing.flush_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_EQ(took(), 60ms);
  EXPECT_EQ(sink_->finished->status, AnswerStatus::stopped);
  EXPECT_EQ(sink_->finished->content, "one two ");
}

TEST_F(ChatAnswer, SilentModelRenewsTheLeaseEveryLeaseInterval) {
  model_.script = {Delay{180ms}, test::text("late"), test::finish("stop")};
  AnswerTiming timing;
  timing.lease_interval = 50ms;
  const AnswerOutcome o = run(timing);
  EXPECT_EQ(o.status, AnswerStatus::complete);
  EXPECT_EQ(sink_->renewals, 3) << "at 50, 100 and 150 ms";
}

TEST_F(ChatAnswer, StopFoundByALeaseRenewalEndsTheSilentAnswer) {
  // The default 15 s lease interval: a stop nobody announced is still found
  // within one interval while the model says nothing.
  model_.script = {test::text("Before "), Stall{}};
  sink_->stop_on_renew = true;
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::stopped);
  EXPECT_EQ(took(), AnswerTiming{}.lease_interval);
  EXPECT_EQ(sink_->finished->content, "Before ");
}

TEST_F(ChatAnswer, TimeToFirstTokenIsMeasured) {
  model_.script = {Delay{250ms}, test::text("late"), Delay{100ms}, test::text(" more"),
                   test::finish("stop")};
  const AnswerOutcome o = run();
  ASSERT_TRUE(o.first_token);
  EXPECT_EQ(*o.first_token, 250ms);
}

TEST_F(ChatAnswer, StreamThatEndsWithoutAWordIsAFailure) {
  model_.script = {};
  const AnswerOutcome o = run();
  EXPECT_EQ(o.status, AnswerStatus::failed);
  EXPECT_FALSE(o.first_token);
  EXPECT_EQ(events(out_.body), (std::vector<std::string>{"start", "error"}));
}

}  // namespace
}  // namespace parley::chat
