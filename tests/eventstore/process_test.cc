// Real processes: a child appending with sync durability is killed with
// SIGKILL at random moments; after reopening, every acknowledged append is
// present exactly once, in order, and the log verifies. And a reader in
// this process follows a live writer in another (RocksDB secondary).
//
// ORGLEDGER_CRASH_CYCLES sets the number of kill cycles (default 50).

#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "eventstore/rocksdb_event_store.h"
#include "tests/eventstore/store_factories.h"
#include "tests/testing/child_process.h"

namespace orgledger::eventstore {
namespace {

// The append child (tests/eventstore/eventstore_child.cc).
class Child : public testing::ChildProcess {
 public:
  Child(const std::string& dir, const std::string& tag)
      : ChildProcess("eventstore_child", {"append", dir, tag}) {}
};

struct Ack {
  Position position;
  std::string stream;
  Version version;
  std::string payload;
};

std::vector<Ack> ParseAcks(const std::string& out) {
  std::vector<Ack> acks;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line == "ready" || line.empty()) continue;
    std::istringstream l(line);
    Ack a;
    l >> a.position >> a.stream >> a.version >> a.payload;
    acks.push_back(a);
  }
  return acks;
}

int Cycles() {
  const char* env = std::getenv("ORGLEDGER_CRASH_CYCLES");
  return env != nullptr ? std::atoi(env) : 50;
}

TEST(ProcessCrash, SigkillKeepsEveryAcknowledgedAppend) {
  std::mt19937 rng(testing::TestSeed());
  testing::TestDir dir;
  const std::string db = dir.Sub("db");
  std::vector<Ack> acked;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    Child child(db, "k" + std::to_string(cycle));
    ASSERT_TRUE(child.WaitReady(std::chrono::seconds(20))) << "cycle " << cycle;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    child.Kill();
    std::vector<Ack> acks = ParseAcks(child.DrainAll());
    acked.insert(acked.end(), acks.begin(), acks.end());

    auto store = OpenRocksDbEventStore(StoreOptions(), db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto all = (*store)->ReadAll(1, 100000000);
    ASSERT_TRUE(all.ok());
    std::map<std::string, int> count;
    for (const RecordedEvent& e : *all) count[e.payload] += 1;
    for (const Ack& a : acked) {
      ASSERT_LE(a.position, all->size())
          << "acked position lost, cycle " << cycle;
      const RecordedEvent& e = (*all)[a.position - 1];
      ASSERT_EQ(e.payload, a.payload) << "cycle " << cycle;
      ASSERT_EQ(e.stream, a.stream);
      ASSERT_EQ(e.version, a.version);
      ASSERT_EQ(count[a.payload], 1) << a.payload << " not exactly once";
    }
    auto report = (*store)->Verify(1, 0);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << "cycle " << cycle << ": " << report->problem;
  }
  std::printf("[crash] %d SIGKILL cycles, %zu acknowledged appends checked\n",
              cycles, acked.size());
  EXPECT_GT(acked.size(), 0u);
}

TEST(ProcessReadOnly, ReaderFollowsALiveWriterInAnotherProcess) {
  testing::TestDir dir;
  const std::string db = dir.Sub("db");
  Child writer(db, "live");
  ASSERT_TRUE(writer.WaitReady(std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto reader = OpenRocksDbEventStoreReadOnly(StoreOptions(), db, dir.Sub("r"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Position seen = 0;
  Position first_committed = (*reader)->CommittedPosition();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_TRUE((*reader)->Refresh().ok());
    auto batch = (*reader)->ReadAll(seen + 1, 1000000);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    for (const RecordedEvent& e : *batch) {
      ASSERT_EQ(e.position, seen + 1) << "gap seen by the reader";
      seen = e.position;
    }
    auto report = (*reader)->Verify(1, 0);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << report->problem;
  }
  writer.Kill();
  EXPECT_GT(seen, first_committed) << "the reader did not follow the writer";
}

}  // namespace
}  // namespace orgledger::eventstore
