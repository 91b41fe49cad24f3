#include "tools/wire/view_json.h"

#include "base/time.h"
#include "projections/rum.h"

namespace orgledger::wire {
namespace {

namespace json = boost::json;
namespace p = projections;

json::string Time(domain::Micros micros) {
  return json::string(FormatRfc3339(micros));
}

template <class T, class Fn>
json::array Array(const std::vector<T>& items, Fn&& one) {
  json::array out;
  out.reserve(items.size());
  for (const T& item : items) out.push_back(one(item));
  return out;
}

template <class T>
json::value NullOr(const p::Nullable<T>& v) {
  return v.has_value() ? json::value(*v) : json::value(nullptr);
}

// Whole numbers as integers ("average": 0, not 0E0); others as doubles.
json::value Number(double d) {
  const double whole = static_cast<double>(static_cast<std::int64_t>(d));
  if (whole == d) return static_cast<std::int64_t>(d);
  return d;
}

void SetNext(json::object& o, const std::optional<std::uint64_t>& next) {
  if (next.has_value()) o["next"] = *next;
}

json::object Pending(const p::PendingItem& i) {
  json::object o;
  o["invite_id"] = i.invite_id;
  if (i.role.has_value()) o["role"] = *i.role;
  o["channel"] = i.channel;
  if (i.email.has_value()) o["email"] = *i.email;
  o["first_sent_at"] = Time(i.first_sent_at);
  o["sent_at"] = Time(i.sent_at);
  o["invited_by"] = i.invited_by;
  if (i.last_error.has_value()) {
    o["last_error"] = json::object{{"code", i.last_error->code},
                                   {"at", Time(i.last_error->at)},
                                   {"actor_email", i.last_error->actor_email}};
  } else {
    o["last_error"] = nullptr;
  }
  if (i.email_error.has_value()) {
    o["email_error"] = json::object{{"reason", i.email_error->reason},
                                    {"at", Time(i.email_error->at)}};
  } else {
    o["email_error"] = nullptr;
  }
  return o;
}

json::object Payment(const p::PaymentItem& i) {
  return json::object{{"payment_id", i.payment_id},
                      {"amount_cents", i.amount_cents},
                      {"currency", i.currency},
                      {"status", i.status},
                      {"paid_at", Time(i.paid_at)}};
}

json::object Rum(const p::RumView& v) {
  return json::object{{"month", p::MonthName(v.month)},
                      {"current", v.current},
                      {"peak", v.peak},
                      {"average", Number(v.average)},
                      {"resource_hours", Number(v.resource_hours)}};
}

json::object Card(const p::CardItem& c) {
  return json::object{{"brand", c.brand},
                      {"last4", c.last4},
                      {"exp_month", c.exp_month},
                      {"exp_year", c.exp_year},
                      {"holder_name", c.holder_name}};
}

json::object Json(const p::MemberCountView& v) {
  return json::object{{"member_count", v.member_count}};
}

json::object Json(const p::MembersView& v) {
  json::object o;
  o["members"] = Array(v.members, [](const p::MemberItem& m) {
    return json::object{{"user_id", m.user_id},
                        {"name", m.name},
                        {"email", m.email},
                        {"role", m.role},
                        {"joined_at", Time(m.joined_at)}};
  });
  SetNext(o, v.next);
  return o;
}

json::object Json(const p::BillingManagersView& v) {
  json::object o;
  o["billing_managers"] =
      Array(v.billing_managers, [](const p::BillingManagerItem& b) {
        json::object m;
        if (b.user_id.has_value()) m["user_id"] = *b.user_id;
        m["name"] = b.name;
        if (b.email.has_value()) m["email"] = *b.email;
        if (b.accepted_at.has_value()) m["accepted_at"] = Time(*b.accepted_at);
        return m;
      });
  if (v.pending.has_value()) o["pending"] = Array(*v.pending, Pending);
  if (v.version.has_value()) o["version"] = *v.version;
  return o;
}

json::object Json(const p::InvitesView& v) {
  return json::object{{"invites", Array(v.invites, Pending)}};
}

json::object Json(const p::TeamsView& v) {
  return json::object{
      {"teams", Array(v.teams, [](const p::TeamItem& t) {
         return json::object{{"team", t.team}, {"name", t.name}};
       })}};
}

json::object Json(const p::PaymentsView& v) {
  json::object o;
  o["payments"] = Array(v.payments, Payment);
  SetNext(o, v.next);
  return o;
}

json::object Json(const p::RumView& v) { return Rum(v); }

json::object Json(const p::BillingView& v) {
  json::object o;
  o["edition"] = v.edition;
  o["limits"] =
      json::object{{"billing_managers", NullOr(v.limits.billing_managers)},
                   {"members", NullOr(v.limits.members)}};
  o["billing_managers_used"] = v.billing_managers_used;
  o["member_count"] = v.member_count;
  if (v.credit_card.has_value()) {
    o["credit_card"] = v.credit_card->has_value()
                           ? json::value(Card(**v.credit_card))
                           : json::value(nullptr);
  }
  if (v.payments.has_value()) o["payments"] = Array(*v.payments, Payment);
  if (v.rum.has_value()) o["rum"] = Rum(*v.rum);
  return o;
}

json::object Json(const p::AuditLogView& v) {
  json::object o;
  o["events"] = Array(v.events, [](const p::AuditItem& a) {
    return json::object{{"position", a.position},
                        {"time", Time(a.time)},
                        {"type", a.type},
                        {"actor", a.actor},
                        {"summary", a.summary}};
  });
  SetNext(o, v.next);
  return o;
}

json::object Json(const p::AuthorizeView& v) {
  return json::object{{"allowed", v.allowed}, {"scope", v.scope}};
}

}  // namespace

json::object ViewJson(const projections::View& view) {
  return std::visit([](const auto& v) { return Json(v); }, view);
}

}  // namespace orgledger::wire
