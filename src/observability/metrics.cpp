#include "observability/metrics.hpp"

#include <fmt/format.h>

#include <set>

namespace parley::metrics {

Counter& Registry::counter(std::string_view name, std::string_view help, std::string_view labels) {
  std::lock_guard lock(mutex_);
  for (auto& c : counters_) {
    if (c.name == name && c.labels == labels) return c.counter;
  }
  auto& entry = counters_.emplace_back();
  entry.name = name;
  entry.help = help;
  entry.labels = labels;
  return entry.counter;
}

void Registry::gauge(std::string_view name, std::string_view help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(GaugeEntry{std::string(name), std::string(help), std::move(read)});
}

void Registry::counter_fn(std::string_view name, std::string_view help,
                          std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(GaugeEntry{std::string(name), std::string(help), std::move(read), true});
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::set<std::string> described;
  for (const auto& c : counters_) {
    if (described.insert(c.name).second) {
      fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n", c.name, c.help,
                     c.name);
    }
    if (c.labels.empty()) {
      fmt::format_to(std::back_inserter(out), "{} {}\n", c.name, c.counter.value());
    } else {
      fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", c.name, c.labels, c.counter.value());
    }
  }
  for (const auto& g : gauges_) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n{} {}\n", g.name, g.help,
                   g.name, g.monotonic ? "counter" : "gauge", g.name, g.read());
  }
  return out;
}

}  // namespace parley::metrics
