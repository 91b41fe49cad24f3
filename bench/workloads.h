// The workloads of BENCH.md, run against an open engine. Each returns its
// figures; bench.cc prints them. Timing lives here, never in tests.
#ifndef ORGLEDGER_TOOLS_BENCH_WORKLOADS_H_
#define ORGLEDGER_TOOLS_BENCH_WORKLOADS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "commands/engine.h"

namespace orgledger::bench {

// Called now and then with (done, total) for a progress line.
using Progress = std::function<void(std::uint64_t, std::uint64_t)>;

struct CommandFigures {
  std::uint64_t commands = 0;
  std::uint64_t accepted = 0;
  std::uint64_t events = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  std::map<std::string, std::uint64_t> rejections;  // by code
};

// W1: for organizations [first, first + orgs): create_organization (team),
// invite_billing_manager, accept_invite, each acknowledged when durable;
// `writers` chains of commands on disjoint organizations through the async
// API (1 = one command at a time).
CommandFigures Onboarding(commands::Engine& engine, long first, long orgs,
                          int writers, const Progress& progress);

struct QueryFigures {
  std::uint64_t queries = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// W4: billing_managers, member_count and billing for random organizations
// of W1 and random viewers (admin or billing manager), `readers` threads.
// Only admins as viewers when `admins_only` (organizations without billing
// managers).
QueryFigures Views(commands::Engine& engine, long orgs, int readers,
                   double seconds, bool admins_only = false);

// W5: `orgs` organizations (80% enterprise, 20% team, created first and not
// timed), then for `seconds` a Zipf(1.1) choice among them of the ten
// commands of BENCH.md from 64 writers, with 4 view readers at once.
struct MixedFigures {
  CommandFigures commands;
  QueryFigures views;
};
// `steady`: W5 --steady (OrgBook), organizations of a steady size.
MixedFigures Mixed(commands::Engine& engine, long orgs, double seconds,
                   bool steady, const Progress& progress);

// W7: `orgs` organizations of `events` events each (W5's mix, each
// organization's commands one at a time, 64 organizations at once; not
// timed), then for `seconds` billing_managers, members and billing as of a
// random past position of a random organization, `readers` threads, each
// view as one of its admins.
struct HistoryFigures {
  std::uint64_t events = 0;  // in the log after the setup
  double setup_seconds = 0;
  QueryFigures views;
  // Over moments drawn as the readers draw them: the events a query
  // folded after its as-of mark, on average.
  double folded_per_query = 0;
};
HistoryFigures History(commands::Engine& engine, long orgs, long events,
                       int readers, double seconds, const Progress& progress);

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_WORKLOADS_H_
