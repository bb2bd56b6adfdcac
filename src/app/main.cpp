// parley: serve (default), migrate, doctor, audit verify, import nextauth, version.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.hpp"
#include "config/config.hpp"

namespace {

void usage() {
  std::fputs(
      "usage: parley [serve|migrate|doctor [--json]|audit verify|import nextauth ...|version]\n"
      "Configuration comes from the environment; see docs/ and DESIGN.md.\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? std::string_view(argv[1]) : "serve";
  if (command == "version" || command == "--version") {
    std::printf("parley %s\n", parley::app::version());
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    usage();
    return 0;
  }
  if (command == "import" && argc > 2 && std::string_view(argv[2]) == "nextauth") {
    const std::vector<std::string_view> rest(argv + 3, argv + argc);
    return parley::app::run_import_nextauth(rest, parley::config::process_env());
  }
  const bool audit_verify =
      command == "audit" && argc == 3 && std::string_view(argv[2]) == "verify";
  if (command != "serve" && command != "migrate" && command != "doctor" && !audit_verify) {
    usage();
    return 2;
  }
  if (command == "migrate" || audit_verify) {
    // A migration job, or an auditor, needs the database and nothing else.
    auto url = parley::config::load_database_url(parley::config::process_env());
    if (!url) {
      std::fprintf(stderr, "parley: configuration error: %s\n", url.error().detail.c_str());
      return 2;
    }
    return audit_verify ? parley::app::run_audit_verify(*url) : parley::app::run_migrate(*url);
  }
  auto config = parley::config::load_config(parley::config::process_env());
  if (!config) {
    std::fprintf(stderr, "parley: configuration error: %s\n", config.error().detail.c_str());
    return 2;
  }
  if (command == "doctor") {
    const bool json = argc > 2 && std::strcmp(argv[2], "--json") == 0;
    return parley::app::run_doctor(*config, json);
  }
  return parley::app::run_serve(*config);
}
