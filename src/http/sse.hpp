#pragma once
// Server-sent events framing (WHATWG HTML 9.2). Pure.

#include <string>
#include <string_view>

namespace parley::http {

// "event: <name>\ndata: <json>\n\n". The data is one line of JSON by
// contract; should it hold line breaks anyway (CR, LF or CRLF), each line
// becomes its own "data:" field, which an EventSource joins back with "\n",
// so the frame can never be split or smuggle a second event. CR and LF are
// removed from the event name. An empty event name leaves the field out.
std::string sse_frame(std::string_view event, std::string_view data);
// Appends the same frame to `out` (no intermediate string).
void append_sse_frame(std::string& out, std::string_view event, std::string_view data);

// A comment line for keep-alive pings: sse_comment("ping") == ": ping\n\n".
// Line breaks in `text` become spaces.
std::string sse_comment(std::string_view text);

}  // namespace parley::http
