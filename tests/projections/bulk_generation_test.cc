// BulkGeneration over a real RocksDB state store: rows gathered in memory
// go to the store as sorted files, ingested whole at the budget and at
// Flush; reads see the gathered rows first; a delete hides a row an earlier
// file holds; nothing is left in the database's ingest folder.
#include "projections/bulk_generation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "eventstore/rocksdb_event_store.h"
#include "tests/testing/test_dir.h"

namespace orgledger::projections {
namespace {

using eventstore::StateBatch;
using eventstore::StateStore;

class BulkGenerationTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto s = eventstore::OpenRocksDbStateStore(dir_.Sub("state"), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  std::optional<std::string> Stored(const std::string& key) {
    auto v = store_->Get(key);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::nullopt;
  }

  std::size_t FilesInIngestDir() {
    const std::string dir = dir_.Sub("state") + "/ingest";
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator(dir),
                      std::filesystem::directory_iterator()));
  }

  orgledger::testing::TestDir dir_;
  std::unique_ptr<StateStore> store_;
};

std::string Key(int i) { return "g/1/row-" + std::to_string(i); }

TEST_F(BulkGenerationTest, RowsInRandomOrderReachTheStoreAsSortedFiles) {
  ASSERT_TRUE(store_->can_bulk_load());
  BulkGeneration bulk(store_.get(), "g/1/", /*fresh=*/true, 16 << 10);
  std::vector<int> order(2000);
  for (int i = 0; i < 2000; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (std::size_t b = 0; b < order.size(); b += 50) {
    StateBatch batch;
    for (std::size_t i = b; i < b + 50; ++i) {
      batch.Put(Key(order[i]), "value-" + std::to_string(order[i]));
    }
    batch.Put("c/1", std::to_string(b + 50));  // the checkpoint, with them
    ASSERT_TRUE(bulk.Write(batch).ok());
    // Every row written so far reads back, gathered or stored.
    auto v = bulk.Get(Key(order[b]));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->value_or("missing"), "value-" + std::to_string(order[b]));
  }
  EXPECT_GT(bulk.files(), 3u);  // the budget was passed several times
  EXPECT_LT(bulk.gathered_bytes(), std::size_t{16 << 10});
  // The store holds a prefix: each file carried the checkpoint of its rows.
  const std::size_t at = std::stoul(Stored("c/1").value_or("0"));
  EXPECT_GT(at, 0u);
  for (std::size_t i = 0; i < at; ++i) {
    EXPECT_TRUE(Stored(Key(order[i])).has_value()) << i;
  }
  ASSERT_TRUE(bulk.Flush().ok());
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(Stored(Key(i)).value_or("missing"), "value-" + std::to_string(i));
  }
  EXPECT_EQ(Stored("c/1"), "2000");
  EXPECT_EQ(FilesInIngestDir(), 0u);  // moved into the database
}

TEST_F(BulkGenerationTest, ADeleteHidesARowAnEarlierFileHolds) {
  BulkGeneration bulk(store_.get(), "g/1/", /*fresh=*/true, 1 << 20);
  StateBatch first;
  first.Put(Key(1), "one");
  first.Put(Key(2), "two");
  ASSERT_TRUE(bulk.Write(first).ok());
  ASSERT_TRUE(bulk.Flush().ok());
  ASSERT_EQ(Stored(Key(1)), "one");
  StateBatch second;
  second.Delete(Key(1));
  second.Put(Key(3), "three");
  second.Delete(Key(3));  // gathered and deleted: nothing stored
  ASSERT_TRUE(bulk.Write(second).ok());
  auto gone = bulk.Get(Key(1));
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  ASSERT_TRUE(bulk.Flush().ok());
  EXPECT_FALSE(Stored(Key(1)).has_value());
  EXPECT_EQ(Stored(Key(2)), "two");
  EXPECT_FALSE(Stored(Key(3)).has_value());
  EXPECT_EQ(bulk.files(), 2u);
}

// Scans (an as-of mark reads an organization's rows) see the gathered rows
// over the stored ones, in order, limited and reversed, without writing a
// file: against a plain map of what was written.
TEST_F(BulkGenerationTest, AScanSeesTheGatheredRowsOverTheStoredOnes) {
  BulkGeneration bulk(store_.get(), "g/1/", /*fresh=*/true, 1 << 20);
  std::map<std::string, std::string> expected;
  std::mt19937 rng(3);
  for (int round = 0; round < 3; ++round) {
    StateBatch batch;
    for (int n = 0; n < 40; ++n) {
      const std::string key = Key(static_cast<int>(rng() % 60));
      if (rng() % 3 == 0) {
        batch.Delete(key);
        expected.erase(key);
      } else {
        const std::string value = "v" + std::to_string(round * 100 + n);
        batch.Put(key, value);
        expected[key] = value;
      }
    }
    ASSERT_TRUE(bulk.Write(batch).ok());
    if (round == 0) {
      ASSERT_TRUE(bulk.Flush().ok());  // some rows in the store
    }
  }
  const std::size_t files = bulk.files();
  const std::string begin = Key(1);
  const std::string end = Key(5);  // "row-1" .. "row-49" by bytes
  for (bool reverse : {false, true}) {
    for (std::size_t limit : {1u, 3u, 10u, 1000u}) {
      std::vector<eventstore::KeyValue> want;
      for (auto it = expected.lower_bound(begin);
           it != expected.end() && it->first < end; ++it) {
        want.push_back(*it);
      }
      if (reverse) std::reverse(want.begin(), want.end());
      if (want.size() > limit) want.resize(limit);
      auto got = bulk.Scan(begin, end, limit, reverse);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, want) << "limit " << limit << ", reverse " << reverse;
    }
  }
  EXPECT_EQ(bulk.files(), files);  // the scans wrote nothing
}

TEST_F(BulkGenerationTest, AFreshGenerationDoesNotReadTheStore) {
  // A row stored under the prefix behind the generation's back: a fresh
  // one answers from what it gathered; one resumed reads the store.
  StateBatch behind;
  behind.Put(Key(5), "stored");
  ASSERT_TRUE(store_->Write(behind).ok());
  BulkGeneration fresh(store_.get(), "g/1/", /*fresh=*/true, 1 << 20);
  EXPECT_FALSE(fresh.Get(Key(5))->has_value());
  EXPECT_EQ(fresh.Get("c/1")->value_or("none"), "none");  // outside: read
  BulkGeneration resumed(store_.get(), "g/1/", /*fresh=*/false, 1 << 20);
  EXPECT_EQ(resumed.Get(Key(5))->value_or("missing"), "stored");
}

TEST_F(BulkGenerationTest, TheIngestFolderIsEmptiedOnOpen) {
  // A file written but never ingested (a crash between the two).
  {
    auto file = store_->NewSortedFile();
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_TRUE((*file)->Put("a", "1").ok());
  }
  EXPECT_EQ(FilesInIngestDir(), 0u);  // a file not ingested is deleted
  std::ofstream(dir_.Sub("state") + "/ingest/9.sst") << "left behind";
  ASSERT_EQ(FilesInIngestDir(), 1u);
  Open();
  EXPECT_EQ(FilesInIngestDir(), 0u);
  EXPECT_FALSE(Stored("a").has_value());
}

}  // namespace
}  // namespace orgledger::projections
