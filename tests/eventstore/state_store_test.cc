// The StateStore beside the log, on both backends: gets, atomic batches
// with deletes and range deletes, bounded scans both ways, snapshots that
// do not see later writes, and (RocksDB) persistence and read-only access.
#include "eventstore/state_store.h"

#include "tests/eventstore/store_factories.h"

namespace orgledger::eventstore {
namespace {

template <class Factory>
class StateStoreConformance : public ::testing::Test {
 protected:
  Factory factory_;
};
TYPED_TEST_SUITE(StateStoreConformance, StoreFactories);

std::vector<std::string> Keys(const Result<std::vector<KeyValue>>& r) {
  std::vector<std::string> keys;
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    for (const auto& [k, v] : *r) keys.push_back(k);
  }
  return keys;
}

TYPED_TEST(StateStoreConformance, BatchesScansAndSnapshots) {
  auto store = this->factory_.Open();
  StateStore& state = store->state();
  StateBatch batch;
  for (const char* k : {"a/1", "a/2", "a/3", "b/1", "c"}) {
    batch.Put(k, std::string("v") + k);
  }
  ASSERT_TRUE(state.Write(batch).ok());
  EXPECT_EQ(*state.Get("a/2"), std::optional<std::string>("va/2"));
  EXPECT_EQ(*state.Get("zz"), std::nullopt);

  EXPECT_EQ(Keys(state.Scan("a/", PrefixEnd("a/"), 10, false)),
            (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  EXPECT_EQ(Keys(state.Scan("a/", PrefixEnd("a/"), 2, true)),
            (std::vector<std::string>{"a/3", "a/2"}));
  EXPECT_EQ(Keys(state.Scan("a/", "a/3", 10, true)),
            (std::vector<std::string>{"a/2", "a/1"}));
  EXPECT_EQ(Keys(state.Scan("b", "", 10, false)),
            (std::vector<std::string>{"b/1", "c"}));
  EXPECT_EQ(Keys(state.Scan("", "", 10, true)).front(), "c");

  std::unique_ptr<StateReader> snapshot = state.Snapshot();
  StateBatch change;
  change.Delete("c");
  change.DeleteRange("a/2", "a/4");
  change.Put("b/2", "new");
  ASSERT_TRUE(state.Write(change).ok());
  EXPECT_EQ(Keys(state.Scan("", "", 10, false)),
            (std::vector<std::string>{"a/1", "b/1", "b/2"}));
  // The snapshot still sees the state before the change.
  EXPECT_EQ(Keys(snapshot->Scan("", "", 10, false)),
            (std::vector<std::string>{"a/1", "a/2", "a/3", "b/1", "c"}));
  EXPECT_EQ(*snapshot->Get("c"), std::optional<std::string>("vc"));
  EXPECT_EQ(*snapshot->Get("b/2"), std::nullopt);
  snapshot.reset();

  store.reset();
  store = this->factory_.Open();
  EXPECT_EQ(Keys(store->state().Scan("", "", 10, false)),
            (std::vector<std::string>{"a/1", "b/1", "b/2"}));
}

TEST(PrefixEnd, IsTheFirstKeyAfterThePrefix) {
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), "");
}

TEST(RocksDbState, ReadOnlyInstanceReadsButDoesNotWrite) {
  testing::TestDir dir;
  auto writer = OpenRocksDbEventStore({}, dir.Sub("db"));
  ASSERT_TRUE(writer.ok());
  StateBatch batch;
  batch.Put("k", "v1");
  ASSERT_TRUE((*writer)->state().Write(batch).ok());
  auto reader =
      OpenRocksDbEventStoreReadOnly({}, dir.Sub("db"), dir.Sub("scratch"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(*(*reader)->state().Get("k"), std::optional<std::string>("v1"));
  EXPECT_EQ((*reader)->state().Write(batch).code(), Code::kUnavailable);

  StateBatch second;
  second.Put("k", "v2");
  ASSERT_TRUE((*writer)->state().Write(second).ok());
  ASSERT_TRUE((*reader)->Refresh().ok());
  EXPECT_EQ(*(*reader)->state().Snapshot()->Get("k"),
            std::optional<std::string>("v2"));
}

}  // namespace
}  // namespace orgledger::eventstore
