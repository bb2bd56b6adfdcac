#pragma once
// A scripted HttpClient for tests of higher layers (OIDC, token credentials,
// the Azure OpenAI client). Nothing touches the network. Test code only: it
// lives here, not in the production library (target parley_fake_http_client).
//
//   FakeHttpClient fake(io.get_executor());
//   fake.push_response({200, {}, R"({"issuer":"..."})"});          // send()
//   fake.push_stream({.status = 200, .pieces = {{"data: {\"a"}, {"\":1}\n\n", 20ms}}});
//   ... then fake.requests() holds every request seen, in order.
//
// send(): the handler set with on_send() answers if there is one, else the
// queued responses are used in order; an empty queue answers
// "http_client.connect". open(): on_open() or the queued scripts likewise.
// Strand affinity: the executor given at construction; not thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/client.hpp"

namespace parley::http {

struct ScriptedPiece {
  std::string data;
  std::chrono::milliseconds delay{0};  // waited before this piece is returned
};

struct ScriptedStream {
  int status = 200;
  Headers headers;
  std::vector<ScriptedPiece> pieces;
  // After the last piece: the clean end (nullopt), this error, or (stall)
  // nothing until cancel() — to test stop and idle handling upstream.
  std::optional<Error> end_error;
  bool stall = false;
};

class FakeHttpClient final : public HttpClient {
 public:
  using SendHandler = std::function<Result<ClientResponse>(const ClientRequest&)>;
  using OpenHandler = std::function<Result<ScriptedStream>(const ClientRequest&)>;

  explicit FakeHttpClient(boost::asio::any_io_executor executor);
  ~FakeHttpClient() override;

  void on_send(SendHandler handler) { send_handler_ = std::move(handler); }
  void on_open(OpenHandler handler) { open_handler_ = std::move(handler); }
  void push_response(Result<ClientResponse> response) { responses_.push_back(std::move(response)); }
  void push_stream(Result<ScriptedStream> script) { streams_.push_back(std::move(script)); }

  // Every request given to send() or open(), in order.
  const std::vector<ClientRequest>& requests() const { return requests_; }
  // How many streams handed out by open() had cancel() called.
  int cancelled_streams() const { return *cancelled_; }

  boost::asio::awaitable<Result<ClientResponse>> send(ClientRequest request) override;
  boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> open(
      ClientRequest request, StreamTimeouts timeouts) override;

 private:
  boost::asio::any_io_executor executor_;
  SendHandler send_handler_;
  OpenHandler open_handler_;
  std::deque<Result<ClientResponse>> responses_;
  std::deque<Result<ScriptedStream>> streams_;
  std::vector<ClientRequest> requests_;
  std::shared_ptr<int> cancelled_ = std::make_shared<int>(0);
};

}  // namespace parley::http
