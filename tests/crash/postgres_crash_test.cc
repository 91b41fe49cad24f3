// The crash matrix's PostgreSQL scenario (SPEC §7 "Faults"): two replicas
// (crash_child processes) write the same organizations of one PostgreSQL
// store at once, with group commits in flight; one is SIGKILLed at a random
// moment while the other goes on, then the other too. After every cycle:
// every acknowledged command is in the log exactly once, an idempotent
// retry of each command sent but not acknowledged applies at most once,
// and (every 10 cycles and at the end) the chain verifies.
//
// Cycles: ORGLEDGER_PG_CRASH_CYCLES (default 100).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

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
        auto events = engine_->store().ReadStream(Org(i), read_[i] + 1, 1000);
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

  // The command a child sent, again, with its key.
  commands::CommandOutcome Retry(const std::string& org,
                                 const std::string& key) {
    return engine_->Execute(ChildCommand(org, key));
  }

  std::string url_;
  std::unique_ptr<commands::Engine> engine_;
  std::map<int, eventstore::Version> read_;
  std::map<std::string, int> teams_;
};

TEST_F(PostgresCrash, ReplicasKilledDuringGroupCommitsLoseNothing) {
  int cycles = 100;
  if (const char* env = std::getenv("ORGLEDGER_PG_CRASH_CYCLES")) {
    cycles = std::atoi(env);
  }
  const unsigned seed = TestSeed();
  std::mt19937 rng(seed);
  TestDir dir;
  std::uint64_t acked_total = 0, retried = 0, conflicts = 0;
  for (int cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    const std::string tag = "c" + std::to_string(cycle);
    ChildProcess a("crash_child", {"postgres", url_, tag + "a", "kill", "0"},
                   dir.Sub(tag + "a.stderr"));
    ChildProcess b("crash_child", {"postgres", url_, tag + "b", "kill", "0"},
                   dir.Sub(tag + "b.stderr"));
    ASSERT_TRUE(a.WaitReady(60s)) << "replica a of cycle " << cycle;
    ASSERT_TRUE(b.WaitReady(60s)) << "replica b of cycle " << cycle;
    // Both write; one dies at a random moment, the other goes on a while.
    ChildProcess& first = rng() % 2 == 0 ? a : b;
    ChildProcess& second = &first == &a ? b : a;
    const auto both = std::chrono::milliseconds(20 + rng() % 300);
    auto ended = [&](const char* which) {
      return std::string("a replica ended by itself; stderr of a: ") +
             ReadText(dir.Sub(tag + "a.stderr")) +
             " stderr of b: " + ReadText(dir.Sub(tag + "b.stderr")) + " (" +
             which + ")";
    };
    for (auto until = std::chrono::steady_clock::now() + both;
         std::chrono::steady_clock::now() < until;) {
      ASSERT_TRUE(first.ReadFor(5ms)) << ended("first");
      ASSERT_TRUE(second.ReadFor(5ms)) << ended("second");
    }
    first.Kill();
    ASSERT_TRUE(second.ReadFor(std::chrono::milliseconds(20 + rng() % 200)))
        << ended("the other, after the first was killed");
    second.Kill();

    CatchUp();
    for (ChildProcess* child : {&a, &b}) {
      Said said = ParseSaid(child->output());
      for (const auto& [key, org] : said.acked) {
        ++acked_total;
        EXPECT_EQ(teams_[key], 1)
            << "cycle " << cycle << ": acknowledged " << key << " on " << org
            << " is in the log " << teams_[key] << " times (seed " << seed
            << ")";
      }
      for (const auto& [key, org] : said.lost) {
        ++conflicts;
        EXPECT_EQ(teams_[key], 0)
            << "cycle " << cycle << ": " << key << " was refused but applied";
      }
      for (const auto& [key, org] : said.open) {
        EXPECT_LE(teams_[key], 1) << "cycle " << cycle << ": " << key;
        commands::CommandOutcome o = Retry(org, key);
        EXPECT_TRUE(o.ok()) << key << ": " << o.error.ToString();
        ++retried;
      }
    }
    CatchUp();
    for (ChildProcess* child : {&a, &b}) {
      for (const auto& [key, org] : ParseSaid(child->output()).open) {
        EXPECT_EQ(teams_[key], 1) << "cycle " << cycle << ": retried " << key
                                  << " applied " << teams_[key] << " times";
      }
    }
    if (cycle % 10 == 9 || cycle + 1 == cycles) {
      auto report = engine_->store().Verify(1, 0);
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      ASSERT_TRUE(report->ok) << "cycle " << cycle << ": " << report->problem;
    }
  }
  std::printf(
      "[postgres crash] %d cycles, seed %u: %llu acknowledged, %llu "
      "retried after a kill, %llu lost every race; none lost or "
      "doubled\n",
      cycles, seed, static_cast<unsigned long long>(acked_total),
      static_cast<unsigned long long>(retried),
      static_cast<unsigned long long>(conflicts));
  EXPECT_GT(acked_total, 0u);
}

}  // namespace
}  // namespace orgledger::testing
