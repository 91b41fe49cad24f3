// RFC 3339 times as the wire carries them (SPEC §2): UTC with microseconds,
// "2026-11-24T07:00:00.123456Z". Pure functions; no clock.
#ifndef ORGLEDGER_BASE_TIME_H_
#define ORGLEDGER_BASE_TIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orgledger {

// Microseconds since the Unix epoch, UTC.
using UnixMicros = std::int64_t;

// "YYYY-MM-DDTHH:MM:SS.ffffffZ", always six fraction digits.
std::string FormatRfc3339(UnixMicros t);

// year * 100 + month (1-12) of `t` in UTC: 202611 for 2026-11-24.
int YearMonthOf(UnixMicros t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm)" (T/t, Z/z), years
// 1970-9999; digits past microseconds are truncated. nullopt otherwise.
std::optional<UnixMicros> ParseRfc3339(std::string_view s);

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_TIME_H_
