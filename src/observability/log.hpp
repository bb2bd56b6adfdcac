#pragma once
// Structured JSON-lines logging. One event per line on stdout:
//   {"ts":"2026-11-29T02:50:00.123Z","level":"info","msg":"http.request",...}
// Values are added with typed setters; there is deliberately no overload for
// parley::Secret, so a secret cannot be logged by accident. Callers never
// pass tokens, codes or cookies: those fields are simply not logged.
//
// Thread-safety: emitting is guarded by a mutex; output is block-buffered
// and flushed by flush() (the server calls it periodically and at exit) and
// on every warn/error event.

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Parses "debug" | "info" | "warn" | "error".
bool parse_level(std::string_view text, Level& out);
void set_level(Level level);
bool enabled(Level level);
// Redirects output (tests); nullptr restores stdout. Not thread-safe.
void set_sink(std::string* capture);
void flush();

// Appends `s` to `out` as the inside of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view s);

class Event {
 public:
  Event(Level level, std::string_view msg);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  Event& str(std::string_view key, std::string_view value);
  Event& num(std::string_view key, std::int64_t value);
  Event& real(std::string_view key, double value);
  Event& boolean(std::string_view key, bool value);

 private:
  bool active_;
  Level level_;
  // The line is built in a per-thread buffer reused from event to event (no
  // allocation per access-log line); an event created while another is being
  // built on the same thread (a value computed by a function that logs)
  // uses own_ instead.
  std::string* line_;
  std::string own_;
};

inline Event debug(std::string_view msg) { return Event(Level::debug, msg); }
inline Event info(std::string_view msg) { return Event(Level::info, msg); }
inline Event warn(std::string_view msg) { return Event(Level::warn, msg); }
inline Event error(std::string_view msg) { return Event(Level::error, msg); }

}  // namespace parley::log
