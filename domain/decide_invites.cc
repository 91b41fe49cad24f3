// Invitations (SPEC §1.3, §1.4): invite by email or link, resend, revoke,
// accept with recorded acceptance errors.
#include "domain/decide_internal.h"
#include "domain/validation.h"

namespace orgledger::domain::internal {
namespace {

Status ValidateInviteRole(const std::string& role) {
  if (role != "member" && role != "admin") {
    return InvalidArgument("role: must be \"member\" or \"admin\"");
  }
  return Status::Ok();
}

// The limit check when an invitation is created: active + pending + 1.
Status CheckNewInvite(const OrgState& s, Role role, Context& ctx) {
  const EditionLimits* limits = ctx.editions().Find(s.edition);
  if (limits == nullptr) return Status::Ok();  // unknown edition: no limits
  if (role == Role::kBillingManager) {
    if (limits->billing_managers == 0u) {
      return Status(Code::kNotAvailableOnEdition,
                    "billing managers are not available on the " + s.edition +
                        " edition");
    }
    const std::uint64_t used =
        s.CountRole(Role::kBillingManager) + s.PendingInvites(true);
    if (limits->billing_managers && used + 1 > *limits->billing_managers) {
      return Status(Code::kLimitReached,
                    "the " + s.edition + " edition allows " +
                        LimitText(limits->billing_managers) +
                        " billing manager(s), counting pending invitations; " +
                        std::to_string(used) + " in use");
    }
    return Status::Ok();
  }
  const std::uint64_t used = s.MemberCount() + s.PendingInvites(false);
  if (limits->members && used + 1 > *limits->members) {
    return Status(Code::kLimitReached,
                  "the " + s.edition + " edition allows " +
                      LimitText(limits->members) +
                      " member(s), counting pending invitations; " +
                      std::to_string(used) + " in use");
  }
  return Status::Ok();
}

// The checks of an email invitation that come before the limit.
Status CheckInvitee(const OrgState& s, const std::string& email) {
  const std::string normalized = NormalizeEmail(email);
  if (s.FindPersonByEmail(normalized) != nullptr) {
    return Status(Code::kAlreadyInOrganization,
                  email + " already belongs to the organization");
  }
  if (auto it = s.index.pending_by_email.find(normalized);
      it != s.index.pending_by_email.end()) {
    return Status(Code::kInvitePending,
                  email + " already has a pending invitation (" +
                      *it->second.begin() + "); re-send it instead");
  }
  return Status::Ok();
}

Decision SendInvite(const CommandEnvelope& env, Role role, Channel channel,
                    const std::string& email, Context& ctx) {
  InviteSent e;
  e.invite_id = ctx.NewInviteId();
  e.role = role;
  e.channel = channel;
  e.invited_by = env.actor.id;
  e.sent_at = ctx.Now();
  Decision d;
  if (channel == Channel::kEmail) {
    e.email = email;
  } else {
    std::string token = ctx.NewLinkToken();
    e.token_hash = ctx.HashToken(token);
    d.token = std::move(token);
  }
  d.invite_id = e.invite_id;
  d.events.push_back(std::move(e));
  return d;
}

Decision InviteNotFound() {
  return Reject(Code::kInviteNotFound, "invitation not found");
}

// Pending, or the code of why not.
Status CheckPending(const FoundInvite& inv) {
  switch (inv.status) {
    case InviteStatus::kPending:
      return Status::Ok();
    case InviteStatus::kRevoked:
      return Status(Code::kInviteRevoked, "this invitation was revoked");
    case InviteStatus::kAccepted:
      return Status(Code::kInviteAlreadyUsed,
                    "this invitation was already accepted");
  }
  return Status::Ok();
}

Permission InvitePermission(Role role) {
  return role == Role::kBillingManager ? Permission::kBillingManagersInvite
                                       : Permission::kMembersInvite;
}

// Revoke and resend need the permission of the invitation's kind; an
// unknown invitation is checked against the member one (both are admins').
Status AllowedOnInvite(const OrgState& s, const Actor& a,
                       const std::string& invite_id) {
  const std::optional<FoundInvite> inv = s.FindInvite(invite_id);
  return RequirePermission(
      s, a, InvitePermission(inv.has_value() ? inv->role : Role::kMember));
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

// --- invite_member -------------------------------------------------------
Status Validate(const InviteMember& c, Context&) {
  Result<std::string> email = ValidateEmail("email", c.email);
  if (!email.ok()) return email.status();
  return ValidateInviteRole(c.role);
}
Status Allowed(const OrgState& s, const Actor& a, const InviteMember&) {
  return RequirePermission(s, a, Permission::kMembersInvite);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const InviteMember& c, Context& ctx) {
  const std::string email = *ValidateEmail("email", c.email);
  const Role role = *RoleFromName(c.role);
  if (Status st = CheckInvitee(s, email); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  if (Status st = CheckNewInvite(s, role, ctx); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return SendInvite(env, role, Channel::kEmail, email, ctx);
}

// --- create_member_invite_link -------------------------------------------
Status Validate(const CreateMemberInviteLink& c, Context&) {
  return ValidateInviteRole(c.role);
}
Status Allowed(const OrgState& s, const Actor& a,
               const CreateMemberInviteLink&) {
  return RequirePermission(s, a, Permission::kMembersInvite);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const CreateMemberInviteLink& c, Context& ctx) {
  const Role role = *RoleFromName(c.role);
  if (Status st = CheckNewInvite(s, role, ctx); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return SendInvite(env, role, Channel::kLink, "", ctx);
}

// --- invite_billing_manager ----------------------------------------------
Status Validate(const InviteBillingManager& c, Context&) {
  Result<std::string> email = ValidateEmail("email", c.email);
  return email.ok() ? Status::Ok() : email.status();
}
Status Allowed(const OrgState& s, const Actor& a, const InviteBillingManager&) {
  return RequirePermission(s, a, Permission::kBillingManagersInvite);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const InviteBillingManager& c, Context& ctx) {
  const std::string email = *ValidateEmail("email", c.email);
  const EditionLimits* limits = ctx.editions().Find(s.edition);
  if (limits != nullptr && limits->billing_managers == 0u) {
    Status st = CheckNewInvite(s, Role::kBillingManager, ctx);
    return Reject(st.code(), st.message());
  }
  if (Status st = CheckInvitee(s, email); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  if (Status st = CheckNewInvite(s, Role::kBillingManager, ctx); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return SendInvite(env, Role::kBillingManager, Channel::kEmail, email, ctx);
}

// --- create_billing_manager_invite_link ----------------------------------
Status Validate(const CreateBillingManagerInviteLink&, Context&) {
  return Status::Ok();
}
Status Allowed(const OrgState& s, const Actor& a,
               const CreateBillingManagerInviteLink&) {
  return RequirePermission(s, a, Permission::kBillingManagersInvite);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const CreateBillingManagerInviteLink&, Context& ctx) {
  if (Status st = CheckNewInvite(s, Role::kBillingManager, ctx); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return SendInvite(env, Role::kBillingManager, Channel::kLink, "", ctx);
}

// --- resend_invite ---------------------------------------------------------
Status Validate(const ResendInvite& c, Context&) {
  return ValidateId("invite_id", c.invite_id);
}
Status Allowed(const OrgState& s, const Actor& a, const ResendInvite& c) {
  return AllowedOnInvite(s, a, c.invite_id);
}
Decision Rules(const OrgState& s, const CommandEnvelope&, const ResendInvite& c,
               Context& ctx) {
  const std::optional<FoundInvite> inv = s.FindInvite(c.invite_id);
  if (!inv.has_value()) return InviteNotFound();
  if (inv->channel == Channel::kLink) {
    return Reject(Code::kInvalidArgument,
                  "invite_id: " + c.invite_id +
                      " is a link invitation; only email invitations can be "
                      "re-sent");
  }
  if (Status st = CheckPending(*inv); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return Accept({InviteResent{c.invite_id, ctx.Now()}});
}

// --- record_invite_email_failure ------------------------------------------
Status Validate(const RecordInviteEmailFailure& c, Context&) {
  if (Status s = ValidateId("invite_id", c.invite_id); !s.ok()) return s;
  if (c.reason.empty() || c.reason.size() > 500) {
    return InvalidArgument("reason: must be 1 to 500 characters");
  }
  return Status::Ok();
}
Status Allowed(const OrgState&, const Actor& a,
               const RecordInviteEmailFailure&) {
  if (!a.system) {
    return Forbidden("only the host's system services record email failures");
  }
  return Status::Ok();
}
Decision Rules(const OrgState& s, const CommandEnvelope&,
               const RecordInviteEmailFailure& c, Context& ctx) {
  const std::optional<FoundInvite> inv = s.FindInvite(c.invite_id);
  if (!inv.has_value() || inv->channel != Channel::kEmail) {
    return InviteNotFound();
  }
  if (Status st = CheckPending(*inv); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return Accept({InviteEmailFailed{c.invite_id, c.reason, ctx.Now()}});
}

// --- revoke_invite ---------------------------------------------------------
Status Validate(const RevokeInvite& c, Context&) {
  return ValidateId("invite_id", c.invite_id);
}
Status Allowed(const OrgState& s, const Actor& a, const RevokeInvite& c) {
  return AllowedOnInvite(s, a, c.invite_id);
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const RevokeInvite& c, Context&) {
  const std::optional<FoundInvite> inv = s.FindInvite(c.invite_id);
  if (!inv.has_value()) return InviteNotFound();
  if (Status st = CheckPending(*inv); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  return Accept({InviteRevoked{c.invite_id, env.actor.id}});
}

// --- accept_invite ---------------------------------------------------------
Status Validate(const AcceptInvite& c, Context&) {
  if (c.invite_id.has_value() == c.token.has_value()) {
    return InvalidArgument(
        "accept_invite takes either invite_id (email invitations) or token "
        "(links), not both and not neither");
  }
  if (c.invite_id.has_value()) return ValidateId("invite_id", *c.invite_id);
  const std::string& t = *c.token;
  bool ok = t.size() >= 16 && t.size() <= 256;
  for (char ch : t) ok = ok && IsTokenChar(ch);
  if (!ok) return InvalidArgument("token: is not an invitation link token");
  return Status::Ok();
}
Status Allowed(const OrgState&, const Actor& a, const AcceptInvite&) {
  // Anyone signed in may accept; the invitation decides the rest.
  if (a.system) return Forbidden("system actors cannot accept invitations");
  return Status::Ok();
}
Decision Rules(const OrgState& s, const CommandEnvelope& env,
               const AcceptInvite& c, Context& ctx) {
  const Actor& actor = env.actor;
  std::optional<FoundInvite> found;
  if (c.token.has_value()) {
    // Looked up by the token's SHA-256: what a lookup's timing could tell
    // is about the hash, which does not lead back to a token.
    const auto& links = s.index.links_by_token_hash;
    if (auto it = links.find(ctx.HashToken(*c.token)); it != links.end()) {
      found = s.FindInvite(it->second);
    }
  } else {
    found = s.FindInvite(*c.invite_id);
    // A link is accepted only with its token.
    if (found.has_value() && found->channel == Channel::kLink) found.reset();
  }
  if (!found.has_value()) return InviteNotFound();
  if (Status st = CheckPending(*found); !st.ok()) {
    return Reject(st.code(), st.message());
  }
  const Invite* inv = found->pending;

  const std::string actor_email = *ValidateEmail("actor.email", actor.email);
  const std::string normalized = NormalizeEmail(actor_email);
  const EditionLimits* limits = ctx.editions().Find(s.edition);
  Status failure;
  if (inv->channel == Channel::kEmail &&
      NormalizeEmail(inv->email) != normalized) {
    failure = Status(Code::kEmailMismatch,
                     "this invitation was sent to another email address");
  } else if (s.FindPerson(actor.id) != nullptr ||
             s.FindPersonByEmail(normalized) != nullptr) {
    failure = Status(Code::kAlreadyInOrganization,
                     "you already belong to the organization");
  } else if (inv->role == Role::kBillingManager && limits != nullptr &&
             limits->billing_managers == 0u) {
    failure = Status(
        Code::kNotAvailableOnEdition,
        "billing managers are not available on the " + s.edition + " edition");
  } else if (limits != nullptr) {
    // On the active holders the acceptance would produce.
    const bool bm = inv->role == Role::kBillingManager;
    const std::uint64_t active =
        bm ? s.CountRole(Role::kBillingManager) : s.MemberCount();
    const auto& max = bm ? limits->billing_managers : limits->members;
    if (max && active + 1 > *max) {
      failure =
          Status(Code::kLimitReached,
                 "the " + s.edition + " edition allows " + LimitText(max) +
                     (bm ? " billing manager(s)" : " member(s)") + " and " +
                     std::to_string(active) + " are active");
    }
  }
  if (!failure.ok()) {
    Decision d = Reject(failure.code(), failure.message());
    const std::string code(CodeName(failure.code()));
    const bool repeated = inv->last_error.has_value() &&
                          inv->last_error->code == code &&
                          inv->last_error->actor_id == actor.id;
    if (!repeated) {
      d.events.push_back(InviteAcceptFailed{inv->invite_id, code, actor.id,
                                            actor_email, ctx.Now()});
    }
    return d;
  }
  Decision d = Accept({InviteAccepted{inv->invite_id, actor.id, actor.name,
                                      actor_email, inv->role, ctx.Now()}});
  d.invite_id = inv->invite_id;
  return d;
}

}  // namespace orgledger::domain::internal
