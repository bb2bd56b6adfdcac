#pragma once
// chat-load's command line and the sessions file.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace chat_load {

extern const char* const kUsage;

struct Options {
  std::string mode;  // "parley" | "direct"
  std::string url;
  std::string sessions_file;
  std::string deployment;
  std::string api_key;
  std::string api_version = "2024-10-21";
  std::size_t streams = 0;
  std::size_t concurrency = 0;  // after parsing: 1..streams (default: all at once)
  std::chrono::seconds timeout{120};
  bool json = false;
};

// nullopt on bad usage, with `why` set unless there were no arguments at all.
std::optional<Options> parse_args(int argc, char** argv, std::string& why);

struct User {
  std::string cookie;  // parley.session value
  std::string csrf;
};

// One user per line: "<session cookie> <csrf token>"; blank lines skipped.
// Empty and `why` set when the file is unreadable, malformed or empty.
std::vector<User> read_sessions(const std::string& path, std::string& why);

}  // namespace chat_load
