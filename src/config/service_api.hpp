#pragma once
// The service API's configuration (DESIGN.md "Service API"): who may call
// /v1 (audiences, app role, scope), which model names map to which Azure
// OpenAI deployments (also the web UI's model list), and whether API calls'
// content is audited. Read by load_config(); errors as there.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::config {

using Env = std::function<std::optional<std::string>(std::string_view name)>;

struct ModelRoute {
  std::string name;        // what clients send as `model` (and the UI shows)
  std::string deployment;  // the Azure OpenAI deployment it goes to
};

struct ServiceApiConfig {
  // PARLEY_API_AUDIENCE (comma-separated); default api://<client id> and the
  // client id (v1.0 tokens carry the App ID URI, v2.0 ones the GUID).
  std::vector<std::string> audiences;
  std::string role = "Parley.Api";  // PARLEY_API_ROLE: app-only tokens need it in `roles`
  std::string scope = "Chat";       // PARLEY_API_SCOPE: delegated tokens need it in `scp`
  // PARLEY_MODELS "name=deployment,..." in that order; the first is the
  // default. Unset: one model named after AZURE_OPENAI_DEPLOYMENT.
  std::vector<ModelRoute> models;
  // PARLEY_AUDIT_API_CONTENT: audit events of /v1 calls carry the messages
  // and the answer, not only metadata (default false).
  bool audit_content = false;

  // nullptr for a name not configured (case-sensitive, as OpenAI's).
  const ModelRoute* find_model(std::string_view name) const;
  // The first model; an empty route only in a Config built by hand (tests),
  // since load_service_api() always yields at least one.
  const ModelRoute& default_model() const {
    static const ModelRoute kNone;
    return models.empty() ? kNone : models.front();
  }
};

// Model names: 1-64 of [A-Za-z0-9._:-] (OpenAI's and Azure's shapes,
// "gpt-4o-2024-08-06", "ft:gpt-4o:org:x"). Deployments: 1-64 of
// [A-Za-z0-9._-], not "." or ".." (they go into the upstream URL's path).
bool is_valid_model_name(std::string_view name);
bool is_valid_deployment_name(std::string_view name);

// Error errc::config::invalid naming the variable: an audience, role or
// scope with spaces or control characters (or over 256 characters), a
// duplicate audience, a PARLEY_MODELS entry without '=' or with an invalid
// name or deployment, a model name given twice, a bad boolean.
Result<ServiceApiConfig> load_service_api(const Env& env, std::string_view client_id,
                                          std::string_view default_deployment);

}  // namespace parley::config
