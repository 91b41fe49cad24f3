// W7 at a small size against a real engine (RocksDB in a temporary
// directory): the setup gives each organization its events, and every view
// as of a past position is answered.
#include <gtest/gtest.h>

#include "bench/workloads.h"
#include "commands/engine.h"
#include "tests/testing/test_dir.h"

namespace orgledger::bench {
namespace {

TEST(HistoryWorkload, EveryViewAsOfAPastPositionIsAnswered) {
  orgledger::testing::TestDir dir;
  commands::EngineOptions options;
  options.data_dir = dir.Sub("db");
  auto opened = commands::Engine::Open(std::move(options));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const HistoryFigures f = History(**opened, 4, 40, 2, 0.3, nullptr);
  EXPECT_GE(f.events, 4u * 40u);
  EXPECT_GT(f.views.queries, 10u);
  EXPECT_EQ(f.views.errors, 0u);
}

}  // namespace
}  // namespace orgledger::bench
