// SPEC §1.3 and §1.4: invitations by email and link, limits, acceptance and
// its recorded errors.
#include "tests/domain/scenario.h"

namespace orgledger::domain::testing {
namespace {

TEST(Invites, AdminInvitesBillingManagerByEmail) {
  Given({Created("enterprise")})
      .When(Alice(), InviteBillingManager{"  Billing@Example.com "})
      .ThenEvents({InviteSent{"inv-1", Role::kBillingManager, Channel::kEmail,
                              "Billing@Example.com", "", "u-alice", kT0}});
}

// The host's mailer records an email it gave up; only a system actor
// may, and only on a pending email invitation.
TEST(Invites, AGivenUpEmailIsRecordedOnThePendingInvitation) {
  const std::vector<Event> pending = {
      Created("enterprise"),
      EmailInvite("inv-x", Role::kBillingManager, "x@example.com")};
  Given(pending)
      .When(Payments(), RecordInviteEmailFailure{"inv-x", "550 no mailbox"})
      .ThenEvents({InviteEmailFailed{"inv-x", "550 no mailbox", kT0}});
  Given(pending)
      .When(Alice(), RecordInviteEmailFailure{"inv-x", "550 no mailbox"})
      .ThenRejected(Code::kForbidden);
  Given(pending)
      .When(Payments(), RecordInviteEmailFailure{"inv-x", ""})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created("enterprise"),
         LinkInvite("inv-l", Role::kBillingManager, "hash")})
      .When(Payments(), RecordInviteEmailFailure{"inv-l", "550"})
      .ThenRejected(Code::kInviteNotFound);
  Given({Created("enterprise"),
         EmailInvite("inv-x", Role::kBillingManager, "x@example.com"),
         InviteRevoked{"inv-x", "u-alice"}})
      .When(Payments(), RecordInviteEmailFailure{"inv-x", "550"})
      .ThenRejected(Code::kInviteRevoked);
}

TEST(Invites, InviteReturnsItsId) {
  const Decision& d =
      Given({Created()})
          .When(Alice(), InviteMember{"x@example.com", "member"})
          .ThenAccepted();
  EXPECT_EQ(d.invite_id, "inv-1");
  EXPECT_FALSE(d.token.has_value());
}

TEST(Invites, LinkReturnsTokenOnceAndKeepsOnlyItsHash) {
  FakeContext ctx;
  Scenario s = Given({Created("enterprise")});
  const Decision& d = s.With(&ctx)
                          .When(Alice(), CreateBillingManagerInviteLink{})
                          .ThenAccepted();
  ASSERT_TRUE(d.token.has_value());
  EXPECT_GE(d.token->size(), 22u);
  const auto& sent = std::get<InviteSent>(d.events.at(0));
  EXPECT_EQ(sent.channel, Channel::kLink);
  EXPECT_EQ(sent.token_hash, ctx.HashToken(*d.token));
  EXPECT_EQ(sent.token_hash.find(*d.token), std::string::npos);
  EXPECT_TRUE(sent.email.empty());
}

TEST(Invites, TeamAllowsOneBillingManagerCountingPending) {
  Given({Created("team"),
         EmailInvite("inv-x", Role::kBillingManager, "x@example.com")})
      .When(Alice(), InviteBillingManager{"y@example.com"})
      .ThenRejected(Code::kLimitReached);
  Given({Created("team"), LinkInvite("inv-x", Role::kBillingManager, "hash")})
      .When(Alice(), CreateBillingManagerInviteLink{})
      .ThenRejected(Code::kLimitReached);
  Given(TeamOrg())
      .When(Alice(), InviteBillingManager{"y@example.com"})
      .ThenRejected(Code::kLimitReached);
}

TEST(Invites, RevokedInvitationFreesTheSlot) {
  Given({Created("team"),
         EmailInvite("inv-x", Role::kBillingManager, "x@example.com"),
         InviteRevoked{"inv-x", "u-alice"}})
      .When(Alice(), InviteBillingManager{"y@example.com"})
      .ThenAccepted();
}

