// Damaged database files: a missing SST, a truncated SST and flipped bytes
// inside an SST. Each is reported (at open, or by Verify with the position
// where reading stopped) and never served as if the log were whole.
#include <filesystem>
#include <fstream>

#include "tests/eventstore/store_factories.h"
#include "tests/testing/raw_db.h"

namespace orgledger::eventstore {
namespace {

namespace fs = std::filesystem;

constexpr int kBatches = 3;
constexpr int kPerBatch = 400;

class RocksDbFiles : public ::testing::Test {
 protected:
  // Three flushed batches of records: the log column family holds three
  // SST files, and nothing is left in the write-ahead log.
  void SetUp() override {
    for (int b = 0; b < kBatches; ++b) {
      {
        auto store = factory_.Open();
        ASSERT_NE(store, nullptr);
        for (int i = 0; i < kPerBatch; ++i) {
          auto r = store->Append(Request(
              "s" + std::to_string(i % 7), ExpectedVersion::Any(),
              {Event("E", std::string(200, static_cast<char>('a' + i % 26)))}));
          ASSERT_TRUE(r.ok());
        }
      }
      testing::RawDb(path()).Flush();
    }
  }

  std::string path() { return factory_.dir.Sub("db"); }

  // The largest SST file: one of the log's (records outweigh every index).
  fs::path LargestSst() {
    fs::path best;
    std::uintmax_t size = 0;
    for (const auto& entry : fs::directory_iterator(path())) {
      if (entry.path().extension() == ".sst" && entry.file_size() > size) {
        size = entry.file_size();
        best = entry.path();
      }
    }
    EXPECT_FALSE(best.empty());
    return best;
  }

  RocksDbStoreFactory factory_;
};

TEST_F(RocksDbFiles, IntactFilesVerify) {
  auto store = factory_.Open();
  auto report = store->Verify(1, 0);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->records, std::uint64_t{kBatches * kPerBatch});
}

TEST_F(RocksDbFiles, MissingSstIsReportedAtOpen) {
  const fs::path sst = LargestSst();
  fs::remove(sst);
  auto store = OpenRocksDbEventStore({}, path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kCorruption)
      << store.status().ToString();
  // RocksDB names the file (it also tries the old .ldb name).
  EXPECT_NE(store.status().message().find(sst.stem().string()),
            std::string::npos)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find("restore it from a backup"),
            std::string::npos);
}

TEST_F(RocksDbFiles, TruncatedSstIsReportedAtOpen) {
  const fs::path sst = LargestSst();
  fs::resize_file(sst, fs::file_size(sst) / 2);
  auto store = OpenRocksDbEventStore({}, path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kCorruption)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find(sst.filename().string()),
            std::string::npos)
      << store.status().ToString();
}

TEST_F(RocksDbFiles, FlippedBytesInSstAreReportedWithThePosition) {
  const fs::path sst = LargestSst();
  {
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    // Early in the file: a data block of records, not the footer.
    f.seekp(1000);
    const char garbage[8] = {'\x5a', '\x5a', '\x5a', '\x5a',
                             '\x5a', '\x5a', '\x5a', '\x5a'};
    f.write(garbage, sizeof(garbage));
  }
  auto store = OpenRocksDbEventStore({}, path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto report = (*store)->Verify(1, 0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok);
  EXPECT_GE(report->first_bad, 1u);
  EXPECT_LE(report->first_bad, std::uint64_t{kBatches * kPerBatch});
  EXPECT_NE(report->problem.find("cannot be read"), std::string::npos)
      << report->problem;
  // Readers get an error, never a log with a hole in it.
  bool failed = false;
  for (Position from = 1; from <= kBatches * kPerBatch && !failed;) {
    auto batch = (*store)->ReadAll(from, 256);
    if (!batch.ok()) {
      EXPECT_EQ(batch.status().code(), Code::kCorruption);
      failed = true;
      break;
    }
    for (const RecordedEvent& e : *batch) {
      ASSERT_EQ(e.position, from);
      ++from;
    }
    if (batch->empty()) break;
  }
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace orgledger::eventstore
