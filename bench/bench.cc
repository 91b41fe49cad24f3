#include "bench/bench.h"

#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "bench/calibrate.h"
#include "bench/replicas.h"
#include "bench/report_page.h"
#include "bench/workloads.h"
#include "eventstore/fs_info.h"

#ifndef ORGLEDGER_VERSION
#define ORGLEDGER_VERSION "unknown"
#endif

namespace orgledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One figure: a JSON line now, a table row at the end.
struct Figure {
  std::string json;
  std::string row;
};

class Report {
 public:
  void Add(const std::string& workload, const std::string& fields,
           const std::string& row) {
    const std::string line = "{\"workload\":\"" + workload + "\"," + fields +
                             ",\"version\":\"" ORGLEDGER_VERSION "\"}";
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    lines_.push_back(line);
    rows_.push_back(row);
  }
  const std::vector<std::string>& lines() const { return lines_; }
  void Table() const {
    std::fprintf(stderr, "\n%-44s %s\n", "figure", "value (ceiling, ratio)");
    for (const std::string& r : rows_) std::fprintf(stderr, "%s\n", r.c_str());
  }

 private:
  std::vector<std::string> lines_;
  std::vector<std::string> rows_;
};

Result<std::vector<std::string>> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Writes the report page of `lines` into o.report; 0, or 2 with a message.
int WriteReport(const BenchOptions& o, const std::vector<std::string>& lines) {
  std::vector<std::string> peers;
  if (!o.peers.empty()) {
    Result<std::vector<std::string>> read = ReadLines(o.peers);
    if (!read.ok()) {
      std::fprintf(stderr, "orgledger: --peers: %s\n",
                   read.status().message().c_str());
      return 2;
    }
    peers = std::move(*read);
  }
  Result<std::vector<Chart>> charts = ReportCharts(lines, peers);
  if (!charts.ok()) {
    std::fprintf(stderr, "orgledger: %s\n", charts.status().message().c_str());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.report, ec);
  const std::string page = o.report + "/index.html";
  std::ofstream html(page);
  html << ReportPage(
      *charts, "orgledger " ORGLEDGER_VERSION "; peers: " +
                   (o.peers.empty()
                        ? std::string("none given")
                        : std::filesystem::path(o.peers).filename().string()));
  // Each chart as an image too, for pages that cannot inline SVG.
  for (std::size_t i = 0; i < charts->size(); ++i) {
    std::ofstream(o.report + "/chart-" + std::to_string(i + 1) + ".svg")
        << ChartSvg((*charts)[i]);
  }
  std::ofstream figures(o.report + "/figures.jsonl");
  for (const std::string& line : lines) figures << line << "\n";
  if (!html || !figures) {
    std::fprintf(stderr, "orgledger: cannot write the report in %s\n",
                 o.report.c_str());
    return 2;
  }
  std::fprintf(stderr,
               "bench: report in %s (%zu charts, one chart-N.svg each)\n",
               page.c_str(), charts->size());
  return 0;
}

std::string Fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Fmt(const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  return buf;
}

