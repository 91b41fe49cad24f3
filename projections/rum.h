// Resources under management (SPEC §1.7), folded incrementally: one row per
// UTC month that holds a sample, enough to answer the month's summary at
// any time without reading the samples again.
#ifndef ORGLEDGER_PROJECTIONS_RUM_H_
#define ORGLEDGER_PROJECTIONS_RUM_H_

#include <cstdint>
#include <optional>
#include <string>

#include "domain/types.h"
#include "projections/rows.h"
#include "projections/view_types.h"

namespace orgledger::projections {

// year * 100 + month (1..12) of a UTC time.
std::uint32_t MonthOf(domain::Micros t);
// The first microsecond of `month`, and of the month after it.
domain::Micros MonthStart(std::uint32_t month);
domain::Micros MonthEnd(std::uint32_t month);
// "YYYY-MM" <-> month; nullopt for anything else.
std::string MonthName(std::uint32_t month);
std::optional<std::uint32_t> ParseMonth(std::string_view text);

// Folds `sample` into its month's row (`row`, absent when the month has no
// sample yet). `previous` is the organization's sample before it, if any.
// REQUIRES: samples arrive in non-decreasing `at` (Decide guarantees it).
RumMonthRow FoldSample(const std::optional<RumMonthRow>& row,
                       const std::optional<RumSample>& previous,
                       const RumSample& sample);

// The summary is the rum view itself (projections/view_types.h).
using RumSummary = RumView;

// The summary of `month` as of `now`: `row` is the month's row, `earlier`
// the row of the latest earlier month with a sample (used when the month has
// none). The integral runs from the month's start to the earlier of its end
// and `now`; nothing is held before the first sample.
RumSummary Summarize(std::uint32_t month, const std::optional<RumMonthRow>& row,
                     const std::optional<RumMonthRow>& earlier,
                     domain::Micros now);

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_RUM_H_
