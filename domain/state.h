// The state of one organization, folded from its events (Evolve). Only what
// the rules of SPEC §1 need to decide; views live in projections/.
// Intentionally copyable.
#ifndef ORGLEDGER_DOMAIN_STATE_H_
#define ORGLEDGER_DOMAIN_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

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

struct OrgState {
  bool exists = false;
  std::string org;
  std::string edition;
  // The stream version this state was folded to (set by the loader).
  std::uint64_t version = 0;
  std::map<std::string, Person> people;      // by user id
  std::map<std::string, Invite> invites;     // by invite id, every status
  std::map<std::string, std::string> teams;  // team -> display name
  std::optional<CreditCard> card;
  std::map<std::string, Payment> payments;  // by payment id
  std::optional<ResourceCountRecorded> last_rum;

  friend bool operator==(const OrgState&, const OrgState&) = default;

  const Person* FindPerson(const std::string& user_id) const;
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