TEST(Invites, IndividualEditionHasNoBillingManagers) {
  Given({Created("individual")})
      .When(Alice(), InviteBillingManager{"y@example.com"})
      .ThenRejected(Code::kNotAvailableOnEdition);
  Given({Created("individual")})
      .When(Alice(), CreateBillingManagerInviteLink{})
      .ThenRejected(Code::kNotAvailableOnEdition);
}

TEST(Invites, MemberLimitCountsPendingInvitations) {
  std::vector<Event> history = {Created("team")};  // alice = 1 member
  for (int i = 0; i < 9; ++i) {
    history.push_back(EmailInvite("inv-" + std::to_string(i), Role::kMember,
                                  "m" + std::to_string(i) + "@example.com"));
  }
  Given(history)
      .When(Alice(), InviteMember{"one-more@example.com", "member"})
      .ThenRejected(Code::kLimitReached);
  Given(history)
      .When(Alice(), CreateMemberInviteLink{"admin"})
      .ThenRejected(Code::kLimitReached);
  // Billing managers do not count against members.
  Given(history)
      .When(Alice(), InviteBillingManager{"b@example.com"})
      .ThenAccepted();
}

TEST(Invites, AlreadyInOrganizationComparesEmailsIgnoringCase) {
  Given(TeamOrg("enterprise"))
      .When(Alice(), InviteBillingManager{"BOB@example.COM"})
      .ThenRejected(Code::kAlreadyInOrganization);
  Given(TeamOrg("enterprise"))
      .When(Alice(), InviteMember{"alice@example.com", "admin"})
      .ThenRejected(Code::kAlreadyInOrganization);
}

TEST(Invites, PendingInvitationMustBeResentNotRepeated) {
  Given({Created("enterprise"),
         EmailInvite("inv-x", Role::kMember, "x@example.com")})
      .When(Alice(), InviteBillingManager{"X@EXAMPLE.com"})
      .ThenRejected(Code::kInvitePending);
}

TEST(Invites, MemberRoleMustBeMemberOrAdmin) {
  Given({Created()})
      .When(Alice(), InviteMember{"x@example.com", "billing_manager"})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created()})
      .When(Alice(), CreateMemberInviteLink{"owner"})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Invites, ResendKeepsFirstSentAndUpdatesSentAt) {
  FakeContext ctx;
  ctx.now = kT0 + 1000;
  Scenario s =
      Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com")});
  s.With(&ctx)
      .When(Alice(), ResendInvite{"inv-x"})
      .ThenEvents({InviteResent{"inv-x", kT0 + 1000}});
  s.AndApply();
  EXPECT_EQ(s.state().invites.at("inv-x").first_sent_at, kT0);
  EXPECT_EQ(s.state().invites.at("inv-x").sent_at, kT0 + 1000);
}

TEST(Invites, ResendRules) {
  Given({Created(), LinkInvite("inv-l", Role::kMember, "h")})
      .When(Alice(), ResendInvite{"inv-l"})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created()})
      .When(Alice(), ResendInvite{"inv-none"})
      .ThenRejected(Code::kInviteNotFound);
  Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com"),
         InviteRevoked{"inv-x", "u-alice"}})
      .When(Alice(), ResendInvite{"inv-x"})
      .ThenRejected(Code::kInviteRevoked);
  Given(TeamOrg())
      .When(Alice(), ResendInvite{"inv-b"})
      .ThenRejected(Code::kInviteAlreadyUsed);
}

TEST(Invites, RevokeRules) {
  Given({Created(), LinkInvite("inv-l", Role::kBillingManager, "h")})
      .When(Alice(), RevokeInvite{"inv-l"})
      .ThenEvents({InviteRevoked{"inv-l", "u-alice"}});
  Given(TeamOrg())
      .When(Alice(), RevokeInvite{"inv-c"})
      .ThenRejected(Code::kInviteAlreadyUsed);
  Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com"),
         InviteRevoked{"inv-x", "u-alice"}})
      .When(Alice(), RevokeInvite{"inv-x"})
      .ThenRejected(Code::kInviteRevoked);
  Given({Created()})
      .When(Alice(), RevokeInvite{"inv-none"})
      .ThenRejected(Code::kInviteNotFound);
  Given(TeamOrg())
      .When(Bob(), RevokeInvite{"inv-c"})
      .ThenRejected(Code::kForbidden);
}

