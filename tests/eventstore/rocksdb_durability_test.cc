// Durability against power loss, not only process death: appends go through
// FaultInjectionFs, a simulated power cut drops every byte that was not
// fsynced, and every acknowledged append must still be there exactly once.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/eventstore/store_factories.h"
#include "tests/testing/fault_fs.h"

namespace orgledger::eventstore {
namespace {

using testing::FaultInjectionFs;

struct Acked {
  std::string stream;
  Version version;
  std::string payload;
};

// Appends from `threads` threads until `stop`; records what was acked.
class AppendLoad {
 public:
  AppendLoad(EventStore* store, int threads, const std::string& tag) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, store, t, tag] {
        const std::string stream = tag + "-w" + std::to_string(t);
        for (int i = 0; !stop_.load(); ++i) {
          const std::string payload = stream + "#" + std::to_string(i);
          auto r = store->Append(
              Request(stream, ExpectedVersion::Any(), {Event("E", payload)}));
          if (r.ok()) {
            std::lock_guard<std::mutex> lock(mu_);
            acked_.push_back({stream, r->head.version, payload});
          } else {
            EXPECT_EQ(r.status().code(), Code::kUnavailable)
                << r.status().ToString();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }
      });
    }
  }
  std::vector<Acked> Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Acked> acked_;
  std::vector<std::thread> threads_;
};

// How many acknowledged appends are missing (or not exactly once) from the
// store; also fails the test when the log does not verify.
std::size_t CountLost(EventStore* store, const std::vector<Acked>& acked) {
  auto all = store->ReadAll(1, 100000000);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  std::map<std::string, int> seen;
  std::map<std::string, std::pair<std::string, Version>> where;
  for (const RecordedEvent& e : *all) {
    seen[e.payload] += 1;
    where[e.payload] = {e.stream, e.version};
  }
  std::size_t lost = 0;
  for (const Acked& a : acked) {
    if (seen[a.payload] != 1 ||
        where[a.payload] != std::make_pair(a.stream, a.version)) {
      lost += 1;
    }
  }
  auto report = store->Verify(1, 0);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  return lost;
}

TEST(RocksDbDurability, PowerCutKeepsEveryAcknowledgedAppend) {
  std::mt19937 rng(testing::TestSeed());
  RocksDbStoreFactory factory;
  std::vector<Acked> all_acked;
  constexpr int kCycles = 12;
  std::uint64_t dropped_total = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto fs = std::make_shared<FaultInjectionFs>();
    StoreOptions options;
    RocksDbOptions rocks;
    rocks.TEST_file_system = fs;
    auto store = factory.Open(options, rocks);
    ASSERT_NE(store, nullptr);
    AppendLoad load(store.get(), 1 + cycle % 8, "c" + std::to_string(cycle));
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    fs->PowerCut();
    std::vector<Acked> acked = load.Stop();
    store.reset();
    dropped_total += fs->DropUnsyncedData();
    all_acked.insert(all_acked.end(), acked.begin(), acked.end());

    auto reopened = factory.Open();
    ASSERT_NE(reopened, nullptr);
    ASSERT_EQ(CountLost(reopened.get(), all_acked), 0u) << "cycle " << cycle;
  }
  std::printf(
      "[power cut] %d cycles, %zu acknowledged appends kept, %llu "
      "unsynced bytes dropped\n",
      kCycles, all_acked.size(),
      static_cast<unsigned long long>(dropped_total));
  EXPECT_GT(all_acked.size(), 0u);
}

