// The StateStore conformance suite: the projections' state beside the log,
// on any backend: gets, atomic batches with deletes and range deletes,
// bounded scans both ways, snapshots that do not see later writes, and
// persistence across a reopen. Instantiated per backend like
// tests/eventstore/conformance_suite.h.
#ifndef ORGLEDGER_TESTS_EVENTSTORE_STATE_STORE_SUITE_H_
#define ORGLEDGER_TESTS_EVENTSTORE_STATE_STORE_SUITE_H_

#include "eventstore/state_store.h"
#include "tests/eventstore/store_factories.h"

namespace orgledger::eventstore::conformance {

template <class Factory>
class StateStoreConformance : public ::testing::Test {
 protected:
  Factory factory_;
};
TYPED_TEST_SUITE_P(StateStoreConformance);

inline std::vector<std::string> Keys(const Result<std::vector<KeyValue>>& r) {
  std::vector<std::string> keys;
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    for (const auto& [k, v] : *r) keys.push_back(k);
  }
  return keys;
}

TYPED_TEST_P(StateStoreConformance, BatchesScansAndSnapshots) {
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

REGISTER_TYPED_TEST_SUITE_P(StateStoreConformance, BatchesScansAndSnapshots);

}  // namespace orgledger::eventstore::conformance

#endif  // ORGLEDGER_TESTS_EVENTSTORE_STATE_STORE_SUITE_H_
