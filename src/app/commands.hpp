#pragma once
// The subcommands of the parley binary. Each returns the process exit code.

#include "config/config.hpp"
#include "core/secret.hpp"

namespace parley::app {

const char* version();
int run_serve(const config::Config& config);
int run_migrate(const Secret& database_url);
int run_doctor(const config::Config& config, bool json);

}  // namespace parley::app
