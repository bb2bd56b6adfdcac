#include "config/service_api.hpp"

#include <algorithm>

#include "config/errors.hpp"

namespace parley::config {

namespace {

Error invalid(std::string_view var, std::string_view why) {
  return make_error(errc::config::invalid, std::string(var) + ": " + std::string(why));
}

std::optional<std::string> get(const Env& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;  // an empty variable counts as unset
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Comma-separated items, trimmed; an empty item is an error (a stray comma
// is more likely a mistake than a wish).
Result<std::vector<std::string>> split_items(std::string_view var, std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (item.empty()) return invalid(var, "has an empty item");
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// Token values (app roles, scopes, audiences): printable ASCII, no spaces.
bool is_token_value(std::string_view v) {
  return !v.empty() && v.size() <= 256 && std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != ',';
  });
}

bool chars_in(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [extra](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

Result<std::string> token_setting(const Env& env, std::string_view var, std::string fallback) {
  auto v = get(env, var);
  if (!v) return fallback;
  if (!is_token_value(*v)) return invalid(var, "must be one value (printable, no spaces)");
  return *v;
}

}  // namespace

bool is_valid_model_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && chars_in(name, "._:-");
}

bool is_valid_deployment_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name != "." && name != ".." && chars_in(name, "._-");
}

const ModelRoute* ServiceApiConfig::find_model(std::string_view name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Result<ServiceApiConfig> load_service_api(const Env& env, std::string_view client_id,
                                          std::string_view default_deployment) {
  ServiceApiConfig c;
  if (auto v = get(env, "PARLEY_API_AUDIENCE")) {
    auto items = split_items("PARLEY_API_AUDIENCE", *v);
    if (!items) return items.error();
    for (auto& aud : *items) {
      if (!is_token_value(aud)) {
        return invalid("PARLEY_API_AUDIENCE", "an audience must be printable, without spaces");
      }
      if (std::find(c.audiences.begin(), c.audiences.end(), aud) != c.audiences.end()) {
        return invalid("PARLEY_API_AUDIENCE", "lists " + aud + " twice");
      }
      c.audiences.push_back(std::move(aud));
    }
  } else {
    c.audiences = {"api://" + std::string(client_id), std::string(client_id)};
  }
  auto role = token_setting(env, "PARLEY_API_ROLE", c.role);
  if (!role) return role.error();
  c.role = std::move(*role);
  auto scope = token_setting(env, "PARLEY_API_SCOPE", c.scope);
  if (!scope) return scope.error();
  c.scope = std::move(*scope);

  if (auto v = get(env, "PARLEY_MODELS")) {
    auto items = split_items("PARLEY_MODELS", *v);
    if (!items) return items.error();
    for (const std::string& item : *items) {
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos) {
        return invalid("PARLEY_MODELS",
                       "entries are name=deployment (\"" + item.substr(0, 64) + "\" has no '=')");
      }
      ModelRoute m{std::string(trim(std::string_view(item).substr(0, eq))),
                   std::string(trim(std::string_view(item).substr(eq + 1)))};
      // Names and deployments are checked before they are echoed.
      if (!is_valid_model_name(m.name)) {
        return invalid("PARLEY_MODELS", "a model name must be 1-64 of A-Z a-z 0-9 . _ : -");
      }
      if (!is_valid_deployment_name(m.deployment)) {
        return invalid("PARLEY_MODELS",
                       "the deployment of " + m.name + " must be 1-64 of A-Z a-z 0-9 . _ -");
      }
      if (c.find_model(m.name) != nullptr) {
        return invalid("PARLEY_MODELS", "names the model " + m.name + " twice");
      }
      c.models.push_back(std::move(m));
    }
  } else {
    c.models.push_back({std::string(default_deployment), std::string(default_deployment)});
  }

  if (auto v = get(env, "PARLEY_AUDIT_API_CONTENT")) {
    if (*v == "true" || *v == "1") {
      c.audit_content = true;
    } else if (*v != "false" && *v != "0") {
      return invalid("PARLEY_AUDIT_API_CONTENT", "must be true or false");
    }
  }
  return c;
}

}  // namespace parley::config
