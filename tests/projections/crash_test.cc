// Projections survive crashes: a child process killed with SIGKILL while
// its projections catch up and while it rebuilds them, and simulated power
// cuts (unsynced writes dropped) during both. After each restart every
// acknowledged command is in the log and VerifyProjections passes (the
// stored rows equal a rebuild from the log).
//
// ORGLEDGER_CRASH_CYCLES sets the number of SIGKILL cycles (default 12).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/child_process.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/test_dir.h"

namespace orgledger::projections {
namespace {

using Acks = std::map<std::string, std::uint64_t>;  // org -> highest version

void ParseAcks(const std::string& out, Acks* acks) {
  std::istringstream in(out);
  std::string word, org;
  std::uint64_t version = 0;
  while (in >> word) {
    if (word != "ack") continue;
    in >> org >> version;
    (*acks)[org] = std::max((*acks)[org], version);
  }
}

// Reopens the database and checks it: every acknowledged command present,
// the log verifies, the projections reach the end and verify.
void ExpectRecovered(const std::string& db, const Acks& acks,
                     const std::string& where) {
  commands::EngineOptions options;
  options.data_dir = db;
  auto engine = commands::Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << where << ": " << engine.status().ToString();
  eventstore::EventStore& store = (*engine)->store();
  for (const auto& [org, version] : acks) {
    auto head = store.GetStreamHead(org);
    ASSERT_TRUE(head.ok());
    ASSERT_GE(head->version, version)
        << where << ": acknowledged " << org << " v" << version << " lost";
  }
  auto log = store.Verify(1, 0);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->ok) << where << ": " << log->problem;
  ASSERT_TRUE((*engine)->projections().WaitFor(store.CommittedPosition(),
                                               std::chrono::seconds(30)))
      << where;
  auto reports = (*engine)->projections().Verify();
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  for (const auto& r : *reports) {
    ASSERT_TRUE(r.ok) << where << ": " << r.projection << ": " << r.problem
                      << " at " << r.first_difference;
  }
}

int Cycles() {
  const char* env = std::getenv("ORGLEDGER_CRASH_CYCLES");
  return env != nullptr ? std::atoi(env) : 12;
}

TEST(ProjectionsCrash, SigkillDuringCatchUpAndRebuild) {
  std::mt19937 rng(orgledger::testing::TestSeed());
  orgledger::testing::TestDir dir;
  const std::string db = dir.Sub("db");
  Acks acks;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const std::string mode = cycle % 2 == 0 ? "write" : "rebuild";
    const std::string where =
        "cycle " + std::to_string(cycle) + " (" + mode + ")";
    {
      orgledger::testing::ChildProcess child(
          "projections_child", {mode, db, "k" + std::to_string(cycle % 4)});
      ASSERT_TRUE(child.WaitReady(std::chrono::seconds(60))) << where;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 300));
      child.Kill();
      ParseAcks(child.DrainAll(), &acks);
    }
    ExpectRecovered(db, acks, where);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::printf("[crash] %d SIGKILL cycles, %zu organizations checked\n", cycles,
              acks.size());
  EXPECT_FALSE(acks.empty());
}

TEST(ProjectionsCrash, PowerCutDuringCatchUpAndRebuild) {
  std::mt19937 rng(orgledger::testing::TestSeed());
  orgledger::testing::TestDir dir;
  const std::string db = dir.Sub("db");
  Acks acks;
  for (int cycle = 0; cycle < 6; ++cycle) {
    const std::string where = "power cut " + std::to_string(cycle);
    auto fs = std::make_shared<orgledger::testing::FaultInjectionFs>();
    commands::EngineOptions options;
    options.data_dir = db;
    options.rocksdb.TEST_file_system = fs;
    auto engine = commands::Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&, w] {
        const std::string org = "p" + std::to_string(w);
        for (long i = 0; !stop.load(); ++i) {
          commands::CommandRequest r = commands::testing::Request(
              org, commands::testing::Admin(org),
              domain::CreateTeam{
                  "c" + std::to_string(cycle) + "-" + std::to_string(i), "T"});
          if (cycle == 0 && i == 0) {
            r.envelope.command = domain::CreateOrganization{"enterprise"};
          }
          commands::CommandOutcome o = (*engine)->Execute(r);
          if (o.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acks[org] = std::max(acks[org], o.version);
          } else if (o.error.code() == Code::kUnavailable) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }
      });
    }
    threads.emplace_back([&] {
      while (!stop.load()) (void)(*engine)->projections().Rebuild("", nullptr);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 200));
    fs->PowerCut();
    stop = true;
    for (auto& t : threads) t.join();
    engine->reset();
    fs->DropUnsyncedData();
    ExpectRecovered(db, acks, where);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_FALSE(acks.empty());
}

}  // namespace
}  // namespace orgledger::projections
