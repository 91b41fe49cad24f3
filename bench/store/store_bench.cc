// orgledger_store_bench: raw event-store append throughput against this
// machine's fsync latency, measured in one run (issue 2); with --store, of
// the PostgreSQL store against one commit's latency on that server. One
// JSON line per figure on stdout; a table on stderr.
//
//   orgledger_store_bench [--dir DIR] [--appends N] [--allow-tmpfs]
//                         [--store URL]   (an empty PostgreSQL database)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/calibrate.h"
#include "eventstore/event_store.h"
#include "eventstore/fs_info.h"
#include "eventstore/postgres/postgres_event_store.h"
#include "eventstore/rocksdb_event_store.h"

namespace {

namespace es = orgledger::eventstore;
namespace bench = orgledger::bench;
using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

using bench::FsyncMicros;
using bench::Percentile;

struct Figure {
  std::string name;
  int appenders = 0;
  std::string durability;
  std::uint64_t appends = 0;
  double per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::uint64_t syncs = 0;
};

// Streams are named by `run` so that runs on one PostgreSQL database
// (which is not emptied between them) append to new streams each time.
Figure RunAppends(const std::string& dir, const std::string& url,
                  es::Durability durability, int appenders, std::uint64_t total,
                  int run) {
  es::StoreOptions options;
  options.durability = durability;
  orgledger::Result<std::unique_ptr<es::EventStore>> store =
      orgledger::Unavailable("");
  if (url.empty()) {
    std::filesystem::remove_all(dir);
    store = es::OpenRocksDbEventStore(options, dir);
  } else {
    es::PostgresOptions postgres;
    postgres.url = url;
    store = es::OpenPostgresEventStore(options, postgres);
  }
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    std::exit(2);
  }
  const std::uint64_t per = total / appenders;
  std::vector<std::vector<double>> lat(appenders);
  std::atomic<bool> failed{false};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < appenders; ++w) {
    threads.emplace_back([&, w] {
      for (std::uint64_t i = 0; i < per; ++i) {
        es::AppendRequest r;
        r.stream = "org-" + std::to_string(run) + "-" + std::to_string(w) +
                   "-" + std::to_string(i);
        r.expected = es::ExpectedVersion::NoStream();
        r.events.push_back(es::EventData{"OrganizationCreated",
                                         std::string(64, 'm'),
                                         std::string(160, 'p')});
        auto a = Clock::now();
        auto result = (*store)->Append(std::move(r));
        lat[w].push_back(Micros(Clock::now() - a));
        if (!result.ok()) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failed) {
    std::fprintf(stderr, "an append failed\n");
    std::exit(2);
  }
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  Figure f;
  f.appenders = appenders;
  f.durability = durability == es::Durability::kSync ? "sync" : "buffered";
  f.appends = per * appenders;
  f.per_s = f.appends / seconds;
  f.p50_us = Percentile(all, 0.5);
  f.p99_us = Percentile(all, 0.99);
  f.syncs = (*store)->Stats().syncs;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "./var/store-bench";
  std::uint64_t appends = 20000;
  bool allow_tmpfs = false;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--appends" && i + 1 < argc) {
      appends = std::stoull(argv[++i]);
    } else if (a == "--store" && i + 1 < argc) {
      url = argv[++i];
    } else if (a == "--allow-tmpfs") {
      allow_tmpfs = true;
    } else {
      std::fprintf(stderr,
                   "usage: orgledger_store_bench [--dir DIR] [--appends N] "
                   "[--allow-tmpfs] [--store URL]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  const std::string fs = es::FileSystemTypeName(dir);
  if (es::IsMemoryFileSystem(dir) && !allow_tmpfs) {
    std::fprintf(stderr,
                 "%s is on %s, where fsync costs nothing; use a disk "
                 "directory or --allow-tmpfs\n",
                 dir.c_str(), fs.c_str());
    return 2;
  }
  // On PostgreSQL the ceiling is one commit's round trip on that server.
  const double fsync_us = url.empty() ? FsyncMicros(dir, 1000)
                                      : bench::PostgresCommitMicros(url, 1000);
  if (fsync_us <= 0) {
    std::fprintf(stderr, "cannot reach the PostgreSQL server\n");
    return 2;
  }
  const double ceiling = 1e6 / fsync_us;
  std::printf(
      "{\"figure\":\"%s\",\"fs\":\"%s\",\"fsync_us\":%.1f,"
      "\"ceiling_per_s\":%.0f}\n",
      url.empty() ? "fsync_us" : "postgres_commit_us",
      url.empty() ? fs.c_str() : "postgres", fsync_us, ceiling);

  std::vector<Figure> figures;
  const std::uint64_t one = std::min<std::uint64_t>(appends / 4, 5000);
  figures.push_back(
      RunAppends(dir + "/db", url, es::Durability::kSync, 1, one, 0));
  figures.push_back(
      RunAppends(dir + "/db", url, es::Durability::kSync, 64, appends, 1));
  figures.push_back(RunAppends(dir + "/db", url, es::Durability::kBuffered, 64,
                               appends * 3, 2));
  std::filesystem::remove_all(dir + "/db");

  for (const Figure& f : figures) {
    std::printf(
        "{\"figure\":\"append\",\"appenders\":%d,\"durability\":\"%s\","
        "\"appends\":%llu,\"appends_per_s\":%.0f,\"p50_us\":%.0f,"
        "\"p99_us\":%.0f,\"fsyncs\":%llu,\"ratio_to_fsync_ceiling\":"
        "%.2f}\n",
        f.appenders, f.durability.c_str(),
        static_cast<unsigned long long>(f.appends), f.per_s, f.p50_us, f.p99_us,
        static_cast<unsigned long long>(f.syncs), f.per_s / ceiling);
  }
  std::fprintf(stderr, "\nfile system %s, fsync %.0f us -> ceiling %.0f/s\n",
               fs.c_str(), fsync_us, ceiling);
  std::fprintf(stderr, "%-10s %9s %10s %12s %8s %8s %8s %7s\n", "durability",
               "appenders", "appends", "appends/s", "p50 us", "p99 us",
               "fsyncs", "x ceil");
  for (const Figure& f : figures) {
    std::fprintf(stderr, "%-10s %9d %10llu %12.0f %8.0f %8.0f %8llu %7.2f\n",
                 f.durability.c_str(), f.appenders,
                 static_cast<unsigned long long>(f.appends), f.per_s, f.p50_us,
                 f.p99_us, static_cast<unsigned long long>(f.syncs),
                 f.per_s / ceiling);
  }
  return 0;
}
