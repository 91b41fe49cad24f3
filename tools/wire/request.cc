#include "tools/wire/request.h"

#include <boost/json/value.hpp>
#include <set>
#include <span>
#include <vector>

#include "base/time.h"
#include "domain/validation.h"
#include "tools/wire/strict_json.h"

namespace orgledger::wire {
namespace {

namespace json = boost::json;

std::string Join(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

Status Shape(std::string message) {
  return Status(Code::kInvalidRequest, std::move(message));
}

// Reads the fields of one JSON object, each at most once; Finish() names
// any field nobody asked for. The first error is kept.
class Fields {
 public:
  Fields(const json::object& o, std::string where)
      : o_(o), where_(std::move(where)) {}

  std::optional<std::string> String(std::string_view name, bool required) {
    const json::value* v = Take(name, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return Wrong(name, "a string");
    return std::string(v->as_string());
  }
  std::string Required(std::string_view name) {
    return String(name, true).value_or("");
  }
  std::optional<std::int64_t> Int(std::string_view name, bool required) {
    const json::value* v = Take(name, required);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= INT64_MAX) {
      return static_cast<std::int64_t>(v->as_uint64());
    }
    Wrong(name, "an integer");
    return std::nullopt;
  }
  std::optional<std::uint64_t> Unsigned(std::string_view name) {
    const json::value* v = Take(name, false);
    if (v == nullptr) return std::nullopt;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) {
      return static_cast<std::uint64_t>(v->as_int64());
    }
    Wrong(name, "a non-negative integer");
    return std::nullopt;
  }
  const json::object* Object(std::string_view name, bool required) {
    const json::value* v = Take(name, required);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Wrong(name, "an object");
      return nullptr;
    }
    return &v->as_object();
  }
  // An RFC 3339 time; a string that is not one is invalid_argument.
  domain::Micros Time(std::string_view name) {
    std::optional<std::string> text = String(name, true);
    if (!text.has_value()) return 0;
    std::optional<UnixMicros> t = ParseRfc3339(*text);
    if (!t.has_value() && status_.ok()) {
      status_ = InvalidArgument(
          std::string(name) + ": not an RFC 3339 time (2026-11-24T07:00:00Z)");
    }
    return t.value_or(0);
  }
  // A moment: a position (an integer) or an RFC 3339 time (a string).
  std::optional<projections::AsOf> AsOf(std::string_view name) {
    const json::value* v = Take(name, false);
    if (v == nullptr) return std::nullopt;
    projections::AsOf out;
    if (v->is_uint64() || (v->is_int64() && v->as_int64() >= 0)) {
      out.position = v->is_uint64() ? v->as_uint64()
                                    : static_cast<std::uint64_t>(v->as_int64());
      return out;
    }
    if (!v->is_string()) {
      Wrong(name, "a log position or an RFC 3339 time");
      return std::nullopt;
    }
    std::optional<UnixMicros> t = ParseRfc3339(v->as_string());
    if (!t.has_value()) {
      Fail(InvalidArgument(std::string(name) +
                           ": not a log position or an RFC 3339 time "
                           "(2026-03-01T00:00:00Z)"));
      return std::nullopt;
    }
    out.time = *t;
    return out;
  }
  bool Has(std::string_view name) const { return o_.contains(name); }
  // The first error so far.
  const Status& status() const { return status_; }

  // The first type error; else every missing field, named at once, and the
  // first unknown field with the fields that are known here.
  Status Finish() {
    if (!status_.ok()) return status_;
    std::string message;
    if (!missing_.empty()) {
      std::string names;
      for (const std::string& m : missing_) {
        names += (names.empty() ? "\"" : ", \"") + m + "\"";
      }
      message = (missing_.size() == 1 ? "missing field " : "missing fields ") +
                names + where_;
    }
    for (const auto& kv : o_) {
      if (used_.contains(std::string(kv.key()))) continue;
      std::string known;
      for (const std::string& name : asked_) {
        known += (known.empty() ? "" : ", ") + name;
      }
      message += (message.empty() ? "" : "; ") +
                 std::string("unknown field \"") + std::string(kv.key()) +
                 "\"" + where_ + " (the fields here: " + known + ")";
      break;
    }
    return message.empty() ? Status::Ok() : Shape(std::move(message));
  }
  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
  }

 private:
  const json::value* Take(std::string_view name, bool required) {
    if (used_.insert(std::string(name)).second) asked_.emplace_back(name);
    const json::value* v = o_.if_contains(name);
    if (v == nullptr && required) missing_.emplace_back(name);
    return v;
  }
  std::nullopt_t Wrong(std::string_view name, const char* type) {
    Fail(Shape("field \"" + std::string(name) + "\" must be " + type + where_));
    return std::nullopt;
  }

