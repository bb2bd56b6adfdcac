#include "chat/status.hpp"

namespace parley::chat {

// Switches without a default: a new enumerator without its text is a
// compiler warning (an error in the test build).
std::string_view to_string(AnswerStatus status) {
  switch (status) {
    case AnswerStatus::streaming:
      return "streaming";
    case AnswerStatus::complete:
      return "complete";
    case AnswerStatus::stopped:
      return "stopped";
    case AnswerStatus::failed:
      return "failed";
    case AnswerStatus::filtered:
      return "filtered";
  }
  return "failed";
}

std::optional<AnswerStatus> parse_answer_status(std::string_view text) {
  for (auto s : {AnswerStatus::streaming, AnswerStatus::complete, AnswerStatus::stopped,
                 AnswerStatus::failed, AnswerStatus::filtered}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::system:
      return "system";
  }
  return "user";
}

std::optional<Role> parse_role(std::string_view text) {
  for (auto r : {Role::user, Role::assistant, Role::system}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

}  // namespace parley::chat
