// StateCache: LRU by count and by approximate bytes.
#include "commands/state_cache.h"

#include <gtest/gtest.h>

namespace orgledger::commands {
namespace {

CachedOrg WithPeople(int n) {
  CachedOrg entry;
  for (int i = 0; i < n; ++i) {
    const std::string id = "user-with-a-long-identifier-" + std::to_string(i);
    entry.state.people[id] =
        domain::Person{id, id + "@example.com", "Name " + std::to_string(i),
                       domain::Role::kMember, 0};
  }
  entry.state.Reindex();
  return entry;
}

TEST(StateCache, BytesGrowWithTheState) {
  const std::size_t small = ApproximateBytes(WithPeople(1));
  const std::size_t big = ApproximateBytes(WithPeople(1000));
  EXPECT_GT(big, 200 * small);
  // About 300 bytes per person here (three strings, two map nodes).
  EXPECT_GT(big, 1000u * 200);
  EXPECT_LT(big, 1000u * 1000);
}

void AddPeople(CachedOrg& entry, int from, int to) {
  CachedOrg more = WithPeople(to);
  for (int i = from; i < to; ++i) {
    const std::string id = "user-with-a-long-identifier-" + std::to_string(i);
    entry.state.people[id] = more.state.people[id];
  }
  entry.state.Reindex();
}

TEST(StateCache, EstimateMeasuresAgainWhenTheStateGrows) {
  CachedOrg entry = WithPeople(1000);
  const std::size_t exact = ApproximateBytes(entry);
  EXPECT_EQ(EstimateBytes(entry), exact);  // first time: measured
  EXPECT_EQ(entry.measured_bytes, exact);

  AddPeople(entry, 1000, 1010);  // within an eighth: scaled, not measured
  const std::size_t scaled = EstimateBytes(entry);
  EXPECT_EQ(entry.measured_bytes, exact);
  EXPECT_NEAR(static_cast<double>(scaled),
              static_cast<double>(ApproximateBytes(entry)), exact * 0.01);

  AddPeople(entry, 1010, 1500);  // past an eighth: measured again
  EXPECT_EQ(EstimateBytes(entry), ApproximateBytes(entry));
  EXPECT_EQ(entry.measured_bytes, ApproximateBytes(entry));
}

TEST(StateCache, EvictsLeastRecentlyUsedPastTheByteBudget) {
  const std::size_t one = ApproximateBytes(WithPeople(100));
  StateCache cache(1000, one * 3 + one / 2);
  cache.Put("a", WithPeople(100));
  cache.Put("b", WithPeople(100));
  cache.Put("c", WithPeople(100));
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_TRUE(cache.Take("a").has_value());  // taken out: b, c remain
  cache.Put("a", WithPeople(100));           // newest: a, c, b
  cache.Put("d", WithPeople(100));           // evicts b
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_LE(cache.bytes(), one * 3 + one / 2);
  EXPECT_FALSE(cache.Take("b").has_value());
  EXPECT_TRUE(cache.Take("c").has_value());
}

TEST(StateCache, EntryLargerThanTheBudgetIsNotKept) {
  StateCache cache(1000, ApproximateBytes(WithPeople(10)));
  cache.Put("small", WithPeople(1));
  cache.Put("huge", WithPeople(1000));
  EXPECT_FALSE(cache.Take("huge").has_value());
  EXPECT_TRUE(cache.Take("small").has_value());
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(StateCache, CountStillBounds) {
  StateCache cache(2, std::size_t{1} << 30);
  cache.Put("a", WithPeople(1));
  cache.Put("b", WithPeople(1));
  cache.Put("c", WithPeople(1));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Take("a").has_value());
}

}  // namespace
}  // namespace orgledger::commands
