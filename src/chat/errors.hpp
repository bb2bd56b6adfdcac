#pragma once
// Error codes of the chat module, with the public faces the API shows.

#include "core/result.hpp"

namespace parley::errc {

namespace chat {
inline constexpr ErrorCode bad_cursor{Kind::bad_request, "chat.bad_cursor", {}, "The cursor is not valid"};
inline constexpr ErrorCode bad_request{Kind::bad_request, "chat.bad_request"};
inline constexpr ErrorCode conflict{Kind::conflict, "chat.conflict", {}, "An answer is already being written in this conversation"};
inline constexpr ErrorCode invalid_json{Kind::bad_request, "chat.invalid_json", "invalid_json", "The body is not valid JSON"};
inline constexpr ErrorCode not_found{Kind::not_found, "chat.not_found", {}, "No such conversation"};
inline constexpr ErrorCode nothing_to_regenerate{Kind::conflict, "chat.nothing_to_regenerate", {}, "This conversation has no message to answer again"};
inline constexpr ErrorCode too_large{Kind::too_large, "chat.too_large"};
}  // namespace chat

}  // namespace parley::errc