  const json::object& o_;
  std::string where_;
  std::set<std::string> used_;
  std::vector<std::string> asked_;    // used_, in the order asked
  std::vector<std::string> missing_;  // required and absent
  Status status_;
};

Result<domain::Actor> DecodeActor(const json::object* o, const char* field) {
  Fields f(*o, std::string(" in ") + field);
  domain::Actor actor;
  if (o->contains("system")) {
    actor = domain::Actor::System(f.Required("system"));
  } else {
    // One by one: missing fields are named in this order.
    std::string id = f.Required("id");
    std::string email = f.Required("email");
    actor = domain::Actor::Person(std::move(id), std::move(email),
                                  f.Required("name"));
  }
  if (Status s = f.Finish(); !s.ok()) return s;
  return actor;
}

// Reads the fields of `op` into a command.
Result<domain::Command> DecodeCommand(const std::string& op, Fields& f) {
  using namespace domain;
  if (op == "create_organization")
    return Command(CreateOrganization{f.Required("edition")});
  if (op == "invite_member") {
    std::string email = f.Required("email");
    return Command(InviteMember{email, f.Required("role")});
  }
  if (op == "create_member_invite_link") {
    return Command(CreateMemberInviteLink{f.Required("role")});
  }
  if (op == "invite_billing_manager") {
    return Command(InviteBillingManager{f.Required("email")});
  }
  if (op == "create_billing_manager_invite_link") {
    return Command(CreateBillingManagerInviteLink{});
  }
  if (op == "resend_invite")
    return Command(ResendInvite{f.Required("invite_id")});
  if (op == "revoke_invite")
    return Command(RevokeInvite{f.Required("invite_id")});
  if (op == "accept_invite") {
    AcceptInvite a{f.String("invite_id", false), f.String("token", false)};
    if (!f.Has("invite_id") && !f.Has("token")) {
      f.Fail(
          Shape("accept_invite needs \"invite_id\" (email invitations) or "
                "\"token\" (links)"));
    }
    return Command(std::move(a));
  }
  if (op == "remove_member")
    return Command(RemoveMember{f.Required("user_id")});
  if (op == "change_role") {
    std::string user = f.Required("user_id");
    return Command(ChangeRole{user, f.Required("role")});
  }
  if (op == "remove_billing_manager") {
    return Command(RemoveBillingManager{f.Required("user_id")});
  }
  if (op == "create_team") {
    std::string team = f.Required("team");
    return Command(CreateTeam{team, f.Required("name")});
  }
  if (op == "delete_team") return Command(DeleteTeam{f.Required("team")});
  if (op == "update_credit_card") {
    const json::object* card = f.Object("card", true);
    if (card == nullptr) return Command(UpdateCreditCard{});
    Fields c(*card, " in card");
    CreditCard cc;
    cc.processor_token = c.Required("processor_token");
    cc.brand = c.Required("brand");
    cc.last4 = c.Required("last4");
    const std::int64_t month = c.Int("exp_month", true).value_or(0);
    const std::int64_t year = c.Int("exp_year", true).value_or(0);
    cc.holder_name = c.Required("holder_name");
    if (Status s = c.Finish(); !s.ok()) f.Fail(s);
    // Out of int32 range is a value the rules refuse, not a shape error.
    cc.exp_month =
        month < INT32_MIN || month > INT32_MAX ? -1 : static_cast<int>(month);
    cc.exp_year =
        year < INT32_MIN || year > INT32_MAX ? -1 : static_cast<int>(year);
    return Command(UpdateCreditCard{cc});
  }
  if (op == "change_subscription") {
    return Command(ChangeSubscription{f.Required("edition")});
  }
  if (op == "record_payment") {
    RecordPayment p;
    p.payment_id = f.Required("payment_id");
    p.amount_cents = f.Int("amount_cents", true).value_or(0);
    p.currency = f.Required("currency");
    p.status = f.Required("status");
    p.paid_at = f.Time("paid_at");
    return Command(p);
  }
  if (op == "record_resource_count") {
    RecordResourceCount r;
    r.count = f.Int("count", true).value_or(0);
    r.at = f.Time("at");
    return Command(r);
  }
  if (op == "record_invite_email_failure") {
    RecordInviteEmailFailure r;
    r.invite_id = f.Required("invite_id");
    r.reason = f.Required("reason");
    return Command(r);
  }
  return Shape("unknown op \"" + op +
               "\" (the ops: " + Join(domain::CommandOpNames()) + ")");
}

