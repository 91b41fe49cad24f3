#include "base/time.h"

#include <gtest/gtest.h>

namespace orgledger {
namespace {

TEST(Time, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1795435200123456), "2026-11-23T12:00:00.123456Z");
}

TEST(Time, ParsesWithAndWithoutFraction) {
  EXPECT_EQ(ParseRfc3339("2026-11-23T12:00:00Z"), 1795435200000000);
  EXPECT_EQ(ParseRfc3339("2026-11-23T12:00:00.123456Z"), 1795435200123456);
  EXPECT_EQ(ParseRfc3339("2026-11-23T12:00:00.1Z"), 1795435200100000);
  EXPECT_EQ(ParseRfc3339("2026-11-23T12:00:00.123456789Z"), 1795435200123456);
  EXPECT_EQ(ParseRfc3339("2026-11-23T14:00:00+02:00"), 1795435200000000);
  EXPECT_EQ(ParseRfc3339("2026-11-23t12:00:00z"), 1795435200000000);
}

TEST(Time, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-11-23", "2026-11-23T12:00:00", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T12:00:00.Z",
        "2026-11-23T12:00:00Zx", "1969-12-31T23:59:59Z",
        "2026-11-23 12:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(Time, RoundTrips) {
  for (UnixMicros t : {0LL, 1LL, 1795435200123456LL, 253402300799999999LL}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  }
}

}  // namespace
}  // namespace orgledger
