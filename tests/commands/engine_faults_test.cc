// Storage failures through the engine: a full disk or an I/O error answers
// `unavailable` (SPEC §3.3: nothing acknowledged), is not kept with an
// idempotency key, and the engine (projections included) recovers by
// itself when the disk does.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using orgledger::testing::FaultInjectionFs;

class EngineFaults : public ::testing::TestWithParam<FaultInjectionFs::Fault> {
};

TEST_P(EngineFaults, StorageFailureIsUnavailableAndTheEngineRecovers) {
  orgledger::testing::TestDir dir;
  auto fs = std::make_shared<FaultInjectionFs>();
  EngineOptions options;
  options.data_dir = dir.Sub("db");
  options.context = std::make_shared<TestContext>();
  options.rocksdb.TEST_file_system = fs;
  Result<std::unique_ptr<Engine>> opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Engine& engine = **opened;
  ASSERT_TRUE(engine
                  .Execute(Request("acme", Admin("acme"),
                                   domain::CreateOrganization{"team"}))
                  .ok());

  fs->InjectErrors(GetParam());
  CommandRequest keyed = WithKey(
      Request("acme", Admin("acme"), domain::CreateTeam{"a", "A"}), "team-a");
  CommandOutcome o = engine.Execute(keyed);
  EXPECT_EQ(o.error.code(), Code::kUnavailable) << o.error.ToString();
  o = engine.Execute(
      Request("acme", Admin("acme"), domain::CreateTeam{"b", "B"}));
  EXPECT_EQ(o.error.code(), Code::kUnavailable) << o.error.ToString();
  fs->InjectErrors(FaultInjectionFs::Fault::kNone);

  // Recovery needs no restart: within a bounded time, commands pass again.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!engine
              .Execute(Request("acme", Admin("acme"),
                               domain::ChangeSubscription{"team"}))
              .ok()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // The retry with the key runs again (unavailable was not kept) and the
  // organization's state is reloaded from what is really on disk.
  o = engine.Execute(keyed);
  ASSERT_TRUE(o.ok()) << o.error.ToString();
  EXPECT_FALSE(o.replayed);
  o = engine.Execute(
      Request("acme", Admin("acme"), domain::CreateTeam{"b", "B"}));
  ASSERT_TRUE(o.ok()) << o.error.ToString();
  EXPECT_EQ(o.version, 3u);
  Result<eventstore::VerifyReport> report = engine.store().Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->records, 3u);
  // The projections, whose writes failed too, follow again and match a
  // rebuild from the log.
  ASSERT_TRUE(engine.projections().WaitFor(engine.store().CommittedPosition(),
                                           std::chrono::seconds(10)));
  auto views = engine.projections().Verify();
  ASSERT_TRUE(views.ok()) << views.status().ToString();
  for (const auto& v : *views) EXPECT_TRUE(v.ok) << v.projection << v.problem;
}

INSTANTIATE_TEST_SUITE_P(Faults, EngineFaults,
                         ::testing::Values(FaultInjectionFs::Fault::kIoError,
                                           FaultInjectionFs::Fault::kNoSpace),
                         [](const auto& info) {
                           return info.param ==
                                          FaultInjectionFs::Fault::kIoError
                                      ? "IoError"
                                      : "DiskFull";
                         });

}  // namespace
}  // namespace orgledger::commands::testing
