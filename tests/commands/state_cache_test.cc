// StateCache: LRU by count and by approximate bytes.
#include "commands/state_cache.h"

#include <gtest/gtest.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <memory>

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

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
// The estimate against what malloc really handed out for a state shaped
// like W5's hot organizations: people, invitations of every kind, payments
// and the index.
TEST(StateCache, EstimateTracksTheRealHeap) {
  const std::size_t before = ::mallinfo2().uordblks;
  auto entry = std::make_unique<CachedOrg>();
  domain::OrgState& s = entry->state;
  for (int i = 0; i < 20000; ++i) {
    const std::string n = std::to_string(i);
    const std::string id = "u-17-" + n;
    s.people[id] = domain::Person{id, "p17-" + n + "@example.com",
                                  "Person 17-" + n, domain::Role::kMember, 0};
    domain::Invite invite;
    invite.invite_id = "inv_" + std::string(22, 'a' + i % 26) + n;
    invite.email = "p17-" + n + "@example.com";
    invite.token_hash = std::string(32, static_cast<char>(i));
    invite.invited_by = "u-admin-17";
    invite.status = i % 3 == 0 ? domain::InviteStatus::kPending
                               : domain::InviteStatus::kAccepted;
    s.invites[invite.invite_id] = invite;
    const std::string pay = "pay-" + n;
    s.payments[pay] =
        domain::Payment{pay, 4200, "USD", domain::PaymentStatus::kSucceeded, 0};
  }
  s.Reindex();
  const double real = static_cast<double>(::mallinfo2().uordblks - before);
  const double estimate = static_cast<double>(ApproximateBytes(*entry));
  EXPECT_NEAR(estimate / real, 1.0, 0.05)
      << "estimate " << estimate / 1048576 << " MiB, malloc " << real / 1048576
      << " MiB";
}

// A small W5 organization: its admin, a card, a resource count, one
// accepted invitation and its member, one payment.
CachedOrg SmallOrganization(int i) {
  CachedOrg entry;
  domain::OrgState& s = entry.state;
  const std::string n = std::to_string(i);
  s.exists = true;
  s.org = "org-" + n;
  s.edition = "enterprise";
  for (const std::string& id : {"u-" + n + "-admin", "u-" + n + "-1"}) {
    s.people[id] = domain::Person{id, id + "@example.com", "Person " + id,
                                  domain::Role::kMember, 0};
  }
  domain::Invite invite;
  invite.invite_id = "inv_" + std::string(22, 'a' + i % 26);
  invite.email = "u-" + n + "-1@example.com";
  invite.invited_by = "u-" + n + "-admin";
  invite.status = domain::InviteStatus::kAccepted;
  s.invites[invite.invite_id] = invite;
  s.card =
      domain::CreditCard{"tok_" + n, "visa", "4242", 12, 2030, "Card Holder"};
  s.payments["pay-" + n] = domain::Payment{
      "pay-" + n, 4200, "USD", domain::PaymentStatus::kSucceeded, 0};
  s.Reindex();
  return entry;
}

// What the cache counts against what malloc handed out, for many small
// organizations (the cache early in W5) and for the same bytes in a few
// large ones (late in W5): the budget must mean the same memory for both.
TEST(StateCache, BytesTrackTheRealHeapForSmallAndLargeOrganizations) {
  for (const bool large : {false, true}) {
    const std::size_t before = ::mallinfo2().uordblks;
    {
      StateCache cache(1 << 20, std::size_t{1} << 40);
      for (int i = 0; i < (large ? 4 : 20000); ++i) {
        CachedOrg entry = large ? WithPeople(5000) : SmallOrganization(i);
        cache.Put("org-" + std::to_string(i), std::move(entry));
      }
      const double real = static_cast<double>(::mallinfo2().uordblks - before);
      const double counted = static_cast<double>(cache.bytes());
      EXPECT_NEAR(counted / real, 1.0, 0.05)
          << (large ? "large" : "small") << ": counted " << counted / 1048576
          << " MiB, malloc " << real / 1048576 << " MiB";
    }
  }
}
#endif

TEST(StateCache, EvictsLeastRecentlyUsedPastTheByteBudget) {
  const std::size_t one = ApproximateBytes(WithPeople(100));
  StateCache cache(1000, one * 3 + one / 2);
  cache.Put("a", WithPeople(100));
  cache.Put("b", WithPeople(100));
  cache.Put("c", WithPeople(100));
  EXPECT_EQ(cache.size(), 3u);
  std::optional<CachedOrg> a = cache.Take("a");  // taken out: b, c remain
  ASSERT_TRUE(a.has_value());
  cache.Put("a", std::move(*a));    // put back, the newest: a, c, b
  cache.Put("d", WithPeople(100));  // evicts b
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_LE(cache.bytes(), one * 3 + one / 2);
  EXPECT_FALSE(cache.Take("b").has_value());
  EXPECT_TRUE(cache.Take("c").has_value());
}

// A state taken out by a running command still counts against the
// budget until it is put back or released.
TEST(StateCache, TakenEntriesStayChargedUntilPutBackOrReleased) {
  const std::size_t one = ApproximateBytes(WithPeople(100));
  StateCache cache(1000, one * 2 + one / 2);
  cache.Put("a", WithPeople(100));
  cache.Put("b", WithPeople(100));
  std::optional<CachedOrg> a = cache.Take("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_GT(a->charged, 0u);
  EXPECT_GE(cache.bytes(), one * 2);  // a is still charged
  cache.Put("c", WithPeople(100));    // b + c + a taken: b is evicted
  EXPECT_FALSE(cache.Take("b").has_value());
  EXPECT_EQ(cache.size(), 1u);

  cache.Release(*a);  // a's command failed: it is not put back
  EXPECT_EQ(a->charged, 0u);
  EXPECT_LT(cache.bytes(), one * 2);
  cache.Release(*a);  // twice is harmless
  cache.Put("d", WithPeople(100));
  EXPECT_EQ(cache.size(), 2u);  // c and d fit again

  std::optional<CachedOrg> c = cache.Take("c");
  ASSERT_TRUE(c.has_value());
  const std::size_t with_c = cache.bytes();
  cache.Put("c", std::move(*c));  // put back: charged once, not twice
  EXPECT_NEAR(static_cast<double>(cache.bytes()), static_cast<double>(with_c),
              with_c * 0.01);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(StateCache, EntryLargerThanTheBudgetIsNotKept) {
  StateCache cache(1000, ApproximateBytes(WithPeople(10)));
  cache.Put("small", WithPeople(1));
  cache.Put("huge", WithPeople(1000));
  EXPECT_FALSE(cache.Take("huge").has_value());
  std::optional<CachedOrg> small = cache.Take("small");
  ASSERT_TRUE(small.has_value());
  cache.Release(*small);
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