// The same check catches a store that acknowledges before fsync: with
// buffered durability and no periodic sync, a power cut loses acked appends.
TEST(RocksDbDurability, PowerCutTestCatchesMissingFsync) {
  RocksDbStoreFactory factory;
  auto fs = std::make_shared<FaultInjectionFs>();
  StoreOptions options;
  RocksDbOptions rocks;
  rocks.TEST_file_system = fs;
  options.durability = Durability::kBuffered;
  options.buffered_sync_interval = std::chrono::hours(1);
  auto store = factory.Open(options, rocks);
  std::vector<Acked> acked;
  for (int i = 0; i < 200; ++i) {
    std::string payload = "p" + std::to_string(i);
    auto r = store->Append(
        Request("s", ExpectedVersion::Any(), {Event("E", payload)}));
    ASSERT_TRUE(r.ok());
    acked.push_back({"s", r->head.version, payload});
  }
  fs->PowerCut();
  store.reset();
  EXPECT_GT(fs->DropUnsyncedData(), 0u);
  auto reopened = factory.Open();
  EXPECT_GT(CountLost(reopened.get(), acked), 0u)
      << "without fsync a power cut must lose acknowledged appends";
}

TEST(RocksDbDurability, BufferedModeSyncsWithinItsInterval) {
  RocksDbStoreFactory factory;
  auto fs = std::make_shared<FaultInjectionFs>();
  StoreOptions options;
  RocksDbOptions rocks;
  rocks.TEST_file_system = fs;
  options.durability = Durability::kBuffered;
  options.buffered_sync_interval = std::chrono::milliseconds(100);
  auto store = factory.Open(options, rocks);
  std::vector<Acked> acked;
  for (int i = 0; i < 50; ++i) {
    std::string payload = "p" + std::to_string(i);
    auto r = store->Append(
        Request("s", ExpectedVersion::Any(), {Event("E", payload)}));
    ASSERT_TRUE(r.ok());
    acked.push_back({"s", r->head.version, payload});
  }
  const std::uint64_t syncs_before = fs->wal_syncs();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_GT(fs->wal_syncs(), syncs_before);
  EXPECT_LT(syncs_before, 10u) << "buffered appends must not fsync each";
  fs->PowerCut();
  store.reset();
  fs->DropUnsyncedData();
  auto reopened = factory.Open();
  EXPECT_EQ(CountLost(reopened.get(), acked), 0u);
}

TEST(RocksDbDurability, OneAppenderGetsOneFsyncPerAppend) {
  RocksDbStoreFactory factory;
  auto fs = std::make_shared<FaultInjectionFs>();
  StoreOptions options;
  RocksDbOptions rocks;
  rocks.TEST_file_system = fs;
  auto store = factory.Open(options, rocks);
  const std::uint64_t before = fs->wal_syncs();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        store->Append(Request("s", ExpectedVersion::Any(), {Event("E", "")}))
            .ok());
  }
  EXPECT_GE(fs->wal_syncs() - before, 50u);
}

TEST(RocksDbDurability, GroupCommitSharesFsyncs) {
  RocksDbStoreFactory factory;
  auto fs = std::make_shared<FaultInjectionFs>();
  StoreOptions options;
  RocksDbOptions rocks;
  rocks.TEST_file_system = fs;
  auto store = factory.Open(options, rocks);
  constexpr int kThreads = 64;
  constexpr int kPerThread = 40;
  const std::uint64_t before = fs->wal_syncs();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r =
            store->Append(Request("t" + std::to_string(t),
                                  ExpectedVersion::Exact(i), {Event("E", "")}));
        if (!r.ok()) failures += 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const std::uint64_t appends = kThreads * kPerThread;
  const std::uint64_t fsyncs = fs->wal_syncs() - before;
  std::printf("[group commit] %llu appends, %llu WAL fsyncs, %llu groups\n",
              static_cast<unsigned long long>(appends),
              static_cast<unsigned long long>(fsyncs),
              static_cast<unsigned long long>(store->Stats().write_groups));
  EXPECT_GT(fsyncs, 0u);
  EXPECT_LT(fsyncs * 4, appends) << "64 appenders must share fsyncs";
  EXPECT_EQ(store->CommittedPosition(), appends);
}

}  // namespace
}  // namespace orgledger::eventstore
