#include "llm/request.hpp"

#include <boost/json.hpp>

namespace parley::llm {

namespace json = boost::json;

std::string build_chat_request(const std::vector<ChatMessage>& messages,
                               const ChatOptions& options) {
  json::object body;
  json::array arr;
  arr.reserve(messages.size());
  for (const auto& m : messages) {
    json::object o;
    o["role"] = m.role;
    o["content"] = m.content;
    arr.emplace_back(std::move(o));
  }
  body["messages"] = std::move(arr);
  if (options.stream) {
    body["stream"] = true;
    if (options.include_usage) {
      json::object so;
      so["include_usage"] = true;
      body["stream_options"] = std::move(so);
    }
  }
  if (options.max_tokens) body["max_tokens"] = *options.max_tokens;
  if (options.temperature) body["temperature"] = *options.temperature;
  if (options.top_p) body["top_p"] = *options.top_p;
  if (!options.stop.empty()) {
    json::array stop;
    for (const auto& s : options.stop) stop.emplace_back(json::string_view(s));
    body["stop"] = std::move(stop);
  }
  return json::serialize(body);
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0U) != 0x80U) ++n;  // count every byte that is not a continuation byte
  }
  return n;
}

std::vector<ChatMessage> bound_history(std::string_view system_prompt,
                                       const std::vector<ChatMessage>& history,
                                       std::string_view newest_user_message,
                                       std::size_t max_chars) {
  const std::size_t fixed = utf8_length(system_prompt) + utf8_length(newest_user_message);
  std::size_t budget = max_chars > fixed ? max_chars - fixed : 0;
  // Walk back from the newest turn; stop at the first that does not fit so the
  // kept turns stay contiguous (a gap would change the conversation's meaning).
  std::size_t first_kept = history.size();
  while (first_kept > 0) {
    const std::size_t len = utf8_length(history[first_kept - 1].content);
    if (len > budget) break;
    budget -= len;
    --first_kept;
  }
  std::vector<ChatMessage> out;
  out.reserve(history.size() - first_kept + 2);
  if (!system_prompt.empty()) out.push_back({"system", std::string(system_prompt)});
  for (std::size_t i = first_kept; i < history.size(); ++i) out.push_back(history[i]);
  out.push_back({"user", std::string(newest_user_message)});
  return out;
}

}  // namespace parley::llm
