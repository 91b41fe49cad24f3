// Storage failures: I/O errors and a full disk surface as kUnavailable,
// nothing unacknowledged is reported as done, and the store recovers by
// itself when the failure clears. Also: the writer lock and read-only
// instances.
#include <thread>

#include "tests/eventstore/store_factories.h"
#include "tests/testing/fault_fs.h"

namespace orgledger::eventstore {
namespace {

using testing::FaultInjectionFs;

class RocksDbFaults : public ::testing::TestWithParam<FaultInjectionFs::Fault> {
};

TEST_P(RocksDbFaults, FailureIsUnavailableAndTheStoreRecovers) {
  RocksDbStoreFactory factory;
  auto fs = std::make_shared<FaultInjectionFs>();
  StoreOptions options;
  RocksDbOptions rocks;
  rocks.TEST_file_system = fs;
  auto store = factory.Open(options, rocks);
  std::vector<std::string> acked;
  auto append = [&](const std::string& payload) {
    auto r = store->Append(
        Request("s", ExpectedVersion::Any(), {Event("E", payload)}));
    if (r.ok()) acked.push_back(payload);
    return r;
  };
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(append("before" + std::to_string(i)).ok());

  fs->InjectErrors(GetParam());
  for (int i = 0; i < 5; ++i) {
    auto r = append("during" + std::to_string(i));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  }
  fs->InjectErrors(FaultInjectionFs::Fault::kNone);

  // Recovery needs no restart: the store reopens at most every 100 ms, so
  // the first appends after the fault may still be unavailable.
  Result<AppendResult> first = Status(Code::kUnavailable, "not tried");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!first.ok() && std::chrono::steady_clock::now() < deadline) {
    first = append("after");
    if (!first.ok()) {
      EXPECT_EQ(first.status().code(), Code::kUnavailable);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  for (int i = 0; i < 10; ++i) {
    auto r = append("after" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  auto all = store->ReadAll(1, 1000);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> payloads;
  for (const auto& e : *all) payloads.push_back(e.payload);
  // Every acknowledged append is there, in order; none of the failed ones.
  EXPECT_EQ(payloads, acked);
  auto report = store->Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;

  store.reset();
  auto reopened = factory.Open();
  auto again = reopened->ReadAll(1, 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), acked.size());
}

INSTANTIATE_TEST_SUITE_P(Faults, RocksDbFaults,
                         ::testing::Values(FaultInjectionFs::Fault::kIoError,
                                           FaultInjectionFs::Fault::kNoSpace),
                         [](const auto& info) {
                           return info.param ==
                                          FaultInjectionFs::Fault::kIoError
                                      ? "IoError"
                                      : "DiskFull";
                         });

TEST(RocksDbLock, SecondWriterGetsAClearError) {
  RocksDbStoreFactory factory;
  auto first = factory.Open();
  ASSERT_NE(first, nullptr);
  auto second = OpenRocksDbEventStore(StoreOptions(), factory.dir.Sub("db"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another process"),
            std::string::npos)
      << second.status().message();
}

TEST(RocksDbReadOnly, FollowsTheWriterAfterRefresh) {
  RocksDbStoreFactory factory;
  auto writer = factory.Open();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        writer->Append(Request("s", ExpectedVersion::Any(), {Event("E", "")}))
            .ok());
  }
  auto reader = OpenRocksDbEventStoreReadOnly(
      StoreOptions(), factory.dir.Sub("db"), factory.dir.Sub("reader"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->CommittedPosition(), 10u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        writer->Append(Request("s", ExpectedVersion::Any(), {Event("E", "")}))
            .ok());
  }
  ASSERT_TRUE((*reader)->Refresh().ok());
  EXPECT_EQ((*reader)->CommittedPosition(), 15u);
  auto all = (*reader)->ReadAll(1, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 15u);
  auto report = (*reader)->Verify(1, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->problem;

  auto refused =
      (*reader)->Append(Request("s", ExpectedVersion::Any(), {Event("E", "")}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace orgledger::eventstore
