#include "projections/views.h"

#include <array>

#include "base/time.h"
#include "domain/authorization.h"
#include "domain/validation.h"
#include "projections/builtin.h"
#include "projections/rows.h"
#include "projections/rum.h"

namespace orgledger::projections {
namespace {

namespace json = boost::json;
using domain::Permission;
using domain::Scope;

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kBillingPayments = 10;

constexpr std::array<std::string_view, 10> kViews = {
    "member_count", "members", "billing_managers",
    "invites",      "billing", "payments",
    "rum",          "teams",   "audit_log",
    "authorize"};

json::string Time(std::int64_t micros) {
  return json::string(FormatRfc3339(micros));
}

Status Forbidden(std::string_view view) {
  return Status(Code::kForbidden,
                "you may not see the " + std::string(view) + " view");
}

// Everything one query reads, from one consistent snapshot.
class ViewReader {
 public:
  ViewReader(ProjectionSet& set, const ViewRequest& r)
      : set_(set), request_(r), snap_(set.store().state().Snapshot()) {}

  Status Load() {
    Result<std::string> prefix = set_.Find(kOrganizations)->LivePrefix(*snap_);
    if (!prefix.ok()) return prefix.status();
    orgs_ = std::move(*prefix);
    Result<std::optional<OrgRow>> org =
        Row<OrgRow>(orgs_ + keys::Org(request_.org));
    if (!org.ok()) return org.status();
    if (!org->has_value()) {
      return NotFound("organization " + request_.org + " does not exist");
    }
    org_ = std::move(**org);
    domain::OrgState state;
    state.exists = true;
    if (!request_.viewer.system) {
      Result<std::optional<PersonRow>> person = Row<PersonRow>(
          orgs_ + keys::Person(request_.org, request_.viewer.id));
      if (!person.ok()) return person.status();
      if (person->has_value()) {
        domain::Person p;
        p.user_id = request_.viewer.id;
        p.role = *domain::RoleFromName((*person)->role);
        state.people.emplace(p.user_id, p);
        state.Reindex();
      }
    }
    viewer_state_ = std::move(state);
    return Status::Ok();
  }

  Scope ScopeOf(Permission p) const {
    return domain::Authorize(viewer_state_, request_.viewer, p).scope;
  }
  bool Full(Permission p) const { return ScopeOf(p) == Scope::kFull; }

  const OrgRow& org() const { return org_; }
  const std::string& orgs_prefix() const { return orgs_; }

  template <class RowT>
  Result<std::optional<RowT>> Row(const std::string& key) {
    Result<std::optional<std::string>> bytes = snap_->Get(key);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<RowT>();
    Result<RowT> row = DecodeRow<RowT>(**bytes);
    if (!row.ok()) return row.status();
    return std::optional<RowT>(std::move(*row));
  }

  // A page of positioned rows of `kind`, newest first: at most `limit`,
  // before `before` when given; `*next` is set when there is more.
  Result<std::vector<std::pair<std::uint64_t, std::string>>> Page(
      const std::string& projection_prefix, char kind, std::int64_t limit,
      std::optional<std::uint64_t> before, std::optional<std::uint64_t>* next) {
    const std::string prefix =
        projection_prefix + keys::Prefix(kind, request_.org);
    const std::string end =
        before.has_value()
            ? projection_prefix + keys::Positioned(kind, request_.org, *before)
            : eventstore::PrefixEnd(prefix);
    Result<std::vector<eventstore::KeyValue>> rows =
        snap_->Scan(prefix, end, static_cast<std::size_t>(limit) + 1, true);
    if (!rows.ok()) return rows.status();
    std::vector<std::pair<std::uint64_t, std::string>> out;
    for (auto& [key, value] : *rows) {
      std::string_view tail = std::string_view(key).substr(prefix.size());
      std::uint64_t position = 0;
      if (!eventstore::GetFixed64BE(&tail, &position)) {
        return Corruption("damaged projection key");
      }
      if (static_cast<std::int64_t>(out.size()) == limit) {
        *next = out.back().first;
        break;
      }
      out.emplace_back(position, std::move(value));
    }
    return out;
  }

