#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace orgledger::bench {
namespace {

constexpr int kSub = 1 << 6;

// Values below kSub ns have a bucket each; above, bucket (e, m) holds
// [ (kSub + m) << e, (kSub + m + 1) << e ) for the top 6 bits after the
// leading one.
int BucketOf(std::uint64_t ns) {
  if (ns < static_cast<std::uint64_t>(kSub)) return static_cast<int>(ns);
  const int width = std::bit_width(ns);  // >= 7
  const int shift = width - 7;
  const int mantissa = static_cast<int>((ns >> shift) - kSub);
  return kSub + shift * kSub + mantissa;
}

// The middle of a bucket, in nanoseconds.
double MiddleOf(int bucket) {
  if (bucket < kSub) return bucket;
  const int shift = (bucket - kSub) / kSub;
  const int mantissa = (bucket - kSub) % kSub;
  const double low = std::ldexp(kSub + mantissa, shift);
  return low + std::ldexp(1.0, shift) / 2;
}

}  // namespace

void LatencyHistogram::Add(double us) {
  const double ns = std::max(0.0, us * 1000.0);
  const auto n = static_cast<std::uint64_t>(std::min(ns, 1e18));
  buckets_[std::min(BucketOf(n), kBuckets - 1)] += 1;
  count_ += 1;
  max_us_ = std::max(max_us_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

double LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(
      std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      return std::min(MiddleOf(i) / 1000.0, max_us_);
    }
  }
  return max_us_;
}

}  // namespace orgledger::bench
