#pragma once
// The pure parts of chat (no Asio, no database): request validation, the
// pagination cursor, SSE event frames, folding model stream items into an
// answer, titles and the mapping of model errors to what users see.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/status.hpp"
#include "core/result.hpp"
#include "llm/chat_stream.hpp"
#include "llm/request.hpp"

namespace parley::chat {

inline constexpr std::size_t kMaxTitleChars = 200;          // code points
inline constexpr std::size_t kMaxContentBytes = 32 * 1024;  // UTF-8 bytes
inline constexpr std::size_t kMaxGeneratedTitleChars = 60;  // code points
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
// The title of a conversation nobody named yet (its first complete answer
// names it). db::set_generated_title only replaces this one.
inline constexpr std::string_view kDefaultTitle = "New chat";
inline constexpr int kTitleMaxTokens = 24;  // the model's budget for a title

// ---- Validation. Errors carry a *public* message in `detail` (safe to
// show): chat.invalid_json (400 invalid_json), chat.bad_request (400
// bad_request), chat.too_large (413 too_large).

bool valid_utf8(std::string_view text);
bool is_uuid(std::string_view text);

// A conversation's fields as a request gives them. `model` is only shaped
// here (a string or null); whether it is configured is the service's check
// (chat.model_not_found).
struct ConversationFields {
  std::optional<std::string> title;  // nullopt: not given
  bool has_model = false;            // `model` given (a string, or null: the default)
  std::optional<std::string> model;
};
// POST /api/conversations: empty body or {} -> nothing given (default title,
// default model); {"title": string} -> the trimmed title (1..200 code
// points); {"model": string|null}.
Result<ConversationFields> parse_create_body(std::string_view body);
// PATCH /api/conversations/{id}: {"title"?: string, "model"?: string|null},
// at least one of them.
Result<ConversationFields> parse_update_body(std::string_view body);
// POST .../messages: {"content": string}, non-blank, at most 32 KB.
Result<std::string> parse_message_body(std::string_view body);
// ?limit=: absent -> 20; 1..100 else chat.bad_request.
Result<int> parse_limit(const std::optional<std::string>& text);

// ---- Cursor: opaque base64url of "v1|<updated_at timestamptz text>|<uuid>".
struct CursorKey {
  std::string updated_at;
  std::string id;
  friend bool operator==(const CursorKey&, const CursorKey&) = default;
};
std::string encode_cursor(const CursorKey& key);
// nullopt for anything we did not issue (bad base64, version, shape).
std::optional<CursorKey> decode_cursor(std::string_view cursor);

// ---- SSE frames (DESIGN.md "Conversations"); data is one line of JSON.
struct UsageCounts {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};
std::string start_frame(std::string_view user_message_id, std::string_view assistant_message_id);
std::string delta_frame(std::string_view text);
std::string title_frame(std::string_view title);
std::string done_frame(std::string_view message_id, std::string_view status,
                       const std::optional<std::string>& finish_reason,
                       const std::optional<UsageCounts>& usage);
std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view message_id);

// ---- An answer being received.
struct AnswerState {
  std::string text;
  std::optional<std::string> model;
  std::optional<std::string> finish_reason;
  std::optional<UsageCounts> usage;
  bool filtered = false;  // a completion filter fired or finish_reason content_filter
  bool done = false;      // [DONE] seen

  // Folds one item in; text deltas are also appended to `delta_out`.
  void apply(const llm::StreamItem& item, std::string& delta_out);
  // How an answer that ended normally is stored.
  AnswerStatus ended_status() const {
    return filtered ? AnswerStatus::filtered : AnswerStatus::complete;
  }
};

// How an answer ended, as stored.
struct FinalAnswer {
  std::string content;
  AnswerStatus status = AnswerStatus::failed;  // complete | stopped | failed | filtered
  std::optional<std::string> model;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::string> finish_reason;
  std::optional<std::string> error_code;  // the public code, when failed
};

// ---- What users are told about a model failure (the detail stays in the log).
struct PublicError {
  std::string code;
  std::string message;
};
PublicError public_error(const Error& e);

// ---- Titles.
// The start of the user's message: whitespace collapsed, at most 60 code
// points (cut at a word boundary when there is one), never empty.
std::string fallback_title(std::string_view user_message);
// A model's title cleaned up (one line, no quotes or trailing period, at
// most 60 code points); nullopt when nothing usable is left.
std::optional<std::string> clean_generated_title(std::string_view raw);
// The conversation's name after its first answer: the model's title cleaned
// up, else (the model failed, or nothing usable is left) the start of the
// user's message.
std::string conversation_title(std::optional<std::string_view> model_title,
                               std::string_view user_message);
// The short prompt for ChatModel::complete.
std::vector<llm::ChatMessage> title_prompt(std::string_view user_message, std::string_view answer);

}  // namespace parley::chat
