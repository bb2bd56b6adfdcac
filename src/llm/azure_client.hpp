#pragma once
// llm::ChatModel for Azure OpenAI chat completions (DESIGN.md "Configuration"):
//   POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=
// with the credential's header, Content-Type: application/json and
// traceparent when given.
//
// open(): retries 429 / 408 / 5xx answers and connection failures before the
// stream is handed out (at most AzureRetryPolicy::max_retries, exponential
// backoff with jitter, retry-after-ms / x-ms-retry-after-ms / retry-after
// honoured up to max_retry_after; a longer retry-after is not waited for).
// A 401 is sent once more at once when the credential drops the refused
// token (Credential::on_unauthorized: token modes, not api-key); that extra
// attempt does not count as a retry, and a second 401 is llm.auth.
// Errors: llm.rate_limited, llm.content_filter (prompt blocked), llm.auth,
// llm.not_found, llm.bad_request, llm.unavailable (5xx, connection failures,
// bad endpoint URL), llm.upstream_error, llm.timeout, llm.credential,
// llm.cancelled (the opening coroutine was cancelled).
//
// The stream (ModelStream): no retry once handed out. Errors llm.timeout
// (no first token within first_token, or no bytes within idle), llm.cut
// (closed without [DONE]), llm.bad_chunk, llm.upstream_error, llm.cancelled
// (cancel(): the upstream connection is closed at once).
//
// complete(): the same request with stream:false; returns
// choices[0].message.content. Same retries and errors; a completion stopped
// by the content filter is llm.content_filter.
//
// Threading: everything runs on the io_context thread of `http`.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "http/client.hpp"
#include "llm/chat_model.hpp"
#include "llm/credential.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace parley::llm {

struct AzureRetryPolicy {
  int max_retries = 3;  // retries after the first attempt, before the first token
  std::chrono::milliseconds base_backoff{500};  // doubled per retry
  std::chrono::milliseconds max_backoff{8000};
  // A server-requested delay longer than this is not waited for: the error
  // goes to the caller at once (a user is watching).
  std::chrono::milliseconds max_retry_after{20000};
};

// Waits `delay` (tests inject one that records and returns at once).
using Sleeper = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds delay)>;

struct AzureClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds first_token_timeout{60000};  // headers, then the first token
  std::chrono::milliseconds idle_timeout{60000};         // between body pieces
  AzureRetryPolicy retry;
  std::size_t max_error_body_bytes = 64 * 1024;  // read of a non-2xx body
  Sleeper sleep;                                 // empty: a steady_timer on the io_context
};

// The chat-completions URL for cfg.
std::string chat_completions_url(const config::AzureOpenAiConfig& cfg);

// Retry delay for retry number `retry` (0-based) without a server hint:
// min(max_backoff, base * 2^retry), then jittered into [d/2, d].
std::chrono::milliseconds backoff_delay(const AzureRetryPolicy& policy, int retry, Random& random);

// `io`, `http`, `random` and `clock` must outlive the model.
std::unique_ptr<ChatModel> make_azure_chat_model(boost::asio::io_context& io,
                                                 http::HttpClient& http,
                                                 const config::AzureOpenAiConfig& cfg,
                                                 std::unique_ptr<Credential> credential,
                                                 Random& random, const Clock& clock,
                                                 AzureClientOptions options = {});

}  // namespace parley::llm
