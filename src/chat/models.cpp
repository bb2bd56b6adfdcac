#include "chat/models.hpp"

namespace parley::chat {

const ModelChoice* find_model(std::span<const ModelChoice> models, std::string_view name) {
  for (const ModelChoice& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

ModelChoice answering_model(std::span<const ModelChoice> models,
                            const std::optional<std::string>& stored) {
  if (stored) {
    if (const ModelChoice* m = find_model(models, *stored)) return *m;
  }
  return models.empty() ? ModelChoice{} : models.front();
}

std::optional<std::string_view> shown_model(std::span<const ModelChoice> models,
                                            std::optional<std::string_view> stored) {
  if (!stored || find_model(models, *stored) == nullptr) return std::nullopt;
  return stored;
}

}  // namespace parley::chat
