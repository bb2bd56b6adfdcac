#include "app/import_command.hpp"

#include <cctype>

#include "auth/id_token.hpp"
#include "config/errors.hpp"
#include "core/ascii.hpp"

namespace parley::app {

Result<ImportArgs> parse_import_args(std::span<const std::string_view> args) {
  ImportArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--dry-run") {
      out.dry_run = true;
      continue;
    }
    std::string* target = arg == "--from"             ? &out.from
                          : arg == "--users-table"    ? &out.tables.users
                          : arg == "--accounts-table" ? &out.tables.accounts
                          : arg == "--messages-view"  ? &out.tables.messages
                                                      : nullptr;
    if (arg == "--tenant") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return make_error(errc::config::invalid, "--tenant needs a value");
      }
      out.tenant = std::string(args[++i]);
      continue;
    }
    if (target == nullptr) {
      return make_error(errc::config::invalid, "unknown argument " + std::string(arg));
    }
    if (i + 1 >= args.size() || args[i + 1].empty()) {
      return make_error(errc::config::invalid, std::string(arg) + " needs a value");
    }
    *target = std::string(args[++i]);
  }
  if (out.from.empty()) return make_error(errc::config::invalid, "--from is required");
  if (!out.from.starts_with("postgres://") && !out.from.starts_with("postgresql://")) {
    return make_error(errc::config::invalid, "--from must be a postgres:// URL");
  }
  return out;
}

Result<std::string> import_tenant(const ImportArgs& args,
                                  const std::optional<std::string>& issuer) {
  std::string tenant;
  if (args.tenant) {
    tenant = *args.tenant;
  } else if (issuer) {
    tenant = std::string(auth::entra_issuer_tenant(*issuer));
  }
  if (tenant.empty()) {
    return make_error(errc::config::invalid,
                      "--tenant is required (AUTH_MICROSOFT_ENTRA_ID_ISSUER names no tenant)");
  }
  if (!is_uuid_text(tenant)) {
    return make_error(errc::config::invalid,
                      "the tenant must be a tenant id (GUID), not " + tenant + "; pass --tenant");
  }
  for (char& c : tenant) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tenant;
}

}  // namespace parley::app
