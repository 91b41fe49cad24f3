// SPEC §1.2, §1.5, §1.6: organizations, counts, removing, leaving, roles,
// teams.
#include "tests/domain/scenario.h"

namespace orgledger::domain::testing {
namespace {

TEST(Organization, CreatorBecomesFirstAdmin) {
  Scenario s = Given({});
  s.When(Alice(), CreateOrganization{"team"})
      .ThenEvents({OrganizationCreated{kOrg, "team", "u-alice",
                                       "Alice@Example.com", "Alice", kT0}});
  s.AndApply();
  EXPECT_EQ(s.state().people.at("u-alice").role, Role::kAdmin);
}

TEST(Organization, CreateRules) {
  Given({Created()})
      .When(Bob(), CreateOrganization{"team"})
      .ThenRejected(Code::kAlreadyExists);
  Given({})
      .When(Alice(), CreateOrganization{"platinum"})
      .ThenRejected(Code::kInvalidArgument);
  Given({})
      .When(Payments(), CreateOrganization{"team"})
      .ThenRejected(Code::kForbidden);
  Given({})
      .WhenIn("-bad", Alice(), CreateOrganization{"team"})
      .ThenRejected(Code::kInvalidArgument);
}

// A log written before look-alike characters were refused still replays:
// the rules judge commands, never the events already recorded.
TEST(Organization, EventsHoldingLookAlikeCharactersStillReplay) {
  const Actor zed =
      Actor::Person("u-zed", "z\u200bed@example.com", "Zed\u202e");
  Scenario s = Given(
      {Created(), EmailInvite("inv-z", Role::kMember, "z\u200bed@example.com"),
       Joined("inv-z", zed, Role::kMember)});
  EXPECT_EQ(s.state().people.at("u-zed").email, "z\u200bed@example.com");
  s.When(Alice(), RemoveMember{"u-zed"})
      .ThenEvents({MemberRemoved{"u-zed", "u-alice"}});
  Given({Created()})
      .When(Alice(), InviteMember{"z\u200bed@example.com", "member"})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Organization, UnknownOrganizationIsNotFound) {
  Given({})
      .When(Alice(), InviteMember{"x@example.com", "member"})
      .ThenRejected(Code::kNotFound);
  Given({})
      .When(Payments(), RecordResourceCount{1, kT0})
      .ThenRejected(Code::kNotFound);
}

TEST(MemberCount, BillingManagersAndPendingInvitationsAreNotCounted) {
  // The seed's example: 1 admin + 2 members + 1 billing manager -> 3.
  std::vector<Event> h = TeamOrg("enterprise");
  h.push_back(EmailInvite("inv-d", Role::kMember, "dave@example.com"));
  h.push_back(Joined("inv-d", Dave(), Role::kMember));
  h.push_back(EmailInvite("inv-e", Role::kMember, "erin@example.com"));
  Scenario s = Given(h);
  EXPECT_EQ(s.state().MemberCount(), 3u);
}

TEST(Remove, AdminRemovesMember) {
  Given(TeamOrg())
      .When(Alice(), RemoveMember{"u-bob"})
      .ThenEvents({MemberRemoved{"u-bob", "u-alice", false}});
}

TEST(Remove, MemberLeaves) {
  Given(TeamOrg())
      .When(Bob(), RemoveMember{"u-bob"})
      .ThenEvents({MemberRemoved{"u-bob", "u-bob", true}});
}

TEST(Remove, MemberCannotRemoveOthers) {
  Given(TeamOrg())
      .When(Bob(), RemoveMember{"u-alice"})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Carol(), RemoveMember{"u-bob"})
      .ThenRejected(Code::kForbidden);
}

TEST(Remove, WrongKindOfPersonIsNotFound) {
  Given(TeamOrg())
      .When(Alice(), RemoveMember{"u-carol"})
      .ThenRejected(Code::kNotFound);
  Given(TeamOrg())
      .When(Alice(), RemoveBillingManager{"u-bob"})
      .ThenRejected(Code::kNotFound);
  Given(TeamOrg())
      .When(Alice(), RemoveMember{"u-nobody"})
      .ThenRejected(Code::kNotFound);
  const Decision& d =
      Given(TeamOrg()).When(Alice(), RemoveMember{"u-nobody"}).decision();
  EXPECT_NE(d.error.message().find("u-nobody"), std::string::npos);
}

TEST(Remove, LastAdminCannotBeRemovedNorLeave) {
  Given(TeamOrg())
      .When(Alice(), RemoveMember{"u-alice"})
      .ThenRejected(Code::kLastAdmin);
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-alice", "member"})
      .ThenRejected(Code::kLastAdmin);
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-alice", "billing_manager"})
      .ThenRejected(Code::kLastAdmin);
}

TEST(Remove, AnAdminMayLeaveWhenAnotherRemains) {
  std::vector<Event> h = TeamOrg();
  h.push_back(RoleChanged{"u-bob", Role::kMember, Role::kAdmin, "u-alice"});
  Given(h)
      .When(Alice(), RemoveMember{"u-alice"})
      .ThenEvents({MemberRemoved{"u-alice", "u-alice", true}});
}

TEST(Remove, AdminRemovesBillingManagerAnytimeAndBillingManagerLeaves) {
  Given(TeamOrg())
      .When(Alice(), RemoveBillingManager{"u-carol"})
      .ThenEvents({BillingManagerRemoved{"u-carol", "u-alice", false}});
  Given(TeamOrg())
      .When(Carol(), RemoveBillingManager{"u-carol"})
      .ThenEvents({BillingManagerRemoved{"u-carol", "u-carol", true}});
}

TEST(Remove, RemovedPersonIsDeniedEverything) {
  std::vector<Event> h = TeamOrg();
  h.push_back(BillingManagerRemoved{"u-carol", "u-alice", false});
  Given(h)
      .When(Carol(), UpdateCreditCard{CreditCard{"tok_1", "visa", "4242", 1,
                                                 2030, "Carol"}})
      .ThenRejected(Code::kForbidden);
  Given(h)
      .When(Carol(), RemoveBillingManager{"u-carol"})
      .ThenRejected(Code::kForbidden);
}

TEST(ExpectedVersion, MismatchIsConcurrencyConflict) {
  Given(TeamOrg())
      .When(Alice(), RemoveMember{"u-bob"}, 4)
      .ThenRejected(Code::kConcurrencyConflict);
  Given(TeamOrg()).When(Alice(), RemoveMember{"u-bob"}, 5).ThenAccepted();
}

TEST(ChangeRole, ChangesAndNoOps) {
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-bob", "admin"})
      .ThenEvents(
          {RoleChanged{"u-bob", Role::kMember, Role::kAdmin, "u-alice"}});
  Given(TeamOrg()).When(Alice(), ChangeRole{"u-bob", "member"}).ThenEvents({});
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-nobody", "member"})
      .ThenRejected(Code::kNotFound);
  Given(TeamOrg())
      .When(Bob(), ChangeRole{"u-bob", "admin"})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-bob", "owner"})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(ChangeRole, LimitsApply) {
  // Team: Carol holds the one billing-manager slot.
  Given(TeamOrg())
      .When(Alice(), ChangeRole{"u-bob", "billing_manager"})
      .ThenRejected(Code::kLimitReached);
  Given({Created("individual")})
      .When(Alice(), ChangeRole{"u-alice", "billing_manager"})
      .ThenRejected(Code::kLastAdmin);
  // Individual: one member; a billing manager cannot become a second.
  EditionCatalog catalog({{"team", {1, 10}}, {"solo", {1, 1}}});
  FakeContext ctx(catalog);
  std::vector<Event> h = TeamOrg();
  h.push_back(MemberRemoved{"u-bob", "u-alice", false});
  h.push_back(SubscriptionChanged{"team", "solo"});
  Given(h)
      .With(&ctx)
      .When(Alice(), ChangeRole{"u-carol", "member"})
      .ThenRejected(Code::kLimitReached);
}

TEST(Teams, CreateAndDelete) {
  Given({Created()})
      .When(Alice(), CreateTeam{"platform", "Platform Team"})
      .ThenEvents({TeamCreated{"platform", "Platform Team"}});
  Given({Created(), TeamCreated{"platform", "P"}})
      .When(Alice(), CreateTeam{"platform", "Again"})
      .ThenRejected(Code::kAlreadyExists);
  Given({Created(), TeamCreated{"platform", "P"}})
      .When(Alice(), DeleteTeam{"platform"})
      .ThenEvents({TeamDeleted{"platform", "P"}});
  Given({Created()})
      .When(Alice(), DeleteTeam{"ghost"})
      .ThenRejected(Code::kNotFound);
  Given(TeamOrg())
      .When(Bob(), CreateTeam{"t", "T"})
      .ThenRejected(Code::kForbidden);
  Given({Created()})
      .When(Alice(), CreateTeam{"_bad", "T"})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created()})
      .When(Alice(), CreateTeam{"t", "card 4111 1111 1111 1111"})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Order, FieldValuesBeforeNotFoundBeforeForbiddenBeforeVersion) {
  // A bad email on an unknown org by a stranger: invalid_argument first.
  Given({})
      .When(Dave(), InviteMember{"not-an-email", "member"}, 9)
      .ThenRejected(Code::kInvalidArgument);
  // Unknown org by a stranger: not_found before forbidden.
  Given({})
      .When(Dave(), InviteMember{"x@example.com", "member"}, 9)
      .ThenRejected(Code::kNotFound);
  // Stranger with a wrong version: forbidden before concurrency_conflict.
  Given(TeamOrg())
      .When(Dave(), InviteMember{"x@example.com", "member"}, 9)
      .ThenRejected(Code::kForbidden);
  // Admin, wrong version, a rule that would fail: version first.
  Given(TeamOrg())
      .When(Alice(), InviteMember{"bob@example.com", "member"}, 9)
      .ThenRejected(Code::kConcurrencyConflict);
}

TEST(Actors, InvalidActorFieldsAreNamed) {
  const Decision& d =
      Given({})
          .When(Actor::Person("u 1", "a@b.c", "A"), CreateOrganization{"team"})
          .ThenRejected(Code::kInvalidArgument);
  EXPECT_NE(d.error.message().find("actor.id"), std::string::npos);
  Given({})
      .When(Actor::Person("u1", "nope", "A"), CreateOrganization{"team"})
      .ThenRejected(Code::kInvalidArgument);
  Given({})
      .When(Actor::Person("u1", "a@b.c", ""), CreateOrganization{"team"})
      .ThenRejected(Code::kInvalidArgument);
  Given({})
      .When(Actor::Person("u1", "a@b.c", "4111-1111-1111-1111"),
            CreateOrganization{"team"})
      .ThenRejected(Code::kInvalidArgument);
}

}  // namespace
}  // namespace orgledger::domain::testing
