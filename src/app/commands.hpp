#pragma once
// The subcommands of the parley binary. Each returns the process exit code.

#include <span>
#include <string_view>

#include "config/config.hpp"
#include "core/secret.hpp"

namespace parley::app {

const char* version();
int run_serve(const config::Config& config);
int run_migrate(const Secret& database_url);
int run_doctor(const config::Config& config, bool json);
// `parley audit verify`: 0 and the count when the chain is intact; 1 naming
// the first broken seq; 3 when it could not be read (database unreachable,
// migrations not applied).
int run_audit_verify(const Secret& database_url);
// `parley import nextauth ARGS` (app/import_nextauth.cpp has the exit codes).
int run_import_nextauth(std::span<const std::string_view> args, const config::Env& env);

}  // namespace parley::app
