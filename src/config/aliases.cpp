#include "config/aliases.hpp"

#include <array>
#include <map>
#include <memory>

#include "config/errors.hpp"

namespace parley::config {

namespace {

std::string strip_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// A tenant id (GUID), a verified domain or organizations/common: one path
// segment of the issuer URL.
bool is_tenant(std::string_view t) {
  if (t.empty() || t.size() > 253) return false;
  for (char c : t) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return t != "." && t != "..";
}

// next-auth v4's Azure AD provider builds its issuer from the tenant alone.
std::string issuer_of_tenant(const std::string& tenant) {
  return "https://login.microsoftonline.com/" + tenant + "/v2.0";
}

struct Alias {
  std::string_view old_name;
  std::string_view new_name;
  // The old value's shape, checked before it is translated (any when null),
  // and what the error says otherwise.
  bool (*valid)(std::string_view) = nullptr;
  std::string_view expected;
  // The new variable's value from the old one's (identity when null).
  std::string (*translate)(const std::string&) = nullptr;
  // Equal values after this mean "the same setting" (exact when null).
  std::string (*normalise)(std::string) = nullptr;
};

constexpr std::array<Alias, 5> kAliases = {{
    // old name, new name, valid, expected, translate, normalise
    {"NEXTAUTH_URL", "AUTH_URL", nullptr, {}, nullptr, &strip_trailing_slash},
    {"NEXTAUTH_SECRET", "AUTH_SECRET", nullptr, {}, nullptr, nullptr},
    {"AZURE_AD_CLIENT_ID", "AUTH_MICROSOFT_ENTRA_ID_ID", nullptr, {}, nullptr, nullptr},
    {"AZURE_AD_CLIENT_SECRET", "AUTH_MICROSOFT_ENTRA_ID_SECRET", nullptr, {}, nullptr, nullptr},
    {"AZURE_AD_TENANT_ID", "AUTH_MICROSOFT_ENTRA_ID_ISSUER", &is_tenant,
     "must be a tenant id or domain (it becomes AUTH_MICROSOFT_ENTRA_ID_ISSUER)", &issuer_of_tenant,
     &strip_trailing_slash},
}};

std::optional<std::string> get(const Env& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;  // an empty variable counts as unset
  return v;
}

}  // namespace

Result<ResolvedEnv> resolve_aliases(const Env& env) {
  auto values = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  ResolvedEnv out;
  for (const Alias& a : kAliases) {
    auto old_value = get(env, a.old_name);
    if (!old_value) continue;
    if (a.valid && !a.valid(*old_value)) {
      return make_error(errc::config::invalid,
                        std::string(a.old_name) + ": " + std::string(a.expected));
    }
    std::string value = a.translate ? a.translate(*old_value) : *old_value;
    AliasUse use{a.old_name, a.new_name, false};
    if (auto new_value = get(env, a.new_name)) {
      const auto norm = [&](std::string s) { return a.normalise ? a.normalise(std::move(s)) : s; };
      if (norm(value) != norm(*new_value)) {
        return make_error(errc::config::invalid,
                          std::string(a.old_name) + ": set to another value than " +
                              std::string(a.new_name) + ", its new name; keep only " +
                              std::string(a.new_name));
      }
      use.redundant = true;
      value = *new_value;  // the new name as written wins when both say the same
    }
    values->emplace(std::string(a.new_name), std::move(value));
    out.used.push_back(use);
  }
  if (out.used.empty()) {
    out.env = env;
    return out;
  }
  out.env = [env, values](std::string_view name) -> std::optional<std::string> {
    if (auto it = values->find(name); it != values->end()) return it->second;
    return env(name);
  };
  return out;
}

std::string describe(const AliasUse& use) {
  if (use.redundant) {
    return std::string(use.old_name) + " is redundant: " + std::string(use.new_name) +
           " is set to the same value; remove " + std::string(use.old_name);
  }
  return std::string(use.old_name) + " is read as " + std::string(use.new_name) +
         "; rename it to " + std::string(use.new_name);
}

}  // namespace parley::config
