// Organizations, people and teams (SPEC §1.2, §1.5, §1.6).
#include "domain/decide_internal.h"
#include "domain/validation.h"

namespace orgledger::domain::internal {
namespace {

// Leaving: any person with a role may issue the command about themselves;
// the rules then check that the role fits the command (not_found if not).
Status AllowedSelfOrPermission(const OrgState& s, const Actor& a,
                               const std::string& user_id, Permission p) {
  if (!a.system && a.id == user_id && s.FindPerson(a.id) != nullptr) {
    return Status::Ok();
  }
  return RequirePermission(s, a, p);
}

Decision LastAdmin(const std::string& user_id) {
  return Reject(Code::kLastAdmin,
                user_id +
                    " is the last admin; an organization always keeps one "
                    "(make someone else admin first)");
}

}  // namespace

// --- create_organization ---------------------------------------------------
Status Validate(const CreateOrganization& c, Context& ctx) {
  if (ctx.editions().Find(c.edition) == nullptr) {
    return InvalidArgument("edition: unknown edition \"" + c.edition +
                           "\" (the editions: " + ctx.editions().Names() + ")");
  }
  return Status::Ok();
}
Status Allowed(const OrgState&, const Actor& a, const CreateOrganization&) {
  if (a.system) return Forbidden("system actors cannot create organizations");
  return Status::Ok();
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const CreateOrganization& c, Context& ctx) {
  if (s.exists) {
    return Reject(Code::kAlreadyExists,
                  "organization " + env.org + " already exists");
  }
  return Accept(
      {OrganizationCreated{env.org, c.edition, env.actor.id,
                           *ValidateEmail("actor.email", env.actor.email),
                           env.actor.name, ctx.Now()}});
}

// --- remove_member ---------------------------------------------------------
Status Validate(const RemoveMember& c, Context&) {
  return ValidateId("user_id", c.user_id);
}
Status Allowed(const OrgState& s, const Actor& a, const RemoveMember& c) {
  return AllowedSelfOrPermission(s, a, c.user_id, Permission::kMembersRemove);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const RemoveMember& c, Context&) {
  const Person* target = s.FindPerson(c.user_id);
  if (target == nullptr || target->role == Role::kBillingManager) {
    return Reject(Code::kNotFound,
                  "user " + c.user_id + " is not a member of the organization");
  }
  if (target->role == Role::kAdmin && s.CountRole(Role::kAdmin) == 1) {
    return LastAdmin(c.user_id);
  }
  return Accept(
      {MemberRemoved{c.user_id, env.actor.id, env.actor.id == c.user_id}});
}

// --- change_role -----------------------------------------------------------
Status Validate(const ChangeRole& c, Context&) {
  if (Status s = ValidateId("user_id", c.user_id); !s.ok()) return s;
  if (!RoleFromName(c.role).has_value()) {
    return InvalidArgument(
        "role: must be \"admin\", \"member\" or \"billing_manager\"");
  }
  return Status::Ok();
}
Status Allowed(const OrgState& s, const Actor& a, const ChangeRole&) {
  return RequirePermission(s, a, Permission::kMembersChangeRole);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const ChangeRole& c, Context& ctx) {
  const Person* target = s.FindPerson(c.user_id);
  if (target == nullptr) {
    return Reject(Code::kNotFound,
                  "user " + c.user_id + " does not belong to the organization");
  }
  const Role to = *RoleFromName(c.role);
  if (to == target->role) return Accept({});
  if (target->role == Role::kAdmin && s.CountRole(Role::kAdmin) == 1) {
    return LastAdmin(c.user_id);
  }
  const EditionLimits* limits = ctx.editions().Find(s.edition);
  if (limits != nullptr) {
    if (to == Role::kBillingManager) {
      if (limits->billing_managers == 0u) {
        return Reject(Code::kNotAvailableOnEdition,
                      "billing managers are not available on the " + s.edition +
                          " edition");
      }
      const std::uint64_t used =
          s.CountRole(Role::kBillingManager) + s.PendingInvites(true);
      if (limits->billing_managers && used + 1 > *limits->billing_managers) {
        return Reject(Code::kLimitReached,
                      "the " + s.edition + " edition allows " +
                          LimitText(limits->billing_managers) +
                          " billing manager(s), counting pending "
                          "invitations; " +
                          std::to_string(used) + " in use");
      }
    } else if (target->role == Role::kBillingManager) {
      const std::uint64_t used = s.MemberCount() + s.PendingInvites(false);
      if (limits->members && used + 1 > *limits->members) {
        return Reject(Code::kLimitReached,
                      "the " + s.edition + " edition allows " +
                          LimitText(limits->members) +
                          " member(s), counting pending invitations; " +
                          std::to_string(used) + " in use");
      }
    }
  }
  return Accept({RoleChanged{c.user_id, target->role, to, env.actor.id}});
}

// --- remove_billing_manager ------------------------------------------------
Status Validate(const RemoveBillingManager& c, Context&) {
  return ValidateId("user_id", c.user_id);
}
Status Allowed(const OrgState& s, const Actor& a,
               const RemoveBillingManager& c) {
  return AllowedSelfOrPermission(s, a, c.user_id,
                                 Permission::kBillingManagersRemove);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const RemoveBillingManager& c, Context&) {
  const Person* target = s.FindPerson(c.user_id);
  if (target == nullptr || target->role != Role::kBillingManager) {
    return Reject(Code::kNotFound,
                  "user " + c.user_id + " is not a billing manager");
  }
  return Accept({BillingManagerRemoved{c.user_id, env.actor.id,
                                       env.actor.id == c.user_id}});
}

// --- create_team / delete_team ---------------------------------------------
Status Validate(const CreateTeam& c, Context&) {
  if (Status s = ValidateSlug("team", c.team); !s.ok()) return s;
  return ValidateFreeText("name", c.name);
}
Status Allowed(const OrgState& s, const Actor& a, const CreateTeam&) {
  return RequirePermission(s, a, Permission::kTeamsManage);
}
Decision Rules(const OrgState& s, const CommandEnvelope&, const CreateTeam& c,
               Context&) {
  if (s.teams.contains(c.team)) {
    return Reject(Code::kAlreadyExists, "team " + c.team + " already exists");
  }
  return Accept({TeamCreated{c.team, c.name}});
}

Status Validate(const DeleteTeam& c, Context&) {
  return ValidateSlug("team", c.team);
}
Status Allowed(const OrgState& s, const Actor& a, const DeleteTeam&) {
  return RequirePermission(s, a, Permission::kTeamsManage);
}
Decision Rules(const OrgState& s, const CommandEnvelope&, const DeleteTeam& c,
               Context&) {
  auto it = s.teams.find(c.team);
  if (it == s.teams.end()) {
    return Reject(Code::kNotFound, "team " + c.team + " does not exist");
  }
  return Accept({TeamDeleted{c.team, it->second}});
}

}  // namespace orgledger::domain::internal
