#include "nextauth/rules.hpp"

#include <algorithm>
#include <cctype>

#include "chat/proto.hpp"

namespace parley::nextauth {

namespace {

// "user", "assistant" or "system", or "" for anything else.
std::string normalised_role(std::string_view raw) {
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front())))
    raw.remove_prefix(1);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
  std::string role(raw);
  std::transform(role.begin(), role.end(), role.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (role == "user" || role == "assistant" || role == "system") return role;
  return "";
}

std::string title_of(const std::vector<db::ImportMessage>& messages) {
  for (const auto& m : messages) {
    if (m.role == "user") return chat::fallback_title(m.content);
  }
  return std::string(kUntitledImport);
}

}  // namespace

MessagePlan plan_conversations(std::span<const db::SourceMessage> rows) {
  MessagePlan plan;
  for (const auto& row : rows) {
    std::string role = normalised_role(row.role);
    if (role.empty() || !row.content || !row.created_at ||
        row.content->size() > kMaxImportedMessageBytes) {
      ++plan.rejected;
      continue;
    }
    if (plan.conversations.empty() || plan.conversations.back().key != row.conversation_key) {
      plan.conversations.push_back(ConversationPlan{row.conversation_key, {}, *row.created_at, {}});
    }
    plan.conversations.back().messages.push_back(
        db::ImportMessage{std::move(role), *row.content, *row.created_at});
  }
  for (auto& c : plan.conversations) c.title = title_of(c.messages);
  return plan;
}

std::string summary_text(const ImportSummary& s) {
  auto n = [](std::int64_t v) { return std::to_string(v); };
  std::string out = s.dry_run ? "dry run: nothing was written; a real run would import\n" : "";
  out += "users: " + n(s.users_imported) + " imported, " + n(s.users_already) +
         " already imported, " + n(s.users_failed) + " failed\n";
  out += "accounts: " + n(s.accounts_imported) + " imported\n";
  if (!s.messages_view_found) {
    out += "messages: the messages view does not exist; no conversations were imported\n";
  } else {
    out += "conversations: " + n(s.conversations_imported) + " imported, " +
           n(s.conversations_already) + " already imported, " + n(s.conversations_deleted) +
           " deleted since an earlier import (not brought back)\n";
    out += "messages: " + n(s.messages_imported) + " imported, " + n(s.messages_already) +
           " already imported, " + n(s.messages_rejected) + " rejected\n";
  }
  for (const auto& f : s.failures) out += "failed: " + f + "\n";
  if (s.users_failed > static_cast<std::int64_t>(s.failures.size())) {
    out +=
        "failed: " + n(s.users_failed - static_cast<std::int64_t>(s.failures.size())) + " more\n";
  }
  return out;
}

}  // namespace parley::nextauth
