#include "projections/rum.h"

#include <algorithm>
#include <cstdio>

namespace orgledger::projections {
namespace {

constexpr std::int64_t kMicrosPerDay = 86400LL * 1000000;
constexpr double kMicrosPerHour = 3600.0 * 1e6;

// Days since 1970-01-01 of a proleptic Gregorian date (the classic
// era-based conversion).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::uint32_t MonthOf(domain::Micros t) {
  std::int64_t y = 0;
  unsigned m = 0;
  CivilFromDays(FloorDiv(t, kMicrosPerDay), &y, &m);
  return static_cast<std::uint32_t>(y * 100 + m);
}

domain::Micros MonthStart(std::uint32_t month) {
  return DaysFromCivil(month / 100, month % 100, 1) * kMicrosPerDay;
}

domain::Micros MonthEnd(std::uint32_t month) {
  const std::uint32_t y = month / 100;
  const std::uint32_t m = month % 100;
  return MonthStart(m == 12 ? (y + 1) * 100 + 1 : y * 100 + m + 1);
}

std::string MonthName(std::uint32_t month) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04u-%02u", month / 100, month % 100);
  return buf;
}

std::optional<std::uint32_t> ParseMonth(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  std::uint32_t y = 0, m = 0;
  for (int i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    (i < 4 ? y : m) = (i < 4 ? y : m) * 10 + (text[i] - '0');
  }
  if (y < 1970 || m < 1 || m > 12) return std::nullopt;
  return y * 100 + m;
}

RumMonthRow FoldSample(const std::optional<RumMonthRow>& row,
                       const std::optional<RumSample>& previous,
                       const RumSample& sample) {
  RumMonthRow out;
  if (row.has_value()) {
    out = *row;
    out.held_until_last += static_cast<double>(out.last.count) *
                           static_cast<double>(sample.at - out.last.at);
    out.peak = std::max(out.peak, sample.count);
    out.before_last = out.last.count;
    out.last = sample;
    return out;
  }
  const domain::Micros start = MonthStart(MonthOf(sample.at));
  out.had_carry = previous.has_value();
  out.carry_in = previous.has_value() ? previous->count : 0;
  out.held_until_last = static_cast<double>(out.carry_in) *
                        static_cast<double>(sample.at - start);
  out.peak =
      out.had_carry ? std::max(out.carry_in, sample.count) : sample.count;
  out.before_last = out.carry_in;
  out.last = sample;
  return out;
}

RumSummary Summarize(std::uint32_t month, const std::optional<RumMonthRow>& row,
                     const std::optional<RumMonthRow>& earlier,
                     domain::Micros now) {
  RumSummary s;
  s.month = month;
  const domain::Micros start = MonthStart(month);
  const domain::Micros end = std::min(MonthEnd(month), now);
  const double span = end > start ? static_cast<double>(end - start) : 0;
  double held = 0;  // count x microseconds
  if (row.has_value()) {
    s.current = row->last.count;
    s.peak = row->peak;
    if (end >= row->last.at) {
      held = row->held_until_last + static_cast<double>(row->last.count) *
                                        static_cast<double>(end - row->last.at);
    } else {
      // `now` is before the month's last sample (samples may be recorded
      // up to 5 minutes ahead): take back what was counted past `now`.
      held = row->held_until_last - static_cast<double>(row->before_last) *
                                        static_cast<double>(row->last.at - end);
    }
  } else if (earlier.has_value()) {
    s.current = earlier->last.count;
    s.peak = span > 0 ? s.current : 0;
    held = static_cast<double>(s.current) * span;
  }
  held = std::max(held, 0.0);
  s.resource_hours = held / kMicrosPerHour;
  s.average = span > 0 ? held / span : 0;
  return s;
}

}  // namespace orgledger::projections
