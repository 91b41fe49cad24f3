#include "domain/authorization.h"

#include <array>

namespace orgledger::domain {
namespace {

struct Row {
  Permission permission;
  std::string_view name;
  Scope admin;
  Scope member;
  Scope billing_manager;
};

constexpr Scope F = Scope::kFull;
constexpr Scope A = Scope::kApiOnly;
constexpr Scope N = Scope::kNamesOnly;
constexpr Scope D = Scope::kDenied;

// SPEC §1.8, row by row.
constexpr std::array<Row, 28> kMatrix = {{
    {Permission::kMembersList, "members.list", F, F, A},
    {Permission::kMembersCount, "members.count", F, F, F},
    {Permission::kMembersInvite, "members.invite", F, D, D},
    {Permission::kMembersRemove, "members.remove", F, D, D},
    {Permission::kMembersChangeRole, "members.change_role", F, D, D},
    {Permission::kTeamsList, "teams.list", F, F, A},
    {Permission::kTeamsManage, "teams.manage", F, D, D},
    {Permission::kTokensView, "tokens.view", F, D, D},
    {Permission::kTokensManage, "tokens.manage", F, D, D},
    {Permission::kPolicyGroupsView, "policy_groups.view", F, F, D},
    {Permission::kPolicyPacksView, "policy_packs.view", F, F, D},
    {Permission::kPolicyGroupsManage, "policy_groups.manage", F, D, D},
    {Permission::kPolicyPacksManage, "policy_packs.manage", F, D, D},
    {Permission::kStacksView, "stacks.view", F, F, D},
    {Permission::kStacksUpdate, "stacks.update", F, F, D},
    {Permission::kAuditLogsView, "audit_logs.view", F, D, D},
    {Permission::kOrgSettingsView, "org_settings.view", F, D, D},
    {Permission::kOrgSettingsUpdate, "org_settings.update", F, D, D},
    {Permission::kCreditCardView, "billing.credit_card.view", F, D, F},
    {Permission::kCreditCardUpdate, "billing.credit_card.update", F, D, F},
    {Permission::kSubscriptionView, "billing.subscription.view", F, D, F},
    {Permission::kSubscriptionUpdate, "billing.subscription.update", F, D, F},
    {Permission::kPaymentsView, "billing.payments.view", F, D, F},
    {Permission::kBillingManagersView, "billing.billing_managers.view", F, D,
     N},
    {Permission::kBillingManagersInvite, "billing.billing_managers.invite", F,
     D, D},
    {Permission::kBillingManagersRemove, "billing.billing_managers.remove", F,
     D, D},
    {Permission::kInvitesView, "billing.invites.view", F, D, D},
    {Permission::kRumSummaryView, "rum.summary.view", F, D, F},
}};

const Row& RowOf(Permission p) { return kMatrix[static_cast<std::size_t>(p)]; }

}  // namespace

std::string_view PermissionName(Permission p) { return RowOf(p).name; }

std::optional<Permission> PermissionFromName(std::string_view name) {
  for (const Row& r : kMatrix) {
    if (r.name == name) return r.permission;
  }
  return std::nullopt;
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kFull:
      return "full";
    case Scope::kApiOnly:
      return "api_only";
    case Scope::kNamesOnly:
      return "names_only";
    case Scope::kDenied:
      return "denied";
  }
  return "denied";
}

const std::vector<Permission>& AllPermissions() {
  static const std::vector<Permission> all = [] {
    std::vector<Permission> v;
    for (const Row& r : kMatrix) v.push_back(r.permission);
    return v;
  }();
  return all;
}

Authorization Authorize(const OrgState& state, const Actor& actor,
                        Permission permission) {
  if (actor.system || !state.exists) return {};
  const Person* person = state.FindPerson(actor.id);
  if (person == nullptr) return {};
  const Row& row = RowOf(permission);
  Scope scope = D;
  switch (person->role) {
    case Role::kAdmin:
      scope = row.admin;
      break;
    case Role::kMember:
      scope = row.member;
      break;
    case Role::kBillingManager:
      scope = row.billing_manager;
      break;
  }
  return {scope != Scope::kDenied, scope};
}

}  // namespace orgledger::domain
