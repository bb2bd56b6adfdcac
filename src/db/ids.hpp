#pragma once
// Typed identifiers for repository signatures: a function that takes a
// UserId cannot be handed a session id by mistake. Values are uuid text as
// PostgreSQL prints it (lowercase, hyphenated).

#include <compare>
#include <string>

namespace parley::db {

struct UserId {
  std::string value;
  friend auto operator<=>(const UserId&, const UserId&) = default;
};

struct SessionId {
  std::string value;
  friend auto operator<=>(const SessionId&, const SessionId&) = default;
};

struct ConversationId {
  std::string value;
  friend auto operator<=>(const ConversationId&, const ConversationId&) = default;
};

struct MessageId {
  std::string value;
  friend auto operator<=>(const MessageId&, const MessageId&) = default;
};

}  // namespace parley::db
