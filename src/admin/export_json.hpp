#pragma once
// The JSON document of GET /api/me/export, written piece by piece so that
// the export streams page by page and never sits whole in memory:
//
//   {"version":1,"exported_at":"…","user":{"id","name","email"},
//    "conversations":[{"id","title","created_at","updated_at",
//                      "messages":[{"id","role","content","status","model",
//                                   "usage","created_at"},…]},…]}
//
// Conversation and message objects have the fields (and nulls) of
// GET /api/conversations/{id}. Times are ISO-8601 UTC with milliseconds.
// Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::admin {

struct ExportOwner {
  std::string id;
  std::string name;
  std::string email;
};

struct ExportConversation {
  std::string id;
  std::string title;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> model;  // the PARLEY_MODELS name; null: the default model
};

struct ExportMessage {
  std::string id;
  std::string role;
  std::string content;
  std::string status;
  std::optional<std::string> model;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::string created_at;
};

inline constexpr int kExportVersion = 1;

// Up to the '[' that opens "conversations".
void append_export_head(std::string& out, const ExportOwner& owner, std::string_view exported_at);
// A conversation up to the '[' that opens its "messages"; `first`: no comma.
void append_conversation_open(std::string& out, const ExportConversation& c, bool first);
void append_message(std::string& out, const ExportMessage& m, bool first);
// Closes the messages and the conversation.
void append_conversation_close(std::string& out);
// Closes "conversations" and the document.
void append_export_tail(std::string& out);

// The download's file name for an export made on that UTC day
// (`iso_timestamp` starts with YYYY-MM-DD): parley-export-YYYY-MM-DD.json.
std::string export_file_name(std::string_view iso_timestamp);

}  // namespace parley::admin
