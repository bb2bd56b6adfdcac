#include "admin/months.hpp"

#include <gtest/gtest.h>

namespace parley::admin {
namespace {

// 2026-01-31T23:59:59Z and 2026-02-01T00:00:00Z.
constexpr std::int64_t kJan31End = 1769903999;
constexpr std::int64_t kFeb1 = 1769904000;

PartitionRange month_partition(Month m) {
  return PartitionRange{partition_name(m), false, month_start(m), month_start(add_months(m, 1))};
}

TEST(Months, MonthOfIsTheUtcCalendarMonth) {
  EXPECT_EQ(month_of(kJan31End), (Month{2026, 1}));
  EXPECT_EQ(month_of(kFeb1), (Month{2026, 2}));
  EXPECT_EQ(month_of(0), (Month{1970, 1}));
  EXPECT_EQ(month_of(-1), (Month{1969, 12}));
  EXPECT_EQ(month_start(Month{2026, 2}), kFeb1);
}

TEST(Months, AddMonthsCrossesYears) {
  EXPECT_EQ(add_months(Month{2026, 11}, 2), (Month{2027, 1}));
  EXPECT_EQ(add_months(Month{2026, 1}, -1), (Month{2025, 12}));
  EXPECT_EQ(add_months(Month{2026, 12}, 13), (Month{2028, 1}));
  EXPECT_EQ(add_months(Month{2026, 3}, -27), (Month{2023, 12}));
}

TEST(Months, NamesAndBoundsMatchMigration003) {
  EXPECT_EQ(partition_name(Month{2026, 2}), "messages_2026_02");
  EXPECT_EQ(bound_literal(Month{2026, 2}), "2026-02-01 00:00:00+00");
  EXPECT_EQ(iso8601_utc(kJan31End), "2026-01-31T23:59:59.000Z");
}

TEST(Months, CurrentAndTwoAheadAreCreatedWhenMissing) {
  const auto months = months_to_create(kJan31End, 2, {}, {});
  EXPECT_EQ(months, (std::vector<Month>{{2026, 1}, {2026, 2}, {2026, 3}}));
}

TEST(Months, ExistingPartitionsAreNotCreatedAgain) {
  std::vector<PartitionRange> existing{month_partition({2026, 1}), month_partition({2026, 2}),
                                       PartitionRange{"messages_default", true}};
  EXPECT_EQ(months_to_create(kFeb1, 2, existing, {}),
            (std::vector<Month>{{2026, 3}, {2026, 4}}));
}

TEST(Months, MonthsWithRowsInTheDefaultPartitionGetOne) {
  std::vector<PartitionRange> existing{month_partition({2026, 2})};
  const std::int64_t old_row = month_start({2025, 7}) + 86400 * 3;
  const std::vector<std::int64_t> in_default{old_row, month_start({2025, 7}), kFeb1 + 5};
  EXPECT_EQ(months_to_create(kFeb1, 1, existing, in_default),
            (std::vector<Month>{{2025, 7}, {2026, 3}}));
}

TEST(Months, AnOperatorsOverlappingPartitionIsRespected) {
  // A quarter created by hand: no month partition may overlap it.
  std::vector<PartitionRange> existing{
      PartitionRange{"messages_2026_q1", false, month_start({2026, 1}), month_start({2026, 4})}};
  EXPECT_EQ(months_to_create(kFeb1, 3, existing, {}),
            (std::vector<Month>{{2026, 4}, {2026, 5}}));
  // Unbounded partitions (MINVALUE/MAXVALUE) overlap everything on their side.
  std::vector<PartitionRange> open_ended{PartitionRange{"messages_old", false}};
  open_ended.front().to = month_start({2026, 3});
  EXPECT_EQ(months_to_create(kFeb1, 2, open_ended, {}), (std::vector<Month>{{2026, 3}, {2026, 4}}));
}

TEST(Months, RetentionIsOffAtZeroDays) {
  EXPECT_FALSE(retention_cutoff(kFeb1, 0));
  EXPECT_FALSE(retention_cutoff(kFeb1, -3));
  EXPECT_EQ(retention_cutoff(kFeb1, 30), kFeb1 - 30 * 86400);
}

TEST(Months, OnlyPartitionsEndingByTheCutoffAreRetentionCandidates) {
  std::vector<PartitionRange> all{month_partition({2026, 3}), month_partition({2026, 1}),
                                  month_partition({2026, 2}),
                                  PartitionRange{"messages_default", true}};
  const auto before = partitions_before(all, month_start({2026, 3}));
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].name, "messages_2026_01") << "oldest first";
  EXPECT_EQ(before[1].name, "messages_2026_02") << "ends exactly at the cutoff";
  // One second earlier, February's partition still holds rows after the cutoff.
  EXPECT_EQ(partitions_before(all, month_start({2026, 3}) - 1).size(), 1u);
}

}  // namespace
}  // namespace parley::admin
