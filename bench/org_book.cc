#include "bench/org_book.h"

#include <cstdint>
#include <optional>
#include <tuple>

#include "bench/people.h"

namespace orgledger::bench {

OrgBook::Step OrgBook::Next(long org, const domain::Context& clock,
                            std::mt19937_64& rng) {
  using Kind = Step::Kind;
  Step step;
  domain::Actor actor = Admin(org);
  domain::Command command;
  std::lock_guard<std::mutex> lock(mu_);
  auto choice = rng() % 10;
  if (steady_ && (choice == 0 || choice == 2) &&
      pending_.size() + joined_.size() >= kSteadyPeople) {
    choice = joined_.empty() ? 4 : 5;  // full: someone leaves instead
  }
  switch (choice) {
    case 0:    // invite a member
    case 2: {  // invite a billing manager
      step.kind = Kind::kInvite;
      step.targeted = true;
      step.who = {next_person_++, choice == 2};
      std::string email = Person(org, step.who.person).email;
      if (step.who.billing_manager) {
        command = domain::InviteBillingManager{std::move(email)};
      } else {
        command = domain::InviteMember{std::move(email), "member"};
      }
      break;
    }
    case 1:
    case 3:  // accept the newest pending invitation, as its invitee
      step.kind = Kind::kAccept;
      if (pending_.empty()) {
        command = domain::AcceptInvite{"inv-none", std::nullopt};
        break;
      }
      step.targeted = true;
      std::tie(step.invite_id, step.who) = pending_.back();
      pending_.pop_back();
      actor = Person(org, step.who.person);
      command = domain::AcceptInvite{step.invite_id, std::nullopt};
      break;
    case 4:  // revoke the oldest pending invitation
      step.kind = Kind::kRevoke;
      if (pending_.empty()) {
        command = domain::RevokeInvite{"inv-none"};
        break;
      }
      step.targeted = true;
      std::tie(step.invite_id, step.who) = pending_.front();
      pending_.erase(pending_.begin());
      command = domain::RevokeInvite{step.invite_id};
      break;
    case 5:  // remove the person who joined first, by the command of their role
      step.kind = Kind::kRemove;
      if (joined_.empty()) {
        command = domain::RemoveMember{"u-none"};
        break;
      }
      step.targeted = true;
      step.who = joined_.front();
      joined_.erase(joined_.begin());
      if (step.who.billing_manager) {
        command = domain::RemoveBillingManager{Person(org, step.who.person).id};
      } else {
        command = domain::RemoveMember{Person(org, step.who.person).id};
      }
      break;
    case 6:
      command = domain::UpdateCreditCard{domain::CreditCard{
          "tok_" + std::to_string(rng() % 1000), "visa", "4242",
          static_cast<int>(1 + rng() % 12), 2030, "Card Holder"}};
      break;
    case 7:
      step.kind = Kind::kCount;
      step.targeted = true;
      if (counts_in_flight_++ == 0) count_at_ = clock.Now();
      actor = domain::Actor::System("metering");
      command = domain::RecordResourceCount{
          static_cast<std::int64_t>(rng() % 500), count_at_};
      break;
    case 8:
      actor = domain::Actor::System("payments");
      if (steady_) {
        // One of the book's payments, refunded or succeeded again.
        command = domain::RecordPayment{
            "pay-" + std::to_string(rng() % kSteadyPayments), 4200, "USD",
            rng() % 2 ? "succeeded" : "refunded", 1795000000000000};
      } else {
        command =
            domain::RecordPayment{"pay-" + std::to_string(rng() % 100000), 4200,
                                  "USD", "succeeded", 1795000000000000};
      }
      break;
    default:
      command = domain::ChangeSubscription{rng() % 2 ? "enterprise"
                                                     : "business_critical"};
      break;
  }
  step.request = Request(org, actor, std::move(command));
  return step;
}

void OrgBook::Settle(const Step& step,
                     const commands::CommandOutcome& outcome) {
  using Kind = Step::Kind;
  if (!step.targeted) return;
  std::lock_guard<std::mutex> lock(mu_);
  switch (step.kind) {
    case Kind::kInvite:
      if (outcome.ok() && outcome.invite_id.has_value()) {
        pending_.emplace_back(*outcome.invite_id, step.who);
      }
      break;
    case Kind::kAccept:
      if (outcome.ok()) {
        joined_.push_back(step.who);
      } else {
        // Still pending (a limit reached): the next revocation takes it.
        pending_.emplace(pending_.begin(), step.invite_id, step.who);
      }
      break;
    case Kind::kCount:
      --counts_in_flight_;
      break;
    case Kind::kRevoke:  // gone either way
    case Kind::kRemove:
    case Kind::kOther:
      break;
  }
}

std::size_t OrgBook::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

std::size_t OrgBook::joined() const {
  std::lock_guard<std::mutex> lock(mu_);
  return joined_.size();
}

}  // namespace orgledger::bench
