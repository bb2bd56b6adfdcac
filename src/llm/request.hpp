#pragma once
// Chat-completions request bodies and the history budget. Pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::llm {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
  friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

struct ChatOptions {
  bool stream = true;         // adds "stream":true and stream_options.include_usage
  bool include_usage = true;  // only with stream
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::vector<std::string> stop;  // at most 4 (the /v1 parser checks)
};

// {"messages":[{"role","content"}...],"stream":true,"stream_options":{"include_usage":true},
//  "max_tokens"?, "temperature"?, "top_p"?, "stop"?}. Strings are JSON-escaped by Boost.JSON.
std::string build_chat_request(const std::vector<ChatMessage>& messages,
                               const ChatOptions& options);

// Length in Unicode code points of UTF-8 text (invalid bytes count as one each).
std::size_t utf8_length(std::string_view text);

// The messages sent upstream: [system_prompt (when non-empty)], the newest
// turns of `history` (oldest first) that fit, then the newest user message.
// Budget in code points over all contents; the oldest turns are dropped first
// and the kept turns are a contiguous suffix of history. The system prompt and
// the newest user message always go, even when they alone exceed max_chars.
std::vector<ChatMessage> bound_history(std::string_view system_prompt,
                                       const std::vector<ChatMessage>& history,
                                       std::string_view newest_user_message, std::size_t max_chars);

}  // namespace parley::llm
