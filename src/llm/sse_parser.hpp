#pragma once
// Incremental server-sent events parser (WHATWG HTML "Interpreting an event
// stream"). Bytes may arrive split anywhere, including inside a CRLF pair or
// the UTF-8 BOM. No I/O; one instance per stream; not thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::llm {

struct SseEvent {
  std::string event = "message";  // the `event:` field, "message" when absent
  std::string data;               // `data:` lines joined with '\n'
  std::string id;                 // last event id (persists across events, per spec)

  friend bool operator==(const SseEvent&, const SseEvent&) = default;
};

class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = std::size_t{1} << 20;

  explicit SseParser(std::size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  // Consumes `bytes` and appends every event completed by a blank line.
  // Errors: "sse.too_large" when the pending line plus the event's data exceed
  // max_event_bytes; the parser then stays failed and every later call
  // returns the same error (events completed before the overflow are kept).
  Status feed(std::string_view bytes, std::vector<SseEvent>& out);

  // End of stream. Per the spec an event not terminated by a blank line is
  // discarded, so this never appends; it returns "sse.truncated" when such a
  // partial event (or partial line) was dropped, so callers can log it.
  Status finish(std::vector<SseEvent>& out);

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);
  void dispatch(std::vector<SseEvent>& out);
  Status consume(std::string_view bytes, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;        // current incomplete line
  std::string data_;        // data buffer (each line + '\n')
  std::string event_type_;  // event type buffer
  std::string last_id_;     // last event id buffer
  std::string bom_probe_;   // bytes held while checking for a leading BOM
  bool bom_done_ = false;
  bool after_cr_ = false;  // previous byte was CR: a following LF is part of it
  bool pending_fields_ = false;
  bool failed_ = false;
};

}  // namespace parley::llm
