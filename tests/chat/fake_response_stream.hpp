#pragma once
// The client side of an answer's event stream for chat tests: collects what
// is written, and can disconnect (writes then fail) or shut down like the
// HTTP server on SIGTERM (client_gone() but writes still go through).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace parley::chat::test {

class FakeResponseStream final : public http::ResponseStream {
 public:
  explicit FakeResponseStream(boost::asio::io_context& io)
      : gone_timer_(io, boost::asio::steady_timer::time_point::max()) {}
  boost::asio::awaitable<bool> write(std::string_view chunk) override {
    if (gone_) co_return false;
    body += chunk;
    ++writes;
    co_return true;
  }
  bool client_gone() const override { return gone_ || shutting_down_; }
  boost::asio::awaitable<void> wait_client_gone() override {
    if (!client_gone()) {
      (void)co_await gone_timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
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
  boost::asio::steady_timer gone_timer_;
  bool gone_ = false;
  bool shutting_down_ = false;
};

// The event names of an SSE body, in order.
inline std::vector<std::string> events(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("event: ", pos)) != std::string::npos) {
    const auto end = body.find('\n', pos);
    out.push_back(body.substr(pos + 7, end - pos - 7));
    pos = end;
  }
  return out;
}

}  // namespace parley::chat::test
