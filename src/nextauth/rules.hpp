#pragma once
// The rules of `parley import nextauth`, over plain rows (no I/O): which
// source messages are importable, how they form conversations and what
// those are called, and the summary the command prints.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "db/import_rows.hpp"

namespace parley::nextauth {

// A message longer than this is not imported (counted as rejected).
inline constexpr std::size_t kMaxImportedMessageBytes = 1 << 20;
// Messages written per statement.
inline constexpr std::size_t kMessagesPerBatch = 500;
// The title of a conversation without a user message.
inline constexpr std::string_view kUntitledImport = "Imported conversation";

struct ConversationPlan {
  std::string key;
  std::string title;                        // from its first user message (chat's fallback title)
  std::string created_at;                   // its first message's time
  std::vector<db::ImportMessage> messages;  // oldest first
};

struct MessagePlan {
  std::vector<ConversationPlan> conversations;
  // Rows refused: role not user/assistant/system (after trimming and
  // lower-casing), content or created_at NULL, content over the limit.
  std::int64_t rejected = 0;
};

// `rows` ordered by conversation key, then time (as the source query reads them).
MessagePlan plan_conversations(std::span<const db::SourceMessage> rows);

struct ImportSummary {
  bool dry_run = false;
  bool messages_view_found = true;
  std::int64_t users_imported = 0;
  std::int64_t users_already = 0;  // an earlier run imported them
  std::int64_t users_failed = 0;   // their transaction was rolled back
  std::int64_t accounts_imported = 0;
  std::int64_t conversations_imported = 0;
  std::int64_t conversations_already = 0;
  std::int64_t conversations_deleted = 0;  // imported before, deleted since: not brought back
  std::int64_t messages_imported = 0;
  std::int64_t messages_already = 0;
  std::int64_t messages_rejected = 0;
  std::vector<std::string> failures;  // "<Auth.js user id>: <code>" (the first few)
};

inline constexpr std::size_t kFailuresListed = 10;

// The lines the command prints (each ends with '\n').
std::string summary_text(const ImportSummary& s);

}  // namespace parley::nextauth
