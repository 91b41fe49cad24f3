// PrefixEnd, the key arithmetic of StateStore scans. The state store's
// contract is tests/eventstore/state_store_suite.h, run per backend.
#include "eventstore/state_store.h"

#include <gtest/gtest.h>

namespace orgledger::eventstore {
namespace {

TEST(PrefixEnd, IsTheFirstKeyAfterThePrefix) {
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace orgledger::eventstore
