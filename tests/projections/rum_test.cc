// The RUM summary of SPEC §1.7, folded month by month: current, peak,
// resource-hours integrated between samples up to the earlier of the
// month's end and now, and the average over the hours elapsed.
#include "projections/rum.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace orgledger::projections {
namespace {

constexpr std::int64_t kHour = 3600LL * 1000000;

std::int64_t At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(Rum, MonthsAndNames) {
  EXPECT_EQ(MonthOf(At("2026-11-30T23:59:59Z")), 202611u);
  EXPECT_EQ(MonthOf(At("2026-12-01T00:00:00Z")), 202612u);
  EXPECT_EQ(MonthStart(202612), At("2026-12-01T00:00:00Z"));
  EXPECT_EQ(MonthEnd(202612), At("2027-01-01T00:00:00Z"));
  EXPECT_EQ(MonthEnd(202402) - MonthStart(202402), 29 * 24 * kHour);  // leap
  EXPECT_EQ(MonthName(202603), "2026-03");
  EXPECT_EQ(ParseMonth("2026-03"), 202603u);
  EXPECT_FALSE(ParseMonth("2026-3").has_value());
  EXPECT_FALSE(ParseMonth("2026-00").has_value());
}

TEST(Rum, IntegratesBetweenSamplesAndCarriesIntoLaterMonths) {
  // 10 resources from 06:00 on Nov 1st, 30 from 12:00: by 18:00,
  // 6h x 10 + 6h x 30 = 240 resource-hours over 18 elapsed hours.
  const std::int64_t t1 = At("2026-11-01T06:00:00Z");
  const std::int64_t t2 = At("2026-11-01T12:00:00Z");
  std::optional<RumMonthRow> nov =
      FoldSample(std::nullopt, std::nullopt, {10, t1});
  nov = FoldSample(nov, RumSample{10, t1}, {30, t2});
  RumSummary s =
      Summarize(202611, nov, std::nullopt, At("2026-11-01T18:00:00Z"));
  EXPECT_EQ(s.current, 30);
  EXPECT_EQ(s.peak, 30);
  EXPECT_DOUBLE_EQ(s.resource_hours, 240);
  EXPECT_DOUBLE_EQ(s.average, 240.0 / 18);

  // The whole of November, asked in January: 30 held to the month's end.
  s = Summarize(202611, nov, std::nullopt, At("2027-01-10T00:00:00Z"));
  EXPECT_DOUBLE_EQ(s.resource_hours, 60 + 30 * (30 * 24 - 12));

  // December has no sample: 30 carried all month.
  s = Summarize(202612, std::nullopt, nov, At("2027-01-10T00:00:00Z"));
  EXPECT_EQ(s.current, 30);
  EXPECT_EQ(s.peak, 30);
  EXPECT_DOUBLE_EQ(s.resource_hours, 30.0 * 31 * 24);
  EXPECT_DOUBLE_EQ(s.average, 30);

  // A sample in January drops to 5: the carry-in counts until then.
  const std::int64_t t3 = At("2027-01-02T00:00:00Z");
  std::optional<RumMonthRow> jan =
      FoldSample(std::nullopt, RumSample{30, t2}, {5, t3});
  s = Summarize(202701, jan, std::nullopt, At("2027-01-03T00:00:00Z"));
  EXPECT_EQ(s.current, 5);
  EXPECT_EQ(s.peak, 30);
  EXPECT_DOUBLE_EQ(s.resource_hours, 30 * 24 + 5 * 24);

  // Before the first sample nothing is held; a month before it is empty.
  s = Summarize(202610, std::nullopt, std::nullopt, At("2027-01-03T00:00:00Z"));
  EXPECT_EQ(s.current, 0);
  EXPECT_DOUBLE_EQ(s.resource_hours, 0);
  // A month not begun yet.
  s = Summarize(202705, std::nullopt, jan, At("2027-01-03T00:00:00Z"));
  EXPECT_DOUBLE_EQ(s.resource_hours, 0);
  EXPECT_DOUBLE_EQ(s.average, 0);
}

}  // namespace
}  // namespace orgledger::projections
