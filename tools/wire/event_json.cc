#include "tools/wire/event_json.h"

#include "base/overloaded.h"
#include "base/time.h"
#include "projections/builtin.h"

namespace orgledger::wire {
namespace {

namespace json = boost::json;
using namespace domain;

json::string Time(Micros t) { return json::string(FormatRfc3339(t)); }
json::string Name(std::string_view s) { return json::string(s); }

json::object PaymentJson(const Payment& p) {
  return {{"payment_id", p.payment_id},
          {"amount_cents", p.amount_cents},
          {"currency", p.currency},
          {"status", Name(PaymentStatusName(p.status))},
          {"paid_at", Time(p.paid_at)}};
}

json::object Data(const Event& event) {
  return std::visit(
      Overloaded{
          [](const OrganizationCreated& c) -> json::object {
            return {{"org", c.org},
                    {"edition", c.edition},
                    {"creator_id", c.creator_id},
                    {"creator_email", c.creator_email},
                    {"creator_name", c.creator_name},
                    {"created_at", Time(c.created_at)}};
          },
          [](const InviteSent& c) -> json::object {
            json::object o{{"invite_id", c.invite_id},
                           {"role", Name(RoleName(c.role))},
                           {"channel", Name(ChannelName(c.channel))},
                           {"invited_by", c.invited_by},
                           {"sent_at", Time(c.sent_at)}};
            if (c.channel == Channel::kEmail) o["email"] = c.email;
            return o;
          },
          [](const InviteResent& c) -> json::object {
            return {{"invite_id", c.invite_id}, {"sent_at", Time(c.sent_at)}};
          },
          [](const InviteRevoked& c) -> json::object {
            return {{"invite_id", c.invite_id}, {"revoked_by", c.revoked_by}};
          },
          [](const InviteAccepted& c) -> json::object {
            return {{"invite_id", c.invite_id},
                    {"user_id", c.user_id},
                    {"name", c.name},
                    {"email", c.email},
                    {"role", Name(RoleName(c.role))},
                    {"accepted_at", Time(c.accepted_at)}};
          },
          [](const InviteAcceptFailed& c) -> json::object {
            return {{"invite_id", c.invite_id},
                    {"code", c.code},
                    {"actor_id", c.actor_id},
                    {"actor_email", c.actor_email},
                    {"at", Time(c.at)}};
          },
          [](const MemberRemoved& c) -> json::object {
            return {{"user_id", c.user_id},
                    {"removed_by", c.removed_by},
                    {"left", c.left}};
          },
          [](const RoleChanged& c) -> json::object {
            return {{"user_id", c.user_id},
                    {"from", Name(RoleName(c.from))},
                    {"to", Name(RoleName(c.to))},
                    {"changed_by", c.changed_by}};
          },
          [](const BillingManagerRemoved& c) -> json::object {
            return {{"user_id", c.user_id},
                    {"removed_by", c.removed_by},
                    {"left", c.left}};
          },
          [](const TeamCreated& c) -> json::object {
            return {{"team", c.team}, {"name", c.name}};
          },
          [](const TeamDeleted& c) -> json::object {
            return {{"team", c.team}, {"name", c.name}};
          },
          [](const CreditCardUpdated& c) -> json::object {
            return {{"brand", c.card.brand},
                    {"last4", c.card.last4},
                    {"exp_month", c.card.exp_month},
                    {"exp_year", c.card.exp_year},
                    {"holder_name", c.card.holder_name}};
          },
          [](const SubscriptionChanged& c) -> json::object {
            return {{"from", c.from}, {"to", c.to}};
          },
          [](const PaymentRecorded& c) -> json::object {
            return PaymentJson(c.payment);
          },
          [](const PaymentStatusChanged& c) -> json::object {
            json::object o = PaymentJson(c.payment);
            o["from"] = Name(PaymentStatusName(c.from));
            return o;
          },
          [](const ResourceCountRecorded& c) -> json::object {
            return {{"count", c.count}, {"at", Time(c.at)}};
          },
          [](const InviteEmailFailed& c) -> json::object {
            return {{"invite_id", c.invite_id},
                    {"reason", c.reason},
                    {"at", Time(c.at)}};
          },
          [](const PersonErased& c) -> json::object {
            return {
                {"erasure_id", c.erasure_id}, {"by", c.by}, {"at", Time(c.at)}};
          },
      },
      event);
}

json::object ActorJson(const Actor& a) {
  if (a.system) return {{"system", a.service}};
  return {{"id", a.id}, {"email", a.email}, {"name", a.name}};
}

std::string ActorText(const Actor& a) {
  return a.system ? "system:" + a.service : a.id;
}

}  // namespace

json::object EventToJson(const projections::ProjectedEvent& e) {
  json::object o{{"position", e.position},
                 {"org", e.org},
                 {"version", e.version},
                 {"type", Name(EventTypeName(e.event))},
                 {"time", Time(e.meta.recorded_at)},
                 {"actor", ActorJson(e.meta.actor)},
                 {"correlation_id", e.meta.correlation_id},
                 {"causation_id", e.meta.causation_id}};
  if (!e.meta.idempotency_key.empty()) {
    o["idempotency_key"] = e.meta.idempotency_key;
  }
  o["summary"] = projections::AuditSummary(e);
  o["data"] = Data(e.event);
  return o;
}

std::string EventToText(const projections::ProjectedEvent& e) {
  return std::to_string(e.position) + " " + FormatRfc3339(e.meta.recorded_at) +
         " " + e.org + " v" + std::to_string(e.version) + " " +
         std::string(EventTypeName(e.event)) + " " + ActorText(e.meta.actor) +
         ": " + projections::AuditSummary(e);
}

}  // namespace orgledger::wire
