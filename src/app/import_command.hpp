#pragma once
// The arguments of `parley import nextauth` (pure; app/import_nextauth.cpp
// runs it). Kept apart so that its rules are tested without a database.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "db/import_repo.hpp"

namespace parley::app {

struct ImportArgs {
  std::string from;                   // the Next.js app's database URL (a secret: never printed)
  std::optional<std::string> tenant;  // --tenant; else the issuer's
  db::NextAuthTables tables;
  bool dry_run = false;
};

inline constexpr std::string_view kImportUsage =
    "usage: parley import nextauth --from <postgres url> [--tenant <tenant id>] [--dry-run]\n"
    "                              [--users-table user] [--accounts-table account]\n"
    "                              [--messages-view parley_import_messages]\n";

// `args` after "import nextauth". Errors (config.invalid) say which argument.
Result<ImportArgs> parse_import_args(std::span<const std::string_view> args);

// The tenant imported users belong to: --tenant, else the tenant of the
// sign-in issuer (AUTH_MICROSOFT_ENTRA_ID_ISSUER, or its alias
// AZURE_AD_TENANT_ID). It must be a tenant id (a GUID): organizations,
// common or a template issuer cannot say whose users these are.
Result<std::string> import_tenant(const ImportArgs& args, const std::optional<std::string>& issuer);

}  // namespace parley::app
