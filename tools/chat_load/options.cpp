#include "options.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>

namespace chat_load {

const char* const kUsage =
    "usage: chat-load parley --url http://127.0.0.1:P --sessions FILE --streams N"
    " [--concurrency C]\n"
    "       chat-load direct --url http://127.0.0.1:P --deployment D --api-key K --streams N"
    " [--concurrency C]\n"
    "       options: [--json] [--timeout SECONDS=120] [--api-version V=2024-10-21]\n";

namespace {

bool parse_count(std::string_view text, std::size_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out > 0;
}

}  // namespace

std::optional<Options> parse_args(int argc, char** argv, std::string& why) {
  if (argc < 2) return std::nullopt;
  Options o;
  o.mode = argv[1];
  if (o.mode != "parley" && o.mode != "direct") {
    why = "unknown mode: " + o.mode;
    return std::nullopt;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (i + 1 >= argc) {
      why = "missing value for " + std::string(arg);
      return std::nullopt;
    }
    const std::string value = argv[++i];
    std::size_t n = 0;
    if (arg == "--url") {
      o.url = value;
    } else if (arg == "--sessions") {
      o.sessions_file = value;
    } else if (arg == "--deployment") {
      o.deployment = value;
    } else if (arg == "--api-key") {
      o.api_key = value;
    } else if (arg == "--api-version") {
      o.api_version = value;
    } else if (arg == "--streams" && parse_count(value, n)) {
      o.streams = n;
    } else if (arg == "--concurrency" && parse_count(value, n)) {
      o.concurrency = n;
    } else if (arg == "--timeout" && parse_count(value, n)) {
      o.timeout = std::chrono::seconds(n);
    } else {
      why = "bad option: " + std::string(arg) + " " + value;
      return std::nullopt;
    }
  }
  if (o.url.empty() || o.streams == 0) why = "--url and --streams are required";
  if (o.mode == "parley" && o.sessions_file.empty()) why = "parley needs --sessions";
  if (o.mode == "direct" && (o.deployment.empty() || o.api_key.empty())) {
    why = "direct needs --deployment and --api-key";
  }
  if (!why.empty()) return std::nullopt;
  if (o.concurrency == 0 || o.concurrency > o.streams) o.concurrency = o.streams;
  return o;
}

std::vector<User> read_sessions(const std::string& path, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = "cannot read " + path;
    return {};
  }
  std::vector<User> users;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    User u;
    if (!(fields >> u.cookie)) continue;  // blank line
    if (!(fields >> u.csrf)) {
      why = path + ": each line needs '<session cookie> <csrf token>'";
      return {};
    }
    users.push_back(std::move(u));
  }
  if (users.empty()) why = path + ": no sessions";
  return users;
}

}  // namespace chat_load
