#pragma once
// Which model a conversation's answers go to (DESIGN.md "Service API": the
// UI offers the PARLEY_MODELS list; decision 0016-model-picker). The list is
// config::ServiceApiConfig::models, in order, copied into ChatOptions by the
// composition root: one list, one parser, for /v1 and the UI alike. Pure.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace parley::chat {

// A PARLEY_MODELS entry: the name users pick, the deployment it goes to.
struct ModelChoice {
  std::string name;
  std::string deployment;
  friend bool operator==(const ModelChoice&, const ModelChoice&) = default;
};

// nullptr when the name is not configured (case-sensitive, as /v1).
const ModelChoice* find_model(std::span<const ModelChoice> models, std::string_view name);

// The model a conversation's answers go to: its own while it is configured,
// else the default (the first). A conversation whose model was removed from
// PARLEY_MODELS goes back to the default rather than failing. An empty
// choice when the list is empty (ChatOptions built by hand in tests): the
// client then calls AZURE_OPENAI_DEPLOYMENT.
ModelChoice answering_model(std::span<const ModelChoice> models,
                            const std::optional<std::string>& stored);

// What the API shows as a conversation's `model`: its own while configured,
// else nullopt (null: the default), so a client always sees what the next
// answer uses.
std::optional<std::string_view> shown_model(std::span<const ModelChoice> models,
                                            std::optional<std::string_view> stored);

}  // namespace parley::chat
