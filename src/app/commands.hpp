#pragma once
// The subcommands of the parley binary. Each returns the process exit code.

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

}  // namespace parley::app
