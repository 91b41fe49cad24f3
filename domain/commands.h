// The commands of SPEC §3.1, with their field values already parsed from
// the wire (shape errors are the wire's; value errors are Decide's).
#ifndef ORGLEDGER_DOMAIN_COMMANDS_H_
#define ORGLEDGER_DOMAIN_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "domain/events.h"
#include "domain/types.h"

namespace orgledger::domain {

struct CreateOrganization {
  std::string edition;
};
struct InviteMember {
  std::string email;
  std::string role;  // "member" | "admin"
};
struct CreateMemberInviteLink {
  std::string role;  // "member" | "admin"
};
struct InviteBillingManager {
  std::string email;
};
struct CreateBillingManagerInviteLink {};
struct ResendInvite {
  std::string invite_id;
};
struct RevokeInvite {
  std::string invite_id;
};
struct AcceptInvite {
  // Exactly one of the two.
  std::optional<std::string> invite_id;
  std::optional<std::string> token;
};
struct RemoveMember {
  std::string user_id;
};
struct ChangeRole {
  std::string user_id;
  std::string role;
};
struct RemoveBillingManager {
  std::string user_id;
};
struct CreateTeam {
  std::string team;
  std::string name;
};
struct DeleteTeam {
  std::string team;
};
struct UpdateCreditCard {
  CreditCard card;
};
struct ChangeSubscription {
  std::string edition;
};
struct RecordPayment {
  std::string payment_id;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string status;
  Micros paid_at = 0;
};
struct RecordResourceCount {
  std::int64_t count = 0;
  Micros at = 0;
};
// The host's mailer gave an invitation's email up (a permanent refusal).
struct RecordInviteEmailFailure {
  std::string invite_id;
  std::string reason;
};

using Command =
    std::variant<CreateOrganization, InviteMember, CreateMemberInviteLink,
                 InviteBillingManager, CreateBillingManagerInviteLink,
                 ResendInvite, RevokeInvite, AcceptInvite, RemoveMember,
                 ChangeRole, RemoveBillingManager, CreateTeam, DeleteTeam,
                 UpdateCreditCard, ChangeSubscription, RecordPayment,
                 RecordResourceCount, RecordInviteEmailFailure>;

// The wire `op` name of a command ("create_organization", ...).
std::string_view CommandOpName(const Command& c);

// Every op name, in the order of Command's alternatives.
std::span<const std::string_view> CommandOpNames();

// A command as issued: to an organization, by an actor.
struct CommandEnvelope {
  std::string org;
  Actor actor;
  Command command;
  // The stream version the caller last saw; a mismatch is
  // concurrency_conflict (SPEC §1.5).
  std::optional<std::uint64_t> expected_version;
};

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_COMMANDS_H_
