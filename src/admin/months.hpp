#pragma once
// Calendar months (UTC) of the monthly `messages` partitions, and the pure
// decisions of the maintenance task (admin/maintenance.hpp): which months
// need a partition, which partitions retention may examine. No I/O; times
// are epoch seconds.

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace parley::admin {

// A UTC calendar month.
struct Month {
  int year = 1970;
  int month = 1;  // 1..12
  friend auto operator<=>(const Month&, const Month&) = default;
};

Month month_of(std::int64_t epoch_seconds);
Month month_of(std::chrono::system_clock::time_point t);
Month add_months(Month m, int n);
// 00:00:00 UTC on the first day of the month.
std::int64_t month_start(Month m);
// messages_YYYY_MM (the name migration 003 gives them).
std::string partition_name(Month m);
// "YYYY-MM-01 00:00:00+00": a timestamptz literal for a partition bound.
std::string bound_literal(Month m);
// ISO-8601 UTC with milliseconds, as the API writes times: 2026-05-01T10:00:00.000Z
std::string iso8601_utc(std::int64_t epoch_seconds);

// A partition of `messages` as the catalog describes it: [from, to) in epoch
// seconds; MINVALUE/MAXVALUE bounds are the int64 limits.
struct PartitionRange {
  std::string name;
  bool is_default = false;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t to = std::numeric_limits<std::int64_t>::max();
};

// The months that need a partition now: the current month and the
// `months_ahead` after it, plus every month that has rows in the DEFAULT
// partition (`default_row_months`, any instant of the month), minus months
// that an existing partition already overlaps (an operator's partition with
// other bounds is respected, never overlapped). Sorted, without duplicates.
std::vector<Month> months_to_create(std::int64_t now, int months_ahead,
                                    std::span<const PartitionRange> existing,
                                    std::span<const std::int64_t> default_row_months);

// Retention: conversations last updated before this instant are expired.
// nullopt when retention is off (days <= 0).
std::optional<std::int64_t> retention_cutoff(std::int64_t now, int retention_days);

// Partitions retention may drop whole: those that end at or before the
// cutoff (every row in them was created before it), never DEFAULT. Whether
// one is actually dropped depends on its rows (admin/maintenance.cpp).
std::vector<PartitionRange> partitions_before(std::span<const PartitionRange> partitions,
                                              std::int64_t cutoff);

}  // namespace parley::admin
