// W6 `replicas` (BENCH.md): two engines in two processes on one PostgreSQL
// store race for the same organizations. Timing lives here, never in tests.
#ifndef ORGLEDGER_BENCH_REPLICAS_H_
#define ORGLEDGER_BENCH_REPLICAS_H_

#include <cstdint>
#include <string>

#include "base/result.h"

namespace orgledger::bench {

struct ReplicaFigures {
  std::uint64_t commands = 0;  // answered, both processes
  std::uint64_t accepted = 0;
  std::uint64_t conflicts = 0;  // concurrency_conflict after the retries
  std::uint64_t other_errors = 0;
  std::uint64_t guard_misses = 0;  // groups planned again under the lock
  std::uint64_t groups = 0;        // group commits, both processes
  std::uint64_t appends = 0;       // appends that succeeded (retries too)
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  // Afterwards: the chain verifies, the projections verify, and every
  // acknowledged command's key is in the log exactly once.
  bool chain_ok = false;
  bool projections_ok = false;
  std::uint64_t missing = 0;
  std::uint64_t doubled = 0;
};

// `orgs` enterprise organizations are created (not timed); then two child
// processes, each with its own engine on `url` and `writers` threads, send
// for `seconds` invite_member with a new email and an idempotency key to a
// uniformly random organization. `scratch` holds what the children report.
Result<ReplicaFigures> Replicas(const std::string& url,
                                const std::string& scratch, long orgs,
                                int writers, double seconds);

}  // namespace orgledger::bench

#endif  // ORGLEDGER_BENCH_REPLICAS_H_
