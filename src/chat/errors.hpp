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
// A `model` not in PARLEY_MODELS: 404 model_not_found, as /v1 (DESIGN.md
// "Service API"); the message does not echo the name.
inline constexpr ErrorCode model_not_found{
    Kind::not_found, "chat.model_not_found", "model_not_found",
    "The model does not exist or is not available here; GET /api/models lists the models"};
inline constexpr ErrorCode nothing_to_regenerate{Kind::conflict, "chat.nothing_to_regenerate", {}, "This conversation has no message to answer again"};
inline constexpr ErrorCode too_large{Kind::too_large, "chat.too_large"};
}  // namespace chat

}  // namespace parley::errc
