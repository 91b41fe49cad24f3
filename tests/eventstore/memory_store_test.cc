// The in-memory backend passes the event-store and state-store contracts.
#include "tests/eventstore/conformance_suite.h"
#include "tests/eventstore/property_suite.h"
#include "tests/eventstore/state_store_suite.h"

namespace orgledger::eventstore::conformance {

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, EventStoreConformance,
                               MemoryStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StateStoreConformance,
                               MemoryStoreFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, EventStoreProperty, MemoryStoreFactory);

}  // namespace orgledger::eventstore::conformance
