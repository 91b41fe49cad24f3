#include "domain/state.h"

#include "base/overloaded.h"
#include "domain/validation.h"

namespace orgledger::domain {
namespace {

// Adds (sign +1) or removes (-1) `key` under `email`; an email left with
// no key is dropped.
void IndexByEmail(std::map<std::string, std::set<std::string>>& by_email,
                  const std::string& email, const std::string& key, int sign) {
  if (sign > 0) {
    by_email[email].insert(key);
  } else if (auto it = by_email.find(email); it != by_email.end()) {
    it->second.erase(key);
    if (it->second.empty()) by_email.erase(it);
  }
}

// Adds (sign +1) or removes (-1) one person or invitation in the index.
void IndexPerson(OrgIndex& x, const std::string& key, const Person& p,
                 int sign) {
  std::uint64_t& by_role = x.people_by_role[static_cast<std::size_t>(p.role)];
  by_role = sign > 0 ? by_role + 1 : by_role - 1;
  IndexByEmail(x.people_by_email, NormalizeEmail(p.email), key, sign);
}

void IndexLink(OrgIndex& x, const std::string& id, Channel channel,
               const std::string& token_hash, int sign) {
  if (channel != Channel::kLink || token_hash.empty()) return;
  if (sign > 0) {
    x.links_by_token_hash[token_hash] = id;
  } else {
    x.links_by_token_hash.erase(token_hash);
  }
}

void IndexInvite(OrgIndex& x, const std::string& id, const Invite& inv,
                 int sign) {
  IndexLink(x, id, inv.channel, inv.token_hash, sign);
  if (inv.status != InviteStatus::kPending) return;
  std::uint64_t& pending = x.pending[inv.role == Role::kBillingManager ? 1 : 0];
  pending = sign > 0 ? pending + 1 : pending - 1;
  if (inv.channel != Channel::kEmail) return;
  IndexByEmail(x.pending_by_email, NormalizeEmail(inv.email), id, sign);
}

// Changes (creating when missing, as operator[] would) the person under
// `key`, keeping the index.
template <class F>
void ChangePerson(OrgState& s, const std::string& key, F change) {
  auto [it, inserted] = s.people.try_emplace(key);
  if (!inserted) IndexPerson(s.index, key, it->second, -1);
  change(it->second);
  IndexPerson(s.index, key, it->second, +1);
}

void ErasePerson(OrgState& s, const std::string& key) {
  auto it = s.people.find(key);
  if (it == s.people.end()) return;
  IndexPerson(s.index, key, it->second, -1);
  s.people.erase(it);
}

// Changes the pending invitation `id`, keeping the index; nothing when it
// is not pending (events name the invitations they change, so only a log
// written by hand gets here).
template <class F>
void ChangePending(OrgState& s, const std::string& id, F change) {
  auto it = s.invites.find(id);
  if (it == s.invites.end()) return;
  IndexInvite(s.index, id, it->second, -1);
  change(it->second);
  IndexInvite(s.index, id, it->second, +1);
}

// Moves the invitation `id` to the closed ones with `status`, keeping only
// what deciding needs of it (ClosedInvite).
void CloseInvite(OrgState& s, const std::string& id, InviteStatus status) {
  ClosedInvite closed;
  if (auto it = s.invites.find(id); it != s.invites.end()) {
    IndexInvite(s.index, id, it->second, -1);
    closed.role = it->second.role;
    closed.channel = it->second.channel;
    if (closed.channel == Channel::kLink) {
      closed.token_hash = std::move(it->second.token_hash);
    }
    s.invites.erase(it);
  } else if (std::optional<ClosedInvite> c = s.closed_invites.Find(id)) {
    closed = std::move(*c);
    IndexLink(s.index, id, closed.channel, closed.token_hash, -1);
  }
  closed.status = status;
  IndexLink(s.index, id, closed.channel, closed.token_hash, +1);
  s.closed_invites.Put(id, closed);
}

}  // namespace

void OrgState::Reindex() {
  index = OrgIndex{};
  for (const auto& [key, p] : people) IndexPerson(index, key, p, +1);
  for (const auto& [id, inv] : invites) IndexInvite(index, id, inv, +1);
  // Only links are indexed, and they are never packed.
  for (const auto& [id, c] : closed_invites.others) {
    IndexLink(index, id, c.channel, c.token_hash, +1);
  }
}

std::optional<FoundInvite> OrgState::FindInvite(const std::string& id) const {
  if (auto it = invites.find(id); it != invites.end()) {
    const Invite& inv = it->second;
    return FoundInvite{inv.role, inv.channel, inv.status, &inv};
  }
  if (std::optional<ClosedInvite> c = closed_invites.Find(id)) {
    return FoundInvite{c->role, c->channel, c->status, nullptr};
  }
  return std::nullopt;
}

const Person* OrgState::FindPerson(const std::string& user_id) const {
  auto it = people.find(user_id);
  return it == people.end() ? nullptr : &it->second;
}

const Person* OrgState::FindPersonByEmail(const std::string& normalized) const {
  auto it = index.people_by_email.find(normalized);
  if (it == index.people_by_email.end()) return nullptr;
  // The first by key, as a scan of `people` would find.
  return FindPerson(*it->second.begin());
}

std::uint64_t OrgState::CountRole(Role role) const {
  return index.people_by_role[static_cast<std::size_t>(role)];
}

std::uint64_t OrgState::MemberCount() const {
  return CountRole(Role::kAdmin) + CountRole(Role::kMember);
}

std::uint64_t OrgState::PendingInvites(bool billing_managers) const {
  return index.pending[billing_managers ? 1 : 0];
}

OrgState Evolve(OrgState s, const Event& event) {
  std::visit(
      Overloaded{
          [&](const OrganizationCreated& e) {
            s.exists = true;
            s.org = e.org;
            s.edition = e.edition;
            ChangePerson(s, e.creator_id, [&](Person& p) {
              p = Person{e.creator_id, e.creator_email, e.creator_name,
                         Role::kAdmin, e.created_at};
            });
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
            auto [it, inserted] = s.invites.try_emplace(e.invite_id);
            if (!inserted) IndexInvite(s.index, e.invite_id, it->second, -1);
            it->second = std::move(inv);
            IndexInvite(s.index, e.invite_id, it->second, +1);
          },
          [&](const InviteResent& e) {
            ChangePending(s, e.invite_id,
                          [&](Invite& inv) { inv.sent_at = e.sent_at; });
          },
          [&](const InviteRevoked& e) {
            CloseInvite(s, e.invite_id, InviteStatus::kRevoked);
          },
          [&](const InviteAccepted& e) {
            CloseInvite(s, e.invite_id, InviteStatus::kAccepted);
            ChangePerson(s, e.user_id, [&](Person& p) {
              p = Person{e.user_id, e.email, e.name, e.role, e.accepted_at};
            });
          },
          [&](const InviteAcceptFailed& e) {
            ChangePending(s, e.invite_id, [&](Invite& inv) {
              inv.last_error =
                  AcceptError{e.code, e.at, e.actor_id, e.actor_email};
            });
          },
          [&](const MemberRemoved& e) { ErasePerson(s, e.user_id); },
          [&](const RoleChanged& e) {
            ChangePerson(s, e.user_id, [&](Person& p) { p.role = e.to; });
          },
          [&](const BillingManagerRemoved& e) { ErasePerson(s, e.user_id); },
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
          // The views show it; deciding needs nothing of it.
          [&](const InviteEmailFailed&) {},
          [&](const PersonErased&) {},  // never in an organization's stream
      },
      event);
  return s;
}

}  // namespace orgledger::domain
