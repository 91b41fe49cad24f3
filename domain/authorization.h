// Authorize: the permission matrix of SPEC §1.8, with a scope.
#ifndef ORGLEDGER_DOMAIN_AUTHORIZATION_H_
#define ORGLEDGER_DOMAIN_AUTHORIZATION_H_

#include <optional>
#include <string_view>
#include <vector>

#include "domain/state.h"
#include "domain/types.h"

namespace orgledger::domain {

enum class Permission {
  kMembersList,
  kMembersCount,
  kMembersInvite,
  kMembersRemove,
  kMembersChangeRole,
  kTeamsList,
  kTeamsManage,
  kTokensView,
  kTokensManage,
  kPolicyGroupsView,
  kPolicyPacksView,
  kPolicyGroupsManage,
  kPolicyPacksManage,
  kStacksView,
  kStacksUpdate,
  kAuditLogsView,
  kOrgSettingsView,
  kOrgSettingsUpdate,
  kCreditCardView,
  kCreditCardUpdate,
  kSubscriptionView,
  kSubscriptionUpdate,
  kPaymentsView,
  kBillingManagersView,
  kBillingManagersInvite,
  kBillingManagersRemove,
  kInvitesView,
  kRumSummaryView,
};

enum class Scope { kFull, kApiOnly, kNamesOnly, kDenied };

struct Authorization {
  bool allowed = false;  // scope != kDenied
  Scope scope = Scope::kDenied;
  friend bool operator==(const Authorization&, const Authorization&) = default;
};

// "members.list", "billing.credit_card.view", ...
std::string_view PermissionName(Permission p);
std::optional<Permission> PermissionFromName(std::string_view name);
std::string_view ScopeName(Scope s);  // "full", "api_only", ...
// Every permission, in declaration order.
const std::vector<Permission>& AllPermissions();

// What `actor` may do in the organization `state` (SPEC §1.8). A person
// with no role, a stranger and every system actor are denied everything
// (system actors' two commands are checked by Decide, not by a permission).
Authorization Authorize(const OrgState& state, const Actor& actor,
                        Permission permission);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_AUTHORIZATION_H_
