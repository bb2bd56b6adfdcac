#include "observability/log.hpp"

#include <fmt/format.h>

#include <array>
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

// Control characters, DEL, '"' and '\\' are escaped; everything else is copied.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = true;
  t[0x7f] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

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
  thread_local std::size_t cached_len = 0;
  const std::int64_t s = secs.time_since_epoch().count();
  if (s != cached_sec) {
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached_len = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = s;
  }
  out.append(cached, cached_len);
  const char millis[5] = {'.', static_cast<char>('0' + ms / 100),
                          static_cast<char>('0' + ms / 10 % 10), static_cast<char>('0' + ms % 10),
                          'Z'};
  out.append(millis, sizeof millis);
}

// The thread's line buffer (see Event::line_); a line longer than this
// keeps its memory only until the next event.
constexpr std::size_t kKeepCapacity = 4096;
// Trivially destructible, so still readable while the thread (or, for the
// main thread, the program) is being torn down: once the buffer is
// destroyed, events that destructors log use their own string.
thread_local bool t_line_busy = false;
struct LineBuffer {
  std::string text;
  ~LineBuffer() { t_line_busy = true; }
};
thread_local LineBuffer t_line;
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
  // Fast path: most values (paths, ids, codes) need no escaping at all;
  // one table lookup per byte finds the first that does.
  std::size_t clean = 0;
  while (clean < s.size() && !kNeedsEscape[static_cast<unsigned char>(s[clean])]) ++clean;
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

Event::Event(Level level, std::string_view msg)
    : active_(enabled(level)), level_(level), line_(&own_) {
  if (!active_) return;
  if (!t_line_busy) {
    t_line_busy = true;
    line_ = &t_line.text;
    line_->clear();
  }
  line_->reserve(256);
  std::string& line = *line_;
  line += "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"msg\":\"";
  append_json_escaped(line, msg);
  line += '"';
}

Event::~Event() {
  if (!active_) return;
  std::string& line = *line_;
  line += "}\n";
  {
    std::lock_guard lock(g_mutex);
    if (g_capture != nullptr) {
      g_capture->append(line);
    } else {
      g_buffer.append(line);
      if (level_ >= Level::warn || g_buffer.size() >= kFlushAt) write_out_locked();
    }
  }
  if (line_ == &t_line.text) {
    if (line.capacity() > kKeepCapacity) std::string().swap(line);
    t_line_busy = false;
  }
}

Event& Event::str(std::string_view key, std::string_view value) {
  if (!active_) return *this;
  std::string& line = *line_;
  line += ",\"";
  append_json_escaped(line, key);
  line += "\":\"";
  append_json_escaped(line, value);
  line += '"';
  return *this;
}

Event& Event::num(std::string_view key, std::int64_t value) {
  if (!active_) return *this;
  std::string& line = *line_;
  line += ",\"";
  append_json_escaped(line, key);
  line += "\":";
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  line.append(buf, ec == std::errc{} ? end : buf);
  return *this;
}

Event& Event::real(std::string_view key, double value) {
  if (!active_) return *this;
  std::string& line = *line_;
  line += ",\"";
  append_json_escaped(line, key);
  line += "\":";
  // Fixed, three decimals, correctly rounded: what "{:.3f}" printed, without
  // the format-string machinery (this runs on every access-log line).
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 3);
  if (ec == std::errc{}) {
    line.append(buf, end);
  } else {
    fmt::format_to(std::back_inserter(line), "{:.3f}", value);  // beyond 1e60: rare
  }
  return *this;
}

Event& Event::boolean(std::string_view key, bool value) {
  if (!active_) return *this;
  std::string& line = *line_;
  line += ",\"";
  append_json_escaped(line, key);
  line += value ? "\":true" : "\":false";
  return *this;
}

}  // namespace parley::log
