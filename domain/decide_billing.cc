// Billing (SPEC §1.3, §1.7): credit card, subscription, payments, RUM.
#include "base/time.h"
#include "domain/decide_internal.h"
#include "domain/validation.h"

namespace orgledger::domain::internal {
namespace {

constexpr Micros kRumFutureSlack = 5LL * 60 * 1000000;  // 5 minutes

Status OnlySystem(const Actor& a, const char* what) {
  if (!a.system) {
    return Forbidden(std::string("only the host's system services ") + what);
  }
  return Status::Ok();
}

}  // namespace

// --- update_credit_card ----------------------------------------------------
Status Validate(const UpdateCreditCard& c, Context& ctx) {
  const CreditCard& k = c.card;
  if (Status s =
          ValidateFreeText("card.processor_token", k.processor_token, 256);
      !s.ok()) {
    return s;
  }
  if (Status s = ValidateFreeText("card.brand", k.brand, 50); !s.ok()) return s;
  bool last4 = k.last4.size() == 4;
  for (char ch : k.last4) last4 = last4 && ch >= '0' && ch <= '9';
  if (!last4) return InvalidArgument("card.last4: must be exactly 4 digits");
  if (k.exp_month < 1 || k.exp_month > 12) {
    return InvalidArgument("card.exp_month: must be 1-12");
  }
  if (k.exp_year < 2000 || k.exp_year > 9999) {
    return InvalidArgument("card.exp_year: must be a four-digit year");
  }
  // A card is good through the last day of its expiry month (UTC).
  const int now = YearMonthOf(ctx.Now());
  if (k.exp_year * 100 + k.exp_month < now) {
    return InvalidArgument(
        "card: expired (" + std::to_string(k.exp_year) + "-" +
        (k.exp_month < 10 ? "0" : "") + std::to_string(k.exp_month) +
        " is before this month, " + std::to_string(now / 100) + "-" +
        (now % 100 < 10 ? "0" : "") + std::to_string(now % 100) + ")");
  }
  return ValidateFreeText("card.holder_name", k.holder_name);
}
Status Allowed(const OrgState& s, const Actor& a, const UpdateCreditCard&) {
  return RequirePermission(s, a, Permission::kCreditCardUpdate);
}
Decision Rules(const OrgState& s, const CommandEnvelope&,
               const UpdateCreditCard& c, Context&) {
  if (s.card.has_value() && *s.card == c.card) return Accept({});
  return Accept({CreditCardUpdated{c.card}});
}

// --- change_subscription ---------------------------------------------------
Status Validate(const ChangeSubscription& c, Context& ctx) {
  if (ctx.editions().Find(c.edition) == nullptr) {
    return InvalidArgument("edition: unknown edition \"" + c.edition +
                           "\" (the editions: " + ctx.editions().Names() + ")");
  }
  return Status::Ok();
}
Status Allowed(const OrgState& s, const Actor& a, const ChangeSubscription&) {
  return RequirePermission(s, a, Permission::kSubscriptionUpdate);
}
Decision Rules(const OrgState& s, const CommandEnvelope&,
               const ChangeSubscription& c, Context& ctx) {
  if (c.edition == s.edition) return Accept({});
  const EditionLimits& to = *ctx.editions().Find(c.edition);
  std::vector<Violation> violations;
  const std::uint64_t bms =
      s.CountRole(Role::kBillingManager) + s.PendingInvites(true);
  if (to.billing_managers && bms > *to.billing_managers) {
    violations.push_back({"billing_managers", bms, *to.billing_managers});
  }
  const std::uint64_t members = s.MemberCount() + s.PendingInvites(false);
  if (to.members && members > *to.members) {
    violations.push_back({"members", members, *to.members});
  }
  if (!violations.empty()) {
    std::string text;
    for (const Violation& v : violations) {
      text += (text.empty() ? "" : "; ") + v.limit + ": " +
              std::to_string(v.current) + " (active + pending) > " +
              std::to_string(v.max);
    }
    Decision d =
        Reject(Code::kLimitExceeded,
               "the organization exceeds the limits of the " + c.edition +
                   " edition: " + text + "; nothing is removed automatically");
    d.violations = std::move(violations);
    return d;
  }
  return Accept({SubscriptionChanged{s.edition, c.edition}});
}

// --- record_payment --------------------------------------------------------
Status Validate(const RecordPayment& c, Context&) {
  if (Status s = ValidateId("payment_id", c.payment_id); !s.ok()) return s;
  if (c.amount_cents < 0) {
    return InvalidArgument("amount_cents: must not be negative");
  }
  bool currency = c.currency.size() == 3;
  for (char ch : c.currency) currency = currency && ch >= 'A' && ch <= 'Z';
  if (!currency) {
    return InvalidArgument("currency: must be an ISO 4217 code such as USD");
  }
  if (!PaymentStatusFromName(c.status).has_value()) {
    return InvalidArgument(
        "status: must be \"succeeded\", \"failed\" or \"refunded\"");
  }
  if (c.paid_at < 0) return InvalidArgument("paid_at: must not be before 1970");
  return Status::Ok();
}
Status Allowed(const OrgState&, const Actor& a, const RecordPayment&) {
  return OnlySystem(a, "record payments");
}
Decision Rules(const OrgState& s, const CommandEnvelope&,
               const RecordPayment& c, Context&) {
  const Payment p{c.payment_id, c.amount_cents, c.currency,
                  *PaymentStatusFromName(c.status), c.paid_at};
  auto it = s.payments.find(c.payment_id);
  if (it == s.payments.end()) return Accept({PaymentRecorded{p}});
  const Payment& old = it->second;
  if (old == p) return Accept({});
  Payment same_but_status = old;
  same_but_status.status = p.status;
  if (same_but_status == p)
    return Accept({PaymentStatusChanged{p, old.status}});
  return Reject(Code::kAlreadyExists,
                "payment " + c.payment_id +
                    " was already recorded with other details (only its "
                    "status may change)");
}

// --- record_resource_count -------------------------------------------------
Status Validate(const RecordResourceCount& c, Context&) {
  if (c.count < 0) return InvalidArgument("count: must not be negative");
  if (c.at < 0) return InvalidArgument("at: must not be before 1970");
  return Status::Ok();
}
Status Allowed(const OrgState&, const Actor& a, const RecordResourceCount&) {
  return OnlySystem(a, "record resource counts");
}
Decision Rules(const OrgState& s, const CommandEnvelope&,
               const RecordResourceCount& c, Context& ctx) {
  if (s.last_rum.has_value() && c.at < s.last_rum->at) {
    return Reject(Code::kInvalidArgument,
                  "at: is earlier than the organization's last sample");
  }
  if (c.at > ctx.Now() + kRumFutureSlack) {
    return Reject(Code::kInvalidArgument,
                  "at: is more than 5 minutes in the future");
  }
  return Accept({ResourceCountRecorded{c.count, c.at}});
}

}  // namespace orgledger::domain::internal
