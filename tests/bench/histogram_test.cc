// LatencyHistogram: percentiles within its stated 1.6% of the exact ones.
#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace orgledger::bench {
namespace {

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0);
}

TEST(LatencyHistogram, PercentilesAreWithinTwoPercent) {
  LatencyHistogram h, merged;
  std::vector<double> exact;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(5.0, 1.5);  // ~150 us median
  for (int i = 0; i < 100000; ++i) {
    const double us = latency(rng);
    exact.push_back(us);
    (i % 2 ? h : merged).Add(us);
  }
  merged.Merge(h);
  std::sort(exact.begin(), exact.end());
  EXPECT_EQ(merged.count(), exact.size());
  EXPECT_DOUBLE_EQ(merged.max_us(), exact.back());
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    const double want = exact[static_cast<std::size_t>(p * exact.size()) - 1];
    EXPECT_NEAR(merged.Percentile(p), want, want * 0.02) << "p" << p;
  }
}

TEST(LatencyHistogram, TinyAndHugeValues) {
  LatencyHistogram h;
  h.Add(0.001);
  h.Add(3.6e9);  // an hour
  EXPECT_EQ(h.count(), 2u);
  EXPECT_LT(h.Percentile(0.5), 0.01);
  EXPECT_NEAR(h.Percentile(1.0), 3.6e9, 3.6e9 * 0.02);
}

}  // namespace
}  // namespace orgledger::bench