// A progress line on stderr, rewritten in place on a terminal.
Progress ProgressLine(const std::string& what) {
  const bool tty = ::isatty(2);
  return [what, tty](std::uint64_t done, std::uint64_t total) {
    if (!tty) return;
    std::fprintf(stderr, "\r%-40s %10llu / %llu   ", what.c_str(),
                 static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  };
}
void EndProgress() {
  if (::isatty(2)) std::fprintf(stderr, "\r%80s\r", "");
}

struct Ceilings {
  double fsync_us = 0;
  double batch_puts_per_s = 0;
};

Result<std::unique_ptr<commands::Engine>> OpenEngine(
    const std::string& db, const std::string& durability,
    const std::string& store, long rebuild_memory_mb = 64) {
  commands::EngineOptions options;
  options.rebuild_memory_bytes = static_cast<std::size_t>(rebuild_memory_mb)
                                 << 20;
  options.data_dir = db;
  options.postgres.url = store;
  if (durability == "buffered") {
    options.store.durability = eventstore::Durability::kBuffered;
  }
  return commands::Engine::Open(std::move(options));
}

void ReportOnboarding(Report& report, const CommandFigures& f, int writers,
                      const std::string& durability, long orgs,
                      const Ceilings& c) {
  const double per_s = f.commands / f.seconds;
  const double ceiling =
      durability == "sync" ? 1e6 / c.fsync_us : c.batch_puts_per_s;
  report.Add(
      "onboarding",
      Fmt("\"writers\":%d,\"durability\":\"%s\",\"orgs\":%ld,"
          "\"commands\":%llu,\"commands_per_s\":%.0f,\"events_per_s\":%.0f,"
          "\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f,"
          "\"ceiling_per_s\":%.0f,\"ratio_to_ceiling\":%.3f,"
          "\"rejected\":%llu,\"peak_rss_mb\":%.0f",
          writers, durability.c_str(), orgs,
          static_cast<unsigned long long>(f.commands), per_s,
          f.events / f.seconds, f.p50_us, f.p99_us, f.max_us, ceiling,
          per_s / ceiling,
          static_cast<unsigned long long>(f.commands - f.accepted),
          PeakRssMb()),
      Fmt("%-44s %.0f commands/s (%.0f, %.2fx), p99 %.0f us",
          Fmt("W1 %d writer(s), %s", writers, durability.c_str()).c_str(),
          per_s, ceiling, per_s / ceiling, f.p99_us));
}

}  // namespace

