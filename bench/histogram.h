// LatencyHistogram: latencies in fixed memory (32 KiB), so that long runs
// (the 10-minute soak) measure the engine's memory, not the benchmark's.
// Log-linear buckets: 64 per power of two of nanoseconds, so a percentile is
// within 1.6% of the true value. Not thread-safe; merge per-thread ones.
#ifndef ORGLEDGER_TOOLS_BENCH_HISTOGRAM_H_
#define ORGLEDGER_TOOLS_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace orgledger::bench {

class LatencyHistogram {
 public:
  void Add(double us);
  void Merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  double max_us() const { return max_us_; }
  // The `p`-quantile (0 <= p <= 1) in microseconds; 0 when empty.
  double Percentile(double p) const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kBuckets = 64 << kSubBits;

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  double max_us_ = 0;
};

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_HISTOGRAM_H_
