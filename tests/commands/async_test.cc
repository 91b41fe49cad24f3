// The engine's async API: completion tokens (callback, use_future,
// use_awaitable), and concurrent writers on the same organization and on
// different ones.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <set>
#include <thread>

#include "commands/async_execute.h"
#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::commands::testing {
namespace {

using domain::CreateOrganization;
using domain::CreateTeam;

class AsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions options;
    options.data_dir = dir_.Sub("db");
    options.context = std::make_shared<TestContext>();
    options.threads = 4;
    Result<std::unique_ptr<Engine>> e = Engine::Open(std::move(options));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  // Every stream's versions are 1..n with no gap, and the log has no hole.
  void ExpectLogConsistent(std::uint64_t expected_events) {
    Result<eventstore::VerifyReport> report = engine_->store().Verify(1, 0);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->records, expected_events);
  }

  orgledger::testing::TestDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(AsyncTest, CompletionTokens) {
  std::future<CommandOutcome> f = AsyncExecute(
      *engine_, Request("acme", Admin("acme"), CreateOrganization{"team"}),
      boost::asio::use_future);
  CommandOutcome created = f.get();
  ASSERT_TRUE(created.ok()) << created.error.ToString();

  std::promise<CommandOutcome> p;
  AsyncExecute(*engine_,
               Request("acme", Admin("acme"), CreateTeam{"a", "Team A"}),
               [&p](CommandOutcome o) { p.set_value(std::move(o)); });
  EXPECT_EQ(p.get_future().get().version, 2u);

  boost::asio::io_context io;
  std::vector<CommandOutcome> seen;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        for (const char* team : {"b", "c"}) {
          // Built before co_await: GCC 12 miscompiles class temporaries
          // inside a co_await expression (copies them bitwise).
          CommandRequest r =
              Request("acme", Admin("acme"), CreateTeam{team, "T"});
          CommandOutcome o = co_await AsyncExecute(*engine_, std::move(r),
                                                   boost::asio::use_awaitable);
          seen.push_back(std::move(o));
        }
      },
      boost::asio::detached);
  io.run();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].version, 3u);
  EXPECT_EQ(seen[1].version, 4u);
}