int RunBench(const BenchOptions& o) {
  if (!o.from.empty() && o.report.empty()) {
    std::fprintf(stderr,
                 "orgledger: --from makes a report: give --report DIR\n");
    return 2;
  }
  if (!o.from.empty()) {
    Result<std::vector<std::string>> lines = ReadLines(o.from);
    if (!lines.ok()) {
      std::fprintf(stderr, "orgledger: --from: %s\n",
                   lines.status().message().c_str());
      return 2;
    }
    return WriteReport(o, *lines);
  }
  const bool temporary = o.data.empty();
  const std::string dir =
      temporary ? "orgledger-bench-" + std::to_string(::getpid()) : o.data;
  std::filesystem::create_directories(dir);
  const std::string fs = eventstore::FileSystemTypeName(dir);
  if (eventstore::IsMemoryFileSystem(dir) && !o.allow_tmpfs) {
    std::fprintf(
        stderr,
        "orgledger: %s is on %s, where fsync costs nothing; use a disk "
        "directory or --allow-tmpfs\n",
        dir.c_str(), fs.c_str());
    return 2;
  }
  std::fprintf(stderr, "bench: %s on %s\n", dir.c_str(), fs.c_str());
  Report report;
  Ceilings c;
  c.fsync_us = FsyncMicros(dir, 500);
  if (!o.store.empty()) {
    // On PostgreSQL a durable commit is the server's flush plus a round
    // trip: that is the ceiling of one-at-a-time commands.
    const double commit_us = PostgresCommitMicros(o.store, 300);
    if (commit_us == 0) {
      std::fprintf(stderr, "orgledger: cannot reach the PostgreSQL store\n");
      return 2;
    }
    report.Add(
        "calibrate_postgres",
        Fmt("\"postgres_commit_us\":%.1f,\"commit_ceiling_per_s\":%.0f",
            commit_us, 1e6 / commit_us),
        Fmt("%-44s %.0f us (ceiling %.0f/s)", "calibration: PostgreSQL commit",
            commit_us, 1e6 / commit_us));
    c.fsync_us = commit_us;
  }
  c.batch_puts_per_s = RocksDbBatchPutsPerSecond(dir, 200000);
  report.Add("calibrate",
             Fmt("\"fs\":\"%s\",\"fsync_us\":%.1f,\"fsync_ceiling_per_s\":%.0f,"
                 "\"rocksdb_batch_put_per_s\":%.0f",
                 fs.c_str(), c.fsync_us, 1e6 / c.fsync_us, c.batch_puts_per_s),
             Fmt("%-44s %.0f us (ceiling %.0f/s); batch puts %.0f/s",
                 "calibration: fsync", c.fsync_us, 1e6 / c.fsync_us,
                 c.batch_puts_per_s));

  const long orgs = o.orgs > 0 ? o.orgs : 20000;
  const std::string db = dir + "/db";
  auto fresh = [&] {
    if (temporary || o.all) std::filesystem::remove_all(db);
  };
  auto want = [&](const char* w) { return o.all || o.workload == w; };
  int status = 0;

  std::vector<std::pair<int, std::string>> onboarding;
  if (o.all) {
    onboarding = {{1, "sync"}, {64, "sync"}, {64, "buffered"}};
  } else if (want("onboarding") || want("replay") || want("open") ||
             want("views")) {
    onboarding = {{o.writers, o.durability}};
  }
  std::unique_ptr<commands::Engine> engine;
  // The engine closed, a fresh database (as above) and an engine on it at
  // the run's durability; false when it does not open.
  auto reopen_fresh = [&] {
    engine.reset();
    fresh();
    auto opened = OpenEngine(db, o.durability, o.store);
    if (!opened.ok()) return false;
    engine = std::move(*opened);
    return true;
  };
  for (const auto& [writers, durability] : onboarding) {
    engine.reset();
    fresh();
    auto opened = OpenEngine(db, durability, o.store);
    if (!opened.ok()) {
      std::fprintf(stderr, "orgledger: %s\n",
                   opened.status().message().c_str());
      return 2;
    }
    engine = std::move(*opened);
    const long first = static_cast<long>(engine->store().CommittedPosition());
    if (first != 0 && !want("onboarding")) break;  // reuse --data as it is
    CommandFigures f = Onboarding(
        *engine, first, orgs, writers,
        ProgressLine(Fmt("W1 %d writer(s) %s", writers, durability.c_str())));
    EndProgress();
    ReportOnboarding(report, f, writers, durability, orgs, c);
  }

  if (engine != nullptr && want("replay")) {
    const std::uint64_t events = engine->store().CommittedPosition();
    engine->projections().WaitFor(events, std::chrono::minutes(10));
    engine.reset();
    std::uint64_t scanned = 0;
    const double scan = o.store.empty()
                            ? RocksDbScanPerSecond(db, "log", &scanned)
                            : PostgresScanPerSecond(o.store, &scanned);
    auto opened = OpenEngine(db, "sync", o.store, o.rebuild_memory_mb);
    if (!opened.ok()) return 2;
    engine = std::move(*opened);
    const auto t0 = Clock::now();
    Status s = engine->projections().Rebuild("", nullptr);
    const double secs =
        std::chrono::duration<double>(Clock::now() - t0).count();
    if (!s.ok()) {
      std::fprintf(stderr, "orgledger: rebuild: %s\n", s.message().c_str());
      return 1;
    }
    report.Add(
        "replay",
        Fmt("\"events\":%llu,\"events_per_s\":%.0f,\"seconds\":%.2f,"
            "\"rocksdb_scan_per_s\":%.0f,\"ratio_to_ceiling\":%.3f,"
            "\"rebuild_memory_mb\":%ld,\"peak_rss_mb\":%.0f",
            static_cast<unsigned long long>(events), events / secs, secs, scan,
            events / secs / scan, o.rebuild_memory_mb, PeakRssMb()),
        Fmt("%-44s %.0f events/s (scan %.0f/s, %.3fx)",
            "W2 rebuild, all projections", events / secs, scan,
            events / secs / scan));
  }

  if (engine != nullptr && want("open")) {
    const std::uint64_t events = engine->store().CommittedPosition();
    engine.reset();
    const auto t0 = Clock::now();
    auto opened = OpenEngine(db, "sync", o.store);
    if (!opened.ok()) return 2;
    engine = std::move(*opened);
    commands::CommandRequest r;
    r.envelope.org = "open-probe-" + std::to_string(::getpid());
    r.envelope.actor =
        domain::Actor::Person("u-probe", "probe@example.com", "Probe");
    r.envelope.command = domain::CreateOrganization{"team"};
    const commands::CommandOutcome first = engine->Execute(r);
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!first.ok()) status = 1;
    report.Add(
        "open",
        Fmt("\"events\":%llu,\"open_to_first_command_ms\":%.1f",
            static_cast<unsigned long long>(events), ms),
        Fmt("%-44s %.1f ms",
            Fmt("W3 open, %llu events", static_cast<unsigned long long>(events))
                .c_str(),
            ms));
  }

  if (engine != nullptr && want("views")) {
    QueryFigures q = Views(*engine, orgs, 4, o.seconds > 0 ? o.seconds : 5);
    report.Add("views",
               Fmt("\"readers\":4,\"orgs\":%ld,\"queries_per_s\":%.0f,"
                   "\"p50_us\":%.0f,\"p99_us\":%.0f,\"errors\":%llu",
                   orgs, q.queries / q.seconds, q.p50_us, q.p99_us,
                   static_cast<unsigned long long>(q.errors)),
               Fmt("%-44s %.0f queries/s, p99 %.0f us", "W4 views, 4 readers",
                   q.queries / q.seconds, q.p99_us));
    if (q.errors != 0) status = 1;
  }

  if (want("mixed")) {
    if (!reopen_fresh()) return 2;
    const long mixed_orgs = o.orgs > 0 ? o.orgs : 100000;
    MixedFigures m = Mixed(*engine, mixed_orgs, o.seconds > 0 ? o.seconds : 60,
                           o.steady, ProgressLine("W5 mixed"));
    EndProgress();
    std::string by_code;
    for (const auto& [code, n] : m.commands.rejections) {
      by_code += Fmt("%s\"%s\":%llu", by_code.empty() ? "" : ",", code.c_str(),
                     static_cast<unsigned long long>(n));
    }
    engine->projections().WaitFor(engine->store().CommittedPosition(),
                                  std::chrono::minutes(5));
    bool verified = true;
    auto reports = engine->projections().Verify();
    if (!reports.ok()) verified = false;
    for (const auto& r :
         reports.ok() ? *reports
                      : std::vector<projections::ProjectionVerifyReport>{}) {
      verified = verified && r.ok;
    }
    const CommandFigures& f = m.commands;
    report.Add(
        "mixed",
        Fmt("\"writers\":64,\"readers\":4,\"steady\":%s,\"durability\":\"%s\","
            "\"orgs\":%ld,"
            "\"seconds\":%.1f,\"commands_per_s\":%.0f,\"accepted_per_s\":%.0f,"
            "\"rejected_per_s\":%.0f,\"rejections\":{%s},\"p99_us\":%.0f,"
            "\"queries_per_s\":%.0f,\"query_p99_us\":%.0f,"
            "\"query_errors\":%llu,\"verify_projections\":%s,"
            "\"peak_rss_mb\":%.0f",
            o.steady ? "true" : "false", o.durability.c_str(), mixed_orgs,
            f.seconds, f.commands / f.seconds, f.accepted / f.seconds,
            (f.commands - f.accepted) / f.seconds, by_code.c_str(), f.p99_us,
            m.views.queries / m.views.seconds, m.views.p99_us,
            static_cast<unsigned long long>(m.views.errors),
            verified ? "true" : "false", PeakRssMb()),
        Fmt("%-44s %.0f commands/s (%.0f accepted), p99 %.0f us, verify %s",
            o.steady ? "W5 mixed --steady, 64 writers + 4 readers"
                     : "W5 mixed, 64 writers + 4 readers",
            f.commands / f.seconds, f.accepted / f.seconds, f.p99_us,
            verified ? "ok" : "FAILED"));
    if (!verified || m.views.errors != 0) status = 1;
  }
  if (want("history")) {
    if (!reopen_fresh()) return 2;
    const long history_orgs = o.orgs > 0 ? o.orgs : 1000;
    HistoryFigures h =
        History(*engine, history_orgs, 1000, 4, o.seconds > 0 ? o.seconds : 5,
                ProgressLine("W7 history"));
    EndProgress();
    const QueryFigures& q = h.views;
    report.Add(
        "history",
        Fmt("\"readers\":4,\"orgs\":%ld,\"events\":%llu,\"setup_s\":%.1f,"
            "\"queries_per_s\":%.0f,\"p50_us\":%.0f,\"p99_us\":%.0f,"
            "\"errors\":%llu,\"folded_per_query\":%.1f",
            history_orgs, static_cast<unsigned long long>(h.events),
            h.setup_seconds, q.queries / q.seconds, q.p50_us, q.p99_us,
            static_cast<unsigned long long>(q.errors), h.folded_per_query),
        Fmt("%-44s %.0f queries/s, p99 %.0f us, %.1f events folded a query",
            "W7 history (as_of), 4 readers", q.queries / q.seconds, q.p99_us,
            h.folded_per_query));
    if (q.errors != 0) status = 1;
  }
  if (want("replicas") && !o.store.empty()) {
    engine.reset();
    const long w6_orgs = o.orgs > 0 ? o.orgs : 1000;
    Result<ReplicaFigures> w6 = Replicas(o.store, dir + "/replicas", w6_orgs,
                                         32, o.seconds > 0 ? o.seconds : 60);
    if (!w6.ok()) {
      std::fprintf(stderr, "orgledger: replicas: %s\n",
                   w6.status().message().c_str());
      return 1;
    }
    const ReplicaFigures& f = *w6;
    const bool exact =
        f.chain_ok && f.projections_ok && f.missing == 0 && f.doubled == 0;
    report.Add(
        "replicas",
        Fmt("\"processes\":2,\"writers\":64,\"orgs\":%ld,\"seconds\":%.1f,"
            "\"commands\":%llu,\"commands_per_s\":%.0f,"
            "\"accepted_per_s\":%.0f,\"conflicts\":%llu,"
            "\"other_errors\":%llu,\"planned_again\":%llu,\"group_commits\":%"
            "llu,"
            "\"appends\":%llu,\"p50_us\":%.0f,"
            "\"p99_us\":%.0f,\"max_us\":%.0f,\"verify\":%s,"
            "\"verify_projections\":%s,\"missing\":%llu,\"doubled\":%llu",
            w6_orgs, f.seconds, static_cast<unsigned long long>(f.commands),
            f.commands / f.seconds, f.accepted / f.seconds,
            static_cast<unsigned long long>(f.conflicts),
            static_cast<unsigned long long>(f.other_errors),
            static_cast<unsigned long long>(f.guard_misses),
            static_cast<unsigned long long>(f.groups),
            static_cast<unsigned long long>(f.appends), f.p50_us, f.p99_us,
            f.max_us, f.chain_ok ? "true" : "false",
            f.projections_ok ? "true" : "false",
            static_cast<unsigned long long>(f.missing),
            static_cast<unsigned long long>(f.doubled)),
        Fmt("%-44s %.0f commands/s, p99 %.0f us, %s", "W6 two replicas racing",
            f.commands / f.seconds, f.p99_us,
            exact ? "each acknowledged once, verified" : "FAILED checks"));
    if (!exact) status = 1;
  }
  engine.reset();
  report.Table();
  if (temporary) std::filesystem::remove_all(dir);
  if (!o.report.empty() && WriteReport(o, report.lines()) != 0) return 2;
  return status;
}

}  // namespace orgledger::bench