Result<Request> DecodeCommandRequest(const json::object& o) {
  Fields f(o, "");
  CommandWire wire;
  commands::CommandRequest& r = wire.request;
  const std::string op = f.Required("op");
  if (!f.status().ok()) return f.status();
  // The op first: an unknown one is the most useful thing to say.
  Result<domain::Command> command = DecodeCommand(op, f);
  if (!command.ok()) return command.status();
  r.envelope.org = f.Required("org");
  const json::object* actor = f.Object("actor", true);
  r.idempotency_key = f.String("idempotency_key", false);
  r.envelope.expected_version = f.Unsigned("expected_version");
  std::optional<std::string> correlation = f.String("correlation_id", false);
  if (Status s = f.Finish(); !s.ok()) return s;
  if (correlation.has_value()) {
    // Given, it must be valid; "" would otherwise read as "not given".
    if (Status s = domain::ValidateCorrelationId(*correlation); !s.ok()) {
      return s;
    }
    r.correlation_id = std::move(*correlation);
  }
  Result<domain::Actor> a = DecodeActor(actor, "actor");
  if (!a.ok()) return a.status();
  r.envelope.actor = std::move(*a);
  r.envelope.command = std::move(*command);
  return Request(std::move(wire));
}

Result<Request> DecodeQueryRequest(const json::object& o) {
  Fields f(o, "");
  QueryWire wire;
  projections::ViewRequest& r = wire.request;
  r.view = f.Required("view");
  r.org = f.Required("org");
  const json::object* viewer = f.Object("viewer", true);
  wire.min_position = f.Unsigned("min_position");
  if (!f.status().ok()) return f.status();
  if (!projections::IsViewName(r.view)) {
    return Shape("unknown view \"" + r.view +
                 "\" (the views: " + Join(projections::ViewNames()) + ")");
  }
  if (r.view != "authorize") r.as_of = f.AsOf("as_of");
  if (r.view == "authorize") r.permission = f.String("permission", true);
  if (r.view == "rum" || r.view == "billing")
    r.month = f.String("month", false);
  if (r.view == "audit_log" || r.view == "payments" || r.view == "members") {
    r.limit = f.Int("limit", false);
    r.before = f.Unsigned("before");
  }
  if (Status s = f.Finish(); !s.ok()) return s;
  Result<domain::Actor> v = DecodeActor(viewer, "viewer");
  if (!v.ok()) return v.status();
  r.viewer = std::move(*v);
  return Request(std::move(wire));
}

}  // namespace

Result<Request> DecodeRequest(std::string_view text) {
  if (text.size() > kMaxRequestBytes) {
    return Shape("request is larger than 1 MiB");
  }
  Result<json::value> parsed = ParseStrictJson(text);
  if (!parsed.ok()) return parsed.status();
  const json::value& v = *parsed;
  if (!v.is_object()) return Shape("a request must be a JSON object");
  const json::object& o = v.as_object();
  const bool command = o.contains("op");
  const bool query = o.contains("view");
  if (command == query) {
    return Shape(command ? "a request has \"op\" or \"view\", not both"
                         : "a request needs \"op\" (a command) or \"view\" "
                           "(a query)");
  }
  return command ? DecodeCommandRequest(o) : DecodeQueryRequest(o);
}

Result<domain::EditionCatalog> DecodeEditions(std::string_view text) {
  Result<json::value> parsed = ParseStrictJson(text);
  if (!parsed.ok()) {
    return InvalidArgument("editions: " + parsed.status().message());
  }
  const json::value& v = *parsed;
  if (!v.is_object() || v.as_object().empty()) {
    return InvalidArgument("editions: must be a non-empty JSON object");
  }
  std::map<std::string, domain::EditionLimits> editions;
  for (const auto& kv : v.as_object()) {
    const std::string name(kv.key());
    if (!kv.value().is_object()) {
      return InvalidArgument("editions: " + name + " must be an object");
    }
    domain::EditionLimits limits;
    for (const auto& field : kv.value().as_object()) {
      std::optional<std::uint32_t>* target = nullptr;
      if (field.key() == "billing_managers") target = &limits.billing_managers;
      if (field.key() == "members") target = &limits.members;
      if (target == nullptr) {
        return InvalidArgument("editions: " + name + ": unknown limit \"" +
                               std::string(field.key()) + "\"");
      }
      const json::value& n = field.value();
      if (n.is_null()) continue;
      if (n.is_int64() && n.as_int64() >= 0 && n.as_int64() <= UINT32_MAX) {
        *target = static_cast<std::uint32_t>(n.as_int64());
      } else {
        return InvalidArgument("editions: " + name + "." +
                               std::string(field.key()) +
                               " must be a non-negative integer or null");
      }
    }
    editions.emplace(name, limits);
  }
  return domain::EditionCatalog(std::move(editions));
}

}  // namespace orgledger::wire