TEST(Accept, EmailInvitationByTheInvitee) {
  Given({Created(),
         EmailInvite("inv-x", Role::kBillingManager, "dave@EXAMPLE.com")})
      .When(Dave(), AcceptInvite{"inv-x", std::nullopt})
      .ThenEvents({InviteAccepted{"inv-x", "u-dave", "Dave", "dave@example.com",
                                  Role::kBillingManager, kT0}});
}

TEST(Accept, EmailMismatchIsRecorded) {
  Scenario s =
      Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com")});
  const Decision& d = s.When(Dave(), AcceptInvite{"inv-x", std::nullopt})
                          .ThenRecordedFailure(Code::kEmailMismatch);
  EXPECT_EQ(d.events[0],
            (Event{InviteAcceptFailed{"inv-x", "email_mismatch", "u-dave",
                                      "dave@example.com", kT0}}));
  s.AndApply();
  // The invitation stays pending, with the last error.
  const Invite& inv = s.state().invites.at("inv-x");
  EXPECT_EQ(inv.status, InviteStatus::kPending);
  ASSERT_TRUE(inv.last_error.has_value());
  EXPECT_EQ(inv.last_error->code, "email_mismatch");
  // The same error by the same actor is not recorded again...
  s.When(Dave(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRejected(Code::kEmailMismatch);
  // ...but by another actor it is.
  s.When(Erin(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRecordedFailure(Code::kEmailMismatch);
}

TEST(Accept, LimitIsCheckedAgainAtAcceptanceAndRecorded) {
  // Team: a billing manager and, from before a downgrade's check could
  // apply, a second pending invitation (e.g. via a replaced catalog).
  Given({Created("enterprise"),
         EmailInvite("inv-1", Role::kBillingManager, "carol@example.com"),
         EmailInvite("inv-2", Role::kBillingManager, "dave@example.com"),
         Joined("inv-1", Carol(), Role::kBillingManager),
         SubscriptionChanged{"enterprise", "team"}})
      .When(Dave(), AcceptInvite{"inv-2", std::nullopt})
      .ThenRecordedFailure(Code::kLimitReached);
}

TEST(Accept, AcceptingInvitationStopsBeingPendingForTheLimit) {
  // Team: one pending billing-manager invitation uses the slot; accepting
  // it is allowed (active holders after acceptance = 1).
  Given({Created("team"),
         EmailInvite("inv-1", Role::kBillingManager, "dave@example.com")})
      .When(Dave(), AcceptInvite{"inv-1", std::nullopt})
      .ThenAccepted();
}

TEST(Accept, LinkIsAcceptedOnlyWithItsToken) {
  Given({Created("enterprise"),
         EmailInvite("inv-b", Role::kMember, "bob@example.com"),
         Joined("inv-b", Bob(), Role::kMember),
         LinkInvite("inv-l", Role::kBillingManager, "hash-of-bobs-token")})
      .When(Bob(), AcceptInvite{"inv-l", std::nullopt})
      .ThenRejected(Code::kInviteNotFound);  // a link needs its token
}

TEST(Accept, LinkIsUsedOnceAndByAnyoneWithTheToken) {
  FakeContext ctx;
  Scenario s = Given({Created("enterprise")});
  s.With(&ctx).When(Alice(), CreateBillingManagerInviteLink{}).AndApply();
  const std::string token = *s.decision().token;
  s.When(Dave(), AcceptInvite{std::nullopt, token}).ThenAccepted();
  s.AndApply();
  EXPECT_EQ(s.state().people.at("u-dave").role, Role::kBillingManager);
  s.When(Erin(), AcceptInvite{std::nullopt, token})
      .ThenRejected(Code::kInviteAlreadyUsed);
}

TEST(Accept, WrongTokenIsIndistinguishableFromUnknown) {
  FakeContext ctx;
  Scenario s = Given({Created("enterprise")});
  s.With(&ctx).When(Alice(), CreateMemberInviteLink{"member"}).AndApply();
  std::string wrong = *s.decision().token;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  const Decision& d = s.When(Dave(), AcceptInvite{std::nullopt, wrong})
                          .ThenRejected(Code::kInviteNotFound);
  const std::string message = d.error.message();
  s.When(Dave(), AcceptInvite{std::nullopt, std::string(43, 'Z')})
      .ThenRejected(Code::kInviteNotFound);
  EXPECT_EQ(s.decision().error.message(), message);
}

TEST(Accept, RevokedAndUnknownRecordNothing) {
  Given({Created(), EmailInvite("inv-x", Role::kMember, "dave@example.com"),
         InviteRevoked{"inv-x", "u-alice"}})
      .When(Dave(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRejected(Code::kInviteRevoked);
  Given({Created()})
      .When(Dave(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRejected(Code::kInviteNotFound);
}

TEST(Accept, PersonWithARoleCannotAcceptAnother) {
  FakeContext ctx;
  Scenario s = Given(TeamOrg("enterprise"));
  s.With(&ctx).When(Alice(), CreateMemberInviteLink{"member"}).AndApply();
  s.When(Carol(), AcceptInvite{std::nullopt, *s.decision().token})
      .ThenRecordedFailure(Code::kAlreadyInOrganization);
}

TEST(Accept, InvitationOnAnEditionWithoutBillingManagers) {
  EditionCatalog catalog({{"team", {1, 10}}, {"tiny", {0, 10}}});
  FakeContext ctx(catalog);
  Given({Created("team"),
         EmailInvite("inv-1", Role::kBillingManager, "dave@example.com"),
         SubscriptionChanged{"team", "tiny"}})
      .With(&ctx)
      .When(Dave(), AcceptInvite{"inv-1", std::nullopt})
      .ThenRecordedFailure(Code::kNotAvailableOnEdition);
}

TEST(Accept, SystemActorsCannotAccept) {
  Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com")})
      .When(Payments(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRejected(Code::kForbidden);
}

TEST(Accept, NeedsExactlyOneOfIdAndToken) {
  Given({Created()})
      .When(Dave(), AcceptInvite{})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created()})
      .When(Dave(), AcceptInvite{"inv-1", std::string(30, 'a')})
      .ThenRejected(Code::kInvalidArgument);
  Given({Created()})
      .When(Dave(), AcceptInvite{std::nullopt, "short"})
      .ThenRejected(Code::kInvalidArgument);
}

// A closed invitation keeps only what later commands need of it: its role,
// channel, outcome and (for a link) its token's hash; it answers as before.
TEST(Invites, AClosedInvitationKeepsOnlyItsOutcome) {
  Scenario s =
      Given({Created(), EmailInvite("inv-x", Role::kMember, "x@example.com"),
             LinkInvite("inv-l", Role::kBillingManager, "h")});
  s.When(Alice(), RevokeInvite{"inv-x"})
      .ThenEvents({InviteRevoked{"inv-x", "u-alice"}});
  s.AndApply();
  s.When(Alice(), RevokeInvite{"inv-l"})
      .ThenEvents({InviteRevoked{"inv-l", "u-alice"}});
  s.AndApply();
  EXPECT_TRUE(s.state().invites.empty());
  EXPECT_EQ(s.state().PendingInvites(false), 0u);
  EXPECT_EQ(s.state().PendingInvites(true), 0u);
  EXPECT_EQ(s.state().closed_invites.Find("inv-x"),
            (ClosedInvite{Role::kMember, Channel::kEmail,
                          InviteStatus::kRevoked, ""}));
  EXPECT_EQ(s.state().closed_invites.Find("inv-l"),
            (ClosedInvite{Role::kBillingManager, Channel::kLink,
                          InviteStatus::kRevoked, "h"}));
  EXPECT_EQ(s.state().index.links_by_token_hash.at("h"), "inv-l");
  s.When(Alice(), ResendInvite{"inv-x"}).ThenRejected(Code::kInviteRevoked);
  s.When(Alice(), ResendInvite{"inv-l"}).ThenRejected(Code::kInvalidArgument);
  s.When(Dave(), AcceptInvite{"inv-x", std::nullopt})
      .ThenRejected(Code::kInviteRevoked);
  s.When(Dave(), AcceptInvite{"inv-l", std::nullopt})
      .ThenRejected(Code::kInviteNotFound);
}

}  // namespace
}  // namespace orgledger::domain::testing
