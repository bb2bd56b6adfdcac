#include "stats.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <functional>

namespace chat_load {

namespace json = boost::json;

namespace {

double rank(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  if (i > 0) --i;
  return sorted[std::min(i, sorted.size() - 1)];
}

struct Measure {
  const char* name;                                  // JSON key
  const char* label;                                 // text label
  std::function<double(const StreamResult&)> value;  // < 0: not reached
};

std::vector<Measure> measures(const std::string& mode) {
  auto total = [](const StreamResult& r) { return r.total_ms; };
  if (mode == "direct") {
    return {{"first_content_ms", "first content chunk",
             [](const StreamResult& r) { return r.first_ms; }},
            {"total_ms", "total", total}};
  }
  return {{"start_ms", "start (user message committed)",
           [](const StreamResult& r) { return r.start_ms; }},
          {"first_delta_ms", "first delta", [](const StreamResult& r) { return r.first_ms; }},
          {"delta_after_start_ms", "first delta - start",
           [](const StreamResult& r) {
             return r.start_ms >= 0 && r.first_ms >= 0 ? r.first_ms - r.start_ms : -1.0;
           }},
          {"total_ms", "total", total}};
}

Percentiles of(const Summary& s, const Measure& m) {
  std::vector<double> v;
  v.reserve(s.results.size());
  for (const auto& r : s.results) {
    const double x = m.value(r);
    if (x >= 0) v.push_back(x);
  }
  return percentiles(std::move(v));
}

std::map<std::string, int> reasons(const Summary& s) {
  std::map<std::string, int> out;
  for (const auto& r : s.results) {
    if (!r.error.empty()) ++out[r.error];
  }
  return out;
}

std::size_t ok_count(const Summary& s) {
  return static_cast<std::size_t>(std::count_if(s.results.begin(), s.results.end(),
                                                [](const auto& r) { return r.error.empty(); }));
}

double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

}  // namespace

std::size_t peak_open_streams(const std::vector<StreamResult>& results) {
  std::vector<std::pair<double, int>> edges;  // (time, +1 open / -1 close); closes sort first
  for (const auto& r : results) {
    if (r.sent_ms < 0 || r.total_ms < 0) continue;
    edges.emplace_back(r.sent_ms + std::max(r.start_ms, 0.0), +1);
    edges.emplace_back(r.sent_ms + r.total_ms, -1);
  }
  std::sort(edges.begin(), edges.end());
  std::size_t open = 0, peak = 0;
  for (const auto& [t, d] : edges) {
    open = d > 0 ? open + 1 : open - 1;
    peak = std::max(peak, open);
  }
  return peak;
}

Percentiles percentiles(std::vector<double> values) {
  Percentiles p;
  p.n = values.size();
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  p.p50 = rank(values, 50);
  p.p90 = rank(values, 90);
  p.p99 = rank(values, 99);
  p.max = values.back();
  return p;
}

void print_text(const Summary& s, std::ostream& out) {
  const std::size_t ok = ok_count(s);
  char line[256];
  std::snprintf(line, sizeof line, "chat-load %s: %zu streams, concurrency %d, wall %.3f s\n",
                s.mode.c_str(), s.results.size(), s.concurrency, s.wall_ms / 1000.0);
  out << line << "ok " << ok << ", errors " << s.results.size() - ok << ", peak open streams "
      << peak_open_streams(s.results) << "\n";
  for (const auto& m : measures(s.mode)) {
    const auto p = of(s, m);
    std::snprintf(line, sizeof line,
                  "  %-32s n %5zu  p50 %9.3f ms  p90 %9.3f ms  p99 %9.3f ms  max %9.3f ms\n",
                  m.label, p.n, p.p50, p.p90, p.p99, p.max);
    out << line;
  }
  const auto why = reasons(s);
  if (!why.empty()) {
    out << "errors by reason:\n";
    for (const auto& [reason, count] : why) out << "  " << count << "  " << reason << "\n";
  }
}

void print_json(const Summary& s, std::ostream& out) {
  const std::size_t ok = ok_count(s);
  json::object o;
  o["mode"] = s.mode;
  o["streams"] = s.results.size();
  o["concurrency"] = s.concurrency;
  o["ok"] = ok;
  o["errors"] = s.results.size() - ok;
  json::object why;
  for (const auto& [reason, count] : reasons(s)) why[reason] = count;
  o["error_reasons"] = std::move(why);
  o["wall_ms"] = round3(s.wall_ms);
  o["peak_open_streams"] = peak_open_streams(s.results);
  for (const auto& m : measures(s.mode)) {
    const auto p = of(s, m);
    o[m.name] = json::object{{"n", p.n},
                             {"p50", round3(p.p50)},
                             {"p90", round3(p.p90)},
                             {"p99", round3(p.p99)},
                             {"max", round3(p.max)}};
  }
  out << json::serialize(o) << "\n";
}

}  // namespace chat_load
