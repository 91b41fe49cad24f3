// Internal to Decide: per-command Validate / Allowed / Rules, and helpers.
#ifndef ORGLEDGER_DOMAIN_DECIDE_INTERNAL_H_
#define ORGLEDGER_DOMAIN_DECIDE_INTERNAL_H_

#include <optional>
#include <string>

#include "domain/authorization.h"
#include "domain/decide.h"

namespace orgledger::domain::internal {

Decision Reject(Code code, std::string message);
Decision Accept(std::vector<Event> events);
Status Forbidden(std::string what);
Status ValidateActor(const Actor& actor);
Status RequirePermission(const OrgState& state, const Actor& actor,
                         Permission p);
std::string LimitText(const std::optional<std::uint32_t>& max);

#define ORGLEDGER_DECLARE_COMMAND(T)                                        \
  Status Validate(const T& c, Context& ctx);                                \
  Status Allowed(const OrgState& s, const Actor& a, const T& c);            \
  Decision Rules(const OrgState& s, const CommandEnvelope& env, const T& c, \
                 Context& ctx);

ORGLEDGER_DECLARE_COMMAND(CreateOrganization)
ORGLEDGER_DECLARE_COMMAND(InviteMember)
ORGLEDGER_DECLARE_COMMAND(CreateMemberInviteLink)
ORGLEDGER_DECLARE_COMMAND(InviteBillingManager)
ORGLEDGER_DECLARE_COMMAND(CreateBillingManagerInviteLink)
ORGLEDGER_DECLARE_COMMAND(ResendInvite)
ORGLEDGER_DECLARE_COMMAND(RevokeInvite)
ORGLEDGER_DECLARE_COMMAND(AcceptInvite)
ORGLEDGER_DECLARE_COMMAND(RemoveMember)
ORGLEDGER_DECLARE_COMMAND(ChangeRole)
ORGLEDGER_DECLARE_COMMAND(RemoveBillingManager)
ORGLEDGER_DECLARE_COMMAND(CreateTeam)
ORGLEDGER_DECLARE_COMMAND(DeleteTeam)
ORGLEDGER_DECLARE_COMMAND(UpdateCreditCard)
ORGLEDGER_DECLARE_COMMAND(ChangeSubscription)
ORGLEDGER_DECLARE_COMMAND(RecordPayment)
ORGLEDGER_DECLARE_COMMAND(RecordResourceCount)
ORGLEDGER_DECLARE_COMMAND(RecordInviteEmailFailure)

#undef ORGLEDGER_DECLARE_COMMAND

}  // namespace orgledger::domain::internal

#endif  // ORGLEDGER_DOMAIN_DECIDE_INTERNAL_H_
