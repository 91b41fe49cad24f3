// Read-your-writes (SPEC §2): a query passing the position an accepted
// command returned sees that command, also while 64 writers run at once;
// one passing a position the log has not reached is not_caught_up.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::projections {
namespace {

Result<std::unique_ptr<commands::Engine>> OpenEngine(
    orgledger::testing::TestDir& dir) {
  commands::EngineOptions options;
  options.data_dir = dir.Sub("db");
  options.context = std::make_shared<commands::testing::TestContext>();
  return commands::Engine::Open(options);
}

// An engine whose log holds one organization, acme, created by its admin,
// and a request for `view` of it by that admin. `engine` is null (with a
// test failure) when it could not be made.
struct Acme {
  std::unique_ptr<commands::Engine> engine;
  eventstore::Position created = 0;
  ViewRequest request;
};

Acme OpenAcme(orgledger::testing::TestDir& dir, const std::string& view) {
  Acme acme;
  auto engine = OpenEngine(dir);
  if (!engine.ok()) {
    ADD_FAILURE() << engine.status().ToString();
    return acme;
  }
  const domain::Actor admin = commands::testing::Admin("acme");
  commands::CommandOutcome created =
      (*engine)->Execute(commands::testing::Request(
          "acme", admin, domain::CreateOrganization{"team"}));
  if (!created.ok()) {
    ADD_FAILURE() << created.error.ToString();
    return acme;
  }
  acme.engine = std::move(*engine);
  acme.created = created.position;
  acme.request.view = view;
  acme.request.org = "acme";
  acme.request.viewer = admin;
  return acme;
}

TEST(ReadYourWrites, SixtyFourWritersSeeTheirOwnWrites) {
  orgledger::testing::TestDir dir;
  auto engine = OpenEngine(dir);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
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

TEST(ReadYourWrites, MinPositionBeyondTheLogIsNotCaughtUp) {
  orgledger::testing::TestDir dir;
  Acme acme = OpenAcme(dir, "member_count");
  ASSERT_NE(acme.engine, nullptr);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(acme.engine->Query(acme.request, acme.created + 1).status().code(),
            Code::kNotCaughtUp);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(1900));
}

// QueryAsync parks a view whose min_position is ahead and answers it once
// the projections reach it, with what the command there wrote; views for
// positions never reached get not_caught_up. None blocks the caller.
TEST(ReadYourWrites, QueryAsyncAnswersWhenThePositionIsReached) {
  orgledger::testing::TestDir dir;
  Acme acme = OpenAcme(dir, "teams");
  ASSERT_NE(acme.engine, nullptr);
  commands::Engine* engine = acme.engine.get();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result<View>> answers;
  constexpr int kWaits = 16;
  for (int i = 0; i < kWaits; ++i) {
    // Half wait for the next command's position, half for one past it.
    const eventstore::Position wanted = acme.created + 1 + (i % 2) * 1000;
    engine->QueryAsync(acme.request, wanted, [&](Result<View> v) {
      std::lock_guard<std::mutex> lock(mu);
      answers.push_back(std::move(v));
      cv.notify_all();
    });
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(answers.empty()) << "answered before the position was reached";
  }
  ASSERT_TRUE(
      engine
          ->Execute(commands::testing::Request(
              "acme", acme.request.viewer, domain::CreateTeam{"ops", "Ops"}))
          .ok());
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30),
                          [&] { return answers.size() == kWaits; }));
  int seen = 0;
  int not_caught_up = 0;
  for (const Result<View>& v : answers) {
    if (v.ok()) {
      const auto& teams = std::get<TeamsView>(*v).teams;
      seen += std::any_of(teams.begin(), teams.end(),
                          [](const auto& t) { return t.team == "ops"; });
    } else if (v.status().code() == Code::kNotCaughtUp) {
      ++not_caught_up;
    }
  }
  EXPECT_EQ(seen, kWaits / 2);
  EXPECT_EQ(not_caught_up, kWaits / 2);
}

}  // namespace
}  // namespace orgledger::projections
