// StateArena (domain/arena.h) and the arena of an OrgState: every node and
// string of a state is allocated in its own arena, whether the state was
// folded by Evolve, copied, moved or built by hand.
#include "domain/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "domain/state.h"

namespace orgledger::domain {
namespace {

TEST(StateArena, ReusesWhatIsFreedBySize) {
  StateArena arena;
  EXPECT_EQ(arena.bytes(), 0u);
  void* a = arena.allocate(48);
  void* b = arena.allocate(48);
  void* c = arena.allocate(48);
  const std::size_t held = arena.bytes();
  EXPECT_GT(held, 0u);
  arena.deallocate(b, 48);
  void* again = arena.allocate(40);  // rounds to 48: the freed block
  EXPECT_EQ(again, b);
  void* other = arena.allocate(48);
  EXPECT_NE(other, b);
  EXPECT_EQ(arena.bytes(), held);
  for (void* p : {a, c, again, other}) arena.deallocate(p, 48);
}

TEST(StateArena, CountsChunksAndLargeBlocks) {
  StateArena arena;
  void* small = arena.allocate(16);
  const std::size_t chunk = arena.bytes();
  EXPECT_GE(chunk, 512u);
  void* large = arena.allocate(100'000);
  EXPECT_EQ(arena.bytes(), chunk + 100'000);
  arena.deallocate(large, 100'000);
  EXPECT_EQ(arena.bytes(), chunk);
  arena.deallocate(small, 16);
}

// Chunks grow with the arena (by half of what it holds), so a large state
// takes few of them; every block is 16-byte aligned and none overlaps
// another (each is filled with its own byte and checked at the end).
TEST(StateArena, BlocksAreAlignedAndApart) {
  StateArena arena;
  std::mt19937 rng(7);
  struct Block {
    unsigned char* p;
    std::size_t size;
  };
  std::vector<Block> blocks;
  for (int i = 0; i < 20'000; ++i) {
    if (!blocks.empty() && rng() % 4 == 0) {
      const std::size_t k = rng() % blocks.size();
      arena.deallocate(blocks[k].p, blocks[k].size);
      blocks[k] = blocks.back();
      blocks.pop_back();
      continue;
    }
    const std::size_t size = 1 + rng() % (rng() % 8 == 0 ? 2000 : 300);
    auto* p = static_cast<unsigned char*>(arena.allocate(size));
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    std::memset(p, static_cast<int>(blocks.size() % 251), size);
    blocks.push_back({p, size});
  }
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    for (std::size_t i = 0; i < blocks[k].size; ++i) {
      ASSERT_EQ(blocks[k].p[i], blocks[k].p[0]) << "block " << k;
    }
  }
  for (const Block& b : blocks) arena.deallocate(b.p, b.size);
}

// Whether every container and string of `s` allocates in `s`'s arena.
::testing::AssertionResult AllInItsArena(const OrgState& s) {
  const std::pmr::memory_resource* arena = s.owner.arena.get();
  auto in = [&](const auto& x) { return x.get_allocator().resource() == arena; };
  auto fail = [](const std::string& what) {
    return ::testing::AssertionFailure() << what << " is outside the arena";
  };
  if (!in(s.people) || !in(s.invites) || !in(s.teams) || !in(s.payments) ||
      !in(s.index.people_by_email) || !in(s.index.pending_by_email) ||
      !in(s.index.links_by_token_hash)) {
    return fail("a map");
  }
  for (const auto& [id, p] : s.people) {
    if (!in(id) || !in(p.user_id) || !in(p.email) || !in(p.name)) {
      return fail("person " + std::string(id));
    }
  }
  for (const auto& [id, inv] : s.invites) {
    if (!in(id) || !in(inv.invite_id) || !in(inv.email) ||
        !in(inv.token_hash) || !in(inv.invited_by)) {
      return fail("invitation " + std::string(id));
    }
  }
  for (const auto& [team, name] : s.teams) {
    if (!in(team) || !in(name)) return fail("team " + std::string(team));
  }
  for (const auto& [id, p] : s.payments) {
    if (!in(id) || !in(p.payment_id) || !in(p.currency)) {
      return fail("payment " + std::string(id));
    }
  }
  for (const auto* by_email :
       {&s.index.people_by_email, &s.index.pending_by_email}) {
    for (const auto& [email, keys] : *by_email) {
      if (!in(email) || !in(keys)) return fail("index entry " + std::string(email));
      for (const auto& key : keys) {
        if (!in(key)) return fail("index key " + std::string(key));
      }
    }
  }
  for (const auto& [hash, id] : s.index.links_by_token_hash) {
    if (!in(hash) || !in(id)) return fail("link " + std::string(id));
  }
  return ::testing::AssertionSuccess();
}

// Strings longer than the small-string buffer, so that they allocate.
std::string Long(const std::string& s) { return s + std::string(40, 'x'); }

OrgState Folded() {
  std::vector<Event> events = {
      OrganizationCreated{"acme", "enterprise", Long("u-admin"),
                          Long("admin") + "@example.com", Long("Admin"), 1},
      InviteSent{Long("inv-1"), Role::kMember, Channel::kEmail,
                 Long("bob") + "@example.com", "", Long("u-admin"), 2},
      InviteSent{Long("inv-2"), Role::kBillingManager, Channel::kLink, "",
                 std::string(64, 'f'), Long("u-admin"), 3},
      InviteSent{Long("inv-3"), Role::kMember, Channel::kEmail,
                 Long("carol") + "@example.com", "", Long("u-admin"), 4},
      InviteAccepted{Long("inv-1"), Long("u-bob"), Long("Bob"),
                     Long("bob") + "@example.com", Role::kMember, 5},
      InviteAcceptFailed{Long("inv-3"), "email_mismatch", Long("u-dave"),
                         Long("dave") + "@example.com", 6},
      TeamCreated{Long("core"), Long("Core team")},
      PaymentRecorded{Payment{Long("pay-1"), 4200, "USD",
                              PaymentStatus::kSucceeded, 7}},
      RoleChanged{Long("u-bob"), Role::kMember, Role::kAdmin, Long("u-admin")},
  };
  OrgState s;
  for (const Event& e : events) s = Evolve(std::move(s), e);
  return s;
}

TEST(OrgStateArena, EvolveAllocatesInTheStatesArena) {
  const OrgState s = Folded();
  ASSERT_EQ(s.people.size(), 2u);
  ASSERT_EQ(s.invites.size(), 3u);
  ASSERT_EQ(s.index.links_by_token_hash.size(), 1u);
  ASSERT_EQ(s.index.pending_by_email.size(), 1u);
  EXPECT_TRUE(AllInItsArena(s));
  EXPECT_GT(s.owner.arena->bytes(), 0u);
  EXPECT_GE(s.HeapBytes(), s.owner.arena->bytes());
}

TEST(OrgStateArena, ACopyIsEqualAndInANewArena) {
  const OrgState s = Folded();
  OrgState copy = s;
  EXPECT_EQ(copy, s);
  EXPECT_NE(copy.owner.arena.get(), s.owner.arena.get());
  EXPECT_TRUE(AllInItsArena(copy));
  EXPECT_EQ(copy.index.people_by_email, s.index.people_by_email);
  EXPECT_EQ(copy.index.links_by_token_hash, s.index.links_by_token_hash);

  OrgState assigned;
  assigned = s;
  EXPECT_EQ(assigned, s);
  EXPECT_TRUE(AllInItsArena(assigned));
}

TEST(OrgStateArena, AMoveTakesTheArena) {
  OrgState s = Folded();
  const StateArena* arena = s.owner.arena.get();
  OrgState moved(std::move(s));
  EXPECT_EQ(moved.owner.arena.get(), arena);
  EXPECT_TRUE(AllInItsArena(moved));

  OrgState assigned = Folded();
  assigned = std::move(moved);
  EXPECT_EQ(assigned.owner.arena.get(), arena);
  EXPECT_TRUE(AllInItsArena(assigned));
  EXPECT_EQ(assigned, Folded());
  // Later events still allocate in it.
  assigned = Evolve(std::move(assigned),
                    TeamCreated{Long("ops"), Long("Operations")});
  EXPECT_TRUE(AllInItsArena(assigned));
}

TEST(OrgStateArena, EntriesBuiltByHandAreInTheArena) {
  OrgState s;
  EntryAt(s.people, Long("u-1")) =
      Person{Long("u-1"), Long("a") + "@b.c", Long("A"), Role::kAdmin, 1};
  EntryAt(s.payments, Long("p")) =
      Payment{Long("p"), 1, "EUR", PaymentStatus::kFailed, 3};
  EntryAt(s.teams, Long("core")) = Long("Core");
  s.Reindex();
  EXPECT_TRUE(AllInItsArena(s));
  EXPECT_EQ(s.FindPersonByEmail(Long("a") + "@b.c"),
            &s.people.begin()->second);
}

}  // namespace
}  // namespace orgledger::domain
