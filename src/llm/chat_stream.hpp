#pragma once
// Decodes Azure OpenAI chat-completion stream chunks (the `data:` payloads of
// a `stream: true` response) into typed items. Pure; one decoder per stream;
// not thread-safe.
//
// Shapes accepted (see shared/samples/aoai-chat-stream-*.sse.txt): the Azure
// preamble chunk (choices:[], prompt_filter_results), role-only chunks,
// content chunks with content_filter_results, annotation-only chunks with
// content_filter_offsets, the finish chunk, the include_usage chunk
// (choices:[], usage) and the `[DONE]` sentinel. Unknown keys are ignored;
// the SSE event name is not checked (Azure sends none).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "llm/sse_parser.hpp"

namespace parley::llm {

struct TextDelta {
  std::string text;
  friend bool operator==(const TextDelta&, const TextDelta&) = default;
};
// finish_reason as sent: "stop", "length", "content_filter", "tool_calls", ...
struct Finish {
  std::string reason;
  friend bool operator==(const Finish&, const Finish&) = default;
};
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  friend bool operator==(const Usage&, const Usage&) = default;
};
struct Done {
  friend bool operator==(const Done&, const Done&) = default;
};
// The first non-empty "model" seen in the stream (emitted once).
struct ModelName {
  std::string model;
  friend bool operator==(const ModelName&, const ModelName&) = default;
};
// A filter annotation with filtered:true. `source` is "prompt"
// (prompt_filter_results) or "completion" (choices[].content_filter_results);
// `category` is the annotation key ("hate", "protected_material_text", ...).
struct FilterAlarm {
  std::string source;
  std::string category;
  friend bool operator==(const FilterAlarm&, const FilterAlarm&) = default;
};

using StreamItem = std::variant<TextDelta, Finish, Usage, Done, ModelName, FilterAlarm>;

class ChatStreamDecoder {
 public:
  // Appends the items carried by one SSE event, in this order: ModelName,
  // FilterAlarm..., TextDelta, Finish, Usage (or Done for "[DONE]").
  // Only choice index 0 is read (Parley never asks for n > 1). Events with
  // empty data are keep-alives and yield nothing; events after [DONE] are ignored.
  // Errors: "llm.bad_chunk" (data is not a JSON object), "llm.upstream_error"
  // (an {"error":{...}} object inside the stream; detail = its message).
  // An in-stream error with code "content_filter" is not an error: it yields
  // Finish{"content_filter"}.
  Status decode(const SseEvent& event, std::vector<StreamItem>& out);

  // Convenience for one event.
  Result<std::vector<StreamItem>> decode(const SseEvent& event);

  bool done() const { return done_; }

 private:
  bool done_ = false;
  bool model_seen_ = false;
};

// Annotation helper, exposed for tests and the error classifier: appends the
// keys of `content_filter_results`-shaped JSON text whose entry reports
// filtered:true. Entries with filtered:false, empty objects and "error"
// entries (the filter did not run; not a block) are not alarms.
std::vector<std::string> filtered_categories_in(std::string_view json_object_text);

// A short user-readable label for a filter category ("self_harm" -> "self-harm",
// "protected_material_text" -> "protected material"); unknown keys pass through
// only when they look like identifiers, else "policy".
std::string filter_category_label(std::string_view category);

// "The answer was stopped by the content filter (violence)." / without
// categories: "The answer was stopped by the content filter."
std::string content_filter_answer_message(const std::vector<std::string>& categories);
// "The request was blocked by the content filter (hate, violence)." (HTTP 400 case).
std::string content_filter_request_message(const std::vector<std::string>& categories);

}  // namespace parley::llm