// 64 writers: each on an organization of its own, and all of them on one
// shared organization. Nothing is lost, nothing conflicts, and the shared
// organization's commands are applied one at a time.
TEST_F(AsyncTest, SixtyFourWritersOnTheSameAndOnDifferentOrganizations) {
  constexpr int kWriters = 64;
  constexpr int kPerWriter = 10;
  ASSERT_TRUE(engine_
                  ->Execute(Request("shared", Admin("shared"),
                                    CreateOrganization{"enterprise"}))
                  .ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::mutex mu;
  std::set<std::uint64_t> shared_versions;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string own = "org-" + std::to_string(w);
      std::vector<std::future<CommandOutcome>> futures;
      futures.push_back(AsyncExecute(
          *engine_, Request(own, Admin(own), CreateOrganization{"team"}),
          boost::asio::use_future));
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string team =
            "t" + std::to_string(w) + "-" + std::to_string(i);
        futures.push_back(AsyncExecute(
            *engine_, Request(own, Admin(own), CreateTeam{team, "Team"}),
            boost::asio::use_future));
        futures.push_back(AsyncExecute(
            *engine_,
            Request("shared", Admin("shared"), CreateTeam{team, "Team"}),
            boost::asio::use_future));
      }
      for (std::size_t i = 0; i < futures.size(); ++i) {
        CommandOutcome o = futures[i].get();
        if (!o.ok()) {
          ++failures;
          ADD_FAILURE() << o.error.ToString();
          continue;
        }
        // Own organization's commands, in submission order.
        if (i == 0 || i % 2 == 1) {
          EXPECT_EQ(o.version, i == 0 ? 1u : (i + 1) / 2 + 1) << own;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          EXPECT_TRUE(shared_versions.insert(o.version).second);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(shared_versions.size(), std::size_t{kWriters * kPerWriter});
  Result<eventstore::StreamHead> head =
      engine_->store().GetStreamHead("shared");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->version, std::uint64_t{kWriters * kPerWriter + 1});
  ExpectLogConsistent(1 + kWriters * (1 + 2 * kPerWriter));
  // Group commit: concurrent commands shared fsyncs.
  eventstore::StoreStats stats = engine_->store().Stats();
  EXPECT_LT(stats.syncs, stats.appends);
}

// A blocking Execute runs on its caller's thread while its organization
// has nothing queued. Mixed with async commands of the same organization,
// commands still run one at a time: with retries off, any overlap would
// fail one of them with concurrency_conflict.
TEST_F(AsyncTest, BlockingAndAsyncCommandsOfOneOrganizationNeverOverlap) {
  engine_.reset();
  EngineOptions options;
  options.data_dir = dir_.Sub("db");
  options.context = std::make_shared<TestContext>();
  options.threads = 4;
  options.max_retries = 0;
  Result<std::unique_ptr<Engine>> e = Engine::Open(std::move(options));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine_ = std::move(*e);
  ASSERT_TRUE(engine_
                  ->Execute(Request("shared", Admin("shared"),
                                    CreateOrganization{"enterprise"}))
                  .ok());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20;
  std::mutex mu;
  std::set<std::uint64_t> versions;
  auto record = [&](const CommandOutcome& o) {
    ASSERT_TRUE(o.ok()) << o.error.ToString();
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(versions.insert(o.version).second) << o.version;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<CommandOutcome>> futures;
      for (int i = 0; i < kPerThread; ++i) {
        CommandRequest r = Request(
            "shared", Admin("shared"),
            CreateTeam{"t" + std::to_string(t) + "-" + std::to_string(i),
                       "Team"});
        if (t % 2 == 0) {
          record(engine_->Execute(std::move(r)));
        } else {
          futures.push_back(
              AsyncExecute(*engine_, std::move(r), boost::asio::use_future));
        }
      }
      for (auto& f : futures) record(f.get());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(versions.size(), std::size_t{kThreads * kPerThread});
  ExpectLogConsistent(1 + kThreads * kPerThread);
}

// The same keyed request sent 16 times at once: one is applied, the others
// are replays of it.
TEST_F(AsyncTest, ConcurrentRetriesOfOneKeyApplyItOnce) {
  ASSERT_TRUE(
      engine_
          ->Execute(Request("acme", Admin("acme"), CreateOrganization{"team"}))
          .ok());
  std::vector<std::future<CommandOutcome>> futures;
  for (int i = 0; i < 16; ++i) {
    futures.push_back(AsyncExecute(
        *engine_,
        WithKey(Request("acme", Admin("acme"), CreateTeam{"core", "Core"}),
                "once"),
        boost::asio::use_future));
  }
  int applied = 0;
  for (auto& f : futures) {
    CommandOutcome o = f.get();
    ASSERT_TRUE(o.ok()) << o.error.ToString();
    EXPECT_EQ(o.position, 2u);
    if (!o.replayed) ++applied;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(engine_->store().CommittedPosition(), 2u);
}

// Destroying the engine waits for the commands in flight: every callback
// runs, and everything acknowledged is in the log after a reopen.
TEST_F(AsyncTest, ShutdownFinishesCommandsInFlight) {
  ASSERT_TRUE(
      engine_
          ->Execute(Request("acme", Admin("acme"), CreateOrganization{"team"}))
          .ok());
  std::atomic<int> acknowledged{0};
  std::atomic<int> answered{0};
  for (int i = 0; i < 200; ++i) {
    engine_->ExecuteAsync(Request("acme", Admin("acme"),
                                  CreateTeam{"t" + std::to_string(i), "T"}),
                          [&](CommandOutcome o) {
                            if (o.ok()) ++acknowledged;
                            ++answered;
                          });
  }
  engine_.reset();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(acknowledged.load(), 200);
  EngineOptions options;
  options.data_dir = dir_.Sub("db");
  Result<std::unique_ptr<Engine>> e = Engine::Open(std::move(options));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->store().CommittedPosition(), 201u);
}

}  // namespace
}  // namespace orgledger::commands::testing
