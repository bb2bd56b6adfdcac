// parley: serve (default), migrate, doctor, version.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "app/commands.hpp"
#include "config/config.hpp"

namespace {

void usage() {
  std::fputs(
      "usage: parley [serve|migrate|doctor [--json]|version]\n"
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
  if (command != "serve" && command != "migrate" && command != "doctor") {
    usage();
    return 2;
  }
  if (command == "migrate") {
    // A migration job needs the database and nothing else.
    auto url = parley::config::load_database_url(parley::config::process_env());
    if (!url) {
      std::fprintf(stderr, "parley: configuration error: %s\n", url.error().detail.c_str());
      return 2;
    }
    return parley::app::run_migrate(*url);
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
