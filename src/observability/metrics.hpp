#pragma once
// Prometheus counters and gauges, rendered at GET /metrics. Deliberately
// tiny: fixed metric families registered at start-up, label values chosen
// by code (never by request input), lock-free increments.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Registry {
 public:
  // Returns a counter that lives as long as the registry. `labels` is the
  // rendered label set, e.g. R"(outcome="success")" (may be empty).
  Counter& counter(std::string_view name, std::string_view help, std::string_view labels = {});
  // A gauge whose value is read when rendering (pool size, cache size...).
  void gauge(std::string_view name, std::string_view help, std::function<double()> read);
  // A counter kept elsewhere (e.g. the server's stats), read when rendering.
  void counter_fn(std::string_view name, std::string_view help, std::function<double()> read);
  std::string render() const;

 private:
  struct CounterEntry {
    std::string name, help, labels;
    Counter counter;
  };
  struct GaugeEntry {
    std::string name, help;
    std::function<double()> read;
    bool monotonic = false;
  };
  mutable std::mutex mutex_;
  std::deque<CounterEntry> counters_;  // deque: stable addresses
  std::deque<GaugeEntry> gauges_;
};

}  // namespace parley::metrics