  Result<std::string> Prefix(std::string_view projection) {
    return set_.Find(projection)->LivePrefix(*snap_);
  }

  Result<RumSummary> Rum(std::uint32_t month, domain::Micros now) {
    Result<std::optional<RumMonthRow>> row =
        Row<RumMonthRow>(orgs_ + keys::RumMonth(request_.org, month));
    if (!row.ok()) return row.status();
    std::optional<RumMonthRow> earlier;
    if (!row->has_value()) {
      Result<std::vector<eventstore::KeyValue>> before =
          snap_->Scan(orgs_ + keys::Prefix('r', request_.org),
                      orgs_ + keys::RumMonth(request_.org, month), 1, true);
      if (!before.ok()) return before.status();
      if (!before->empty()) {
        Result<RumMonthRow> r = DecodeRow<RumMonthRow>(before->front().second);
        if (!r.ok()) return r.status();
        earlier = std::move(*r);
      }
    }
    return Summarize(month, *row, earlier, now);
  }

 private:
  ProjectionSet& set_;
  const ViewRequest& request_;
  std::unique_ptr<eventstore::StateReader> snap_;
  std::string orgs_;
  OrgRow org_;
  domain::OrgState viewer_state_;
};

json::object PendingJson(const PendingInvite& p, bool with_role) {
  json::object o;
  o["invite_id"] = p.invite_id;
  if (with_role) o["role"] = p.role;
  o["channel"] = p.channel;
  if (p.channel == "email") o["email"] = p.email;
  o["first_sent_at"] = Time(p.first_sent_at);
  o["sent_at"] = Time(p.sent_at);
  o["invited_by"] = p.invited_by;
  if (p.last_error.has_value()) {
    o["last_error"] = json::object{{"code", p.last_error->code},
                                   {"at", Time(p.last_error->at)},
                                   {"actor_email", p.last_error->actor_email}};
  } else {
    o["last_error"] = nullptr;
  }
  return o;
}

json::object PaymentJson(const PaymentRow& p) {
  return json::object{{"payment_id", p.payment_id},
                      {"amount_cents", p.amount_cents},
                      {"currency", p.currency},
                      {"status", p.status},
                      {"paid_at", Time(p.paid_at)}};
}

// Whole numbers as integers ("average": 0, not 0E0); others as doubles.
json::value Number(double d) {
  const double whole = static_cast<double>(static_cast<std::int64_t>(d));
  if (whole == d) return static_cast<std::int64_t>(d);
  return d;
}

json::object RumJson(const RumSummary& s) {
  return json::object{{"month", MonthName(s.month)},
                      {"current", s.current},
                      {"peak", s.peak},
                      {"average", Number(s.average)},
                      {"resource_hours", Number(s.resource_hours)}};
}

Result<json::array> Payments(ViewReader& reader, std::int64_t limit,
                             std::optional<std::uint64_t> before,
                             std::optional<std::uint64_t>* next) {
  Result<std::vector<std::pair<std::uint64_t, std::string>>> page =
      reader.Page(reader.orgs_prefix(), 'y', limit, before, next);
  if (!page.ok()) return page.status();
  json::array out;
  for (const auto& [position, bytes] : *page) {
    Result<PaymentRow> p = DecodeRow<PaymentRow>(bytes);
    if (!p.ok()) return p.status();
    out.push_back(PaymentJson(*p));
  }
  return out;
}

Status Validate(const ViewRequest& r) {
  if (Status s = domain::ValidateSlug("org", r.org); !s.ok()) return s;
  if (r.viewer.system) {
    if (Status s = domain::ValidateId("viewer.system", r.viewer.service);
        !s.ok()) {
      return s;
    }
  } else {
    if (Status s = domain::ValidateId("viewer.id", r.viewer.id); !s.ok()) {
      return s;
    }
    Result<std::string> email =
        domain::ValidateEmail("viewer.email", r.viewer.email);
    if (!email.ok()) return email.status();
    if (Status s = domain::ValidateFreeText("viewer.name", r.viewer.name);
        !s.ok()) {
      return s;
    }
  }
  if (r.limit.has_value() && (*r.limit < 1 || *r.limit > kMaxLimit)) {
    return InvalidArgument("limit: must be 1.." + std::to_string(kMaxLimit));
  }
  if (r.month.has_value() && !ParseMonth(*r.month).has_value()) {
    return InvalidArgument("month: must be YYYY-MM");
  }
  if (r.view == "authorize") {
    if (!r.permission.has_value()) {
      return InvalidArgument("permission: required by the authorize view");
    }
    if (!domain::PermissionFromName(*r.permission).has_value()) {
      return InvalidArgument("permission: unknown permission \"" +
                             *r.permission + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsViewName(std::string_view view) {
  for (std::string_view v : kViews) {
    if (v == view) return true;
  }
  return false;
}

Result<json::object> QueryView(ProjectionSet& projections,
                               const ViewRequest& request,
                               const domain::EditionCatalog& editions,
                               domain::Micros now) {
  if (!IsViewName(request.view)) {
    return Status(Code::kInvalidRequest,
                  "unknown view \"" + request.view + "\"");
  }
  if (Status s = Validate(request); !s.ok()) return s;
  ViewReader reader(projections, request);
  if (Status s = reader.Load(); !s.ok()) return s;
  const OrgRow& org = reader.org();
  const std::string& view = request.view;
  const std::int64_t limit = request.limit.value_or(kDefaultLimit);
  json::object out;

  if (view == "authorize") {
    const Scope scope =
        reader.ScopeOf(*domain::PermissionFromName(*request.permission));
    out["allowed"] = scope != Scope::kDenied;
    out["scope"] = domain::ScopeName(scope);
    return out;
  }
  if (view == "member_count") {
    if (!reader.Full(Permission::kMembersCount)) return Forbidden(view);
    out["member_count"] = org.admins + org.members;
    return out;
  }
  if (view == "members") {
    if (!reader.Full(Permission::kMembersList)) return Forbidden(view);
    std::optional<std::uint64_t> next;
    auto page =
        reader.Page(reader.orgs_prefix(), 'm', limit, request.before, &next);
    if (!page.ok()) return page.status();
    json::array members;
    for (const auto& [position, bytes] : *page) {
      Result<MemberRow> m = DecodeRow<MemberRow>(bytes);
      if (!m.ok()) return m.status();
      members.push_back(json::object{{"user_id", m->user_id},
                                     {"name", m->name},
                                     {"email", m->email},
                                     {"role", m->role},
                                     {"joined_at", Time(m->joined_at)}});
    }
    out["members"] = std::move(members);
    if (next.has_value()) out["next"] = *next;
    return out;
  }
  if (view == "billing_managers") {
    const Scope scope = reader.ScopeOf(Permission::kBillingManagersView);
    if (scope == Scope::kNamesOnly) {
      json::array names;
      for (const BillingManagerEntry& b : org.billing_managers) {
        names.push_back(json::object{{"name", b.name}});
      }
      out["billing_managers"] = std::move(names);
      return out;
    }
    if (scope != Scope::kFull) return Forbidden(view);
    json::array managers;
    for (const BillingManagerEntry& b : org.billing_managers) {
      managers.push_back(json::object{{"user_id", b.user_id},
                                      {"name", b.name},
                                      {"email", b.email},
                                      {"accepted_at", Time(b.accepted_at)}});
    }
    out["billing_managers"] = std::move(managers);
    if (reader.Full(Permission::kInvitesView)) {
      json::array pending;
      for (const PendingInvite& p : org.pending) {
        if (p.role == "billing_manager")
          pending.push_back(PendingJson(p, false));
      }
      out["pending"] = std::move(pending);
    }
    return out;
  }
  if (view == "invites") {
    if (!reader.Full(Permission::kInvitesView)) return Forbidden(view);
    json::array invites;
    for (const PendingInvite& p : org.pending) {
      invites.push_back(PendingJson(p, true));
    }
    out["invites"] = std::move(invites);
    return out;
  }
  if (view == "teams") {
    if (!reader.Full(Permission::kTeamsList)) return Forbidden(view);
    json::array teams;
    for (const TeamEntry& t : org.teams) {
      teams.push_back(json::object{{"team", t.team}, {"name", t.name}});
    }
    out["teams"] = std::move(teams);
    return out;
  }
  const std::uint32_t month =
      request.month.has_value() ? *ParseMonth(*request.month) : MonthOf(now);
  if (view == "rum") {
    if (!reader.Full(Permission::kRumSummaryView)) return Forbidden(view);
    Result<RumSummary> rum = reader.Rum(month, now);
    if (!rum.ok()) return rum.status();
    return RumJson(*rum);
  }
  if (view == "payments") {
    if (!reader.Full(Permission::kPaymentsView)) return Forbidden(view);
    std::optional<std::uint64_t> next;
    Result<json::array> payments =
        Payments(reader, limit, request.before, &next);
    if (!payments.ok()) return payments.status();
    out["payments"] = std::move(*payments);
    if (next.has_value()) out["next"] = *next;
    return out;
  }
  if (view == "billing") {
    if (!reader.Full(Permission::kSubscriptionView)) return Forbidden(view);
    out["edition"] = org.edition;
    const domain::EditionLimits* limits = editions.Find(org.edition);
    json::object l;
    auto limit_json = [](const std::optional<std::uint32_t>& max) {
      return max.has_value() ? json::value(*max) : json::value(nullptr);
    };
    l["billing_managers"] =
        limits != nullptr ? limit_json(limits->billing_managers) : nullptr;
    l["members"] = limits != nullptr ? limit_json(limits->members) : nullptr;
    out["limits"] = std::move(l);
    std::uint64_t pending_bm = 0;
    for (const PendingInvite& p : org.pending) {
      if (p.role == "billing_manager") ++pending_bm;
    }
    out["billing_managers_used"] = org.billing_managers.size() + pending_bm;
    out["member_count"] = org.admins + org.members;
    if (reader.Full(Permission::kCreditCardView)) {
      if (org.card.has_value()) {
        out["credit_card"] =
            json::object{{"brand", org.card->brand},
                         {"last4", org.card->last4},
                         {"exp_month", org.card->exp_month},
                         {"exp_year", org.card->exp_year},
                         {"holder_name", org.card->holder_name}};
      } else {
        out["credit_card"] = nullptr;
      }
    }
    if (reader.Full(Permission::kPaymentsView)) {
      std::optional<std::uint64_t> next;
      Result<json::array> payments =
          Payments(reader, kBillingPayments, std::nullopt, &next);
      if (!payments.ok()) return payments.status();
      out["payments"] = std::move(*payments);
    }
    if (reader.Full(Permission::kRumSummaryView)) {
      Result<RumSummary> rum = reader.Rum(month, now);
      if (!rum.ok()) return rum.status();
      out["rum"] = RumJson(*rum);
    }
    return out;
  }
  // audit_log
  if (!reader.Full(Permission::kAuditLogsView)) return Forbidden(view);
  Result<std::string> audit = reader.Prefix(kAuditLog);
  if (!audit.ok()) return audit.status();
  std::optional<std::uint64_t> next;
  auto page = reader.Page(*audit, 'a', limit, request.before, &next);
  if (!page.ok()) return page.status();
  json::array events;
  for (const auto& [position, bytes] : *page) {
    Result<AuditRow> a = DecodeRow<AuditRow>(bytes);
    if (!a.ok()) return a.status();
    events.push_back(json::object{{"position", position},
                                  {"time", Time(a->time)},
                                  {"type", a->type},
                                  {"actor", a->actor},
                                  {"summary", a->summary}});
  }
  out["events"] = std::move(events);
  if (next.has_value()) out["next"] = *next;
  return out;
}

}  // namespace orgledger::projections
