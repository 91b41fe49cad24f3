// The state of one organization, folded from its events (Evolve). Only what
// the rules of SPEC §1 need to decide; views live in projections/.
// Intentionally copyable.
#ifndef ORGLEDGER_DOMAIN_STATE_H_
#define ORGLEDGER_DOMAIN_STATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "domain/closed_invites.h"
#include "domain/events.h"
#include "domain/types.h"

namespace orgledger::domain {

struct Person {
  std::string user_id;
  std::string email;  // as given
  std::string name;
  Role role = Role::kMember;
  Micros since = 0;  // joined_at, or accepted_at for billing managers
  friend bool operator==(const Person&, const Person&) = default;
};

struct AcceptError {
  std::string code;
  Micros at = 0;
  std::string actor_id;
  std::string actor_email;
  friend bool operator==(const AcceptError&, const AcceptError&) = default;
};

struct Invite {
  std::string invite_id;
  Role role = Role::kMember;
  Channel channel = Channel::kEmail;
  std::string email;
  std::string token_hash;
  std::string invited_by;
  Micros first_sent_at = 0;
  Micros sent_at = 0;
  InviteStatus status = InviteStatus::kPending;
  std::optional<AcceptError> last_error;
  friend bool operator==(const Invite&, const Invite&) = default;
};

// An invitation of any status, as FindInvite answers: the facts every
// status has, and the whole invitation while it is pending.
struct FoundInvite {
  Role role = Role::kMember;
  Channel channel = Channel::kEmail;
  InviteStatus status = InviteStatus::kPending;
  const Invite* pending = nullptr;  // set exactly when status is pending
};

// What a state derives from its people and invitations, so that deciding
// needs no scan: a command costs O(log n) in an organization of any size.
// Kept by Evolve (and rebuilt by OrgState::Reindex after a snapshot is
// decoded); never serialized. It is not part of a state's equality: two
// states are equal when their facts are.
struct OrgIndex {
  // Normalized email -> keys of `people` with it.
  std::map<std::string, std::set<std::string>> people_by_email;
  // Normalized email -> ids of pending email invitations to it.
  std::map<std::string, std::set<std::string>> pending_by_email;
  std::array<std::uint64_t, 3> people_by_role{};  // indexed by Role
  // Link invitations of every status: token hash -> invite id (a token
  // is 256 random bits, so its hash names one invitation).
  std::map<std::string, std::string> links_by_token_hash;
  // Pending invitations: [0] admins and members, [1] billing managers.
  std::array<std::uint64_t, 2> pending{};

  friend bool operator==(const OrgIndex&, const OrgIndex&) { return true; }
};

struct OrgState {
  bool exists = false;
  std::string org;
  std::string edition;
  // The stream version this state was folded to (set by the loader).
  std::uint64_t version = 0;
  std::map<std::string, Person> people;   // by user id
  std::map<std::string, Invite> invites;  // pending, by invite id
  ClosedInvites closed_invites;
  std::map<std::string, std::string> teams;  // team -> display name
  std::optional<CreditCard> card;
  std::map<std::string, Payment> payments;  // by payment id
  std::optional<ResourceCountRecorded> last_rum;
  OrgIndex index;  // derived from people and invites

  friend bool operator==(const OrgState&, const OrgState&) = default;

  // Rebuilds `index` from people and invites (after decoding a snapshot,
  // or after changing them other than through Evolve).
  void Reindex();

  const Person* FindPerson(const std::string& user_id) const;
  // The invitation `id` of any status, or nullopt when none was sent.
  std::optional<FoundInvite> FindInvite(const std::string& id) const;
  // By normalized (lower-cased) email.
  const Person* FindPersonByEmail(const std::string& normalized) const;
  std::uint64_t CountRole(Role role) const;
  // Admins + members (SPEC §1.2).
  std::uint64_t MemberCount() const;
  // Pending invitations for billing managers (true) or members (false).
  std::uint64_t PendingInvites(bool billing_managers) const;
};

// Folds one event into the state. Events are facts: Evolve never fails.
OrgState Evolve(OrgState state, const Event& event);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_STATE_H_
