#pragma once
// The variable names of the Next.js app (next-auth v4 and its Azure AD
// provider), read as aliases of Parley's names (DESIGN.md, "Migrating from
// the Next.js app"). resolve_aliases() runs once over the environment before
// it is parsed, so the rest of config sees only the new names.
//
//   NEXTAUTH_URL            -> AUTH_URL
//   NEXTAUTH_SECRET         -> AUTH_SECRET
//   AZURE_AD_CLIENT_ID      -> AUTH_MICROSOFT_ENTRA_ID_ID
//   AZURE_AD_CLIENT_SECRET  -> AUTH_MICROSOFT_ENTRA_ID_SECRET
//   AZURE_AD_TENANT_ID      -> AUTH_MICROSOFT_ENTRA_ID_ISSUER
//                              = https://login.microsoftonline.com/<tenant>/v2.0
//
// AZURE_CLIENT_ID is not among them: it keeps its Azure Identity meaning
// (the credential toward Azure OpenAI), never the sign-in app.

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace parley::config {

struct ResolvedEnv {
  Env env;                     // the environment as if only the new names were used
  std::vector<AliasUse> used;  // one per old name that is set, in table order
};

// Error "config.invalid" naming both variables when an old and a new name
// are set to different values (no silent choice), or when AZURE_AD_TENANT_ID
// is not a tenant id or domain. Values never appear in the result's text.
Result<ResolvedEnv> resolve_aliases(const Env& env);

// The one-line start-up warning for `use`, naming the new variable.
std::string describe(const AliasUse& use);

}  // namespace parley::config
