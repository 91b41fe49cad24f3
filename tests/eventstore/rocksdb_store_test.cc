// The RocksDB backend passes the event-store and state-store contracts,
// and keeps what only it has: read-only access to a live database through
// a secondary instance.
#include "eventstore/rocksdb_event_store.h"
#include "tests/eventstore/conformance_suite.h"
#include "tests/eventstore/property_suite.h"
#include "tests/eventstore/state_store_suite.h"

namespace orgledger::eventstore::conformance {

INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, EventStoreConformance,
                               RocksDbStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, StateStoreConformance,
                               RocksDbStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, EventStoreProperty,
                               RocksDbStoreFactory);

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

}  // namespace orgledger::eventstore::conformance
