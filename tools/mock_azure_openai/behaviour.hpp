#pragma once
// What the mock answers: the knobs set through POST /_mock/behaviour and the
// Azure-shaped bodies and stream chunks built from them. No I/O.

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mock_aoai {

struct Behaviour {
  int chunks = 20;               // content chunks per answer
  int chunk_delay_ms = 40;       // between content chunks
  int first_token_delay_ms = 0;  // after the preamble and role chunk, before the first content
  int headers_delay_ms = 0;      // before the status line (time to first byte)
  std::string fault;             // "", 401, 429, 500, 503, content_filter_prompt,
                                 // content_filter_midstream, cut, stall, bad_json
  int times = -1;                // fault only the next N chat requests (-1: all)
  int cut_after = 3;             // "cut": content chunks sent before the close
  std::optional<std::string> retry_after_ms;  // header values sent with 429/5xx, verbatim
  std::optional<std::string> retry_after;
  std::optional<std::string> text;  // answer text override
  std::string model = "gpt-4o-mini-2024-07-18";
  bool hold = false;  // chat requests wait (counted, unanswered) until set false again
};

// Merges known keys of `patch` into `b`; a null value restores the default.
// Returns an error text for an unknown key or a wrong type (b unchanged then).
std::optional<std::string> merge(Behaviour& b, const boost::json::object& patch);
boost::json::object to_json(const Behaviour& b);

// The deterministic answer: "You said: <first 60 chars of the last user
// message>. " followed by fixed filler sentences (or the `text` override).
std::string answer_text(const Behaviour& b, const boost::json::value& request);
// Splits text into at most n pieces on word boundaries (each piece keeps its
// leading space, like model tokens); concatenating them gives the text back.
std::vector<std::string> split_pieces(const std::string& text, int n);
// Plausible token counts: words in the messages (+3 per message) and in the answer.
std::int64_t count_words(const std::string& text);
std::int64_t prompt_tokens(const boost::json::value& request);

// Stream chunks (the JSON after "data: "), shaped like the recorded samples.
struct StreamIds {
  std::string id;  // chatcmpl-...
  std::int64_t created = 0;
  std::string model;
};
std::string preamble_chunk();
std::string role_chunk(const StreamIds& ids);
std::string content_chunk(const StreamIds& ids, const std::string& text);
// content_chunk() for many pieces of one stream without rebuilding the JSON
// tree each time (the mock's hot path with 1,000+ streams).
class ContentChunkTemplate {
 public:
  explicit ContentChunkTemplate(const StreamIds& ids);
  std::string render(const std::string& text) const;

 private:
  std::string prefix_, suffix_;
};
std::string finish_chunk(const StreamIds& ids, const std::string& reason);
std::string usage_chunk(const StreamIds& ids, std::int64_t prompt, std::int64_t completion);
std::string filter_annotation_chunk(std::int64_t offset);  // filtered:false + offsets
std::string filter_blocked_chunk(std::int64_t offset);     // finish_reason content_filter

std::string completion_body(const StreamIds& ids, const std::string& text, std::int64_t prompt,
                            std::int64_t completion);

// Error bodies, verbatim from shared/samples.
std::string body_401();
std::string body_404_deployment();
std::string body_429();
std::string body_500();
std::string body_content_filter_400();
std::string body_missing_api_version();
std::string body_bad_request(const std::string& message);

}  // namespace mock_aoai
