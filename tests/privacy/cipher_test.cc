// Sealed fields: what a key seals only that key opens, nothing of the
// plaintext shows, a changed byte is refused, and a field without its key
// reads as erased.
#include "privacy/cipher.h"

#include <gtest/gtest.h>

#include "eventstore/event_store.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"

namespace orgledger::privacy {
namespace {

TEST(Cipher, ASealedFieldOpensOnlyWithItsKey) {
  const KeyBytes key = *NewKey();
  const KeyBytes other = *NewKey();
  const KeyId id = *NewKeyId();
  Result<std::string> sealed =
      Seal(key, id, FieldKind::kEmail, "zelda@example.net");
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(IsSealed(*sealed));
  EXPECT_EQ(sealed->find("zelda"), std::string::npos);
  ASSERT_TRUE(ReadHeader(*sealed).has_value());
  EXPECT_EQ(ReadHeader(*sealed)->key_id, id);
  EXPECT_EQ(ReadHeader(*sealed)->kind, FieldKind::kEmail);
  EXPECT_EQ(*Open(key, *sealed), "zelda@example.net");
  EXPECT_EQ(Open(other, *sealed).status().code(), Code::kCorruption);
  // Any changed byte, header included, is refused.
  for (std::size_t i = 2; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(Open(key, bad).ok()) << "byte " << i;
  }
  // Two seals of one value differ (a fresh nonce each).
  EXPECT_NE(*Seal(key, id, FieldKind::kEmail, "zelda@example.net"), *sealed);
  EXPECT_FALSE(IsSealed("zelda@example.net"));
  EXPECT_FALSE(IsSealed(""));
}

TEST(Cipher, AnEventOpensAsErasedOnceItsKeyIsDestroyed) {
  std::unique_ptr<eventstore::EventStore> store =
      eventstore::NewMemoryEventStore({});
  PersonKeys keys(store.get());
  domain::Event e = domain::InviteAccepted{
      "inv-1", "u-zelda", "Zelda", "Zelda@Example.net", domain::Role::kMember,
      5};
  domain::Actor actor =
      domain::Actor::Person("u-zelda", "Zelda@Example.net", "Zelda");
  KeyRows rows;
  ASSERT_TRUE(SealEvent(keys, "acme", {}, actor, e, &rows).ok());
  ASSERT_TRUE(SealActor(keys, "acme", actor, &rows).ok());
  // What an append would write with the records: the key, its index, the
  // user id and organization it was seen with.
  EXPECT_EQ(rows.size(), 7u);
  eventstore::StateBatch write;
  for (const auto& [row, value] : rows) write.Put(row, value);
  ASSERT_TRUE(store->WriteKeyRows(write, true).ok());
  keys.Confirm(rows);
  KeyRows again;
  ASSERT_TRUE(SealActor(keys, "acme", actor, &again).ok());
  EXPECT_TRUE(again.empty()) << "confirmed rows are not added again";
  const auto& sealed = std::get<domain::InviteAccepted>(e);
  EXPECT_TRUE(IsSealed(sealed.email));
  EXPECT_TRUE(IsSealed(sealed.name));
  EXPECT_EQ(sealed.user_id, "u-zelda");  // ids stay
  EXPECT_TRUE(HasPlaintext(
      domain::Event(domain::InviteAccepted{"inv-1", "u", "Zelda", "z@x.y",
                                           domain::Role::kMember, 5}),
      domain::Actor::System("s")));
  EXPECT_FALSE(HasPlaintext(e, actor));

  domain::Event opened = e;
  ASSERT_TRUE(OpenEvent(keys, opened).ok());
  EXPECT_EQ(std::get<domain::InviteAccepted>(opened).email,
            "Zelda@Example.net");

  Result<ErasurePlan> plan = keys.Plan("u-zelda", std::nullopt);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->keys.size(), 1u);
  EXPECT_EQ(plan->orgs, std::set<std::string>{"acme"});
  ASSERT_TRUE(keys.Destroy(plan->rows).ok());
  // A second cache over the same store knows nothing of the key either.
  PersonKeys fresh(store.get());
  for (PersonKeys* k : {&keys, &fresh}) {
    domain::Event erased = e;
    domain::Actor who = actor;
    ASSERT_TRUE(OpenEvent(*k, erased).ok());
    ASSERT_TRUE(OpenActor(*k, who).ok());
    EXPECT_EQ(std::get<domain::InviteAccepted>(erased).email, "");
    EXPECT_EQ(std::get<domain::InviteAccepted>(erased).name, "[erased]");
    EXPECT_EQ(who.email, "");
    EXPECT_EQ(who.name, "[erased]");
  }
  Result<std::vector<eventstore::KeyValue>> left = store->ScanKeyRows("");
  ASSERT_TRUE(left.ok());
  for (const auto& [row, value] : *left) {
    EXPECT_EQ(row.substr(0, 1), "b") << "only the plaintext mark is left";
  }
}

}  // namespace
}  // namespace orgledger::privacy
