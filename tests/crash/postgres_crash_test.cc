// The crash matrix on PostgreSQL (SPEC §7 "Faults"): two replicas
// (crash_child processes) write the same organizations of one PostgreSQL
// store at once, with group commits in flight, and each cycle brings one
// fault at a random moment, in turn:
//   - a replica SIGKILLed while the other goes on, then the other;
//   - the server stopped at once (`pg_ctl -m immediate`: SIGQUIT, no
//     checkpoint) under both, and started again;
//   - the replicas' connections terminated from the server's side
//     (`pg_terminate_backend` of every backend running a statement: in the
//     middle of an append).
// In the last two the replicas retry what was answered unavailable with
// its key, as a host would, and are SIGKILLed at the end. After every
// cycle: every acknowledged command is in the log exactly once, an
// idempotent retry of each command sent but not acknowledged applies at
// most once, and (every 10 cycles and at the end) the chain verifies.
// The failover cell (a primary lost, its standby promoted) is
// tests/crash/postgres_failover_test.cc.
//
// Size: at least ORGLEDGER_PG_CRASH_CYCLES cycles (default 190: with the
// failover test's 10, 200 in `make test`), and more until
// ORGLEDGER_PG_CRASH_SECONDS have passed (default 0). The summary table
// says what each fault did.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "tests/crash/child_said.h"
#include "tests/testing/child_process.h"
#include "tests/testing/files.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/test_dir.h"

namespace orgledger::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kOrgs = 4;

std::string Org(int i) { return "p-" + std::to_string(i); }

// `read()` until it is not unavailable (at most 5 s): the fault cut the
// parent's connections too.
template <typename Read>
auto UntilAnswered(Read read) {
  auto r = read();
  for (int i = 0; i < 100 && !r.ok() && r.status().code() == Code::kUnavailable;
       ++i) {
    std::this_thread::sleep_for(50ms);
    r = read();
  }
  return r;
}

class PostgresCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    PostgresServer* server = PostgresServer::Shared();
    ASSERT_NE(server, nullptr);
    url_ = server->NewDatabase();
    commands::EngineOptions options;
    options.postgres.url = url_;
    options.follow_projections = false;
    auto engine = commands::Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    for (int i = 0; i < kOrgs; ++i) {
      commands::CommandRequest r;
      r.envelope.org = Org(i);
      r.envelope.actor = ChildAdmin();
      r.envelope.command = domain::CreateOrganization{"enterprise"};
      ASSERT_TRUE(engine_->Execute(r).ok());
    }
  }

  // Folds the events appended since the last call into `teams_`.
  void CatchUp() {
    for (int i = 0; i < kOrgs; ++i) {
      for (;;) {
        auto events = UntilAnswered([&] {
          return engine_->store().ReadStream(Org(i), read_[i] + 1, 1000);
        });
        ASSERT_TRUE(events.ok()) << events.status().ToString();
        for (const auto& e : *events) {
          read_[i] = e.version;
          if (e.type != "TeamCreated") continue;
          auto event = codec::DecodeEvent(e.type, e.payload);
          ASSERT_TRUE(event.ok());
          teams_[std::get<domain::TeamCreated>(*event).team] += 1;
        }
        if (events->size() < 1000) break;
      }
    }
  }

  // The command a child sent, again, with its key (again while the
  // parent's own connections, cut by the fault, are made anew).
  commands::CommandOutcome Retry(const std::string& org,
                                 const std::string& key) {
    commands::CommandOutcome o;
    for (int i = 0; i < 100; ++i) {
      o = engine_->Execute(ChildCommand(org, key));
      if (o.ok() || o.error.code() != Code::kUnavailable) break;
      std::this_thread::sleep_for(50ms);
    }
    return o;
  }

  void VerifyChain(int cycle) {
    auto report = UntilAnswered([&] { return engine_->store().Verify(1, 0); });
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->ok) << "cycle " << cycle << ": " << report->problem;
  }

  std::string url_;
  std::unique_ptr<commands::Engine> engine_;
  std::map<int, eventstore::Version> read_;
  std::map<std::string, int> teams_;
};

