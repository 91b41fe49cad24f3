// `orgledger bench`: the calibration and workloads of BENCH.md (W1-W5),
// one JSON line per figure on stdout, a table and a progress line on
// stderr. bench/README.md says how to run each and the latest figures.
#ifndef ORGLEDGER_TOOLS_BENCH_BENCH_H_
#define ORGLEDGER_TOOLS_BENCH_BENCH_H_

#include <string>

namespace orgledger::bench {

struct BenchOptions {
  // onboarding | replay | open | views | mixed | calibrate; ignored by --all.
  std::string workload = "onboarding";
  bool all = false;
  long orgs = 0;     // 0: the workload's default (20,000; mixed 100,000)
  int writers = 64;  // onboarding: 1 or more
  std::string durability = "sync";
  std::string data;  // empty: a fresh directory under ., removed after
  // A PostgreSQL store (postgresql://...; an empty database): the engine's
  // log lives there, `data` holds the projections' local state.
  std::string store;
  double seconds = 0;  // 0: views 5 s, mixed 60 s
  // mixed: W5 --steady, organizations of a steady size (the soak's).
  bool steady = false;
  bool allow_tmpfs = false;
  // replay: the rebuild's memory for rows (MiB); 0 writes them batch by
  // batch, as before sorted files (for A/B runs).
  long rebuild_memory_mb = 64;
  // A directory to write the report page to (index.html, with the run's
  // figures.jsonl beside it); empty: none.
  std::string report;
  // The peers' results of the same session (JSON lines), for the report.
  std::string peers;
  // Make the report from this earlier run's JSON lines instead of running.
  std::string from;
};

int RunBench(const BenchOptions& options);

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_BENCH_H_
