// The `audit_log` projection: one row per event of an organization, with
// who did it and a summary a person can read. Never a token or its hash.
#include <algorithm>

#include "base/overloaded.h"
#include "base/time.h"
#include "projections/builtin.h"
#include "projections/rows.h"

namespace orgledger::projections {
namespace {

using namespace domain;

std::string Who(const Actor& a) {
  return a.system ? "system:" + a.service : a.id;
}

// "billing manager" for billing_manager.
std::string RoleWords(Role r) {
  std::string words(RoleName(r));
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

std::string Money(std::int64_t cents, const std::string& currency) {
  const std::int64_t whole = cents / 100;
  std::int64_t frac = cents % 100;
  if (frac < 0) frac = -frac;
  return std::to_string(whole) + "." + (frac < 10 ? "0" : "") +
         std::to_string(frac) + " " + currency;
}

class AuditLogProjection final : public Projection {
 public:
  std::string_view name() const override { return kAuditLog; }
  std::uint32_t version() const override { return 1; }

  std::vector<std::pair<std::string, std::string>> OrgRanges(
      const std::string& org) const override {
    return keys::OrgRanges(org, "a", /*with_org_row=*/false);
  }

  Status Apply(const ProjectedEvent& e, StateTx& tx) override {
    // Not an organization's: replay shows it.
    if (std::holds_alternative<PersonErased>(e.event)) return Status::Ok();
    AuditRow row{e.meta.recorded_at, std::string(EventTypeName(e.event)),
                 Who(e.meta.actor), AuditSummary(e)};
    tx.PutRow(keys::Positioned('a', e.org, e.position), row);
    return Status::Ok();
  }
};

}  // namespace

std::string AuditSummary(const ProjectedEvent& e) {
  const std::string who = Who(e.meta.actor);
  return std::visit(
      Overloaded{
          [&](const OrganizationCreated& c) {
            return c.creator_name + " (" + c.creator_id +
                   ") created the organization on the " + c.edition +
                   " edition";
          },
          [&](const InviteSent& c) {
            if (c.channel == Channel::kLink) {
              return c.invited_by + " created invite link " + c.invite_id +
                     " for a " + RoleWords(c.role);
            }
            return c.invited_by + " invited " + c.email + " as " +
                   RoleWords(c.role) + " (" + c.invite_id + ")";
          },
          [&](const InviteResent& c) {
            return who + " re-sent invitation " + c.invite_id;
          },
          [&](const InviteRevoked& c) {
            return c.revoked_by + " revoked invitation " + c.invite_id;
          },
          [&](const InviteAccepted& c) {
            return c.name + " (" + c.user_id + ", " + c.email +
                   ") accepted invitation " + c.invite_id + " and became " +
                   RoleWords(c.role);
          },
          [&](const InviteAcceptFailed& c) {
            return c.actor_id + " (" + c.actor_email +
                   ") could not accept invitation " + c.invite_id + ": " +
                   c.code;
          },
          [&](const MemberRemoved& c) {
            return c.left ? c.user_id + " left the organization"
                          : c.removed_by + " removed member " + c.user_id;
          },
          [&](const BillingManagerRemoved& c) {
            return c.left
                       ? c.user_id + " stopped being a billing manager"
                       : c.removed_by + " removed billing manager " + c.user_id;
          },
          [&](const RoleChanged& c) {
            return c.changed_by + " changed the role of " + c.user_id +
                   " from " + RoleWords(c.from) + " to " + RoleWords(c.to);
          },
          [&](const TeamCreated& c) {
            return who + " created team " + c.team + " (" + c.name + ")";
          },
          [&](const TeamDeleted& c) {
            return who + " deleted team " + c.team + " (" + c.name + ")";
          },
          [&](const CreditCardUpdated& c) {
            return who + " updated the credit card: " + c.card.brand +
                   " ending " + c.card.last4 + ", expires " +
                   std::to_string(c.card.exp_month) + "/" +
                   std::to_string(c.card.exp_year);
          },
          [&](const SubscriptionChanged& c) {
            return who + " changed the subscription from " + c.from + " to " +
                   c.to;
          },
          [&](const PaymentRecorded& c) {
            return "payment " + c.payment.payment_id + " of " +
                   Money(c.payment.amount_cents, c.payment.currency) + " " +
                   std::string(PaymentStatusName(c.payment.status));
          },
          [&](const PaymentStatusChanged& c) {
            return "payment " + c.payment.payment_id + " changed from " +
                   std::string(PaymentStatusName(c.from)) + " to " +
                   std::string(PaymentStatusName(c.payment.status));
          },
          [&](const ResourceCountRecorded& c) {
            return "resource count " + std::to_string(c.count) + " at " +
                   FormatRfc3339(c.at);
          },
          [&](const InviteEmailFailed& c) {
            return "the email of invitation " + c.invite_id +
                   " was given up: " + c.reason;
          },
          [&](const PersonErased& c) {
            return "a person was erased by " + c.by + " (" + c.erasure_id + ")";
          },
      },
      e.event);
}

std::unique_ptr<Projection> NewAuditLogProjection() {
  return std::make_unique<AuditLogProjection>();
}

}  // namespace orgledger::projections
