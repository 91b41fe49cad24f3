#include "bench/replicas.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "bench/histogram.h"
#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "eventstore/postgres/postgres_event_store.h"

namespace orgledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string OrgName(long i) { return "w6-" + std::to_string(i); }

domain::Actor AdminOf(long i) {
  return domain::Actor::Person("u-admin-" + std::to_string(i),
                               "admin" + std::to_string(i) + "@example.com",
                               "Admin " + std::to_string(i));
}

commands::EngineOptions OptionsFor(const std::string& url) {
  commands::EngineOptions o;
  o.postgres.url = url;
  return o;
}

// What one child reports to the parent (trivially copyable: written as
// bytes to its file).
struct ChildReport {
  std::uint64_t commands = 0;
  std::uint64_t accepted = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t other_errors = 0;
  std::uint64_t guard_misses = 0;
  std::uint64_t groups = 0;   // group commits
  std::uint64_t appends = 0;  // appends answered with success
  double seconds = 0;
  LatencyHistogram latency;

  // Sums the counters, keeps the longer run, merges the latencies.
  void Add(const ChildReport& o) {
    commands += o.commands;
    accepted += o.accepted;
    conflicts += o.conflicts;
    other_errors += o.other_errors;
    guard_misses += o.guard_misses;
    groups += o.groups;
    appends += o.appends;
    seconds = std::max(seconds, o.seconds);
    latency.Merge(o.latency);
  }
};

// One replica: its engine, `writers` threads for `seconds`. Writes the
// report to `scratch`/replica-N and the acknowledged keys, one per line,
// to `scratch`/replica-N.keys. Returns the process's exit code.
int RunReplica(int n, const std::string& url, const std::string& scratch,
               long orgs, int writers, double seconds) {
  auto engine = commands::Engine::Open(OptionsFor(url));
  if (!engine.ok()) {
    std::fprintf(stderr, "replica %d: %s\n", n,
                 engine.status().ToString().c_str());
    return 2;
  }
  std::vector<ChildReport> per(writers);
  std::vector<std::vector<std::string>> keys(writers);
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 random(static_cast<std::uint64_t>(n) * 1000 + w);
      std::uniform_int_distribution<long> pick(0, orgs - 1);
      ChildReport& r = per[w];
      for (long i = 0; Clock::now() < until; ++i) {
        const long org = pick(random);
        const std::string tag = std::to_string(n) + "-" + std::to_string(w) +
                                "-" + std::to_string(i);
        commands::CommandRequest request;
        request.envelope.org = OrgName(org);
        request.envelope.actor = AdminOf(org);
        request.envelope.command =
            domain::InviteMember{"p" + tag + "@example.com", "member"};
        request.idempotency_key = "w6-" + tag;
        const auto a = Clock::now();
        const commands::CommandOutcome o = (*engine)->Execute(request);
        r.latency.Add(
            std::chrono::duration<double, std::micro>(Clock::now() - a)
                .count());
        ++r.commands;
        if (o.ok()) {
          ++r.accepted;
          keys[w].push_back(*request.idempotency_key);
        } else if (o.error.code() == Code::kConcurrencyConflict) {
          ++r.conflicts;
        } else {
          ++r.other_errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ChildReport total;
  total.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (const ChildReport& r : per) total.Add(r);
  const eventstore::StoreStats stats = (*engine)->store().Stats();
  total.guard_misses =
      static_cast<std::uint64_t>(stats.Gauge(eventstore::kPostgresGuardMisses));
  total.groups = stats.write_groups;
  total.appends = stats.appends;
  const std::string base = scratch + "/replica-" + std::to_string(n);
  std::ofstream keys_out(base + ".keys");
  for (const auto& list : keys) {
    for (const std::string& k : list) keys_out << k << '\n';
  }
  std::ofstream out(base, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&total), sizeof total);
  return out && keys_out ? 0 : 2;
}

}  // namespace

Result<ReplicaFigures> Replicas(const std::string& url,
                                const std::string& scratch, long orgs,
                                int writers, double seconds) {
  std::filesystem::create_directories(scratch);
  {
    // The organizations, not timed; the engine is closed (its threads
    // joined) before the children are forked.
    auto setup = commands::Engine::Open(OptionsFor(url));
    if (!setup.ok()) return setup.status();
    for (long i = 0; i < orgs; ++i) {
      commands::CommandRequest r;
      r.envelope.org = OrgName(i);
      r.envelope.actor = AdminOf(i);
      r.envelope.command = domain::CreateOrganization{"enterprise"};
      const commands::CommandOutcome o = (*setup)->Execute(r);
      if (!o.ok() && o.error.code() != Code::kAlreadyExists) return o.error;
    }
  }
  std::vector<pid_t> children;
  for (int n = 0; n < 2; ++n) {
    const pid_t pid = ::fork();
    if (pid < 0) return Unavailable("cannot start a replica process");
    if (pid == 0) {
      std::fflush(nullptr);
      ::_exit(RunReplica(n, url, scratch, orgs, writers, seconds));
    }
    children.push_back(pid);
  }
  bool children_ok = true;
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    children_ok = children_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  if (!children_ok) return Unavailable("a replica process failed");

  ChildReport both;
  std::map<std::string, int> acknowledged;
  for (int n = 0; n < 2; ++n) {
    const std::string base = scratch + "/replica-" + std::to_string(n);
    ChildReport r;
    std::ifstream in(base, std::ios::binary);
    in.read(reinterpret_cast<char*>(&r), sizeof r);
    if (!in)
      return Unavailable("replica " + std::to_string(n) + " reported nothing");
    both.Add(r);
    std::ifstream keys(base + ".keys");
    for (std::string k; std::getline(keys, k);) acknowledged[k] = 0;
  }
  ReplicaFigures f;
  f.commands = both.commands;
  f.accepted = both.accepted;
  f.conflicts = both.conflicts;
  f.other_errors = both.other_errors;
  f.guard_misses = both.guard_misses;
  f.groups = both.groups;
  f.appends = both.appends;
  f.seconds = both.seconds;
  f.p50_us = both.latency.Percentile(0.5);
  f.p99_us = both.latency.Percentile(0.99);
  f.max_us = both.latency.max_us();

  // Afterwards: the chain, the projections, and each acknowledged key once.
  auto engine = commands::Engine::Open(OptionsFor(url));
  if (!engine.ok()) return engine.status();
  eventstore::EventStore& store = (*engine)->store();
  Result<eventstore::VerifyReport> chain = store.Verify(1, 0);
  if (!chain.ok()) return chain.status();
  f.chain_ok = chain->ok;
  for (eventstore::Position next = 1;;) {
    auto batch = store.ReadAll(next, 4096);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) break;
    for (const eventstore::RecordedEvent& e : *batch) {
      Result<codec::EventMetadata> meta = codec::DecodeMetadata(e.metadata);
      if (!meta.ok()) return meta.status();
      auto it = acknowledged.find(meta->idempotency_key);
      if (it != acknowledged.end()) ++it->second;
    }
    next = batch->back().position + 1;
  }
  for (const auto& [key, times] : acknowledged) {
    if (times == 0) ++f.missing;
    if (times > 1) ++f.doubled;
  }
  (*engine)->projections().WaitFor(store.CommittedPosition(),
                                   std::chrono::minutes(5));
  auto reports = (*engine)->projections().Verify();
  f.projections_ok = reports.ok();
  for (const auto& r :
       reports.ok() ? *reports
                    : std::vector<projections::ProjectionVerifyReport>{}) {
    f.projections_ok = f.projections_ok && r.ok;
  }
  return f;
}

}  // namespace orgledger::bench
