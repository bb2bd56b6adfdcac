#pragma once
// The model as the chat service sees it: open a streamed completion, read
// decoded items until the end, cancel at any time. The Azure OpenAI
// implementation (azure_client.hpp) adds credentials, retries and timeouts;
// tests use a scripted fake. Strand affinity: the server's io_context thread.

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "llm/chat_stream.hpp"
#include "llm/request.hpp"

namespace parley::llm {

struct ModelRequest {
  std::vector<ChatMessage> messages;  // already bounded (bound_history)
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::vector<std::string> stop;
  std::string traceparent;  // propagated upstream when set
  // The Azure OpenAI deployment to call (a PARLEY_MODELS route, /v1);
  // empty: the configured AZURE_OPENAI_DEPLOYMENT.
  std::string deployment;
};

// An open streamed answer.
class ModelStream {
 public:
  virtual ~ModelStream() = default;
  // The next decoded items (ModelName, TextDelta, FilterAlarm, Finish,
  // Usage, Done...). An empty vector means the stream ended (after Done or
  // a clean close). Errors after the first token are final (no silent
  // retry): llm.upstream_error, llm.bad_chunk, llm.timeout (idle),
  // llm.cut (closed without [DONE]), llm.cancelled.
  virtual boost::asio::awaitable<Result<std::vector<StreamItem>>> next() = 0;
  // Aborts now: the upstream connection is closed, a pending next()
  // completes with llm.cancelled.
  virtual void cancel() = 0;
};

class ChatModel {
 public:
  virtual ~ChatModel() = default;
  // Opens a stream. Before the first byte of the answer, 429 / 5xx /
  // connection failures are retried (bounded, jittered, honouring
  // retry-after). Errors: llm.rate_limited, llm.content_filter (the prompt
  // was blocked), llm.auth, llm.not_found, llm.bad_request, llm.unavailable,
  // llm.timeout, llm.credential (no token could be obtained).
  virtual boost::asio::awaitable<Result<std::unique_ptr<ModelStream>>> open(ModelRequest request) = 0;
  // A short non-streamed completion (conversation titles).
  virtual boost::asio::awaitable<Result<std::string>> complete(ModelRequest request) = 0;
  // The configured deployment (stored with messages until the stream names the model).
  virtual std::string_view deployment() const = 0;
};

}  // namespace parley::llm
