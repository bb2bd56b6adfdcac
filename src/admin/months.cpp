#include "admin/months.hpp"

#include <algorithm>
#include <cstdio>

namespace parley::admin {

namespace chrono = std::chrono;

Month month_of(std::int64_t epoch_seconds) {
  const auto day = chrono::floor<chrono::days>(chrono::sys_seconds(chrono::seconds(epoch_seconds)));
  const chrono::year_month_day ymd{day};
  return Month{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

Month month_of(chrono::system_clock::time_point t) {
  return month_of(chrono::duration_cast<chrono::seconds>(t.time_since_epoch()).count());
}

Month add_months(Month m, int n) {
  const int index = m.year * 12 + (m.month - 1) + n;
  // Floor division keeps years before 1 AD consistent (never reached in practice).
  const int year = index >= 0 ? index / 12 : -((-index + 11) / 12);
  return Month{year, index - year * 12 + 1};
}

std::int64_t month_start(Month m) {
  const chrono::sys_days day{chrono::year{m.year} / chrono::month{static_cast<unsigned>(m.month)} /
                             chrono::day{1}};
  return chrono::duration_cast<chrono::seconds>(day.time_since_epoch()).count();
}

std::string partition_name(Month m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "messages_%04d_%02d", m.year, m.month);
  return buf;
}

std::string bound_literal(Month m) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01 00:00:00+00", m.year, m.month);
  return buf;
}

std::string iso8601_utc(std::int64_t epoch_seconds) {
  const chrono::sys_seconds t{chrono::seconds(epoch_seconds)};
  const auto day = chrono::floor<chrono::days>(t);
  const chrono::year_month_day ymd{day};
  const chrono::hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.000Z", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

namespace {
bool overlaps(const PartitionRange& p, std::int64_t from, std::int64_t to) {
  return !p.is_default && p.from < to && from < p.to;
}
}  // namespace

std::vector<Month> months_to_create(std::int64_t now, int months_ahead,
                                    std::span<const PartitionRange> existing,
                                    std::span<const std::int64_t> default_row_months) {
  std::vector<Month> wanted;
  const Month current = month_of(now);
  for (int i = 0; i <= months_ahead; ++i) wanted.push_back(add_months(current, i));
  for (std::int64_t t : default_row_months) wanted.push_back(month_of(t));
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::erase_if(wanted, [&](const Month& m) {
    const std::int64_t from = month_start(m);
    const std::int64_t to = month_start(add_months(m, 1));
    return std::any_of(existing.begin(), existing.end(),
                       [&](const PartitionRange& p) { return overlaps(p, from, to); });
  });
  return wanted;
}

std::optional<std::int64_t> retention_cutoff(std::int64_t now, int retention_days) {
  if (retention_days <= 0) return std::nullopt;
  return now - static_cast<std::int64_t>(retention_days) * 86400;
}

std::vector<PartitionRange> partitions_before(std::span<const PartitionRange> partitions,
                                              std::int64_t cutoff) {
  std::vector<PartitionRange> out;
  for (const auto& p : partitions) {
    if (!p.is_default && p.to <= cutoff) out.push_back(p);
  }
  std::sort(out.begin(), out.end(),
            [](const PartitionRange& a, const PartitionRange& b) { return a.from < b.from; });
  return out;
}

}  // namespace parley::admin
