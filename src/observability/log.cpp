#include "observability/log.hpp"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace parley::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;
std::string* g_capture = nullptr;
std::string g_buffer;
constexpr std::size_t kFlushAt = 32 * 1024;

constexpr std::string_view level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void write_out_locked() {
  if (g_buffer.empty()) return;
  std::fwrite(g_buffer.data(), 1, g_buffer.size(), stdout);
  std::fflush(stdout);
  g_buffer.clear();
}

// The timestamp is cached per second: formatting a date on every request
// shows up in the access-log hot path.
void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto ms = duration_cast<milliseconds>(now - secs).count();
  thread_local std::int64_t cached_sec = -1;
  thread_local char cached[24];
  const std::int64_t s = secs.time_since_epoch().count();
  if (s != cached_sec) {
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = s;
  }
  out.append(cached);
  fmt::format_to(std::back_inserter(out), ".{:03}Z", ms);
}
}  // namespace

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void set_sink(std::string* capture) {
  std::lock_guard lock(g_mutex);
  write_out_locked();
  g_capture = capture;
}

void flush() {
  std::lock_guard lock(g_mutex);
  write_out_locked();
}

void append_json_escaped(std::string& out, std::string_view s) {
  // Fast path: most values (paths, ids, codes) need no escaping at all.
  std::size_t clean = 0;
  while (clean < s.size()) {
    const auto c = static_cast<unsigned char>(s[clean]);
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) break;
    ++clean;
  }
  out.append(s.data(), clean);
  if (clean == s.size()) return;
  s.remove_prefix(clean);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

Event::Event(Level level, std::string_view msg) : active_(enabled(level)), level_(level) {
  if (!active_) return;
  line_.reserve(256);
  line_ += "{\"ts\":\"";
  append_timestamp(line_);
  line_ += "\",\"level\":\"";
  line_ += level_name(level);
  line_ += "\",\"msg\":\"";
  append_json_escaped(line_, msg);
  line_ += '"';
}

Event::~Event() {
  if (!active_) return;
  line_ += "}\n";
  std::lock_guard lock(g_mutex);
  if (g_capture != nullptr) {
    g_capture->append(line_);
    return;
  }
  g_buffer.append(line_);
  if (level_ >= Level::warn || g_buffer.size() >= kFlushAt) write_out_locked();
}

Event& Event::str(std::string_view key, std::string_view value) {
  if (!active_) return *this;
  line_ += ",\"";
  append_json_escaped(line_, key);
  line_ += "\":\"";
  append_json_escaped(line_, value);
  line_ += '"';
  return *this;
}

Event& Event::num(std::string_view key, std::int64_t value) {
  if (!active_) return *this;
  line_ += ",\"";
  append_json_escaped(line_, key);
  line_ += "\":";
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  line_.append(buf, ec == std::errc{} ? end : buf);
  return *this;
}

Event& Event::real(std::string_view key, double value) {
  if (!active_) return *this;
  line_ += ",\"";
  append_json_escaped(line_, key);
  line_ += "\":";
  fmt::format_to(std::back_inserter(line_), "{:.3f}", value);
  return *this;
}

Event& Event::boolean(std::string_view key, bool value) {
  if (!active_) return *this;
  line_ += ",\"";
  append_json_escaped(line_, key);
  line_ += value ? "\":true" : "\":false";
  return *this;
}

}  // namespace parley::log
