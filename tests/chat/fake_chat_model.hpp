#pragma once
// A scripted llm::ChatModel for chat tests: each open() plays the script
// (items, errors, delays on the test's Timers, a stall until cancelled);
// cancel() aborts a pending next() with llm.cancelled like the real client
// does.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "chat/timers.hpp"
#include "llm/chat_model.hpp"
#include "llm/errors.hpp"

namespace parley::chat::test {

struct Delay {
  std::chrono::milliseconds ms;
};
struct Stall {};  // nothing more until cancel()
using Step = std::variant<std::vector<llm::StreamItem>, Error, Delay, Stall>;

struct FakeModelStats {
  int opened = 0;
  int cancelled = 0;
  int completed = 0;  // streams read to their end
  std::vector<llm::ModelRequest> requests;
  std::vector<llm::ModelRequest> completions;
};

class FakeModelStream final : public llm::ModelStream {
 public:
  FakeModelStream(boost::asio::any_io_executor ex, Timers& timers, std::deque<Step> steps,
                  std::shared_ptr<FakeModelStats> stats)
      : cancel_signal_(ex, boost::asio::steady_timer::time_point::max()),
        timers_(timers),
        steps_(std::move(steps)),
        stats_(std::move(stats)) {}

  boost::asio::awaitable<Result<std::vector<llm::StreamItem>>> next() override {
    using namespace boost::asio::experimental::awaitable_operators;
    while (true) {
      if (cancelled_) co_return Error(errc::llm::cancelled);
      if (steps_.empty()) {
        ++stats_->completed;
        co_return std::vector<llm::StreamItem>{};
      }
      Step step = std::move(steps_.front());
      steps_.pop_front();
      if (auto* d = std::get_if<Delay>(&step)) {
        co_await (timers_.sleep_for(d->ms) || wait_cancelled());
        continue;
      }
      if (std::holds_alternative<Stall>(step)) {
        co_await wait_cancelled();
        co_return Error(errc::llm::cancelled);
      }
      if (auto* e = std::get_if<Error>(&step)) co_return *e;
      co_return std::get<std::vector<llm::StreamItem>>(std::move(step));
    }
  }
  void cancel() override {
    if (cancelled_) return;
    cancelled_ = true;
    ++stats_->cancelled;
    cancel_signal_.cancel();
  }

 private:
  boost::asio::awaitable<void> wait_cancelled() {
    if (!cancelled_) {
      (void)co_await cancel_signal_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  boost::asio::steady_timer cancel_signal_;
  Timers& timers_;
  std::deque<Step> steps_;
  std::shared_ptr<FakeModelStats> stats_;
  bool cancelled_ = false;
};

class FakeChatModel final : public llm::ChatModel {
 public:
  explicit FakeChatModel(Timers& timers) : timers_(timers) {}

  std::deque<Step> script;          // played by every open()
  std::optional<Error> open_error;  // open() fails with this
  Result<std::string> completion = std::string("A generated title");
  std::shared_ptr<FakeModelStats> stats = std::make_shared<FakeModelStats>();

  boost::asio::awaitable<Result<std::unique_ptr<llm::ModelStream>>> open(
      llm::ModelRequest request) override {
    stats->requests.push_back(std::move(request));
    if (open_error) co_return *open_error;
    ++stats->opened;
    auto ex = co_await boost::asio::this_coro::executor;
    co_return std::unique_ptr<llm::ModelStream>(
        std::make_unique<FakeModelStream>(ex, timers_, script, stats));
  }
  boost::asio::awaitable<Result<std::string>> complete(llm::ModelRequest request) override {
    stats->completions.push_back(std::move(request));
    co_return completion;
  }
  std::string_view deployment() const override { return "fake-deployment"; }

 private:
  Timers& timers_;
};

// Items helpers.
inline std::vector<llm::StreamItem> text(std::string t) { return {llm::TextDelta{std::move(t)}}; }
inline std::vector<llm::StreamItem> finish(std::string reason, std::int64_t prompt = 7,
                                           std::int64_t completion = 3) {
  return {llm::Finish{std::move(reason)}, llm::Usage{prompt, completion, prompt + completion},
          llm::Done{}};
}

}  // namespace parley::chat::test
