#include "domain/state.h"

#include "base/overloaded.h"
#include "domain/validation.h"

namespace orgledger::domain {
namespace {}  // namespace

const Person* OrgState::FindPerson(const std::string& user_id) const {
  auto it = people.find(user_id);
  return it == people.end() ? nullptr : &it->second;
}

const Person* OrgState::FindPersonByEmail(const std::string& normalized) const {
  for (const auto& [id, p] : people) {
    if (NormalizeEmail(p.email) == normalized) return &p;
  }
  return nullptr;
}

std::uint64_t OrgState::CountRole(Role role) const {
  std::uint64_t n = 0;
  for (const auto& [id, p] : people) n += p.role == role ? 1 : 0;
  return n;
}

std::uint64_t OrgState::MemberCount() const {
  return CountRole(Role::kAdmin) + CountRole(Role::kMember);
}

std::uint64_t OrgState::PendingInvites(bool billing_managers) const {
  std::uint64_t n = 0;
  for (const auto& [id, inv] : invites) {
    if (inv.status == InviteStatus::kPending &&
        (inv.role == Role::kBillingManager) == billing_managers) {
      n += 1;
    }
  }
  return n;
}

OrgState Evolve(OrgState s, const Event& event) {
  std::visit(
      Overloaded{
          [&](const OrganizationCreated& e) {
            s.exists = true;
            s.org = e.org;
            s.edition = e.edition;
            s.people[e.creator_id] =
                Person{e.creator_id, e.creator_email, e.creator_name,
                       Role::kAdmin, e.created_at};
          },
          [&](const InviteSent& e) {
            Invite inv;
            inv.invite_id = e.invite_id;
            inv.role = e.role;
            inv.channel = e.channel;
            inv.email = e.email;
            inv.token_hash = e.token_hash;
            inv.invited_by = e.invited_by;
            inv.first_sent_at = e.sent_at;
            inv.sent_at = e.sent_at;
            s.invites[e.invite_id] = std::move(inv);
          },
          [&](const InviteResent& e) {
            s.invites[e.invite_id].sent_at = e.sent_at;
          },
          [&](const InviteRevoked& e) {
            s.invites[e.invite_id].status = InviteStatus::kRevoked;
          },
          [&](const InviteAccepted& e) {
            s.invites[e.invite_id].status = InviteStatus::kAccepted;
            s.people[e.user_id] =
                Person{e.user_id, e.email, e.name, e.role, e.accepted_at};
          },
          [&](const InviteAcceptFailed& e) {
            s.invites[e.invite_id].last_error =
                AcceptError{e.code, e.at, e.actor_id, e.actor_email};
          },
          [&](const MemberRemoved& e) { s.people.erase(e.user_id); },
          [&](const RoleChanged& e) { s.people[e.user_id].role = e.to; },
          [&](const BillingManagerRemoved& e) { s.people.erase(e.user_id); },
          [&](const TeamCreated& e) { s.teams[e.team] = e.name; },
          [&](const TeamDeleted& e) { s.teams.erase(e.team); },
          [&](const CreditCardUpdated& e) { s.card = e.card; },
          [&](const SubscriptionChanged& e) { s.edition = e.to; },
          [&](const PaymentRecorded& e) {
            s.payments[e.payment.payment_id] = e.payment;
          },
          [&](const PaymentStatusChanged& e) {
            s.payments[e.payment.payment_id] = e.payment;
          },
          [&](const ResourceCountRecorded& e) { s.last_rum = e; },
      },
      event);
  return s;
}

std::string_view EventTypeName(const Event& e) {
  static constexpr std::string_view kNames[] = {
      "OrganizationCreated",  "InviteSent",      "InviteResent",
      "InviteRevoked",        "InviteAccepted",  "InviteAcceptFailed",
      "MemberRemoved",        "RoleChanged",     "BillingManagerRemoved",
      "TeamCreated",          "TeamDeleted",     "CreditCardUpdated",
      "SubscriptionChanged",  "PaymentRecorded", "PaymentStatusChanged",
      "ResourceCountRecorded"};
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames[e.index()];
}

}  // namespace orgledger::domain
