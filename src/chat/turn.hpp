#pragma once
// The rules of a turn (a new message, or "regenerate") as pure functions
// over what the turn transaction read (chat/store.hpp): whether an answer is
// already streaming there, which earlier messages go upstream, what
// regenerate answers and replaces, and whether the answer will name the
// conversation. The repository only runs the steps around them
// (db/messages_repo.hpp); the rules are tested without a database.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/proto.hpp"
#include "chat/status.hpp"
#include "core/result.hpp"
#include "llm/request.hpp"

namespace parley::chat {

// A 'streaming' answer whose row was not written for this long belongs to a
// process that died: it no longer blocks the conversation and the sweep
// turns it 'failed'. Live answers renew their lease every 15 s (AnswerTiming).
inline constexpr std::chrono::seconds kStreamLease{120};

// A message as the turn transaction read it.
struct StoredMessage {
  std::string id;
  Role role = Role::user;
  AnswerStatus status = AnswerStatus::complete;
  std::string content;
  std::string created_at;             // exact timestamptz text (the partition key)
  std::chrono::milliseconds idle{0};  // since the row was last written (the database's clock)
};

// A locked conversation: its title and messages, oldest first.
struct ConversationSnapshot {
  std::string title;
  std::vector<StoredMessage> messages;
  std::optional<std::string> model;  // the PARLEY_MODELS name it chose; nullopt: the default
};

// A message addressed by id and exact created_at.
struct MessageRef {
  std::string id;
  std::string created_at;
};

// What a turn writes and sends upstream.
struct TurnPlan {
  std::string user_content;  // the message being answered
  // Regenerate: the existing user message answered again; the assistant
  // messages after it are replaced. nullopt: user_content is a new message.
  std::optional<MessageRef> regenerates;
  std::vector<llm::ChatMessage> history;  // earlier turns for the model, oldest first
  // Still the default title and no earlier answer: a complete answer names
  // the conversation.
  bool names_conversation = false;
};

// An answer is streaming in the conversation and its lease is alive.
bool answer_in_progress(const ConversationSnapshot& conversation, std::chrono::milliseconds lease);

// The earlier messages worth sending upstream, oldest first: the user's
// messages and the complete or stopped answers (failed, filtered and
// streaming ones are left out), never an empty one.
std::vector<llm::ChatMessage> select_history(std::span<const StoredMessage> earlier);

// A new message. chat.conflict while an answer streams.
Result<TurnPlan> plan_message(const ConversationSnapshot& conversation, std::string content,
                              std::chrono::milliseconds lease = kStreamLease);

// Regenerate: answers the conversation's last user message again, with the
// messages before it as history. chat.conflict while an answer streams,
// chat.nothing_to_regenerate without any user message.
Result<TurnPlan> plan_regenerate(const ConversationSnapshot& conversation,
                                 std::chrono::milliseconds lease = kStreamLease);

// The messages sent upstream: the system prompt (if any), as much recent
// history as history_max_chars allows, and the user's message, which always
// goes (llm::bound_history).
std::vector<llm::ChatMessage> turn_messages(const TurnPlan& plan, std::string_view system_prompt,
                                            std::size_t history_max_chars);

}  // namespace parley::chat
