#include "support/http/fake_http_client.hpp"

#include <boost/asio.hpp>

#include "http/errors.hpp"

namespace parley::http {
namespace {

namespace asio = boost::asio;

class FakeStream final : public ClientStream {
 public:
  FakeStream(const asio::any_io_executor& ex, ScriptedStream script,
             std::shared_ptr<int> cancel_count)
      : timer_(ex), script_(std::move(script)), cancel_count_(std::move(cancel_count)) {}

  int status() const override { return script_.status; }
  const Headers& headers() const override { return script_.headers; }

  asio::awaitable<Result<std::optional<std::string>>> read_some() override {
    co_return co_await read_until(std::nullopt);
  }
  // As the real stream: nothing by `deadline` ends the exchange with
  // http_client.timeout.
  asio::awaitable<Result<std::optional<std::string>>> read_some(
      std::chrono::steady_clock::time_point deadline) override {
    co_return co_await read_until(deadline);
  }

  void cancel() override {
    if (!cancelled_) ++*cancel_count_;
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  asio::awaitable<Result<std::optional<std::string>>> read_until(
      std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (cancelled_) co_return make_error(errc::http_client::cancelled, "stream cancelled");
    if (next_ < script_.pieces.size()) {
      const auto& piece = script_.pieces[next_];
      if (piece.delay.count() > 0) {
        const auto due = std::chrono::steady_clock::now() + piece.delay;
        if (deadline && *deadline < due) co_return co_await time_out(*deadline);
        timer_.expires_at(due);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (cancelled_ || ec)
          co_return make_error(errc::http_client::cancelled, "stream cancelled");
      }
      ++next_;
      co_return std::optional<std::string>(script_.pieces[next_ - 1].data);
    }
    if (script_.stall) {
      if (deadline) co_return co_await time_out(*deadline);
      timer_.expires_at(asio::steady_timer::time_point::max());
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return make_error(errc::http_client::cancelled, "stream cancelled");
    }
    if (script_.end_error) co_return *script_.end_error;
    co_return std::optional<std::string>{};
  }

  // Waits for `deadline`, then fails as the real stream's idle timeout does.
  asio::awaitable<Result<std::optional<std::string>>> time_out(
      std::chrono::steady_clock::time_point deadline) {
    timer_.expires_at(deadline);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (cancelled_ || ec) co_return make_error(errc::http_client::cancelled, "stream cancelled");
    co_return make_error(errc::http_client::timeout, "no data before the deadline");
  }

  asio::steady_timer timer_;
  ScriptedStream script_;
  std::shared_ptr<int> cancel_count_;
  std::size_t next_ = 0;
  bool cancelled_ = false;
};

}  // namespace

FakeHttpClient::FakeHttpClient(asio::any_io_executor executor) : executor_(std::move(executor)) {}
FakeHttpClient::~FakeHttpClient() = default;

asio::awaitable<Result<ClientResponse>> FakeHttpClient::send(ClientRequest request) {
  requests_.push_back(request);
  if (send_handler_) co_return send_handler_(requests_.back());
  if (responses_.empty()) co_return make_error(errc::http_client::connect, "no scripted response");
  auto r = std::move(responses_.front());
  responses_.pop_front();
  co_return r;
}

asio::awaitable<Result<std::unique_ptr<ClientStream>>> FakeHttpClient::open(ClientRequest request,
                                                                            StreamTimeouts) {
  requests_.push_back(request);
  Result<ScriptedStream> script = make_error(errc::http_client::connect, "no scripted stream");
  if (open_handler_) {
    script = open_handler_(requests_.back());
  } else if (!streams_.empty()) {
    script = std::move(streams_.front());
    streams_.pop_front();
  }
  if (!script) co_return script.error();
  co_return std::unique_ptr<ClientStream>(
      std::make_unique<FakeStream>(executor_, std::move(*script), cancelled_));
}

}  // namespace parley::http
