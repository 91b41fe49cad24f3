// SPEC §1.3, §1.7: credit card, subscription changes, payments, RUM.
#include "tests/domain/scenario.h"

namespace orgledger::domain::testing {
namespace {

CreditCard Card(std::string holder = "Carol") {
  return CreditCard{"tok_visa_1", "visa", "4242", 12, 2030, std::move(holder)};
}

TEST(CreditCard, AdminsAndBillingManagersUpdateIt) {
  Given(TeamOrg())
      .When(Alice(), UpdateCreditCard{Card()})
      .ThenEvents({CreditCardUpdated{Card()}});
  Given(TeamOrg())
      .When(Carol(), UpdateCreditCard{Card()})
      .ThenEvents({CreditCardUpdated{Card()}});
  Given(TeamOrg())
      .When(Bob(), UpdateCreditCard{Card()})
      .ThenRejected(Code::kForbidden);
  std::vector<Event> h = TeamOrg();
  h.push_back(CreditCardUpdated{Card()});
  Given(h).When(Carol(), UpdateCreditCard{Card()}).ThenEvents({});
}

TEST(CreditCard, CardNumbersAreRefusedInEveryString) {
  const std::vector<std::string> numbers = {
      "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
      "378282246310005", "my card 5555555555554444 thanks"};
  for (const std::string& n : numbers) {
    CreditCard c = Card();
    c.holder_name = n;
    Given(TeamOrg())
        .When(Carol(), UpdateCreditCard{c})
        .ThenRejected(Code::kInvalidArgument);
    c = Card();
    c.processor_token = n;
    const Decision& d = Given(TeamOrg())
                            .When(Carol(), UpdateCreditCard{c})
                            .ThenRejected(Code::kInvalidArgument);
    EXPECT_EQ(d.error.message().find(n), std::string::npos)
        << "the message quotes the card number";
    c = Card();
    c.brand = n;
    Given(TeamOrg())
        .When(Carol(), UpdateCreditCard{c})
        .ThenRejected(Code::kInvalidArgument);
  }
}

TEST(CreditCard, FieldsAreValidated) {
  CreditCard c = Card();
  c.last4 = "42a2";
  Given(TeamOrg())
      .When(Carol(), UpdateCreditCard{c})
      .ThenRejected(Code::kInvalidArgument);
  c = Card();
  c.exp_month = 13;
  Given(TeamOrg())
      .When(Carol(), UpdateCreditCard{c})
      .ThenRejected(Code::kInvalidArgument);
}

// The tests' clock is 2026-11-18: a card is good through its expiry month.
TEST(CreditCard, ACardPastItsExpiryMonthIsRefused) {
  CreditCard c = Card();
  c.exp_month = 10;
  c.exp_year = 2026;
  const Decision& d = Given(TeamOrg())
                          .When(Carol(), UpdateCreditCard{c})
                          .ThenRejected(Code::kInvalidArgument);
  EXPECT_NE(d.error.message().find("expired (2026-10"), std::string::npos)
      << d.error.message();
  c.exp_month = 11;
  Given(TeamOrg())
      .When(Carol(), UpdateCreditCard{c})
      .ThenEvents({CreditCardUpdated{c}});
  c.exp_month = 12;
  c.exp_year = 2025;
  Given(TeamOrg())
      .When(Carol(), UpdateCreditCard{c})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Subscription, UnknownEditionsNameTheKnownOnes) {
  const Decision& d = Given(TeamOrg())
                          .When(Alice(), ChangeSubscription{"gold"})
                          .ThenRejected(Code::kInvalidArgument);
  EXPECT_EQ(d.error.message(),
            "edition: unknown edition \"gold\" (the editions: "
            "business_critical, enterprise, individual, team)");
}

TEST(Subscription, ChangeAndNoOp) {
  Given(TeamOrg())
      .When(Carol(), ChangeSubscription{"enterprise"})
      .ThenEvents({SubscriptionChanged{"team", "enterprise"}});
  Given(TeamOrg()).When(Carol(), ChangeSubscription{"team"}).ThenEvents({});
  Given(TeamOrg())
      .When(Bob(), ChangeSubscription{"enterprise"})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Alice(), ChangeSubscription{"gold"})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Subscription, DowngradeListsEveryViolatedLimit) {
  std::vector<Event> h = TeamOrg("enterprise");
  h.push_back(EmailInvite("inv-x", Role::kBillingManager, "x@example.com"));
  // Now: 2 members (alice, bob), 1 + 1 pending billing managers.
  const Decision& d = Given(h)
                          .When(Alice(), ChangeSubscription{"individual"})
                          .ThenRejected(Code::kLimitExceeded);
  EXPECT_EQ(d.violations, (std::vector<Violation>{{"billing_managers", 2, 0},
                                                  {"members", 2, 1}}));
  const Decision& team = Given(h)
                             .When(Alice(), ChangeSubscription{"team"})
                             .ThenRejected(Code::kLimitExceeded);
  EXPECT_EQ(team.violations,
            (std::vector<Violation>{{"billing_managers", 2, 1}}));
}

TEST(Payments, OnlySystemActorsRecord) {
  RecordPayment p{"pay_1", 1999, "USD", "succeeded", kT0};
  Given(TeamOrg())
      .When(Payments(), p)
      .ThenEvents({PaymentRecorded{
          Payment{"pay_1", 1999, "USD", PaymentStatus::kSucceeded, kT0}}});
  Given(TeamOrg()).When(Alice(), p).ThenRejected(Code::kForbidden);
  Given(TeamOrg()).When(Carol(), p).ThenRejected(Code::kForbidden);
}

TEST(Payments, SameAgainIsNoOpStatusChangeIsRecordedOtherwiseConflict) {
  std::vector<Event> h = TeamOrg();
  h.push_back(PaymentRecorded{
      Payment{"pay_1", 1999, "USD", PaymentStatus::kSucceeded, kT0}});
  Given(h)
      .When(Payments(), RecordPayment{"pay_1", 1999, "USD", "succeeded", kT0})
      .ThenEvents({});
  Given(h)
      .When(Payments(), RecordPayment{"pay_1", 1999, "USD", "refunded", kT0})
      .ThenEvents({PaymentStatusChanged{
          Payment{"pay_1", 1999, "USD", PaymentStatus::kRefunded, kT0},
          PaymentStatus::kSucceeded}});
  Given(h)
      .When(Payments(), RecordPayment{"pay_1", 2999, "USD", "succeeded", kT0})
      .ThenRejected(Code::kAlreadyExists);
}

TEST(Payments, FieldsAreValidated) {
  Given(TeamOrg())
      .When(Payments(), RecordPayment{"pay_1", -1, "USD", "succeeded", kT0})
      .ThenRejected(Code::kInvalidArgument);
  Given(TeamOrg())
      .When(Payments(), RecordPayment{"pay_1", 1, "usd", "succeeded", kT0})
      .ThenRejected(Code::kInvalidArgument);
  Given(TeamOrg())
      .When(Payments(), RecordPayment{"pay_1", 1, "USD", "pending", kT0})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(Rum, SamplesMoveForwardAndNotTooFarAhead) {
  std::vector<Event> h = TeamOrg();
  h.push_back(ResourceCountRecorded{10, kT0});
  Given(h).When(Payments(), RecordResourceCount{12, kT0}).ThenAccepted();
  Given(h)
      .When(Payments(), RecordResourceCount{12, kT0 - 1})
      .ThenRejected(Code::kInvalidArgument);
  FakeContext ctx;
  ctx.now = kT0;
  Given(h)
      .With(&ctx)
      .When(Payments(), RecordResourceCount{12, kT0 + 5LL * 60 * 1000000})
      .ThenAccepted();
  Given(h)
      .With(&ctx)
      .When(Payments(), RecordResourceCount{12, kT0 + 5LL * 60 * 1000000 + 1})
      .ThenRejected(Code::kInvalidArgument);
  Given(h)
      .When(Alice(), RecordResourceCount{12, kT0})
      .ThenRejected(Code::kForbidden);
  Given(h)
      .When(Payments(), RecordResourceCount{-1, kT0})
      .ThenRejected(Code::kInvalidArgument);
}

TEST(SystemActors, MayDoNothingElse) {
  Given(TeamOrg())
      .When(Payments(), InviteMember{"x@example.com", "member"})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Payments(), CreateBillingManagerInviteLink{})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Payments(), RemoveMember{"u-bob"})
      .ThenRejected(Code::kForbidden);
  Given(TeamOrg())
      .When(Payments(), ChangeSubscription{"enterprise"})
      .ThenRejected(Code::kForbidden);
}

}  // namespace
}  // namespace orgledger::domain::testing
