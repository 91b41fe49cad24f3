// The values of the golden log (golden/log_v1.bin): one event of every type
// with its metadata, as released in schema version 1. Never edit these:
// the committed bytes must keep decoding to exactly this.
#ifndef ORGLEDGER_TESTS_DOMAIN_CODEC_GOLDEN_EVENTS_H_
#define ORGLEDGER_TESTS_DOMAIN_CODEC_GOLDEN_EVENTS_H_

#include <utility>
#include <vector>

#include "domain/codec/codec.h"

namespace orgledger::codec::testing {

inline std::vector<std::pair<EventMetadata, domain::Event>> GoldenLog() {
  using namespace domain;
  const Actor admin = Actor::Person("u-alice", "Alice@Example.com", "Alice");
  const Actor bill = Actor::Person("u-bill", "bill@example.com", "Bill Ng");
  const Actor payments = Actor::System("payments");
  constexpr Micros t = 1795000000123456;  // 2026-11-18T...
  auto meta = [&](const Actor& a, int i) {
    return EventMetadata{1,
                         t + i,
                         a,
                         "corr-" + std::to_string(i),
                         "cause-" + std::to_string(i),
                         i % 2 == 0 ? "key-" + std::to_string(i) : ""};
  };
  const Payment pay{"pay-1", 4200, "USD", PaymentStatus::kSucceeded, t};
  Payment refunded = pay;
  refunded.status = PaymentStatus::kRefunded;
  return {
      {meta(admin, 0), OrganizationCreated{"acme", "team", "u-alice",
                                           "Alice@Example.com", "Alice", t}},
      {meta(admin, 1),
       InviteSent{"inv-1", Role::kBillingManager, Channel::kEmail,
                  "Bill@Example.com", "", "u-alice", t + 1}},
      {meta(admin, 2), InviteResent{"inv-1", t + 2}},
      {meta(admin, 3),
       InviteSent{"inv-2", Role::kMember, Channel::kLink, "",
                  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0"
                  "f00a08",
                  "u-alice", t + 3}},
      {meta(admin, 4), InviteRevoked{"inv-2", "u-alice"}},
      {meta(bill, 5), InviteAcceptFailed{"inv-1", "email_mismatch", "u-bill",
                                         "other@example.com", t + 5}},
      {meta(bill, 6),
       InviteAccepted{"inv-1", "u-bill", "Bill Ng", "bill@example.com",
                      Role::kBillingManager, t + 6}},
      {meta(admin, 7),
       RoleChanged{"u-bill", Role::kBillingManager, Role::kMember, "u-alice"}},
      {meta(admin, 8), MemberRemoved{"u-bill", "u-alice", false}},
      {meta(bill, 9), BillingManagerRemoved{"u-bill", "u-bill", true}},
      {meta(admin, 10), TeamCreated{"core", "Core Team"}},
      {meta(admin, 11), TeamDeleted{"core", "Core Team"}},
      {meta(admin, 12),
       CreditCardUpdated{
           CreditCard{"tok_visa_1", "visa", "4242", 12, 2030, "Alice Smith"}}},
      {meta(admin, 13), SubscriptionChanged{"team", "enterprise"}},
      {meta(payments, 14), PaymentRecorded{pay}},
      {meta(payments, 15),
       PaymentStatusChanged{refunded, PaymentStatus::kSucceeded}},
      {meta(payments, 16), ResourceCountRecorded{1234, t + 16}},
      {meta(payments, 17),
       InviteEmailFailed{"inv-3", "550 5.1.1 no such mailbox", t + 17}},
  };
}

}  // namespace orgledger::codec::testing

#endif  // ORGLEDGER_TESTS_DOMAIN_CODEC_GOLDEN_EVENTS_H_
