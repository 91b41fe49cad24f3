#include "domain/state.h"

#include "base/overloaded.h"
#include "domain/validation.h"

namespace orgledger::domain {
namespace {

// `text` as a string of the arena `container` allocates in (a key moved
// into it is then not copied again).
template <class Container>
std::pmr::string Text(const Container& container, std::string_view text) {
  return std::pmr::string(text, container.get_allocator());
}

// What a string outside the arena holds on the heap: nothing when short
// (kept inside the object), else its buffer with malloc's usual header
// and 16-byte rounding.
std::size_t Heap(const std::string& s) {
  return s.capacity() > 15 ? (s.capacity() + 1 + 8 + 15) & ~std::size_t{15}
                           : 0;
}

// Adds (sign +1) or removes (-1) `key` under `email`; an email left with
// no key is dropped.
void IndexByEmail(TextMap<TextSet>& by_email, const std::string& email,
                  std::string_view key, int sign) {
  if (sign > 0) {
    auto it = by_email.find(email);
    if (it == by_email.end()) {
      it = by_email.try_emplace(Text(by_email, email)).first;
    }
    if (!it->second.contains(key)) it->second.insert(Text(by_email, key));
  } else if (auto it = by_email.find(email); it != by_email.end()) {
    if (auto at = it->second.find(key); at != it->second.end()) {
      it->second.erase(at);
    }
    if (it->second.empty()) by_email.erase(it);
  }
}

// Adds (sign +1) or removes (-1) one person or invitation in the index.
void IndexPerson(OrgIndex& x, std::string_view key, const Person& p,
                 int sign) {
  std::uint64_t& by_role = x.people_by_role[static_cast<std::size_t>(p.role)];
  by_role = sign > 0 ? by_role + 1 : by_role - 1;
  IndexByEmail(x.people_by_email, NormalizeEmail(p.email), key, sign);
}

void IndexInvite(OrgIndex& x, std::string_view id, const Invite& inv,
                 int sign) {
  auto& links = x.links_by_token_hash;
  if (inv.channel == Channel::kLink && !inv.token_hash.empty()) {
    auto it = links.find(inv.token_hash);
    if (sign > 0 && it == links.end()) {
      links.try_emplace(Text(links, inv.token_hash), id);
    } else if (sign > 0) {
      it->second = id;
    } else if (it != links.end()) {
      links.erase(it);
    }
  }
  if (inv.status != InviteStatus::kPending) return;
  std::uint64_t& pending = x.pending[inv.role == Role::kBillingManager ? 1 : 0];
  pending = sign > 0 ? pending + 1 : pending - 1;
  if (inv.channel != Channel::kEmail) return;
  IndexByEmail(x.pending_by_email, NormalizeEmail(inv.email), id, sign);
}

// Changes (creating when missing, as operator[] would) the person under
// `key`, keeping the index.
// The entry of `map` under `key`, added (default-constructed) when missing.
template <class Map>
std::pair<typename Map::iterator, bool> FindOrAdd(Map& map,
                                                  std::string_view key) {
  if (auto it = map.find(key); it != map.end()) return {it, false};
  return map.try_emplace(Text(map, key));
}

template <class F>
void ChangePerson(OrgState& s, std::string_view key, F change) {
  auto [it, inserted] = FindOrAdd(s.people, key);
  if (!inserted) IndexPerson(s.index, key, it->second, -1);
  change(it->second);
  IndexPerson(s.index, key, it->second, +1);
}

void ErasePerson(OrgState& s, std::string_view key) {
  auto it = s.people.find(key);
  if (it == s.people.end()) return;
  IndexPerson(s.index, key, it->second, -1);
  s.people.erase(it);
}

template <class F>
void ChangeInvite(OrgState& s, std::string_view id, F change) {
  auto [it, inserted] = FindOrAdd(s.invites, id);
  if (!inserted) IndexInvite(s.index, id, it->second, -1);
  change(it->second);
  IndexInvite(s.index, id, it->second, +1);
}

// Sets `p` to the person of an event (`p` keeps its arena).
void SetPerson(Person& p, std::string_view user_id, std::string_view email,
               std::string_view name, Role role, Micros since) {
  p.user_id = user_id;
  p.email = email;
  p.name = name;
  p.role = role;
  p.since = since;
}

}  // namespace

OrgState::OrgState(const OrgState& o)
    : owner(o.owner),
      exists(o.exists),
      org(o.org),
      edition(o.edition),
      version(o.version),
      people(o.people, allocator()),
      invites(o.invites, allocator()),
      teams(o.teams, allocator()),
      card(o.card),
      payments(o.payments, allocator()),
      last_rum(o.last_rum),
      index(o.index, allocator()) {}

OrgState& OrgState::operator=(const OrgState& o) {
  if (this != &o) *this = OrgState(o);
  return *this;
}

// The containers' allocators are fixed at construction (pmr allocators do
// not follow a move assignment), so the state is built anew from `o`,
// taking its arena and nodes as the move constructor does.
OrgState& OrgState::operator=(OrgState&& o) noexcept {
  if (this != &o) {
    this->~OrgState();
    ::new (this) OrgState(std::move(o));
  }
  return *this;
}

std::size_t OrgState::HeapBytes() const {
  std::size_t n = sizeof(StateArena) + owner.arena->bytes() + Heap(org) +
                  Heap(edition);
  if (card.has_value()) {
    n += Heap(card->processor_token) + Heap(card->brand) + Heap(card->last4) +
         Heap(card->holder_name);
  }
  return n;
}

void OrgState::Reindex() {
  index = OrgIndex(allocator());
  for (const auto& [key, p] : people) IndexPerson(index, key, p, +1);
  for (const auto& [id, inv] : invites) IndexInvite(index, id, inv, +1);
}

const Person* OrgState::FindPerson(std::string_view user_id) const {
  auto it = people.find(user_id);
  return it == people.end() ? nullptr : &it->second;
}

const Person* OrgState::FindPersonByEmail(std::string_view normalized) const {
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
              SetPerson(p, e.creator_id, e.creator_email, e.creator_name,
                        Role::kAdmin, e.created_at);
            });
          },
          [&](const InviteSent& e) {
            ChangeInvite(s, e.invite_id, [&](Invite& inv) {
              inv.invite_id = e.invite_id;
              inv.role = e.role;
              inv.channel = e.channel;
              inv.email = e.email;
              inv.token_hash = e.token_hash;
              inv.invited_by = e.invited_by;
              inv.first_sent_at = e.sent_at;
              inv.sent_at = e.sent_at;
              inv.status = InviteStatus::kPending;
              inv.last_error.reset();
            });
          },
          [&](const InviteResent& e) {
            ChangeInvite(s, e.invite_id,
                         [&](Invite& inv) { inv.sent_at = e.sent_at; });
          },
          [&](const InviteRevoked& e) {
            ChangeInvite(s, e.invite_id, [](Invite& inv) {
              inv.status = InviteStatus::kRevoked;
            });
          },
          [&](const InviteAccepted& e) {
            ChangeInvite(s, e.invite_id, [](Invite& inv) {
              inv.status = InviteStatus::kAccepted;
            });
            ChangePerson(s, e.user_id, [&](Person& p) {
              SetPerson(p, e.user_id, e.email, e.name, e.role, e.accepted_at);
            });
          },
          [&](const InviteAcceptFailed& e) {
            ChangeInvite(s, e.invite_id, [&](Invite& inv) {
              inv.last_error =
                  AcceptError{e.code, e.at, e.actor_id, e.actor_email};
            });
          },
          [&](const MemberRemoved& e) { ErasePerson(s, e.user_id); },
          [&](const RoleChanged& e) {
            ChangePerson(s, e.user_id, [&](Person& p) { p.role = e.to; });
          },
          [&](const BillingManagerRemoved& e) { ErasePerson(s, e.user_id); },
          [&](const TeamCreated& e) { EntryAt(s.teams, e.team) = e.name; },
          [&](const TeamDeleted& e) {
            if (auto it = s.teams.find(e.team); it != s.teams.end()) {
              s.teams.erase(it);
            }
          },
          [&](const CreditCardUpdated& e) { s.card = e.card; },
          [&](const SubscriptionChanged& e) { s.edition = e.to; },
          [&](const PaymentRecorded& e) {
            EntryAt(s.payments, e.payment.payment_id) = e.payment;
          },
          [&](const PaymentStatusChanged& e) {
            EntryAt(s.payments, e.payment.payment_id) = e.payment;
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
