// ClosedInvites: ids of the engine's form are packed into 17 bytes and
// found again exactly; every other id, and every link, keeps a map entry;
// a second Put replaces; what is not there is not found.
#include "domain/closed_invites.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "base/base64url.h"

namespace orgledger::domain {
namespace {

// An id as commands/system_context.cc makes them: "inv_" and the unpadded
// base64url of 16 random bytes.
std::string EngineId(std::mt19937_64& rng) {
  std::string bytes(16, '\0');
  for (char& b : bytes) b = static_cast<char>(rng());
  return "inv_" + Base64UrlEncode(bytes);
}

const ClosedInvite kAccepted{Role::kMember, Channel::kEmail,
                             InviteStatus::kAccepted, ""};
const ClosedInvite kRevoked{Role::kBillingManager, Channel::kEmail,
                            InviteStatus::kRevoked, ""};

TEST(ClosedInvites, EngineIdsArePackedAndFoundExactly) {
  std::mt19937_64 rng(11);
  ClosedInvites closed;
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = EngineId(rng);
    ids.insert(id);
    closed.Put(id, i % 3 == 0 ? kRevoked : kAccepted);
  }
  EXPECT_TRUE(closed.others.empty());
  EXPECT_EQ(closed.packed.size(), ids.size() * ClosedInvites::kPackedSize);
  EXPECT_EQ(closed.size(), ids.size());
  // Ids() gives back every id as it was given.
  const std::vector<std::string> back = closed.Ids();
  EXPECT_EQ(std::set<std::string>(back.begin(), back.end()), ids);
  for (const std::string& id : ids) ASSERT_TRUE(closed.Find(id).has_value());
  // Ids that were never put, of the same form or not, are not found.
  for (int i = 0; i < 2000; ++i) {
    const std::string other = EngineId(rng);
    if (!ids.contains(other)) {
      EXPECT_FALSE(closed.Find(other).has_value());
    }
  }
  EXPECT_FALSE(closed.Find("inv_").has_value());
  EXPECT_FALSE(closed.Find("").has_value());
}

TEST(ClosedInvites, APutAgainReplaces) {
  ClosedInvites closed;
  closed.Put("inv_q83vEjRWeJASNFZ4kBI0Vg", kAccepted);
  closed.Put("inv_q83vEjRWeJASNFZ4kBI0Vg", kRevoked);
  EXPECT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed.Find("inv_q83vEjRWeJASNFZ4kBI0Vg"), kRevoked);
  closed.Put("inv-x", kAccepted);
  closed.Put("inv-x", kRevoked);
  EXPECT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed.Find("inv-x"), kRevoked);
}

TEST(ClosedInvites, OtherIdsAndLinksKeepAnEntry) {
  ClosedInvites closed;
  // Not of the engine's form: another prefix, a length, a character, and
  // a last character whose low bits are set (it would pack like ...Vg).
  for (const char* id :
       {"inv-1", "inv_q83vEjRWeJASNFZ4kBI0V", "inv_q83vEjRWeJASNFZ4kBI0V+",
        "inv_q83vEjRWeJASNFZ4kBI0Vh", "INV_q83vEjRWeJASNFZ4kBI0Vg"}) {
    closed.Put(id, kAccepted);
  }
  const ClosedInvite link{Role::kAdmin, Channel::kLink, InviteStatus::kRevoked,
                          "hash"};
  closed.Put("inv_AAAAAAAAAAAAAAAAAAAAAA", link);  // a link keeps its hash
  EXPECT_TRUE(closed.packed.empty());
  EXPECT_EQ(closed.others.size(), 6u);
  EXPECT_EQ(closed.Find("inv_AAAAAAAAAAAAAAAAAAAAAA"), link);
  EXPECT_EQ(closed.Find("inv_q83vEjRWeJASNFZ4kBI0Vh"), kAccepted);
  EXPECT_FALSE(closed.Find("inv_q83vEjRWeJASNFZ4kBI0Vg").has_value());
}

}  // namespace
}  // namespace orgledger::domain
