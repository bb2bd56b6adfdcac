#pragma once
// Splits a text/event-stream body into events. Bytes arrive in arbitrary
// pieces; an event is complete at its blank line. Lines may end in \n or
// \r\n; `data:` lines of one event are joined with \n; comments (`:`) and
// unknown fields are ignored.

#include <string>
#include <string_view>
#include <vector>

namespace chat_load {

struct SseEvent {
  std::string name;  // `event:` field; empty when absent (Azure sends data only)
  std::string data;
};

class SseParser {
 public:
  // Appends the complete events found so far to `out`.
  void feed(std::string_view bytes, std::vector<SseEvent>& out);

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);

  std::string pending_;  // an incomplete line
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace chat_load
