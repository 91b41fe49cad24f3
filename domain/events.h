// The events of SPEC §3.2: past-tense facts, each carrying what a reader
// needs without looking elsewhere. Their encoding (domain/codec/) is fixed
// once golden logs exist: add fields only through a new schema version.
#ifndef ORGLEDGER_DOMAIN_EVENTS_H_
#define ORGLEDGER_DOMAIN_EVENTS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "domain/types.h"

namespace orgledger::domain {

struct OrganizationCreated {
  std::string org;
  std::string edition;
  std::string creator_id;
  std::string creator_email;
  std::string creator_name;
  Micros created_at = 0;
  friend bool operator==(const OrganizationCreated&,
                         const OrganizationCreated&) = default;
};

struct InviteSent {
  std::string invite_id;
  Role role = Role::kMember;
  Channel channel = Channel::kEmail;
  std::string email;       // email channel only, as given
  std::string token_hash;  // link channel only: hex SHA-256 of the token
  std::string invited_by;  // user id
  Micros sent_at = 0;
  friend bool operator==(const InviteSent&, const InviteSent&) = default;
};

struct InviteResent {
  std::string invite_id;
  Micros sent_at = 0;
  friend bool operator==(const InviteResent&, const InviteResent&) = default;
};

struct InviteRevoked {
  std::string invite_id;
  std::string revoked_by;
  friend bool operator==(const InviteRevoked&, const InviteRevoked&) = default;
};

struct InviteAccepted {
  std::string invite_id;
  std::string user_id;
  std::string name;
  std::string email;
  Role role = Role::kMember;
  Micros accepted_at = 0;
  friend bool operator==(const InviteAccepted&,
                         const InviteAccepted&) = default;
};

struct InviteAcceptFailed {
  std::string invite_id;
  std::string code;  // a SPEC §3.3 code name
  std::string actor_id;
  std::string actor_email;
  Micros at = 0;
  friend bool operator==(const InviteAcceptFailed&,
                         const InviteAcceptFailed&) = default;
};

struct MemberRemoved {
  std::string user_id;
  std::string removed_by;
  bool left = false;  // removed_by == user_id
  friend bool operator==(const MemberRemoved&, const MemberRemoved&) = default;
};

struct RoleChanged {
  std::string user_id;
  Role from = Role::kMember;
  Role to = Role::kMember;
  std::string changed_by;
  friend bool operator==(const RoleChanged&, const RoleChanged&) = default;
};

struct BillingManagerRemoved {
  std::string user_id;
  std::string removed_by;
  bool left = false;
  friend bool operator==(const BillingManagerRemoved&,
                         const BillingManagerRemoved&) = default;
};

struct TeamCreated {
  std::string team;
  std::string name;
  friend bool operator==(const TeamCreated&, const TeamCreated&) = default;
};

struct TeamDeleted {
  std::string team;
  std::string name;
  friend bool operator==(const TeamDeleted&, const TeamDeleted&) = default;
};

struct CreditCard {
  std::string processor_token;
  std::string brand;
  std::string last4;
  std::int32_t exp_month = 0;
  std::int32_t exp_year = 0;
  std::string holder_name;
  friend bool operator==(const CreditCard&, const CreditCard&) = default;
};

struct CreditCardUpdated {
  CreditCard card;
  friend bool operator==(const CreditCardUpdated&,
                         const CreditCardUpdated&) = default;
};

struct SubscriptionChanged {
  std::string from;
  std::string to;
  friend bool operator==(const SubscriptionChanged&,
                         const SubscriptionChanged&) = default;
};

struct Payment {
  std::string payment_id;
  std::int64_t amount_cents = 0;
  std::string currency;
  PaymentStatus status = PaymentStatus::kSucceeded;
  Micros paid_at = 0;
  friend bool operator==(const Payment&, const Payment&) = default;
};

struct PaymentRecorded {
  Payment payment;
  friend bool operator==(const PaymentRecorded&,
                         const PaymentRecorded&) = default;
};

struct PaymentStatusChanged {
  Payment payment;  // with the new status
  PaymentStatus from = PaymentStatus::kSucceeded;
  friend bool operator==(const PaymentStatusChanged&,
                         const PaymentStatusChanged&) = default;
};

struct ResourceCountRecorded {
  std::int64_t count = 0;
  Micros at = 0;
  friend bool operator==(const ResourceCountRecorded&,
                         const ResourceCountRecorded&) = default;
};

// The invitation's email was given up: the mail server refused it for
// good (`reason`, its words), recorded by the host's mailer so that the
// organization's admins see it on the pending invitation.
struct InviteEmailFailed {
  std::string invite_id;
  std::string reason;
  Micros at = 0;
  friend bool operator==(const InviteEmailFailed&,
                         const InviteEmailFailed&) = default;
};

// A person was erased (SPEC §10): recorded in the stream kErasuresStream,
// never an organization's, with nothing that identifies the person. The
// organizations they were in are kept beside the log with the id
// (privacy/person_keys.h), for the projections that fold them again.
struct PersonErased {
  std::string erasure_id;
  std::string by;  // the operator, as given
  Micros at = 0;
  friend bool operator==(const PersonErased&, const PersonErased&) = default;
};

// The stream of PersonErased: no organization can take the name (an org
// id never starts with '_').
inline constexpr char kErasuresStream[] = "_erasures";

using Event =
    std::variant<OrganizationCreated, InviteSent, InviteResent, InviteRevoked,
                 InviteAccepted, InviteAcceptFailed, MemberRemoved, RoleChanged,
                 BillingManagerRemoved, TeamCreated, TeamDeleted,
                 CreditCardUpdated, SubscriptionChanged, PaymentRecorded,
                 PaymentStatusChanged, ResourceCountRecorded, InviteEmailFailed,
                 PersonErased>;

// The fixed type names of the events, in the order of the Event variant:
// the one list (the codec, replay's --type and the fuzzers read it).
inline constexpr std::array<std::string_view, 18> kEventTypeNames = {
    "OrganizationCreated",   "InviteSent",        "InviteResent",
    "InviteRevoked",         "InviteAccepted",    "InviteAcceptFailed",
    "MemberRemoved",         "RoleChanged",       "BillingManagerRemoved",
    "TeamCreated",           "TeamDeleted",       "CreditCardUpdated",
    "SubscriptionChanged",   "PaymentRecorded",   "PaymentStatusChanged",
    "ResourceCountRecorded", "InviteEmailFailed", "PersonErased"};
static_assert(kEventTypeNames.size() == std::variant_size_v<Event>);

// The fixed type name of an event ("OrganizationCreated", ...).
inline std::string_view EventTypeName(const Event& e) {
  return kEventTypeNames[e.index()];
}

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_EVENTS_H_
