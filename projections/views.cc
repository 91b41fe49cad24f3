#include "projections/views.h"

#include <array>

#include "domain/authorization.h"
#include "domain/validation.h"
#include "projections/builtin.h"
#include "projections/view_reader.h"

namespace orgledger::projections {
namespace {

using domain::Permission;
using domain::Scope;

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kBillingPayments = 10;

// What one view function is given: the loaded reader and the request.
struct Query {
  ViewReader& reader;
  const ViewRequest& request;
  const domain::EditionCatalog& editions;
  domain::Micros now;

  std::int64_t limit() const { return request.limit.value_or(kDefaultLimit); }
  std::uint32_t month() const {
    return request.month.has_value() ? *ParseMonth(*request.month)
                                     : MonthOf(now);
  }
};

Status Forbidden(std::string_view view) {
  return Status(Code::kForbidden,
                "you may not see the " + std::string(view) + " view");
}

PendingItem Pending(const PendingInvite& p, bool with_role) {
  PendingItem out;
  out.invite_id = p.invite_id;
  if (with_role) out.role = p.role;
  out.channel = p.channel;
  if (p.channel == "email") out.email = p.email;
  out.first_sent_at = p.first_sent_at;
  out.sent_at = p.sent_at;
  out.invited_by = p.invited_by;
  if (p.last_error.has_value()) {
    out.last_error = LastErrorItem{p.last_error->code, p.last_error->at,
                                   p.last_error->actor_email};
  }
  if (p.email_error.has_value()) {
    out.email_error = EmailErrorItem{p.email_error->reason, p.email_error->at};
  }
  return out;
}

Result<std::vector<PaymentItem>> PaymentPage(
    const Query& q, std::int64_t limit, std::optional<std::uint64_t> before,
    std::optional<std::uint64_t>* next) {
  auto page =
      q.reader.Page<PaymentRow>(kOrganizations, 'y', limit, before, next);
  if (!page.ok()) return page.status();
  std::vector<PaymentItem> out;
  for (auto& [position, p] : *page) {
    out.push_back(PaymentItem{std::move(p.payment_id), p.amount_cents,
                              std::move(p.currency), std::move(p.status),
                              p.paid_at});
  }
  return out;
}

Result<View> Authorize(const Query& q) {
  const Scope scope =
      q.reader.ScopeOf(*domain::PermissionFromName(*q.request.permission));
  return View(AuthorizeView{scope != Scope::kDenied,
                            std::string(domain::ScopeName(scope))});
}

Result<View> MemberCount(const Query& q) {
  if (!q.reader.Full(Permission::kMembersCount))
    return Forbidden("member_count");
  return View(MemberCountView{q.reader.org().admins + q.reader.org().members});
}

Result<View> Members(const Query& q) {
  if (!q.reader.Full(Permission::kMembersList)) return Forbidden("members");
  MembersView out;
  auto page = q.reader.Page<MemberRow>(kOrganizations, 'm', q.limit(),
                                       q.request.before, &out.next);
  if (!page.ok()) return page.status();
  for (auto& [position, m] : *page) {
    out.members.push_back(MemberItem{std::move(m.user_id), std::move(m.name),
                                     std::move(m.email), std::move(m.role),
                                     m.joined_at});
  }
  return View(std::move(out));
}

Result<View> BillingManagers(const Query& q) {
  const Scope scope = q.reader.ScopeOf(Permission::kBillingManagersView);
  if (scope != Scope::kFull && scope != Scope::kNamesOnly) {
    return Forbidden("billing_managers");
  }
  BillingManagersView out;
  for (const BillingManagerEntry& b : q.reader.org().billing_managers) {
    BillingManagerItem item;
    item.name = b.name;
    if (scope == Scope::kFull) {
      item.user_id = b.user_id;
      item.email = b.email;
      item.accepted_at = b.accepted_at;
    }
    out.billing_managers.push_back(std::move(item));
  }
  if (scope == Scope::kFull && q.reader.Full(Permission::kInvitesView)) {
    out.pending.emplace();
    for (const PendingInvite& p : q.reader.org().pending) {
      if (p.role == "billing_manager")
        out.pending->push_back(Pending(p, false));
    }
    out.version = q.reader.org().version;
  }
  return View(std::move(out));
}

Result<View> Invites(const Query& q) {
  if (!q.reader.Full(Permission::kInvitesView)) return Forbidden("invites");
  InvitesView out;
  for (const PendingInvite& p : q.reader.org().pending) {
    out.invites.push_back(Pending(p, true));
  }
  return View(std::move(out));
}

Result<View> Teams(const Query& q) {
  if (!q.reader.Full(Permission::kTeamsList)) return Forbidden("teams");
  TeamsView out;
  for (const TeamEntry& t : q.reader.org().teams) {
    out.teams.push_back(TeamItem{t.team, t.name});
  }
  return View(std::move(out));
}

Result<View> Rum(const Query& q) {
  if (!q.reader.Full(Permission::kRumSummaryView)) return Forbidden("rum");
  Result<RumSummary> rum = q.reader.Rum(q.month(), q.now);
  if (!rum.ok()) return rum.status();
  return View(*rum);
}

Result<View> Payments(const Query& q) {
  if (!q.reader.Full(Permission::kPaymentsView)) return Forbidden("payments");
  PaymentsView out;
  auto payments = PaymentPage(q, q.limit(), q.request.before, &out.next);
  if (!payments.ok()) return payments.status();
  out.payments = std::move(*payments);
  return View(std::move(out));
}

Result<View> Billing(const Query& q) {
  if (!q.reader.Full(Permission::kSubscriptionView))
    return Forbidden("billing");
  const OrgRow& org = q.reader.org();
  BillingView out;
  out.edition = org.edition;
  if (const domain::EditionLimits* l = q.editions.Find(org.edition)) {
    out.limits = EditionLimitsItem{l->billing_managers, l->members};
  }
  std::uint64_t pending = 0;
  for (const PendingInvite& p : org.pending) {
    if (p.role == "billing_manager") ++pending;
  }
  out.billing_managers_used = org.billing_managers.size() + pending;
  out.member_count = org.admins + org.members;
  if (q.reader.Full(Permission::kCreditCardView)) {
    Nullable<CardItem> card;
    if (org.card.has_value()) {
      card = CardItem{org.card->brand, org.card->last4, org.card->exp_month,
                      org.card->exp_year, org.card->holder_name};
    }
    out.credit_card = std::move(card);
  }
  if (q.reader.Full(Permission::kPaymentsView)) {
    std::optional<std::uint64_t> next;
    auto payments = PaymentPage(q, kBillingPayments, std::nullopt, &next);
    if (!payments.ok()) return payments.status();
    out.payments = std::move(*payments);
  }
  if (q.reader.Full(Permission::kRumSummaryView)) {
    Result<RumSummary> rum = q.reader.Rum(q.month(), q.now);
    if (!rum.ok()) return rum.status();
    out.rum = *rum;
  }
  return View(std::move(out));
}

Result<View> AuditLog(const Query& q) {
  if (!q.reader.Full(Permission::kAuditLogsView)) return Forbidden("audit_log");
  AuditLogView out;
  auto page = q.reader.Page<AuditRow>(kAuditLog, 'a', q.limit(),
                                      q.request.before, &out.next);
  if (!page.ok()) return page.status();
  for (auto& [position, a] : *page) {
    out.events.push_back(AuditItem{position, a.time, std::move(a.type),
                                   std::move(a.actor), std::move(a.summary)});
  }
  return View(std::move(out));
}

struct ViewEntry {
  std::string_view name;
  Result<View> (*answer)(const Query&);
};

constexpr std::array<ViewEntry, 10> kViews = {{
    {"member_count", MemberCount},
    {"members", Members},
    {"billing_managers", BillingManagers},
    {"invites", Invites},
    {"billing", Billing},
    {"payments", Payments},
    {"rum", Rum},
    {"teams", Teams},
    {"audit_log", AuditLog},
    {"authorize", Authorize},
}};

constexpr std::array<std::string_view, kViews.size()> kViewNames = [] {
  std::array<std::string_view, kViews.size()> names{};
  for (std::size_t i = 0; i < kViews.size(); ++i) names[i] = kViews[i].name;
  return names;
}();

const ViewEntry* FindView(std::string_view name) {
  for (const ViewEntry& v : kViews) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

Status ValidateViewer(const domain::Actor& viewer) {
  if (viewer.system) return domain::ValidateId("viewer.system", viewer.service);
  if (Status s = domain::ValidateId("viewer.id", viewer.id); !s.ok()) return s;
  Result<std::string> email =
      domain::ValidateEmail("viewer.email", viewer.email);
  if (!email.ok()) return email.status();
  return domain::ValidateFreeText("viewer.name", viewer.name);
}

Status Validate(const ViewRequest& r) {
  if (Status s = domain::ValidateSlug("org", r.org); !s.ok()) return s;
  if (Status s = ValidateViewer(r.viewer); !s.ok()) return s;
  if (r.limit.has_value() && (*r.limit < 1 || *r.limit > kMaxLimit)) {
    return InvalidArgument("limit: must be 1.." + std::to_string(kMaxLimit));
  }
  if (r.month.has_value() && !ParseMonth(*r.month).has_value()) {
    return InvalidArgument("month: must be YYYY-MM");
  }
  if (r.as_of.has_value() && r.view == "authorize") {
    return InvalidArgument(
        "as_of: the authorize view answers about today's permissions (every "
        "other view takes as_of)");
  }
  if (r.view == "authorize") {
    if (!r.permission.has_value()) {
      return InvalidArgument("permission: required by the authorize view");
    }
    if (!domain::PermissionFromName(*r.permission).has_value()) {
      std::string known;
      for (domain::Permission p : domain::AllPermissions()) {
        known += (known.empty() ? "" : ", ") +
                 std::string(domain::PermissionName(p));
      }
      return InvalidArgument("permission: unknown permission \"" +
                             *r.permission + "\" (the permissions: " + known +
                             ")");
    }
  }
  return Status::Ok();
}

}  // namespace

std::span<const std::string_view> ViewNames() { return kViewNames; }

bool IsViewName(std::string_view view) { return FindView(view) != nullptr; }

Result<View> QueryView(ProjectionSet& projections, const ViewRequest& request,
                       const domain::EditionCatalog& editions,
                       domain::Micros now) {
  const ViewEntry* entry = FindView(request.view);
  if (entry == nullptr) {
    return Status(Code::kInvalidRequest,
                  "unknown view \"" + request.view + "\"");
  }
  if (Status s = Validate(request); !s.ok()) return s;
  if (request.as_of.has_value()) {
    Result<FoldedOrg> folded =
        FoldAsOf(projections, request.org, *request.as_of, now);
    if (!folded.ok()) return folded.status();
    ViewReader reader(projections, *folded, request.org, request.viewer);
    if (Status s = reader.Load(); !s.ok()) return s;
    return entry->answer(Query{reader, request, editions, folded->moment});
  }
  ViewReader reader(projections, request.org, request.viewer);
  if (Status s = reader.Load(); !s.ok()) return s;
  return entry->answer(Query{reader, request, editions, now});
}

}  // namespace orgledger::projections
