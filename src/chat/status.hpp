#pragma once
// A message's stored status and its role as typed values. Their text is the
// database's CHECK values (db/migrations/003_chat.sql) and what the API and
// the event stream show (DESIGN.md "Conversations"); the text never changes.
// Pure.

#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::chat {

enum class AnswerStatus : std::uint8_t { streaming, complete, stopped, failed, filtered };

std::string_view to_string(AnswerStatus status);
// nullopt for text that is not one of the five.
std::optional<AnswerStatus> parse_answer_status(std::string_view text);

enum class Role : std::uint8_t { user, assistant, system };

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

}  // namespace parley::chat
