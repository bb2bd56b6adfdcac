#include "chat/turn.hpp"

#include <algorithm>

#include "chat/errors.hpp"

namespace parley::chat {

namespace {

bool worth_sending(const StoredMessage& m) {
  if (m.content.empty()) return false;
  if (m.role == Role::user) return true;
  return m.role == Role::assistant &&
         (m.status == AnswerStatus::complete || m.status == AnswerStatus::stopped);
}

bool answered_before(std::span<const StoredMessage> earlier) {
  return std::any_of(earlier.begin(), earlier.end(),
                     [](const StoredMessage& m) { return m.role == Role::assistant; });
}

}  // namespace

bool answer_in_progress(const ConversationSnapshot& conversation, std::chrono::milliseconds lease) {
  return std::any_of(conversation.messages.begin(), conversation.messages.end(),
                     [lease](const StoredMessage& m) {
                       return m.status == AnswerStatus::streaming && m.idle < lease;
                     });
}

std::vector<llm::ChatMessage> select_history(std::span<const StoredMessage> earlier) {
  std::vector<llm::ChatMessage> out;
  for (const StoredMessage& m : earlier) {
    if (worth_sending(m)) out.push_back({std::string(to_string(m.role)), m.content});
  }
  return out;
}

Result<TurnPlan> plan_message(const ConversationSnapshot& conversation, std::string content,
                              std::chrono::milliseconds lease) {
  if (answer_in_progress(conversation, lease)) return Error(errc::chat::conflict);
  TurnPlan plan;
  plan.user_content = std::move(content);
  plan.history = select_history(conversation.messages);
  plan.names_conversation =
      conversation.title == kDefaultTitle && !answered_before(conversation.messages);
  return plan;
}

Result<TurnPlan> plan_regenerate(const ConversationSnapshot& conversation,
                                 std::chrono::milliseconds lease) {
  if (answer_in_progress(conversation, lease)) return Error(errc::chat::conflict);
  const auto& messages = conversation.messages;
  const auto last_user = std::find_if(messages.rbegin(), messages.rend(),
                                      [](const StoredMessage& m) { return m.role == Role::user; });
  if (last_user == messages.rend()) return Error(errc::chat::nothing_to_regenerate);
  const std::span<const StoredMessage> earlier(
      messages.data(), static_cast<std::size_t>(messages.rend() - last_user - 1));
  TurnPlan plan;
  plan.user_content = last_user->content;
  plan.regenerates = MessageRef{last_user->id, last_user->created_at};
  plan.history = select_history(earlier);
  plan.names_conversation = conversation.title == kDefaultTitle && !answered_before(earlier);
  return plan;
}

std::vector<llm::ChatMessage> turn_messages(const TurnPlan& plan, std::string_view system_prompt,
                                            std::size_t history_max_chars) {
  return llm::bound_history(system_prompt, plan.history, plan.user_content, history_max_chars);
}

}  // namespace parley::chat
