// The benchmarks' report page (`orgledger bench --report DIR`): one chart
// per figure of a run — ours, its ceiling from the same run, the target
// an issue set for it, and each peer's figure for the same workload from
// the peers' results file of the same session (one JSON line per peer and
// phase). A pure function of the
// JSON lines: it reads and writes no file.
#ifndef ORGLEDGER_BENCH_REPORT_PAGE_H_
#define ORGLEDGER_BENCH_REPORT_PAGE_H_

#include <string>
#include <vector>

#include "base/result.h"

namespace orgledger::bench {

struct Bar {
  std::string label;
  double value = 0;
  std::string kind;  // "ours" | "ceiling" | "peer" | "target"
};

struct Chart {
  std::string title;
  std::string unit;  // e.g. "commands/s"
  std::vector<Bar> bars;
};

// The charts of `ours` (the lines `orgledger bench` printed) beside
// `peers` (the peers' results lines; may be empty). kInvalidArgument,
// naming the line, for a line that is not a JSON object.
Result<std::vector<Chart>> ReportCharts(const std::vector<std::string>& ours,
                                        const std::vector<std::string>& peers);

// One chart as a standalone SVG image (bars to scale, values written).
std::string ChartSvg(const Chart& chart);

// One self-contained HTML page (inline SVG, no script) of `charts`.
std::string ReportPage(const std::vector<Chart>& charts,
                       const std::string& subtitle);

}  // namespace orgledger::bench

#endif  // ORGLEDGER_BENCH_REPORT_PAGE_H_
