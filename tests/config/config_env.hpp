#pragma once
// The environment of a valid configuration, and an Env over a map, for the
// config tests.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace parley::config::test {

using Vars = std::map<std::string, std::string, std::less<>>;

inline Vars valid_env(std::string auth_url = "http://localhost:3000") {
  return {
      {"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley"},
      {"AUTH_SECRET", std::string(32, 'k')},
      {"AUTH_URL", std::move(auth_url)},
      {"AUTH_MICROSOFT_ENTRA_ID_ID", "client"},
      {"AUTH_MICROSOFT_ENTRA_ID_SECRET", "secret"},
      {"AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.microsoftonline.com/tid-1/v2.0"},
      {"AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com/"},
      {"AZURE_OPENAI_DEPLOYMENT", "gpt-4o"},
      {"AZURE_OPENAI_API_KEY", "key"},
  };
}

inline Env env_of(const Vars& vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace parley::config::test