enum class Fault { kReplicaKilled, kServerStopped, kBackendsTerminated };
constexpr Fault kFaults[] = {Fault::kReplicaKilled, Fault::kServerStopped,
                             Fault::kBackendsTerminated};

const char* Name(Fault f) {
  switch (f) {
    case Fault::kReplicaKilled:
      return "replica SIGKILLed";
    case Fault::kServerStopped:
      return "server stopped -m immediate";
    case Fault::kBackendsTerminated:
      return "pg_terminate_backend mid-append";
  }
  return "?";
}

// What one fault's cycles did, for the summary table.
struct Tally {
  int cycles = 0;
  std::uint64_t acked = 0, unavailable = 0, retried = 0, lost_races = 0;
  std::uint64_t terminated = 0;  // backends, kBackendsTerminated
};

long EnvOr(const char* name, long otherwise) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atol(v) : otherwise;
}

TEST_F(PostgresCrash, EveryFaultLosesNothingAcknowledged) {
  const long min_cycles = EnvOr("ORGLEDGER_PG_CRASH_CYCLES", 190);
  const long seconds = EnvOr("ORGLEDGER_PG_CRASH_SECONDS", 0);
  const unsigned seed = TestSeed();
  std::mt19937 rng(seed);
  PostgresServer* server = PostgresServer::Shared();
  const std::string db = url_.substr(url_.rfind('/') + 1);
  TestDir dir;
  std::map<Fault, Tally> tally;
  const auto began = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::steady_clock::now() - began)
        .count();
  };
  int cycle = 0;
  for (; (cycle < min_cycles || elapsed() < seconds) && !HasFailure();
       ++cycle) {
    const Fault fault = kFaults[cycle % 3];
    Tally& t = tally[fault];
    t.cycles += 1;
    const std::string tag = "c" + std::to_string(cycle);
    // Replicas that outlive the fault retry unavailable answers.
    const char* scenario =
        fault == Fault::kReplicaKilled ? "postgres" : "failover";
    ChildProcess a("crash_child", {scenario, url_, tag + "a", "kill", "0"},
                   dir.Sub(tag + "a.stderr"));
    ChildProcess b("crash_child", {scenario, url_, tag + "b", "kill", "0"},
                   dir.Sub(tag + "b.stderr"));
    ASSERT_TRUE(a.WaitReady(60s)) << "replica a of cycle " << cycle << ": "
                                  << ReadText(dir.Sub(tag + "a.stderr"));
    ASSERT_TRUE(b.WaitReady(60s)) << "replica b of cycle " << cycle << ": "
                                  << ReadText(dir.Sub(tag + "b.stderr"));
    auto ended = [&](const char* which) {
      return std::string("a replica ended by itself; stderr of a: ") +
             ReadText(dir.Sub(tag + "a.stderr")) +
             " stderr of b: " + ReadText(dir.Sub(tag + "b.stderr")) + " (" +
             which + ", " + Name(fault) + ")";
    };
    auto both_for = [&](std::chrono::milliseconds d, const char* when) {
      for (auto until = std::chrono::steady_clock::now() + d;
           std::chrono::steady_clock::now() < until;) {
        if (!a.ReadFor(5ms) || !b.ReadFor(5ms)) return ended(when);
      }
      return std::string();
    };
    // Both write; the fault comes at a random moment.
    std::string why = both_for(std::chrono::milliseconds(20 + rng() % 300),
                               "before the fault");
    ASSERT_EQ(why, "");
    switch (fault) {
      case Fault::kReplicaKilled: {
        ChildProcess& first = rng() % 2 == 0 ? a : b;
        ChildProcess& second = &first == &a ? b : a;
        first.Kill();
        ASSERT_TRUE(second.ReadFor(std::chrono::milliseconds(20 + rng() % 200)))
            << ended("the other, after the first was killed");
        break;
      }
      case Fault::kServerStopped:
        server->StopImmediately();
        why = both_for(std::chrono::milliseconds(rng() % 300), "server down");
        ASSERT_EQ(why, "");
        server->Start();
        why = both_for(std::chrono::milliseconds(100 + rng() % 300),
                       "after the restart");
        ASSERT_EQ(why, "");
        break;
      case Fault::kBackendsTerminated: {
        // Until a statement was running to terminate (the writers are
        // busy: almost always at the first try).
        for (int i = 0; i < 50; ++i) {
          const long n = std::atol(
              server
                  ->Query("SELECT count(pg_terminate_backend(pid)) FROM "
                          "pg_stat_activity WHERE datname = current_database() "
                          "AND state = 'active' AND pid <> pg_backend_pid()",
                          db)
                  .c_str());
          t.terminated += static_cast<std::uint64_t>(n);
          if (n > 0) break;
          why = both_for(2ms, "waiting for a running statement");
          ASSERT_EQ(why, "");
        }
        why = both_for(std::chrono::milliseconds(50 + rng() % 250),
                       "after the termination");
        ASSERT_EQ(why, "");
        break;
      }
    }
    a.Kill();
    b.Kill();

    CatchUp();
    for (ChildProcess* child : {&a, &b}) {
      Said said = ParseSaid(child->output());
      t.unavailable += static_cast<std::uint64_t>(said.unavailable);
      for (const auto& [key, org] : said.acked) {
        ++t.acked;
        EXPECT_EQ(teams_[key], 1)
            << "cycle " << cycle << " (" << Name(fault) << "): acknowledged "
            << key << " on " << org << " is in the log " << teams_[key]
            << " times (seed " << seed << ")";
      }
      for (const auto& [key, org] : said.lost) {
        ++t.lost_races;
        EXPECT_EQ(teams_[key], 0)
            << "cycle " << cycle << ": " << key << " was refused but applied";
      }
      for (const auto& [key, org] : said.open) {
        EXPECT_LE(teams_[key], 1) << "cycle " << cycle << ": " << key;
        commands::CommandOutcome o = Retry(org, key);
        EXPECT_TRUE(o.ok()) << key << ": " << o.error.ToString();
        ++t.retried;
      }
    }
    CatchUp();
    for (ChildProcess* child : {&a, &b}) {
      for (const auto& [key, org] : ParseSaid(child->output()).open) {
        EXPECT_EQ(teams_[key], 1) << "cycle " << cycle << ": retried " << key
                                  << " applied " << teams_[key] << " times";
      }
    }
    if (cycle % 10 == 9) VerifyChain(cycle);
  }
  VerifyChain(cycle);

  std::printf(
      "[postgres crash] %d cycles in %lld s, seed %u; every acknowledged "
      "command in the log once, every retry applied once, chain verified\n"
      "  %-32s %7s %13s %12s %8s %11s %11s\n",
      cycle, static_cast<long long>(elapsed()), seed, "fault", "cycles",
      "acknowledged", "unavailable", "retried", "lost races", "terminated");
  for (Fault f : kFaults) {
    const Tally& t = tally[f];
    std::printf("  %-32s %7d %13llu %12llu %8llu %11llu %11llu\n", Name(f),
                t.cycles, static_cast<unsigned long long>(t.acked),
                static_cast<unsigned long long>(t.unavailable),
                static_cast<unsigned long long>(t.retried),
                static_cast<unsigned long long>(t.lost_races),
                static_cast<unsigned long long>(t.terminated));
  }
  for (Fault f : kFaults) EXPECT_GT(tally[f].acked, 0u) << Name(f);
  // Each fault was felt: the replicas that outlived it were answered
  // unavailable (and retried), backends were terminated.
  if (tally[Fault::kServerStopped].cycles > 2) {
    EXPECT_GT(tally[Fault::kServerStopped].unavailable, 0u);
  }
  if (tally[Fault::kBackendsTerminated].cycles > 2) {
    EXPECT_GT(tally[Fault::kBackendsTerminated].terminated, 0u);
    EXPECT_GT(tally[Fault::kBackendsTerminated].unavailable, 0u);
  }
}

}  // namespace
}  // namespace orgledger::testing
