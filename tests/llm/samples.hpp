#pragma once
// Recorded Azure OpenAI streams for tests: the repo copies in tests/data/llm
// (stripped of the provenance comments), falling back to shared/samples when
// a copy is missing.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace parley::llm::testing {

inline std::string source_dir() {
  const char* v = std::getenv("PARLEY_SOURCE_DIR");
  return v ? v : ".";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Leading '#' lines and the blank lines after them are provenance, not stream.
inline std::string strip_sample_header(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const auto line_end = eol == std::string::npos ? text.size() : eol;
    const std::string_view line(text.data() + pos, line_end - pos);
    if (!line.empty() && line.front() != '#') break;
    pos = eol == std::string::npos ? text.size() : eol + 1;
  }
  return text.substr(pos);
}

inline std::string shared_sample(const std::string& name) {
  const auto raw = read_file(source_dir() + "/../shared/samples/" + name);
  return raw.empty() ? std::string() : strip_sample_header(raw);
}

// name without extension, e.g. "aoai-chat-stream-include-usage"
inline std::string sample_stream(const std::string& name) {
  auto text = read_file(source_dir() + "/tests/data/llm/" + name + ".sse");
  if (text.empty()) text = shared_sample(name + ".sse.txt");
  return text;
}

}  // namespace parley::llm::testing
