#pragma once
// OpenAI's chat-completions wire format, for Parley's /v1 service API
// (DESIGN.md "Service API"; decision 0014-service-api): the request body of
// POST /v1/chat/completions, the completion and chunk objects, the model
// list and the error object. Pure: no I/O, time and ids are inputs; the /v1
// handlers render every error through render_error().
//
// Shapes follow the OpenAI API reference ("The chat completion object",
// "The chat completion chunk object", "List models", error responses), so
// the official `openai` clients parse them unchanged.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "llm/request.hpp"

namespace parley::llm::openai {

// What Parley accepts of a chat-completions request. Keys it does not know
// and that change nothing it does (seed, presence_penalty, metadata, store,
// logprobs:false...) are ignored; features it cannot honour are refused
// (see parse_completion_request).
struct CompletionRequest {
  std::string model;
  std::vector<ChatMessage> messages;  // roles system, user, assistant
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // max_completion_tokens, else max_tokens (the older name); the handler
  // still caps it at PARLEY_MAX_OUTPUT_TOKENS.
  std::optional<int> max_tokens;
  std::optional<double> temperature;  // 0..2
  std::optional<double> top_p;        // 0..1
  std::vector<std::string> stop;      // at most 4
  std::string user;                   // the caller's end-user id, for the log
};

inline constexpr std::size_t kMaxStopSequences = 4;

// Parses the body. On failure `bad_param` names the offending parameter as
// OpenAI does ("messages[2].role", "n"; empty when none applies) and the
// error, of kind bad_request, carries a public message our code wrote:
//  openai.invalid_json           not JSON, or not an object
//  openai.missing_parameter      no model, no messages, an empty messages
//  openai.invalid_type           a parameter of the wrong JSON type
//  openai.invalid_value          out of range (temperature 3, max_tokens 0),
//                                an unknown role, a content part without text
//  openai.unsupported_parameter  tools, tool_choice, functions, function_call,
//                                parallel_tool_calls, audio, modalities,
//                                a message's tool_calls/function_call
//  openai.unsupported_value      n other than 1, a role Parley does not relay
//                                (tool, function), a non-text content part,
//                                logprobs true, a response_format other than
//                                text, stream_options without stream
// "developer" (OpenAI's newer name for system) is read as "system".
Result<CompletionRequest> parse_completion_request(std::string_view body, std::string& bad_param);

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

// "chatcmpl-" followed by `random_token` (e.g. Random::token(18)).
std::string completion_id(std::string_view random_token);

// A non-streamed answer: {"id","object":"chat.completion","created","model",
// "choices":[{"index":0,"message":{"role":"assistant","content","refusal":null},
// "logprobs":null,"finish_reason"}],"usage":{"prompt_tokens",
// "completion_tokens","total_tokens"}}. finish_reason as the upstream said
// ("stop", "length", "content_filter").
struct Completion {
  std::string id;
  std::int64_t created = 0;  // epoch seconds
  std::string model;         // the name the client asked for
  std::string content;
  std::string finish_reason = "stop";
  Usage usage;
};
std::string render_completion(const Completion& c);

// The streamed answer as server-sent events, each "data: <json>\n\n". Every
// chunk has the same id, created and model; with include_usage every chunk
// carries "usage":null and usage() adds the final chunk with empty choices.
// Order: role(), delta()..., finish(), [usage()], done().
class ChunkWriter {
 public:
  ChunkWriter(std::string id, std::int64_t created, std::string model, bool include_usage);

  // The first chunk: delta {"role":"assistant","content":""}.
  std::string role() const;
  // A piece of the answer: delta {"content": text}.
  std::string delta(std::string_view text) const;
  // The last choice chunk: empty delta and the finish_reason.
  std::string finish(std::string_view finish_reason) const;
  // The usage chunk ("choices":[]); empty when include_usage was not asked.
  std::string usage(const Usage& u) const;
  // "data: [DONE]\n\n".
  static std::string_view done();

 private:
  std::string chunk(std::string_view choices_json, std::string_view usage_json) const;
  std::string prefix_;  // {"id":...,"object":"chat.completion.chunk","created":...,"model":...,
  bool include_usage_;
};

// GET /v1/models: {"object":"list","data":[{"id","object":"model","created",
// "owned_by"}]} in the configured order.
std::string render_model_list(const std::vector<std::string>& names, std::int64_t created,
                              std::string_view owned_by = "parley");

// An error in OpenAI's shape, from any Parley error.
struct WireError {
  int status;
  std::string body;  // {"error":{"message","type","param","code"}}
};
// The one mapping from Parley's error kinds to OpenAI's error types:
//  bad_request, conflict, too_large -> invalid_request_error (400, 409, 413)
//  unauthorized -> authentication_error (401); forbidden -> permission_error
//  not_found -> not_found_error (404); rate_limited -> rate_limit_error (429)
//  upstream -> api_error (502); unavailable, internal -> server_error (503, 500)
// Status, code and message are core/public_error.hpp's (the ErrorCode's public
// face), so no detail leaks; `param` is null when empty.
std::string_view error_type(Kind kind);
WireError render_error(const Error& e, std::string_view param = {});
// The same error as one server-sent event, for a failure after the stream
// began (the official clients raise it as an APIError).
std::string stream_error(const Error& e);

}  // namespace parley::llm::openai
