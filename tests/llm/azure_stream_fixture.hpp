#pragma once
// Azure OpenAI stream bodies in the shape of shared/samples (preamble,
// role chunk, content chunks, finish, usage, [DONE]) for the client tests.

#include <string>
#include <vector>

namespace parley::llm::test {

inline std::string sse_chunk(const std::string& json) { return "data: " + json + "\n\n"; }

inline std::string content_chunk(const std::string& text) {
  return sse_chunk(
      R"({"choices":[{"content_filter_results":{},"delta":{"content":")" + text +
      R"("},"finish_reason":null,"index":0}],"created":1,"id":"c1","model":"gpt-4o-mini","object":"chat.completion.chunk"})");
}

// A whole Azure stream answering the words given (each a content chunk).
inline std::string azure_stream(const std::vector<std::string>& words, bool done = true) {
  std::string s = sse_chunk(
      R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]})");
  s += sse_chunk(
      R"({"choices":[{"content_filter_results":{},"delta":{"role":"assistant","content":""},"finish_reason":null,"index":0}],"created":1,"id":"c1","model":"gpt-4o-mini","object":"chat.completion.chunk"})");
  for (const auto& w : words) s += content_chunk(w);
  if (!done) return s;
  s += sse_chunk(
      R"({"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0}],"created":1,"id":"c1","model":"gpt-4o-mini","object":"chat.completion.chunk"})");
  s += sse_chunk(
      R"({"choices":[],"created":1,"id":"c1","model":"gpt-4o-mini","object":"chat.completion.chunk","usage":{"completion_tokens":2,"prompt_tokens":5,"total_tokens":7}})");
  s += "data: [DONE]\n\n";
  return s;
}

}  // namespace parley::llm::test
