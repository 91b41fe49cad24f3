// Read-your-writes (SPEC §2): a query passing the position an accepted
// command returned sees that command, also while 64 writers run at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::projections {
namespace {

TEST(ReadYourWrites, SixtyFourWritersSeeTheirOwnWrites) {
  orgledger::testing::TestDir dir;
  commands::EngineOptions options;
  options.data_dir = dir.Sub("db");
  options.context = std::make_shared<commands::testing::TestContext>();
  auto engine = commands::Engine::Open(options);
  ASSERT_TRUE(engine.ok());
  constexpr int kWriters = 64;
  constexpr int kRounds = 8;
  std::atomic<int> stale{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string org = "org-" + std::to_string(w);
      const domain::Actor admin = commands::testing::Admin(org);
      if (!(*engine)
               ->Execute(commands::testing::Request(
                   org, admin, domain::CreateOrganization{"team"}))
               .ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kRounds; ++i) {
        const std::string team = "t" + std::to_string(i);
        commands::CommandOutcome o =
            (*engine)->Execute(commands::testing::Request(
                org, admin, domain::CreateTeam{team, "T"}));
        if (!o.ok()) {
          ++failures;
          continue;
        }
        ViewRequest r;
        r.view = "teams";
        r.org = org;
        r.viewer = admin;
        auto view = (*engine)->Query(r, o.position);
        if (!view.ok()) {
          ++failures;
          ADD_FAILURE() << view.status().ToString();
          continue;
        }
        const auto& teams = std::get<projections::TeamsView>(*view).teams;
        if (std::none_of(teams.begin(), teams.end(),
                         [&](const auto& t) { return t.team == team; })) {
          ++stale;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stale.load(), 0) << "a query with min_position missed its write";
}

}  // namespace
}  // namespace orgledger::projections
