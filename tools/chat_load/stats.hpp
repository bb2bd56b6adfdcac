#pragma once
// Per-stream results and the summary chat-load prints (text or one JSON
// object). Percentiles are nearest-rank over the streams that reached the
// measured point (a stream that failed before its first delta has none).

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace chat_load {

struct StreamResult {
  std::string error;     // empty: ended well (`done` complete / `[DONE]`)
  double start_ms = -1;  // parley: request sent -> `start` event
  double first_ms = -1;  // parley: -> first `delta`; direct: -> first content chunk
  double total_ms = -1;  // -> end of the response body
  double sent_ms = -1;   // when the request was sent, from the start of the run
};

struct Summary {
  std::string mode;  // "parley" | "direct"
  int concurrency = 0;
  double wall_ms = 0;
  std::vector<StreamResult> results;
};

// The most streams open at the same moment: between `start` (direct: the
// request) and the end of the body. Lower than the concurrency asked for
// when streams end before the last ones begin.
std::size_t peak_open_streams(const std::vector<StreamResult>& results);

struct Percentiles {
  std::size_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> values);

void print_text(const Summary& s, std::ostream& out);
void print_json(const Summary& s, std::ostream& out);

}  // namespace chat_load
