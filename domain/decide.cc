// Decide: dispatch and the checks every command shares. The rules of each
// command are in decide_*.cc; each provides Validate (field values, pure of
// state), Allowed (forbidden) and Rules (the domain rules).
#include "domain/decide.h"

#include "domain/decide_internal.h"
#include "domain/validation.h"

namespace orgledger::domain {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

namespace internal {

Decision Reject(Code code, std::string message) {
  Decision d;
  d.error = Status(code, std::move(message));
  return d;
}

Decision Accept(std::vector<Event> events) {
  Decision d;
  d.events = std::move(events);
  return d;
}

Status Forbidden(std::string what) {
  return Status(Code::kForbidden, std::move(what));
}

Status ValidateActor(const Actor& actor) {
  if (actor.system) {
    if (Status s = ValidateId("actor.system", actor.service); !s.ok()) return s;
    return Status::Ok();
  }
  if (Status s = ValidateId("actor.id", actor.id); !s.ok()) return s;
  Result<std::string> email = ValidateEmail("actor.email", actor.email);
  if (!email.ok()) return email.status();
  return ValidateFreeText("actor.name", actor.name);
}

Status RequirePermission(const OrgState& state, const Actor& actor,
                         Permission p) {
  if (Authorize(state, actor, p).allowed) return Status::Ok();
  return Forbidden(std::string(actor.system ? "system actors" : "you") +
                   " may not do this (" + std::string(PermissionName(p)) + ")");
}

std::string LimitText(const std::optional<std::uint32_t>& max) {
  return max.has_value() ? std::to_string(*max) : "unlimited";
}

}  // namespace internal

namespace {

using namespace internal;

}  // namespace

Decision Decide(const OrgState& state, const CommandEnvelope& envelope,
                Context& context) {
  const Actor& actor = envelope.actor;
  const bool creating =
      std::holds_alternative<CreateOrganization>(envelope.command);

  // 1. Field values.
  if (Status s = ValidateSlug("org", envelope.org); !s.ok()) {
    return Reject(s.code(), s.message());
  }
  if (Status s = ValidateActor(actor); !s.ok()) {
    return Reject(s.code(), s.message());
  }
  Status valid = std::visit([&](const auto& c) { return Validate(c, context); },
                            envelope.command);
  if (!valid.ok()) return Reject(valid.code(), valid.message());

  // 2. The organization exists.
  if (!creating && !state.exists) {
    return Reject(Code::kNotFound,
                  "organization " + envelope.org + " does not exist");
  }

  // 3. The actor may do it.
  Status allowed =
      std::visit([&](const auto& c) { return Allowed(state, actor, c); },
                 envelope.command);
  if (!allowed.ok()) return Reject(allowed.code(), allowed.message());

  // 4. The version the caller last saw.
  if (envelope.expected_version.has_value() &&
      *envelope.expected_version != state.version) {
    return Reject(Code::kConcurrencyConflict,
                  "organization " + envelope.org + " is at version " +
                      std::to_string(state.version) + ", not " +
                      std::to_string(*envelope.expected_version));
  }

  // 5. The domain rules.
  return std::visit(
      [&](const auto& c) { return Rules(state, envelope, c, context); },
      envelope.command);
}

namespace {

constexpr std::string_view kOps[] = {"create_organization",
                                     "invite_member",
                                     "create_member_invite_link",
                                     "invite_billing_manager",
                                     "create_billing_manager_invite_link",
                                     "resend_invite",
                                     "revoke_invite",
                                     "accept_invite",
                                     "remove_member",
                                     "change_role",
                                     "remove_billing_manager",
                                     "create_team",
                                     "delete_team",
                                     "update_credit_card",
                                     "change_subscription",
                                     "record_payment",
                                     "record_resource_count",
                                     "record_invite_email_failure"};
static_assert(std::size(kOps) == std::variant_size_v<Command>);

}  // namespace

std::string_view CommandOpName(const Command& c) { return kOps[c.index()]; }

std::span<const std::string_view> CommandOpNames() { return kOps; }

}  // namespace orgledger::domain
